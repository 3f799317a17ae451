"""`gongzhi backup OUT`: database, uploads and trained models in one file, while the platform runs
(gongzhi/core/backup.py)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import backup


class Command(BaseCommand):
    help = ("Back up the database (a consistent snapshot while the site runs), the uploads and the trained "
            "models into one file.")

    def add_arguments(self, parser):
        parser.add_argument("out", help="the backup file to write (e.g. /backup/gongzhi-2026-12-03.backup)")

    def handle(self, *args, out, **opts):
        try:
            manifest = backup.backup(out)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(f"backed up {len(manifest['tables'])} tables ({rows} rows, {manifest['engine']}) and "
                          f"{len(manifest['files'])} files to {out}")
