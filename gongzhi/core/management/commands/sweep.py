"""`gongzhi sweep`: run every app's sweeps once (for cron, or by hand): the appeals' deadline sweep
and unrated auto-close, and whatever else an app registers in gongzhi.core.periodic."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from gongzhi.core import periodic


class Command(BaseCommand):
    help = "Run the deadline sweep and close unrated appeals once (for cron instead of `gongzhi worker`)"

    def add_arguments(self, parser):
        for sweep in periodic.SWEEPS.values():  # --no-auto-close: only sweep deadlines
            parser.add_argument(f"--no-{sweep.name}", action="store_true", dest=f"no_{sweep.name.replace('-', '_')}",
                                help=f"leave out {sweep.help or sweep.name}")

    def handle(self, *args, **options):
        skip = [name for name in periodic.SWEEPS if options.get(f"no_{name.replace('-', '_')}")]
        for line in periodic.run_sweeps(skip=skip):
            self.stdout.write(line)
