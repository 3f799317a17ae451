"""gongzhi export appeals --format csv|json|xlsx [--status S] [--since D] [--until D] [--department CODE]
[--category CODE] [--source SYSTEM] [--out FILE] [--user USERNAME [--with-personal-data]]"""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from gongzhi.appeals import exporting


class Command(BaseCommand):
    help = ("Export appeals. Personal data is left out unless --user names someone allowed to see it and "
            "--with-personal-data asks for it; that export is audited. With --user, only their scope is exported.")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["appeals"])
        parser.add_argument("--format", dest="fmt", choices=["csv", "json", "xlsx"], default="csv")
        parser.add_argument("--out", help="output file (default: standard output; required for xlsx)")
        parser.add_argument("--status", help="comma-separated: received, dispatched, handling, replied, closed, "
                                             "merged, or open")
        parser.add_argument("--since", help="received on or after this date (YYYY-MM-DD)")
        parser.add_argument("--until", help="received on or before this date (YYYY-MM-DD)")
        parser.add_argument("--department", help="lead department code or name")
        parser.add_argument("--category", help="category code or name (its subcategories included)")
        parser.add_argument("--source", help="only appeals imported from this source system (as its mapping names it)")
        parser.add_argument("--user", help="export as this user: their scope, their right to personal data")
        parser.add_argument("--with-personal-data", action="store_true",
                            help="include appellant name, phone and ID number (needs --user; audited)")

    def handle(self, *args, what, fmt, out=None, status=None, since=None, until=None, department=None, category=None,
               source=None, user=None, with_personal_data=False, **options):
        kwargs = dict(status=status, since=since, until=until, department=department, category=category, source=source,
                      username=user, with_personal_data=with_personal_data)
        try:
            if fmt == "xlsx" and not out:
                raise exporting.ExportError("XLSX is binary: give --out FILE.xlsx")
            if out:
                count = exporting.export_file(out, fmt, **kwargs)
            else:
                count = exporting.export(self.stdout, fmt, **kwargs)
        except exporting.ExportError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}") from None
        print(f"exported {count} appeals" + (f" to {out}" if out else ""), file=sys.stderr)
