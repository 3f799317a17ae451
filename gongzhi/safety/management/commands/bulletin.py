"""`gongzhi bulletin [--date YYYY-MM-DD] [--out F.docx] [--send] [--regenerate]`: the daily bulletin.

Without --date it is yesterday's bulletin. Run it every morning from cron or a systemd timer when
`gongzhi worker` (which schedules the same task itself) is not running, e.g.

    # crontab: 07:10 every day, make and send yesterday's bulletin
    10 7 * * *  cd /srv/gongzhi && .venv/bin/gongzhi bulletin --send

    # systemd: gongzhi-bulletin.service (Type=oneshot, ExecStart=/srv/gongzhi/.venv/bin/gongzhi bulletin --send)
    # and gongzhi-bulletin.timer with OnCalendar=*-*-* 07:10:00 and Persistent=true

A bulletin already stored for the day is reused (and not sent twice) unless --regenerate.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Generate the daily public-safety bulletin (日通报), optionally write the .docx and send it"

    def add_arguments(self, parser):
        parser.add_argument("--date", default="", help="the day the bulletin is about, YYYY-MM-DD (default yesterday)")
        parser.add_argument("--out", default="", help="write the bulletin as a .docx file here")
        parser.add_argument("--send", action="store_true", help="send it to the distribution list (once)")
        parser.add_argument("--regenerate", action="store_true", help="recompute a bulletin already stored")

    def handle(self, *args, date="", out="", send=False, regenerate=False, **options):
        from gongzhi.safety import bulletin as bl

        day = None
        if date:
            try:
                day = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date: expected YYYY-MM-DD, got {date!r}") from None
        if out:
            target = Path(out)
            if not target.parent.is_dir():
                raise CommandError(f"output folder does not exist: {target.parent}")
        b = bl.generate_bulletin(day, regenerate=regenerate, send=send)
        self.stdout.write(bl.headline(b.data))
        if out:
            Path(out).write_bytes(bl.render_docx(b))
            self.stdout.write(f"wrote {out}")
        if send:
            self.stdout.write(f"sent at {b.sent_at:%Y-%m-%d %H:%M}" if b.sent_at else "not sent")
