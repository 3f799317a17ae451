"""`gongzhi opendata --out DIR`: write the current anonymised open-data export into DIR."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Write the anonymised open-data export (CSV and JSON, see docs/opendata.md) into DIR"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="output folder (created if missing)")

    def handle(self, *args, out: str, **options):
        from gongzhi.evaluation import opendata

        folder = Path(out)
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"--out {out}: not a folder")
        try:
            result = opendata.export(folder)
        except OSError as exc:
            raise CommandError(f"--out {out}: {exc.strerror}") from None
        self.stdout.write(f"rows={result['rows']} csv={result['csv']} json={result['json']}")
