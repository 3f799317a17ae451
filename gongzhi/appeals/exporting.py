"""Export of appeals as CSV, JSON or XLSX, with filters.

Personal data (appellant name, phone, ID number) stays out unless a named user asks for it and may
see it; such an export is written to the audit log. Free text is scrubbed of phone and ID numbers
in exports without personal data, as on the open-data pages.

CSV and XLSX go through gongzhi.core.spreadsheet: a title such as "=HYPERLINK(...)" stays text, and
control characters a row may already hold are left out instead of breaking the file. `export_file`
writes a file whole or not at all.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import IO

from django.contrib.auth import get_user_model
from django.utils import timezone

from gongzhi.core import audit, pii, scoping, spreadsheet

from . import services
from .models import Appeal, Status

COLUMNS = [
    "tracking_number", "channel", "status", "title", "content", "category_code", "category", "urgency",
    "lead_department", "region", "grid", "location_text", "lat", "lon", "received_at", "due_at", "dispatched_at",
    "acknowledged_at", "replied_at", "closed_at", "due_state", "satisfaction", "resolved", "reopen_count",
    "urge_count", "supervised", "source_system", "source_ref",
]
PERSONAL_COLUMNS = ["appellant_name", "appellant_phone", "appellant_id_number"]


class ExportError(Exception):
    """A user error (one line, no traceback)."""


def parse_day(value: str | None, name: str, end: bool = False) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ExportError(f"--{name} must be a date like 2024-01-31") from None
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    if end:
        day += dt.timedelta(days=1)  # --until is inclusive of that whole day
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def select(*, status: str | None = None, since: str | None = None, until: str | None = None,
           department: str | None = None, category: str | None = None, source: str | None = None, user=None):
    """The appeals to export; with a user, only those in the user's scope."""
    qs = Appeal.objects.select_related("category", "lead_department", "region", "grid").order_by("received_at", "id")
    if user is not None:
        qs = qs.restrict(user)
    if status:
        wanted = [s.strip() for s in status.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in Status.values and s != "open"]
        if unknown:
            raise ExportError(f"unknown status {unknown[0]!r}; use {', '.join(Status.values)} or open")
        statuses = set(wanted) - {"open"}
        if "open" in wanted:
            statuses |= {Status.RECEIVED, Status.DISPATCHED, Status.HANDLING, Status.REPLIED}
        qs = qs.filter(status__in=statuses)
    start, end = parse_day(since, "since"), parse_day(until, "until", end=True)
    if start and end and start >= end:
        raise ExportError("--since is after --until")
    if start:
        qs = qs.filter(received_at__gte=start)
    if end:
        qs = qs.filter(received_at__lt=end)
    if department:
        from gongzhi.core.models import Department

        dept = Department.objects.filter(code=department).first() or Department.objects.filter(name=department).first()
        if dept is None:
            raise ExportError(f"no department with code or name {department!r}")
        qs = qs.filter(lead_department=dept)
    if category:
        from .models import Category

        found = Category.objects.filter(code=category).first() or Category.objects.filter(name=category).first()
        if found is None:
            raise ExportError(f"no category with code or name {category!r}")
        tree, level = {found.pk}, {found.pk}
        while level:  # the category and everything under it
            level = set(Category.objects.filter(parent__in=level).values_list("pk", flat=True)) - tree
            tree |= level
        qs = qs.filter(category__in=tree)
    if source:
        qs = qs.filter(source_system=source)
    return qs


def _iso(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def records(qs, *, personal_for=None) -> Iterator[dict]:
    """Rows as dicts; personal fields only where `personal_for` may see them (else empty)."""
    for a in qs.iterator(chunk_size=2000):
        # Free text carries phone and ID numbers too: in full only where the personal columns are.
        visible = personal_for is not None and a.may_reveal(personal_for)
        row = {
            "tracking_number": a.tracking_number, "channel": a.channel, "status": a.status,
            "title": a.title if visible else pii.scrub_text(a.title),
            "content": a.content if visible else pii.scrub_text(a.content),
            "category_code": a.category.code if a.category_id else "", "category": a.category.name if a.category_id else "",
            "urgency": a.urgency, "lead_department": a.lead_department.name if a.lead_department_id else "",
            "region": a.region.name if a.region_id else "", "grid": a.grid.name if a.grid_id else "",
            "location_text": a.location_text if visible else pii.scrub_text(pii.mask_address(a.location_text)),
            "lat": a.lat, "lon": a.lon, "received_at": _iso(a.received_at), "due_at": _iso(a.due_at),
            "dispatched_at": _iso(a.dispatched_at), "acknowledged_at": _iso(a.acknowledged_at),
            "replied_at": _iso(a.replied_at), "closed_at": _iso(a.closed_at), "due_state": a.due_state,
            "satisfaction": a.satisfaction, "resolved": a.resolved, "reopen_count": a.reopen_count,
            "urge_count": a.urge_count, "supervised": a.supervised, "source_system": a.source_system,
            "source_ref": a.source_ref,
        }
        if personal_for is not None:
            for column in PERSONAL_COLUMNS:
                row[column] = getattr(a, column) if visible else ""
        yield row


def export(out: IO, fmt: str, *, status=None, since=None, until=None, department=None, category=None, source=None,
           username: str | None = None, with_personal_data: bool = False, binary_out: IO | None = None) -> int:
    """Write the export; returns the number of rows. XLSX needs a binary stream (`binary_out`)."""
    user = None
    if with_personal_data and not username:
        raise ExportError("--with-personal-data needs --user USERNAME (whose rights decide what is shown)")
    if username:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ExportError(f"no active user {username!r}")
        if not scoping.is_staff_member(user):
            raise ExportError(f"{username} has no staff role")
    if with_personal_data and not user.is_superuser and not scoping.has_role(user, *services.PII_ROLES):
        raise ExportError(f"{username} may not see personal data")
    filters = {"status": status, "since": since, "until": until, "department": department, "category": category,
               "source": source}
    qs = select(**filters, user=user)
    columns = COLUMNS + (PERSONAL_COLUMNS if with_personal_data else [])
    rows = records(qs, personal_for=user if with_personal_data else None)
    if fmt == "csv":
        writer = spreadsheet.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
    elif fmt == "json":
        out.write("[\n")
        count = 0
        for row in rows:
            out.write((",\n" if count else "") + json.dumps(row, ensure_ascii=False))
            count += 1
        out.write("\n]\n")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        if binary_out is None:
            raise ExportError("XLSX is binary: give --out FILE.xlsx")
        book = Workbook(write_only=True)
        sheet = book.create_sheet("appeals")
        sheet.append(columns)
        count = 0
        for row in rows:
            sheet.append(spreadsheet.xlsx_row(sheet, [_cell(row[c]) for c in columns]))
            count += 1
        book.save(binary_out)
    else:
        raise ExportError(f"unknown format {fmt!r}: csv, json or xlsx")
    if with_personal_data:
        audit.record(user, "export_personal_data", ("appeals.appeal", ""), rows=count, format=fmt,
                     filters={k: v for k, v in filters.items() if v})
    return count


def export_file(path, fmt: str, **filters) -> int:
    """export() into the file `path`, replaced only once the whole export is written: a failed export
    leaves no partial or empty file, and an older file at `path` stays as it was."""
    if fmt == "xlsx":
        with spreadsheet.atomic_write(path, "wb") as binary:
            return export(None, fmt, binary_out=binary, **filters)
    with spreadsheet.atomic_write(path, "w", newline="", encoding="utf-8") as text:
        return export(text, fmt, **filters)


def _cell(value):
    if value is None:
        return ""
    return value
