"""gongzhi grid import FILE.geojson [--dry-run] [--report FILE.json] [--tolerance M2]
gongzhi grid residents FILE.xlsx|FILE.csv [--dry-run] [--report FILE.csv]
gongzhi grid export-residents FILE.xlsx|FILE.csv --user ADMIN"""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.errors import ActionRefused


class Command(BaseCommand):
    help = "Grids and residents: import grid polygons (validated first), import or export residents."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="grid polygons from GeoJSON; checked for invalid geometry, "
                                            "bad codes, overlaps and gaps before anything is written")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        imp.add_argument("--report", help="also write the report as JSON to this file")
        imp.add_argument("--tolerance", type=float, default=1.0,
                         help="overlap area (m²) above which the import is refused (default 1)")
        res = sub.add_parser("residents", help="residents from .xlsx/.csv with a report of dirty rows")
        res.add_argument("file")
        res.add_argument("--dry-run", action="store_true")
        res.add_argument("--report", help="the dirty-row report (default: FILE.import-report.csv)")
        exp = sub.add_parser("export-residents", help="all residents to .xlsx/.csv (an administrator; audited)")
        exp.add_argument("file")
        exp.add_argument("--user", required=True, help="the administrator who exports (written to the audit log)")

    def handle(self, *args, action, **options):
        return getattr(self, "_" + action.replace("-", "_"))(**options)

    def _import(self, file, dry_run=False, report=None, tolerance=1.0, **_):
        from gongzhi.grid import geometry, services

        if tolerance < 0:
            raise CommandError("--tolerance must be 0 or more")
        try:
            data = json.loads(Path(file).read_text(encoding="utf-8"))
            geometry.read_collection(data)  # not GeoJSON at all: one line, before the database
            result, written = services.import_grids(data, dry_run=dry_run, tolerance_m2=tolerance)
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{file}: not JSON ({exc})") from None
        except geometry.GeoJSONError as exc:
            raise CommandError(f"{file}: {exc}") from None
        for line in result.lines():
            self.stdout.write(line)
        if report:
            Path(report).write_text(json.dumps(result.as_json(), ensure_ascii=False, indent=2), encoding="utf-8")
        if result.refused:
            raise CommandError("refused: nothing written (invalid features or overlaps above the tolerance)")
        self.stdout.write("dry run: nothing written" if dry_run else f"written: {written} grids, "
                          f"{len(result.communities)} community boundaries")

    def _residents(self, file, dry_run=False, report=None, **_):
        from gongzhi.core.tabular import RowReadError
        from gongzhi.grid.residents_io import import_residents

        if not Path(file).exists():
            raise CommandError(f"{file}: no such file")
        try:
            result = import_residents(Path(file), dry_run=dry_run)
        except RowReadError as exc:
            raise CommandError(str(exc)) from None
        path = Path(report) if report else Path(file).with_name(Path(file).stem + ".import-report.csv")
        result.write_report(path)
        self.stdout.write(result.summary() + (" (dry run: nothing written)" if dry_run else ""))
        if result.dirty:
            self.stdout.write(f"dirty rows: see {path}")

    def _export_residents(self, file, user, **_):
        from gongzhi.core.models import User
        from gongzhi.grid.residents_io import write_export

        admin = User.objects.filter(username=user).first()
        if admin is None:
            raise CommandError(f"no user {user!r}")
        try:
            n = write_export(admin, Path(file))
        except ActionRefused as exc:
            raise CommandError(str(exc)) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"exported: {n} residents to {file} (audited)")
