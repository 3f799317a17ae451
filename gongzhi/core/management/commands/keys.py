"""`gongzhi keys new | status | rotate`: the keys that seal phone and ID numbers at rest (core.crypto)."""
from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import crypto


class Command(BaseCommand):
    help = ("Manage the keys that encrypt phone and ID numbers at rest: print a new key, count the rows "
            "under each key, or re-seal every row under the first key of GONGZHI_DATA_KEYS")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("new", help="print a new random key (put it first in GONGZHI_DATA_KEYS, keep the old after it)")
        sub.add_parser("status", help="rows per key and not yet sealed, for every encrypted field")
        rotate = sub.add_parser("rotate", help="re-seal every row under the first key (safe while the platform runs)")
        rotate.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")

    def handle(self, *args, action, **options):
        if action == "new":
            self.stdout.write(crypto.new_key())
            return
        try:
            current = crypto.current_key_id()
            if action == "status":
                self._status(current)
                return
            if options["batch"] < 1:
                raise CommandError("--batch must be at least 1")
            total = 0
            for model, fields in crypto.sealed_fields():
                changed = crypto.reseal(model, fields, batch=options["batch"])
                total += changed
                if changed:
                    self.stdout.write(f"{model._meta.label}: {changed} rows re-sealed")
        except crypto.DataKeyError as exc:
            raise CommandError(f"{exc}: list every key still in use in GONGZHI_DATA_KEYS") from None
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"rotated=1 key={current} rows={total}")

    def _status(self, current: str) -> None:
        others = 0
        for label, field, tally in crypto.status():
            parts = ", ".join(f"{'current ' if kid == current else ''}{kid}={n}" for kid, n in sorted(tally.items(), key=lambda kv: (kv[0] != current, kv[0])))
            self.stdout.write(f"{label}.{field}: {parts or 'no values'}")
            others += sum(n for kid, n in tally.items() if kid != current)
        self.stdout.write(f"key={current} rows_not_under_it={others}")
