"""`gongzhi safety-import FILE --format toronto|sf`: load an incident file through a mapping preset;
`--format csv --mapping MAP.json` for any other export (see importing.preset_from_mapping).

Safe to run again: rows already imported are counted, not added. Dirty rows are listed with their
line numbers (first 20 here; --errors FILE writes all of them as CSV).
"""
from __future__ import annotations

import csv
import gzip
import zlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

import json

from gongzhi.core.spreadsheet import csv_writer
from gongzhi.safety.importing import PRESETS, import_incidents, preset_from_mapping


class Command(BaseCommand):
    help = "Import police incidents from a CSV (.csv or .csv.gz) with a mapping preset (toronto, sf)"

    def add_arguments(self, parser):
        parser.add_argument("file", help="incident file, .csv or .csv.gz")
        parser.add_argument("--format", required=True, choices=[*sorted(PRESETS), "csv"],
                            help="mapping preset; csv needs --mapping")
        parser.add_argument("--mapping", default="", help="JSON column mapping for --format csv")
        parser.add_argument("--region", default="", help="region code for incidents outside every grid")
        parser.add_argument("--limit", type=int, default=None, help="read at most this many rows")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--errors", default="", help="write every dirty row (line, message) to this CSV")

    def handle(self, *args, file, format, mapping="", region="", limit=None, batch_size=2000, errors="", **options):
        from gongzhi.core.models import Region

        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        reg = None
        if region:
            reg = Region.objects.filter(code=region).first()
            if reg is None:
                raise CommandError(f"unknown region code: {region}")
        if batch_size < 1 or (limit is not None and limit < 0):
            raise CommandError("--batch-size and --limit must be positive")
        preset = format
        if format == "csv" or mapping:
            if not mapping:
                raise CommandError("--format csv needs --mapping MAP.json")
            try:
                preset = preset_from_mapping(json.loads(Path(mapping).read_text(encoding="utf-8")))
            except OSError as exc:
                raise CommandError(f"cannot read {mapping}: {exc.strerror}") from None
            except ValueError as exc:  # JSONDecodeError is a ValueError
                raise CommandError(f"bad mapping {mapping}: {exc}") from None
        try:
            report = import_incidents(path, preset, limit=limit, batch_size=batch_size, region=reg)
        except KeyError as exc:
            raise CommandError(f"column {exc.args[0]!r} not found in {path} (is --format right?)") from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        except (UnicodeDecodeError, csv.Error, gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        self.stdout.write(report.summary())
        for line, message in report.messages[:20]:
            self.stdout.write(f"  line {line}: {message}")
        if len(report.messages) > 20:
            self.stdout.write(f"  ... {report.skipped + report.warnings - 20} more")
        if errors:
            with open(errors, "w", newline="", encoding="utf-8") as fh:
                w = csv_writer(fh)
                w.writerow(["line", "message"])
                w.writerows(report.messages)
