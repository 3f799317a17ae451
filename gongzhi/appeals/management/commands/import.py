"""gongzhi import appeals FILE --format sf|baltimore|nyc|zh-messages [--mapping FILE] [--report PATH]"""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from gongzhi.appeals import importing


class Command(BaseCommand):
    help = ("Import historical work orders from a CSV or XLSX export. Re-running is safe (no duplicates) and "
            "resumes an interrupted run. Problems go to a report CSV (beside the file, or --report).")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["appeals"], help="what to import")
        parser.add_argument("file", help="the .csv or .xlsx export")
        parser.add_argument("--format", dest="format_name",
                            help=f"a preset: {', '.join(sorted(importing.PRESETS))}")
        parser.add_argument("--mapping", help="a JSON or TOML column mapping for another system's export")
        parser.add_argument("--report", help="where to write the report (default: FILE.import-report.csv)")
        parser.add_argument("--batch-size", type=int, default=0, help="rows per transaction")
        parser.add_argument("--limit", type=int, default=None, help="only the first N data rows")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument("--no-copy", action="store_true", help="use bulk_create even on PostgreSQL")
        parser.add_argument("--initial-load", action="store_true",
                            help="PostgreSQL, new installations: one transaction with the appeal tables locked, "
                                 "indexes and foreign keys rebuilt at the end (much faster; all or nothing)")
        parser.add_argument("--workers", type=int, default=None,
                            help="CSV on PostgreSQL: processes converting rows (default: one per core less one, "
                                 "at least 2; 1 = none)")

    def handle(self, *args, what, file, format_name=None, mapping=None, report=None, batch_size=0, limit=None,
               dry_run=False, no_copy=False, initial_load=False, workers=None, **options):
        if workers is not None and not 1 <= workers <= 64:
            raise CommandError("--workers must be between 1 and 64")
        try:
            spec = importing.load_mapping(format_name, mapping)
            progress = importing.print_progress if sys.stderr.isatty() else None
            result = importing.import_file(file, spec, report_path=report, batch_size=batch_size, limit=limit,
                                           dry_run=dry_run, use_copy=False if no_copy else None, progress=progress,
                                           initial_load=initial_load, workers=workers)
        except importing.ImportError_ as exc:
            raise CommandError(str(exc)) from None
        except KeyboardInterrupt:
            if initial_load:
                raise CommandError("interrupted: an initial load is all or nothing, so nothing was written; "
                                   "run the same command again") from None
            raise CommandError("interrupted: the batches already committed stay; run the same command to resume") from None
        if progress:
            sys.stderr.write("\n")
        self.stdout.write(f"report: {result.report}")
        self.stdout.write(("dry run: " if dry_run else "") + result.summary())
        if result.imported and not dry_run:
            # History is loaded without the per-event hooks, so derived tables catch up in one pass.
            self.stderr.write("imported appeals count in the KPIs after: gongzhi kpi_rebuild; "
                              "waiting ones get triage suggestions with: gongzhi triage backlog")
