"""`gongzhi restore IN`: a backup of `gongzhi backup` into a fresh database and the data folder,
checked table by table against the backup's counts and checksums (gongzhi/core/backup.py)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import backup


class Command(BaseCommand):
    help = ("Restore a backup into a fresh database and the data folder, then check every table's rows and "
            "checksum against the backup.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="a file written by `gongzhi backup`")
        parser.add_argument("--replace", action="store_true",
                            help="drop the tables the configured database holds first (it must otherwise be empty)")

    def handle(self, *args, file, replace=False, **opts):
        try:
            report = backup.restore(file, replace=replace)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(r[1] or 0 for r in report.values())
        self.stdout.write(f"restored {len(report)} tables ({rows} rows); every table's row count and checksum "
                          "equal the backup's")
