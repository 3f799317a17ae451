"""Bulk import of historical work orders from other systems' exports (CSV or XLSX).

This is the one documented exception to "every change goes through services": history is being
*loaded*, not changed, so rows are written in bulk (PostgreSQL COPY, or bulk_create elsewhere) with
their historical status, timestamps and agency, plus one AppealEvent "imported" each. Categories and
departments are matched by name or created. `source_system` + `source_ref` are unique together, so
re-running an import creates no duplicates and an interrupted import resumes where it stopped.

Dirty rows are never dropped silently: every problem goes to the report (CSV: line, id, level,
field, problem, value). An *error* skips the row (no usable date, no id, no text); a *warning* keeps
the row without the bad value (placeholder coordinates, a missing or impossible close date).

A mapping says which source column feeds which field. Values are a column name, or a template
mixing text and "{column}" references. Presets cover the real exports we know; a JSON or TOML file
with the same keys describes any other system (see PRESETS and the import section of docs/api.md).
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import gc
import hashlib
import heapq
import io
import itertools
import json
import operator
import os
import re
import signal
import sys
import time
import tomllib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring  # the C string quoter json.dumps uses
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
import psycopg
from psycopg import postgres, pq
from psycopg._copy_base import format_row_binary  # the C encoder Copy.write_row uses
from psycopg.adapt import AdaptersMap, Dumper, Transformer

from gongzhi.core import spreadsheet
from gongzhi.core.models import Department, Grid

from .models import Appeal, AppealEvent, Assignment, Category, Channel, Status
from .validation import control_character, has_control_character

OPEN = "open"
CLOSED = Status.CLOSED.value
MERGED, HANDLING, RECEIVED = Status.MERGED.value, Status.HANDLING.value, Status.RECEIVED.value
PLACEHOLDERS = [(0.0, 0.0), (39.0, -77.0)]

PRESETS: dict[str, dict] = {
    "sf": {
        "source_system": "sf311",
        "id": "unique_key",
        "created": "created_date",
        "closed": "closed_date",
        "status": "status",
        "timezone": "America/Los_Angeles",
        "title": "{complaint_type}: {descriptor}",
        "content": "{category} / {complaint_type} / {descriptor}",
        "notes": "status_notes",
        "category": ["category", "complaint_type"],
        "department": "agency_name",
        "address": "incident_address",
        "lat": "latitude",
        "lon": "longitude",
    },
    "baltimore": {
        "source_system": "baltimore311",
        "id": "ServiceRequestNum",
        "created": "CreatedDate",
        "closed": "CloseDate",
        "due": "DueDate",
        "status": "SRStatus",
        "date_formats": ["%m/%d/%Y %I:%M:%S %p"],
        "timezone": "America/New_York",
        "title": "SRType",
        "content": "{SRType} — {Address}",
        "notes": "Outcome",
        "category": ["SRType"],
        "department": "Agency",
        "address": "Address",
        "lat": "Latitude",
        "lon": "Longitude",
    },
    "nyc": {
        "source_system": "nyc311",
        "id": "unique_key",
        "created": "created_date",
        "closed": "closed_date",
        "due": "due_date",
        "status": "status",
        "timezone": "America/New_York",
        "title": "{complaint_type}: {descriptor}",
        "content": "{complaint_type}: {descriptor} ({location_type}) {incident_address}",
        "notes": "resolution_description",
        "category": ["complaint_type"],
        "department": "agency_name",
        "address": "incident_address",
        "lat": "latitude",
        "lon": "longitude",
    },
    # Public messages to a city government (2020 Teddy Cup data): every message was answered, but the
    # export carries no close date, so they are imported as closed without one (and not warned about).
    "zh-messages": {
        "source_system": "zh-messages",
        "id": "留言编号",
        "created": "留言时间",
        "default_status": CLOSED,
        "timezone": "Asia/Shanghai",
        "title": "留言主题",
        "content": "留言详情",
        "category": ["一级标签"],
        "appellant_name": "留言用户",
    },
}
PRESETS["appeals-zh"] = PRESETS["zh-messages"]

MAPPING_KEYS = {
    "source_system", "id", "created", "closed", "due", "status", "status_map", "default_status", "date_formats",
    "timezone", "title", "content", "notes", "category", "department", "address", "lat", "lon", "appellant_name",
    "placeholder_coordinates", "encoding", "delimiter", "urgency",
}
CLOSED_WORDS = ("closed", "close", "resolved", "complete", "completed", "done", "cancel", "duplicate", "办结", "已完成", "已关闭")


class ImportError_(Exception):
    """A user error about the file or mapping (one line, no traceback)."""


def load_mapping(format_name: str | None, mapping_file: str | Path | None) -> dict:
    """A preset by name, or a JSON/TOML mapping file (which may name a preset in `preset` to extend)."""
    if mapping_file:
        path = Path(mapping_file)
        if not path.is_file():
            raise ImportError_(f"mapping file not found: {path}")
        kind = "TOML" if path.suffix.lower() == ".toml" else "JSON"
        try:
            raw = tomllib.loads(path.read_text("utf-8")) if kind == "TOML" else json.loads(path.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ImportError_(f"mapping file {path.name} is not valid {kind}: {exc}") from None
        if not isinstance(raw, dict):
            raise ImportError_(f"mapping file {path.name} must hold one {kind} object of mapping keys")
        base = dict(PRESETS[raw.pop("preset")]) if raw.get("preset") in PRESETS else {}
        base.update(raw)
        mapping = base
    elif format_name:
        if format_name not in PRESETS:
            raise ImportError_(f"unknown format {format_name!r}; presets: {', '.join(sorted(PRESETS))}, "
                               "or give --mapping FILE")
        mapping = dict(PRESETS[format_name])
    else:
        raise ImportError_("give --format NAME or --mapping FILE")
    unknown = set(mapping) - MAPPING_KEYS - {"preset"}
    if unknown:
        raise ImportError_(f"unknown mapping keys: {', '.join(sorted(unknown))}")
    for required in ("source_system", "id", "created", "title"):
        if not mapping.get(required):
            raise ImportError_(f"the mapping needs '{required}'")
    _check_mapping_types(mapping)
    if len(mapping["source_system"]) > 32:
        raise ImportError_("source_system must be at most 32 characters")
    return mapping


def _check_mapping_types(mapping: dict) -> None:
    """A hand-written mapping file fails here, naming its key, rather than deep in the import."""
    def strings(value) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)

    for key, value in mapping.items():
        if value is None:
            continue
        if key == "category":
            ok, wanted = isinstance(value, str) or strings(value), "a column (or template) or a list of them"
        elif key == "date_formats":
            ok, wanted = strings(value), "a list of strptime formats"
        elif key == "status_map":
            ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
            wanted = "a table of source status to open, closed or a status"
        elif key == "placeholder_coordinates":
            ok = isinstance(value, (list, tuple)) and all(
                isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(x, (int, float)) for x in p)
                for p in value)
            wanted = "a list of [lat, lon] number pairs"
        else:
            ok, wanted = isinstance(value, str), "text"
        if not ok:
            raise ImportError_(f"mapping key '{key}' must be {wanted}, not {json.dumps(value, ensure_ascii=False)[:60]}")
    if mapping.get("delimiter") and len(mapping["delimiter"]) != 1:
        raise ImportError_("mapping key 'delimiter' must be one character")
    if mapping.get("encoding"):
        try:
            codecs.lookup(mapping["encoding"])
        except LookupError:
            raise ImportError_(f"mapping key 'encoding': unknown encoding {mapping['encoding']!r}") from None
    if mapping.get("default_status") and mapping["default_status"] not in (OPEN, CLOSED, *Status.values):
        raise ImportError_(f"mapping key 'default_status' must be open, closed or one of {', '.join(Status.values)}")


# ---------------------------------------------------------------- reading

def read_rows(path: Path, encoding: str = "utf-8-sig", delimiter: str = ",") -> tuple[list[str], Iterator[tuple[int, list]]]:
    """(header, iterator of (line number, values)) for CSV or XLSX; line numbers as a spreadsheet shows them."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ImportError_(f"{path.name} is not a readable XLSX file: {exc}") from None
        rows = book.active.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]

        def xlsx_rows():
            for number, values in enumerate(rows, start=2):
                if values is None or all(v is None for v in values):
                    continue
                yield number, ["" if v is None else v for v in values]
            book.close()

        return header, xlsx_rows()
    if suffix not in (".csv", ".txt", ".tsv"):
        raise ImportError_(f"{path.name}: only .csv and .xlsx files can be imported")
    csv.field_size_limit(50 * 1024 * 1024)
    handle = open(path, newline="", encoding=encoding)
    try:
        reader = csv.reader(handle, delimiter="\t" if suffix == ".tsv" else delimiter)
        header = [h.strip() for h in next(reader, [])]
    except UnicodeDecodeError:
        handle.close()
        raise ImportError_(f"{path.name} is not {encoding} text; set \"encoding\" in a mapping file") from None

    def csv_rows():
        last = reader.line_num
        try:
            for values in reader:
                start, last = last + 1, reader.line_num
                if values:
                    yield start, values
        except UnicodeDecodeError:
            raise ImportError_(f"{path.name}: bad {encoding} text after line {last}") from None
        finally:
            handle.close()

    return header, csv_rows()


# ---------------------------------------------------------------- compiling the mapping

TEMPLATE_RE = re.compile(r"\{([^{}]+)\}")
TRAILING_RE = re.compile(r"[\s:：/—\-]+$")


def _column(header_index: dict[str, int], name: str, what: str) -> int:
    if name not in header_index:
        raise ImportError_(f"column {name!r} ({what}) is not in the file; columns: {', '.join(list(header_index)[:30])}")
    return header_index[name]


def compile_value(spec: str | None, header_index: dict[str, int], what: str,
                  text_only: bool = False) -> Callable[[list], str] | None:
    """A column name or a "{column}" template, compiled to a fast function of the row's values (a
    row as Converter.convert cuts it: every column there; with `text_only`, stripped strings)."""
    if not spec:
        return None
    if "{" not in spec:
        i = _column(header_index, spec, what)
        if text_only:
            return operator.itemgetter(i)
        return lambda values: _text(values[i])
    parts: list = []
    pos = 0
    for m in TEMPLATE_RE.finditer(spec):
        if m.start() > pos:
            parts.append(spec[pos:m.start()])
        parts.append(_column(header_index, m.group(1), what))
        pos = m.end()
    if pos < len(spec):
        parts.append(spec[pos:])

    def render(values: list) -> str:
        out = "".join(p if isinstance(p, str) else _text(values[p]) for p in parts)
        out = re.sub(r"\(\s*\)|（\s*）", "", out)
        return TRAILING_RE.sub("", out.strip())

    return render


def _text(value) -> str:
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip()


class DateParser:
    """ISO 8601 first (fast), then the mapping's formats; naive values are in the source's time zone."""

    def __init__(self, formats: Iterable[str], tz: dt.tzinfo):
        self.formats = list(formats or []) + ["%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y-%m-%d %H:%M",
                                              "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
                                              "%m/%d/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日"]
        self.tz = tz
        self.latest = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
        self.latest_utc = self.latest.replace(tzinfo=None)
        #: Text that is no date, and why: exports repeat their placeholders ("00/00/0000", "NULL"),
        #: and each costs a dozen failed formats.
        self.failed: dict[str, str] = {}

    def __call__(self, raw) -> dt.datetime:
        """Raises ValueError with a reason. A naive ISO 8601 value (the common case: CSV, already
        stripped) comes back in UTC: comparing and COPY-encoding UTC datetimes is ten times cheaper
        than zone-aware ones, and a million rows carry several each."""
        if raw.__class__ is str and raw:
            try:
                value = self.fromisoformat(raw)
            except ValueError:
                pass
            else:
                if value.tzinfo is None:
                    utc = value - self.tz.utcoffset(value)
                    if 1970 <= value.year and utc <= self.latest_utc:
                        return self.combine(utc.date(), utc.time(), dt.timezone.utc)
                elif 1970 <= value.year and value <= self.latest:
                    return value
        return self.slow(raw)

    fromisoformat = staticmethod(dt.datetime.fromisoformat)
    combine = staticmethod(dt.datetime.combine)

    def slow(self, raw) -> dt.datetime:
        if isinstance(raw, dt.datetime):
            value = raw
        elif isinstance(raw, dt.date):
            value = dt.datetime(raw.year, raw.month, raw.day)
        else:
            text = raw.strip() if isinstance(raw, str) else str(raw)
            if not text:
                raise ValueError("empty")
            if text in self.failed:
                raise ValueError(self.failed[text])
            value = None
            try:
                value = dt.datetime.fromisoformat(text)
            except ValueError:
                for i, fmt in enumerate(self.formats):
                    try:
                        value = dt.datetime.strptime(text, fmt)
                    except ValueError:
                        continue
                    if i:  # try the format that worked first next time
                        self.formats.insert(0, self.formats.pop(i))
                    break
            if value is None:
                if len(self.failed) < 10_000:
                    self.failed[text] = f"not a date: {text[:40]}"
                raise ValueError(f"not a date: {text[:40]}")
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        if value.year < 1970:
            raise ValueError(f"implausible date {value:%Y-%m-%d}")
        if value > self.latest:
            raise ValueError(f"date in the future {value:%Y-%m-%d}")
        return value


# ---------------------------------------------------------------- organisation lookups

def _code(prefix: str, *names: str) -> str:
    digest = hashlib.sha1("/".join(names).encode()).hexdigest()[:12].upper()
    return f"{prefix}-{digest}"[:32]


class Lookups:
    """Category and department ids by name, created on first sight (cached for the whole run)."""

    def __init__(self, source_system: str, dry_run: bool = False):
        self.source_system = source_system
        self.dry_run = dry_run
        self.categories: dict[tuple[str, ...], int | None] = {}
        self.departments: dict[str, int | None] = {dept.name: dept.pk for dept in Department.objects.all()}
        self.created = {"categories": 0, "departments": 0}

    def category(self, path: tuple[str, ...]) -> int | None:
        if not path:
            return None
        found = self.categories.get(path, -1)
        if found != -1:
            return found
        parent_id = self.category(path[:-1]) if len(path) > 1 else None
        name = path[-1][:100]
        category = Category.objects.filter(name=name, parent_id=parent_id).first()
        if category is None and not self.dry_run:
            category, made = Category.objects.get_or_create(
                code=_code("IMP", self.source_system, *path), defaults={"name": name, "parent_id": parent_id})
            self.created["categories"] += made
        self.categories[path] = category.pk if category else None
        return self.categories[path]

    def department(self, name: str) -> int | None:
        if not name:
            return None
        name = name[:100]
        if name in self.departments:
            return self.departments[name]
        dept = None
        if not self.dry_run:
            dept, made = Department.objects.get_or_create(name=name, defaults={"code": _code("IMP", name)})
            self.created["departments"] += made
        self.departments[name] = dept.pk if dept else None
        return self.departments[name]


class GridIndex:
    """Point-in-grid for imported coordinates without a query per row (grids are few)."""

    def __init__(self):
        from shapely.geometry import Polygon

        self.grids = [(g.min_lat, g.max_lat, g.min_lon, g.max_lon, Polygon(g.polygon), g.pk, g.community_id)
                      for g in Grid.objects.all() if len(g.polygon) >= 3]

    def find(self, lat: float, lon: float) -> tuple[int | None, int | None]:
        if not self.grids:
            return None, None
        from shapely.geometry import Point

        point = None
        for min_lat, max_lat, min_lon, max_lon, polygon, grid_id, community_id in self.grids:
            if min_lat <= lat <= max_lat and min_lon <= lon <= max_lon:
                point = point or Point(lon, lat)
                if polygon.covers(point):
                    return grid_id, community_id
        return None, None


# ---------------------------------------------------------------- the row converter

@dataclass
class Issue:
    line: int
    ref: str
    level: str  # error | warning
    field: str
    problem: str
    value: str = ""


@dataclass
class Result:
    rows: int = 0
    imported: int = 0
    already: int = 0
    errors: int = 0
    warnings: int = 0
    seconds: float = 0.0
    created: dict = field(default_factory=dict)
    report: str = ""

    def summary(self) -> str:
        rate = self.rows / self.seconds if self.seconds else 0.0
        return (f"rows={self.rows} imported={self.imported} already_imported={self.already} "
                f"skipped_errors={self.errors} warnings={self.warnings} "
                f"categories_created={self.created.get('categories', 0)} "
                f"departments_created={self.created.get('departments', 0)} seconds={self.seconds:.2f} "
                f"rows_per_s={rate:.0f}")


#: Any random byte to one of 32 phone-friendly characters (its low 5 bits: 256 is a multiple of 32,
#: so each character is equally likely).
TRACKING_TABLE = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ" * 8


class TrackingNumbers:
    """Same shape as services.new_tracking_number (prefix, local date, random characters), drawn in
    bulk: 8 characters (40 random bits) per number, 4,096 numbers at a time."""

    def __init__(self):
        self.prefix = settings.GONGZHI["TRACKING_PREFIX"]
        self.pool = ""
        self.next = 0
        self.dates: dict[dt.date, str] = {}

    def __call__(self, local_date: dt.date) -> str:
        at = self.next
        if at >= len(self.pool):
            self.pool, at = os.urandom(8 * 4096).translate(TRACKING_TABLE).decode(), 0
        self.next = at + 8
        suffix = self.pool[at:at + 8]
        day = self.dates.get(local_date)
        if day is None:
            day = self.dates[local_date] = f"{self.prefix}{local_date:%Y%m%d}"
        return day + suffix


def tracking_number(local_date: dt.date) -> str:
    suffix = os.urandom(8).translate(TRACKING_TABLE).decode()
    return f"{settings.GONGZHI['TRACKING_PREFIX']}{local_date:%Y%m%d}{suffix}"


class Converter:
    """Turns one source row into an appeal dict (or an error), noting every problem."""

    def __init__(self, mapping: dict, header: list[str], lookups: Lookups, grids: GridIndex, text_only: bool = False):
        index = {}
        for i, name in enumerate(header):
            index.setdefault(name, i)
        try:
            tz = ZoneInfo(mapping.get("timezone") or settings.TIME_ZONE)
        except (ZoneInfoNotFoundError, ValueError):
            raise ImportError_(f"unknown time zone {mapping.get('timezone')!r}") from None
        self.site_tz = ZoneInfo(settings.TIME_ZONE)
        self.mapping = mapping
        self.lookups, self.grids = lookups, grids
        self.parse_date = DateParser(mapping.get("date_formats") or [], tz)
        # A row is first cut down to the columns the mapping reads (one C call; stripped once when
        # all are text), and the value functions below read that short row.
        categories = mapping.get("category") or []
        if isinstance(categories, str):
            categories = [categories]
        specs = [(mapping.get(key), key) for key in ("id", "created", "closed", "due", "status", "title", "content",
                                                     "notes", "address", "lat", "lon", "appellant_name", "department")]
        specs += [(c, "category") for c in categories]
        used = list(dict.fromkeys(_column(index, name, what) for spec, what in specs if spec
                                  for name in (TEMPLATE_RE.findall(spec) if "{" in spec else [spec])))
        self.width = max(used) + 1 if used else 0
        self.pick = operator.itemgetter(*used) if len(used) > 1 else (lambda values, i=used[0]: (values[i],))
        self.text_only = text_only
        index = {header[i]: at for at, i in enumerate(used)}
        self.id = compile_value(mapping["id"], index, "id", text_only)
        self.created = compile_value(mapping["created"], index, "created", text_only)
        self.closed = compile_value(mapping.get("closed"), index, "closed", text_only)
        self.due = compile_value(mapping.get("due"), index, "due", text_only)
        self.status = compile_value(mapping.get("status"), index, "status", text_only)
        self.title = compile_value(mapping["title"], index, "title", text_only)
        self.content = compile_value(mapping.get("content"), index, "content", text_only)
        self.notes = compile_value(mapping.get("notes"), index, "notes", text_only)
        self.address = compile_value(mapping.get("address"), index, "address", text_only)
        self.lat = compile_value(mapping.get("lat"), index, "lat", text_only)
        self.lon = compile_value(mapping.get("lon"), index, "lon", text_only)
        self.name = compile_value(mapping.get("appellant_name"), index, "appellant_name", text_only)
        self.department = compile_value(mapping.get("department"), index, "department", text_only)
        self.category_parts = [compile_value(c, index, "category", text_only) for c in categories]
        self.status_map = {str(k).strip().lower(): v for k, v in (mapping.get("status_map") or {}).items()}
        bad = {v for v in self.status_map.values() if v not in (OPEN, CLOSED, *Status.values)}
        if bad:
            raise ImportError_(f"status_map values must be open, closed or one of {', '.join(Status.values)}")
        self.default_status = mapping.get("default_status") or OPEN
        self.placeholders = [tuple(map(float, p)) for p in mapping.get("placeholder_coordinates", PLACEHOLDERS)]
        self.urgency = mapping.get("urgency") or "normal"
        self.source_system = mapping["source_system"]
        self.tracking_number = TrackingNumbers()
        self.status_cache: dict[str, str] = {}
        self.department_cache: dict[str, int | None] = {}
        self.category_cache: dict[tuple[str, ...], int | None] = {}

    def convert(self, line: int, values: list, issues: list[Issue]) -> dict | None:
        try:
            values = self.pick(values)
        except IndexError:  # a short row: the missing cells are empty
            values = self.pick(list(values) + [""] * (self.width - len(values)))
        if self.text_only:
            values = list(map(str.strip, values))
            text = " ".join(values)
        else:
            text = " ".join(v for v in values if isinstance(v, str))
        ref = self.id(values)[:64]
        if not ref:
            issues.append(Issue(line, "", "error", "id", "no id: the row cannot be matched on a re-run"))
            return None
        if has_control_character(text):  # refused as on every intake channel (validation.py)
            issues.append(self._control_character_issue(line, ref, values))
            return None
        created_raw = self.created(values)
        try:
            received_at = self.parse_date(created_raw)
        except ValueError as exc:
            issues.append(Issue(line, ref, "error", "created", f"bad creation date ({exc})", created_raw[:60]))
            return None
        title = self.title(values)
        content = self.content(values) if self.content else ""
        if not title and not content:
            issues.append(Issue(line, ref, "error", "title", "no title and no text"))
            return None
        title = (title or content.splitlines()[0])[:200]
        content = (content or title)[:10000]

        closed_at = due_at = None
        close_raw = ""
        if self.closed:
            raw = close_raw = self.closed(values)
            if raw:
                try:
                    closed_at = self.parse_date(raw)
                except ValueError as exc:
                    issues.append(Issue(line, ref, "warning", "closed", f"bad close date dropped ({exc})", raw[:60]))
                if closed_at is not None and closed_at < received_at:
                    issues.append(Issue(line, ref, "warning", "closed", "close date before creation date dropped", raw[:60]))
                    closed_at = None
        if self.due:
            raw = self.due(values)
            if raw:
                try:
                    due_at = self.parse_date(raw)
                except ValueError:
                    due_at = None  # due dates are informative; a bad one is not worth a warning

        source_status = self.status(values) if self.status else ""
        state = self.status_cache.get(source_status) or self._status(source_status, closed_at)
        department_id = None
        if self.department:
            department = self.department(values)
            department_id = self.department_cache.get(department, -1)
            if department_id == -1:
                department_id = self.department_cache[department] = self.lookups.department(department)
        if state == CLOSED:
            status = CLOSED
            if closed_at is None and self.closed and not close_raw:
                issues.append(Issue(line, ref, "warning", "closed", "closed without a close date", source_status))
        else:
            if closed_at is not None:
                issues.append(Issue(line, ref, "warning", "closed", "open request with a close date: date dropped",
                                    source_status))
                closed_at = None
            status = state if state not in (OPEN, CLOSED, MERGED) else (HANDLING if department_id else RECEIVED)

        lat = lon = None
        if self.lat and self.lon:
            lat_raw, lon_raw = self.lat(values), self.lon(values)
            if lat_raw or lon_raw:
                try:
                    lat, lon = float(lat_raw), float(lon_raw)
                except ValueError:
                    issues.append(Issue(line, ref, "warning", "location", "coordinates are not numbers: dropped",
                                        f"{lat_raw},{lon_raw}"[:60]))
                else:
                    if (lat, lon) in self.placeholders:
                        issues.append(Issue(line, ref, "warning", "location", "placeholder coordinates dropped",
                                            f"{lat_raw},{lon_raw}"))
                        lat = lon = None
                    elif not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat != lat or lon != lon:
                        issues.append(Issue(line, ref, "warning", "location", "coordinates out of range: dropped",
                                            f"{lat_raw},{lon_raw}"[:60]))
                        lat = lon = None
        grid_id = region_id = None
        if lat is not None and self.grids.grids:
            grid_id, region_id = self.grids.find(lat, lon)

        raw_path = tuple([part(values) for part in self.category_parts])
        category_id = self.category_cache.get(raw_path, -1)
        if category_id == -1:
            category_id = self.lookups.category(tuple(p for p in (p[:100] for p in raw_path) if p))
            if len(self.category_cache) < 100_000:
                self.category_cache[raw_path] = category_id
        local = received_at.date() if received_at.tzinfo is self.site_tz else \
            received_at.astimezone(self.site_tz).date()
        return {
            "ref": ref, "line": line, "received_at": received_at, "closed_at": closed_at, "due_at": due_at,
            "status": status, "title": title, "content": content, "category_id": category_id,
            "lead_department_id": department_id, "location_text": self.address(values)[:300] if self.address else "",
            "lat": lat, "lon": lon, "grid_id": grid_id, "region_id": region_id,
            "appellant_name": self.name(values)[:64] if self.name else "",
            "notes": self.notes(values)[:2000] if self.notes else "", "source_status": source_status[:32],
            "tracking_number": self.tracking_number(local),
        }

    def _control_character_issue(self, line: int, ref: str, values: list) -> Issue:
        """The report entry of a row holding a control character, naming the first field that does."""
        fields = [("id", self.id), ("created", self.created), ("title", self.title), ("content", self.content),
                  ("address", self.address), ("appellant_name", self.name), ("notes", self.notes),
                  ("status", self.status), ("department", self.department), ("closed", self.closed),
                  ("due", self.due), ("lat", self.lat), ("lon", self.lon)]
        fields += [("category", part) for part in self.category_parts]
        for name, value_of in fields:
            if value_of is not None:
                value = value_of(values)
                bad = control_character(value)
                if bad:
                    return Issue(line, ref, "error", name, f"control character {bad} in the text", value[:60])
        return Issue(line, ref, "error", "row", "control character in the row")

    def _status(self, raw: str, closed_at) -> str:
        """The state a source status means; remembered per distinct value (a file has few), except
        for an empty one, which depends on the close date."""
        value = raw.strip().lower()
        if value in self.status_map:
            state = self.status_map[value]
        elif not value:
            return CLOSED if closed_at is not None else self.default_status
        elif any(word in value for word in CLOSED_WORDS):
            state = CLOSED
        else:
            state = OPEN
        if raw and len(self.status_cache) < 10_000:
            self.status_cache[raw] = state
        return state


# ---------------------------------------------------------------- writers

class Writer:
    """Writes one batch of converted rows; returns the refs actually inserted."""

    def __init__(self, source_system: str, run_label: str):
        self.source_system = source_system
        self.run_label = run_label
        self.now = timezone.now()

    def existing(self, refs: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(refs), 900):
            chunk = refs[start:start + 900]
            found.update(Appeal.objects.filter(source_system=self.source_system, source_ref__in=chunk)
                         .values_list("source_ref", flat=True))
        return found

    def event_data(self, row: dict) -> dict:
        return {"source_system": self.source_system, "source_ref": row["ref"], "line": row["line"],
                "source_status": row["source_status"], "run": self.run_label}


class BulkCreateWriter(Writer):
    """Any database (SQLite in particular): Django bulk_create, ids returned by the database."""

    def write(self, rows: list[dict]) -> int:
        appeals = [Appeal(
            tracking_number=r["tracking_number"], access_code_hash="", channel=Channel.IMPORT, title=r["title"],
            content=r["content"], category_id=r["category_id"], status=r["status"], location_text=r["location_text"],
            lat=r["lat"], lon=r["lon"], grid_id=r["grid_id"], region_id=r["region_id"],
            appellant_name=r["appellant_name"], lead_department_id=r["lead_department_id"],
            received_at=r["received_at"], due_at=r["due_at"], closed_at=r["closed_at"],
            dispatched_at=r["received_at"] if r["lead_department_id"] else None,
            source_system=self.source_system, source_ref=r["ref"],
        ) for r in rows]
        with transaction.atomic():
            Appeal.objects.bulk_create(appeals)
            AppealEvent.objects.bulk_create([AppealEvent(
                appeal_id=a.pk, kind="imported", actor_label="历史导入", department_id=a.lead_department_id,
                to_status=a.status, note=r["notes"], data=self.event_data(r), created_at=self.now,
            ) for a, r in zip(appeals, rows)])
            Assignment.objects.bulk_create([Assignment(
                appeal_id=a.pk, department_id=a.lead_department_id, state=Assignment.State.ACKNOWLEDGED,
                dispatched_at=a.received_at, acknowledged_at=a.received_at, due_at=a.due_at,
                instructions="历史导入",
            ) for a in appeals if a.status == Status.HANDLING and a.lead_department_id])
        return len(appeals)


class TableWriter(Writer):
    """Builds plain row tuples for the three tables (no model instances: millions of rows) and hands
    them to a sink: COPY on PostgreSQL, executemany elsewhere. Ids are assigned here so events and
    assignments can point at their appeal without reading anything back.

    Each table's column list starts with the columns a row fills, in the order the builder writes
    them; the rest (defaults, and values the same for the whole run) follow as one constant tuple,
    so a row is one tuple display plus one concatenation."""

    #: Which row value fills each foreign key written to another table (any other key stays NULL),
    #: so the keys a load wrote can be checked from the few distinct values instead of every row.
    KEY_SOURCES = {
        (Appeal._meta.db_table, "category_id"): "category_id",
        (Appeal._meta.db_table, "lead_department_id"): "lead_department_id",
        (Appeal._meta.db_table, "grid_id"): "grid_id",
        (Appeal._meta.db_table, "region_id"): "region_id",
        (AppealEvent._meta.db_table, "department_id"): "lead_department_id",
        (Assignment._meta.db_table, "department_id"): "lead_department_id",
    }
    APPEAL_FILLED = ("id", "tracking_number", "title", "content", "category_id", "status", "location_text", "lat",
                     "lon", "grid_id", "region_id", "appellant_name", "lead_department_id", "received_at", "due_at",
                     "closed_at", "dispatched_at", "source_ref")
    EVENT_FILLED = ("appeal_id", "department_id", "to_status", "note", "data")
    ASSIGNMENT_FILLED = ("appeal_id", "department_id", "dispatched_at", "acknowledged_at", "due_at")

    def __init__(self, source_system: str, run_label: str):
        super().__init__(source_system, run_label)
        self.key_values: dict[tuple[str, str], set] = {
            (model._meta.db_table, f.column): set() for model in (Appeal, AppealEvent, Assignment)
            for f in model._meta.concrete_fields if f.is_relation}
        self.appeal_columns, self.appeal_tail = self._layout(Appeal, self.APPEAL_FILLED, {
            "access_code_hash": "", "channel": Channel.IMPORT.value, "source_system": source_system,
            "updated_at": self.now})
        self.event_columns, self.event_tail = self._layout(AppealEvent, self.EVENT_FILLED, {
            "kind": "imported", "actor_label": "历史导入", "created_at": self.now, "from_status": ""})
        self.assignment_columns, self.assignment_tail = self._layout(Assignment, self.ASSIGNMENT_FILLED, {
            "state": Assignment.State.ACKNOWLEDGED.value, "instructions": "历史导入"})

    @staticmethod
    def _layout(model, filled: tuple[str, ...], fixed: dict) -> tuple[list[str], tuple]:
        """(column names: the filled ones first, then the rest; the rest's values for every row)."""
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        rest = [f for f in model._meta.concrete_fields if f.attname not in filled and not f.primary_key]
        tail = []
        for f in rest:
            if f.attname in fixed:
                value = fixed[f.attname]
            else:
                value = f.get_default()  # "" for a text column without default, None for a nullable one
                if f.get_internal_type() == "JSONField":
                    value = json.dumps(value if value is not None else {})
            tail.append(value)
        return [by_name[name].column for name in filled] + [f.column for f in rest], tuple(tail)

    def appeal_rows(self, ids: Iterable[int], rows: list[dict], with_tail: bool = True) -> Iterator[tuple]:
        """Whole rows, or without the tail only the filled columns (for an encoder that adds the
        tail's bytes, encoded once)."""
        tail = self.appeal_tail if with_tail else ()
        for pk, r in zip(ids, rows):
            received, department = r["received_at"], r["lead_department_id"]
            yield (pk, r["tracking_number"], r["title"], r["content"], r["category_id"], r["status"],
                   r["location_text"], r["lat"], r["lon"], r["grid_id"], r["region_id"], r["appellant_name"],
                   department, received, r["due_at"], r["closed_at"], received if department else None,
                   r["ref"]) + tail

    def event_rows(self, ids: Iterable[int], rows: list[dict], with_tail: bool = True) -> Iterator[tuple]:
        tail = self.event_tail if with_tail else ()
        # The same text json.dumps(self.event_data(r), ensure_ascii=False) gives, built from pieces.
        quote = encode_basestring
        head = '{"source_system": ' + quote(self.source_system) + ', "source_ref": '
        end = ', "run": ' + quote(self.run_label) + "}"
        for pk, r in zip(ids, rows):
            yield (pk, r["lead_department_id"], r["status"], r["notes"],
                   f'{head}{quote(r["ref"])}, "line": {r["line"]}, "source_status": {quote(r["source_status"])}{end}'
                   ) + tail

    def assignment_rows(self, ids: Iterable[int], rows: list[dict],
                        with_tail: bool = True) -> Iterator[tuple | None]:
        """An appeal being handled by its lead department has its assignment; the others None."""
        tail = self.assignment_tail if with_tail else ()
        for pk, r in zip(ids, rows):
            if r["status"] != Status.HANDLING or not r["lead_department_id"]:
                yield None
            else:
                yield (pk, r["lead_department_id"], r["received_at"], r["received_at"], r["due_at"]) + tail

    def write(self, rows: list[dict]) -> int:
        # In time order, index insertions (received_at, the date-prefixed tracking number) touch
        # neighbouring pages instead of random ones.
        rows = sorted(rows, key=lambda r: r["tracking_number"])
        with transaction.atomic(), connection.cursor() as cursor:
            ids = self.allocate_ids(cursor, len(rows))
            self.put(cursor, Appeal._meta.db_table, self.appeal_columns, self.appeal_rows(ids, rows))
            self.put(cursor, AppealEvent._meta.db_table, self.event_columns, self.event_rows(ids, rows))
            self.put(cursor, Assignment._meta.db_table, self.assignment_columns,
                     filter(None, self.assignment_rows(ids, rows)))
        seen = {key: {r[key] for r in rows} for key in set(self.KEY_SOURCES.values())}
        for (table, column), key in self.KEY_SOURCES.items():
            self.key_values.setdefault((table, column), set()).update(seen[key])
        return len(rows)


class JsonText(str):
    """Only a key to register JsonTextBinaryDumper under: COPY picks dumpers by column type, and the
    rows carry their JSON columns as serialised text (plain str)."""


class JsonTextBinaryDumper(Dumper):
    """jsonb in binary COPY from JSON text: version 1 and the text, no second serialisation."""

    format = pq.Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj) -> bytes:
        return b"\x01" + obj.encode()


class CopyWriter(TableWriter):
    """PostgreSQL: ids drawn from the table's sequence, rows streamed with COPY."""

    sequence = None

    def __init__(self, source_system: str, run_label: str):
        super().__init__(source_system, run_label)
        self.column_types: dict[str, list[int]] = {}

    #: None until asked once: whether this source had any appeal when the run started. When it had
    #: none, no batch needs probing (a concurrent import of the same source still meets the unique index).
    source_had_rows: bool | None = None

    def existing(self, refs: list[str]) -> set[str]:
        with connection.cursor() as cursor:
            if self.source_had_rows is None:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {Appeal._meta.db_table} WHERE source_system = %s "
                               "AND source_ref <> '')", [self.source_system])
                self.source_had_rows = cursor.fetchone()[0]
            if not self.source_had_rows:
                return set()
            cursor.execute(f"SELECT source_ref FROM {Appeal._meta.db_table} WHERE source_system = %s "
                           "AND source_ref = ANY(%s) AND source_ref <> ''", [self.source_system, refs])
            return {r[0] for r in cursor.fetchall()}

    def allocate_ids(self, cursor, n: int) -> list[int]:
        if self.sequence is None:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Appeal._meta.db_table])
            self.sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [self.sequence, n])
        return [r[0] for r in cursor.fetchall()]

    def put(self, cursor, table: str, columns: list[str], rows: Iterator[tuple]) -> None:
        """Binary COPY: the server stores timestamps, numbers and keys as sent instead of parsing
        their text (a third of its work on the appeal table)."""
        names = ", ".join(f'"{c}"' for c in columns)
        types = self.column_types.get(table)
        if types is None:
            cursor.execute("SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass "
                           "AND attnum > 0 AND NOT attisdropped", [table])
            oids = dict(cursor.fetchall())
            types = self.column_types[table] = [oids[c] for c in columns]
        pg = cursor.cursor
        pg.adapters.register_dumper(JsonText, JsonTextBinaryDumper)  # this cursor only: jsonb from JSON text
        with pg.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)


class ExecuteManyWriter(TableWriter):
    """SQLite: the write lock is held for the whole transaction, so ids can be taken from MAX(id)."""

    def allocate_ids(self, cursor, n: int) -> list[int]:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Appeal._meta.db_table}")
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + n))

    def put(self, cursor, table: str, columns: list[str], rows: Iterator[tuple]) -> None:
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        adapt = connection.ops.adapt_datetimefield_value  # the text Django stores a datetime as
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                           [[adapt(v) if isinstance(v, dt.datetime) else v for v in row] for row in rows])


def make_writer(source_system: str, run_label: str, use_copy: bool | None = None) -> Writer:
    if connection.vendor == "postgresql":
        return CopyWriter(source_system, run_label) if use_copy is not False else BulkCreateWriter(source_system, run_label)
    if use_copy:
        raise ImportError_("COPY needs PostgreSQL")
    if connection.vendor == "sqlite":
        return ExecuteManyWriter(source_system, run_label)
    return BulkCreateWriter(source_system, run_label)


# ---------------------------------------------------------------- the import

REPORT_COLUMNS = ["line", "id", "level", "field", "problem", "value"]


def default_report_path(source: Path) -> Path:
    return source.with_name(source.stem + ".import-report.csv")


def import_file(path: str | Path, mapping: dict, *, report_path: str | Path | None = None, batch_size: int = 0,
                limit: int | None = None, dry_run: bool = False, use_copy: bool | None = None,
                progress: Callable[[Result], None] | None = None, initial_load: bool = False,
                workers: int | None = None) -> Result:
    """Import one file; commits batch by batch so an interruption loses at most one batch.

    With `initial_load` (PostgreSQL, for loading history into a new installation) the whole file is
    one transaction instead: secondary indexes of the appeal tables (and the foreign keys among them)
    are dropped and rebuilt (and re-validated) at the end, which is much faster than maintaining them row by row; an
    interruption rolls everything back. A CSV initial load of a source with no rows yet converts rows
    in `workers` processes (default_workers(); 1 = in this process) while this one only reads and writes."""
    path = Path(path)
    if initial_load and (connection.vendor != "postgresql" or use_copy is False or dry_run):
        raise ImportError_("--initial-load needs PostgreSQL with COPY and is not a dry run")
    if initial_load and connection.in_atomic_block:
        raise ImportError_("--initial-load runs its own transaction: call it outside one")
    if not path.is_file():
        raise ImportError_(f"file not found: {path}")
    report = Path(report_path) if report_path else default_report_path(path)
    try:
        report_handle = open(report, "w", newline="", encoding="utf-8")
    except OSError as exc:
        raise ImportError_(f"cannot write the report {report}: {exc.strerror}; give --report PATH") from None
    started = time.perf_counter()
    result = Result(report=str(report))
    with report_handle:
        out = spreadsheet.csv_writer(report_handle)  # values from the source file: no formulas, no controls
        out.writerow(REPORT_COLUMNS)
        header, rows = read_rows(path, mapping.get("encoding") or "utf-8-sig", mapping.get("delimiter") or ",")
        lookups = Lookups(mapping["source_system"], dry_run=dry_run)
        converter = Converter(mapping, header, lookups, GridIndex(), text_only=path.suffix.lower() != ".xlsx")
        run_label = f"{path.name}@{timezone.now():%Y-%m-%dT%H:%M:%S}"
        writer = make_writer(mapping["source_system"], run_label, use_copy)
        if not dry_run and _parallel_load_fits(path, mapping, limit, workers, writer, initial_load):
            next(rows, None)  # started, so that closing it closes the file (the workers' reader reads it)
            rows.close()
            _parallel_load(path, mapping, converter, lookups, writer, out, report_handle, result, started,
                           batch_size or PARALLEL_CHUNK, workers or default_workers(), progress, initial_load)
            return result
        if not batch_size:
            batch_size = 20000 if isinstance(writer, CopyWriter) else 5000
        seen: dict[str, int] = {}
        batch: list[dict] = []
        issues: list[Issue] = []
        # On PostgreSQL outside a transaction, batches are written by a second thread on its own
        # connection while this one parses the next batch: the database and Python work in parallel.
        sink = BackgroundSink(writer, initial_load) if (isinstance(writer, CopyWriter) and not dry_run
                                                        and not connection.in_atomic_block) \
            else InlineSink(writer, dry_run)

        def flush():
            nonlocal batch
            if batch:
                sink.submit(batch)
                batch = []
            for issue in issues:
                out.writerow([issue.line, issue.ref, issue.level, issue.field, issue.problem, issue.value])
                if issue.level == "error":
                    result.errors += 1
                else:
                    result.warnings += 1
            issues.clear()
            report_handle.flush()
            result.imported, result.already = sink.imported, sink.already
            result.seconds = time.perf_counter() - started
            result.created = dict(lookups.created)
            if progress:
                progress(result)

        try:
            for line, values in rows:
                if limit is not None and result.rows >= limit:
                    break
                result.rows += 1
                row = converter.convert(line, values, issues)
                if row is None:
                    continue
                first = seen.get(row["ref"])
                if first is not None:
                    issues.append(Issue(line, row["ref"], "error", "id", f"duplicate id (first at line {first})"))
                    continue
                seen[row["ref"]] = line
                batch.append(row)
                if len(batch) >= batch_size:
                    flush()
            flush()
        except BaseException as exc:
            sink.abort(exc)  # an initial load rolls back; batches already committed stay
            raise
        sink.finish()
    result.imported, result.already = sink.imported, sink.already
    result.seconds = time.perf_counter() - started
    result.created = dict(lookups.created)
    return result


# ---------------------------------------------------------------- the parallel initial load

#: Rows per chunk a worker converts (and per COPY): big enough that the per-chunk round trips vanish.
PARALLEL_CHUNK = 20000
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\0" + b"\0" * 8
_COPY_TRAILER = b"\xff\xff"
#: What a converting process inherits (fork): the converter, the row builder and the COPY encoders.
_worker: dict = {}


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def default_workers() -> int:
    """Converting processes: a core each, less one for the database server and this process (both
    busy a third of the time), at least two (on two cores, two workers beat one) and at most eight
    (beyond that the one writing connection is the limit)."""
    return max(2, min(usable_cores() - 1, 8))


def _parallel_load_fits(path: Path, mapping: dict, limit: int | None, workers: int | None, writer: Writer,
                        initial_load: bool) -> bool:
    """Worker processes convert a whole CSV file on PostgreSQL, outside any transaction of the
    caller's (batches commit on their own); an initial load only into a source with no rows yet (no
    existence probes, unique constraints rebuilt at the end, so a worker's rows never need redrawing)."""
    import multiprocessing

    if not isinstance(writer, CopyWriter) or limit is not None or path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        return False
    if connection.in_atomic_block:
        return False
    if (workers if workers is not None else default_workers()) < 2 or usable_cores() < 2:
        return False
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    if not _byte_splittable(mapping.get("encoding") or "utf-8-sig", mapping.get("delimiter") or ","):
        return False
    if not initial_load:
        return True
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {Appeal._meta.db_table} WHERE source_system = %s "
                       "AND source_ref <> '')", [writer.source_system])
        return not cursor.fetchone()[0]


class _KnownLookups:
    """A worker's lookups: the names the main process has resolved so far. Another name is noted and
    the chunk goes back to the main process, which alone writes to the database."""

    def __init__(self):
        self.categories: dict[tuple[str, ...], int | None] = {}
        self.departments: dict[str, int | None] = {}
        self.missing_categories: set[tuple[str, ...]] = set()
        self.missing_departments: set[str] = set()

    def category(self, path: tuple[str, ...]) -> int | None:
        if not path:
            return None
        found = self.categories.get(path, -1)
        if found == -1:
            self.missing_categories.add(path)
            return None
        return found

    def department(self, name: str) -> int | None:
        if not name:
            return None
        found = self.departments.get(name[:100], -1)
        if found == -1:
            self.missing_departments.add(name[:100])
            return None
        return found


#: Bytes read at a time when splitting a CSV file for the workers.
SPLIT_BLOCK = 1 << 22
#: Encodings in which the bytes of a line break, a quote or an ASCII delimiter never occur inside
#: another character, so a file in them can be cut into chunks without decoding it.
BYTE_SPLITTABLE = {"utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "ascii", "iso8859-1",
                   "cp1252", "cp936", "cp950"}


def _byte_splittable(encoding: str, delimiter: str) -> bool:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name in BYTE_SPLITTABLE and delimiter.isascii() and len(delimiter) == 1


def _file_lines(handle) -> Iterator[list[bytes]]:
    """The file's physical lines (ends kept, a line break being \\n, \\r\\n or \\r as csv reads
    them), a block of about SPLIT_BLOCK bytes at a time."""
    while data := handle.read(SPLIT_BLOCK):
        data += handle.readline()  # to the end of the line
        yield data.splitlines(True)


def _split_csv(path: Path, encoding: str, delimiter: str, chunk_rows: int,
               first_rows: int) -> Iterator[tuple[int, int, int, int]]:
    """(physical lines before the chunk, physical lines in it, its first byte, the byte after it):
    chunks of the data rows ending at record ends, so a worker reading those bytes parses the same
    records and reports the same line numbers as a serial import. A stretch of the file without a
    quote character has no record spanning lines, so it is cut at line ends undecoded; elsewhere
    csv.reader finds where each record ends (quoted line breaks included)."""
    csv.field_size_limit(50 * 1024 * 1024)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else delimiter
    size = min(first_rows, chunk_rows)
    base = count = 0  # lines before the chunk being filled, lines in it
    start = end = 0  # its bytes
    before = 0  # lines before the block
    with open(path, "rb") as handle:
        blocks = _file_lines(handle)
        for block in blocks:
            at = 0

            def feed():
                """The block's lines as text for csv.reader; a quoted line break carries the last
                record into the next block, which then joins this one."""
                nonlocal at, block
                while True:
                    while at < len(block):
                        at += 1
                        try:
                            yield block[at - 1].decode(encoding)
                        except UnicodeDecodeError:
                            raise ImportError_(f"{path.name}: bad {encoding} text at line {before + at}") from None
                    more = next(blocks, None)
                    if more is None:
                        return
                    block = block + more

            if before == 0:  # the header, parsed by read_rows already: skipped
                next(csv.reader(feed(), delimiter=delimiter), None)
                base = before = at
                start = end = sum(map(len, block[:at]))
                block, at = block[at:], 0
            if b'"' not in b"".join(block):  # one line, one record
                while at < len(block):
                    take = min(size - count, len(block) - at)
                    end += sum(map(len, block[at:at + take]))
                    count += take
                    at += take
                    if count >= size:
                        yield base, count, start, end
                        base, size, start, count = base + count, chunk_rows, end, 0
            else:
                done = 0
                for _ in csv.reader(feed(), delimiter=delimiter):
                    end += sum(map(len, block[done:at]))
                    count += at - done
                    done = at
                    if count >= size:
                        yield base, count, start, end
                        base, size, start, count = base + count, chunk_rows, end, 0
                    if at >= len(block):
                        break
                end += sum(map(len, block[done:at]))
                count += at - done
            before += len(block)
        if count:
            yield base, count, start, end


def _read_chunk(path: Path, encoding: str, base: int, start: int, end: int) -> str:
    """In a worker: the text of one chunk, read from the file."""
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = base + len((data[:exc.start] + b"x").splitlines())  # the lines up to the bad byte's own
        raise ImportError_(f"{path.name}: bad {encoding} text at line {line}") from None


class _RowEncoder:
    """Binary COPY rows whose last columns hold the same values in every row: those are encoded
    once, and a row's own columns are encoded and the shared bytes appended (a third of the
    encoding time of a whole appeal row)."""

    def __init__(self, adapters: AdaptersMap, oids: list[int], tail: tuple):
        own = len(oids) - len(tail)
        self.tx = Transformer(adapters)
        self.tx.set_dumper_types(oids[:own], pq.Format.BINARY)
        shared = Transformer(adapters)
        shared.set_dumper_types(oids[own:], pq.Format.BINARY)
        encoded = bytearray()
        format_row_binary(tail, shared, encoded)
        self.tail = bytes(encoded[2:])  # without its field count
        self.count = len(oids).to_bytes(2, "big")

    def encode_all(self, rows: Iterable[tuple | None]) -> tuple[bytes, array]:
        """(the rows' COPY data, where each row ends: None stands for an appeal without a row here)."""
        out, ends = bytearray(), array("q", [0])
        tx, count, tail, mark = self.tx, self.count, self.tail, ends.append
        for values in rows:
            if values is not None:
                at = len(out)
                format_row_binary(values, tx, out)
                out[at:at + 2] = count
                out += tail
            mark(len(out))
        return bytes(out), ends


def _convert_chunk(*args) -> dict:
    """In a worker: _convert_rows, with any exception (Ctrl-C too, which would otherwise end the
    worker and leave its result pending for ever) handed back to the main process."""
    try:
        return _convert_rows(*args)
    except BaseException as exc:
        return {"error": exc}


def _convert_rows(base: int, start: int, end: int, ids: Sequence[int], delimiter: str, categories: dict,
                  departments: dict) -> dict:
    """In a worker: one chunk's rows as binary COPY payloads for the three tables, with each row's
    offsets (so the main process can still leave a row out), its refs and lines in file order, the
    report entries and the keys written; or the names still to be resolved."""
    converter, writer = _worker["converter"], _worker["writer"]
    text = _read_chunk(_worker["path"], _worker["encoding"], base, start, end)
    lookups = converter.lookups
    lookups.categories.update(categories)
    lookups.departments.update(departments)
    issues: list[Issue] = []
    rows: list[dict] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)  # line ends as a file opened with newline=""
    last = records = 0
    convert = converter.convert
    for values in reader:
        first_line, last = last + 1, reader.line_num
        if values:
            records += 1
            row = convert(base + first_line, values, issues)
            if row is not None:
                rows.append(row)
    if lookups.missing_categories or lookups.missing_departments:
        missing = (lookups.missing_categories, lookups.missing_departments)
        lookups.missing_categories, lookups.missing_departments = set(), set()
        converter.category_cache.clear()  # they may hold a None for a name not resolved yet
        converter.department_cache.clear()
        return {"missing": missing}
    # Time order, as write() does.
    order = sorted(range(len(rows)), key=list(map(operator.itemgetter("tracking_number"), rows)).__getitem__)
    ordered = [rows[i] for i in order]
    ids = ids[:len(rows)]
    encoders = _worker["encoders"]
    payloads = {name: encoders[name].encode_all(rows_of(ids, ordered, with_tail=False)) for name, rows_of in (
        ("appeal", writer.appeal_rows), ("event", writer.event_rows), ("assignment", writer.assignment_rows))}
    keys = {key: set(map(operator.itemgetter(key), rows)) for key in set(TableWriter.KEY_SOURCES.values())}
    return {"records": records, "payloads": payloads, "order": array("q", order),
            "refs": list(map(operator.itemgetter("ref"), rows)),
            "lines": array("q", map(operator.itemgetter("line"), rows)), "issues": issues, "keys": keys}


def _parallel_load(path: Path, mapping: dict, converter: Converter, lookups: Lookups, writer: CopyWriter,
                   out, report_handle, result: Result, started: float, chunk_rows: int, workers: int,
                   progress: Callable[[Result], None] | None, initial_load: bool) -> None:
    """A load with the per-row Python work spread over worker processes (forked, so they inherit the
    converter and the lookups): this process splits the file, draws each chunk's ids from the
    sequence, checks ids for duplicates across chunks, writes the report in line order and streams
    the finished payloads into COPY: an initial load in its one transaction, otherwise a chunk per
    transaction, leaving out the rows already imported (a re-run, a resumed run)."""
    import multiprocessing
    from collections import deque

    appeals = Appeal._meta.db_table
    tables = {"appeal": (appeals, writer.appeal_columns), "event": (AppealEvent._meta.db_table, writer.event_columns),
              "assignment": (Assignment._meta.db_table, writer.assignment_columns)}
    tails = {"appeal": writer.appeal_tail, "event": writer.event_tail, "assignment": writer.assignment_tail}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [appeals])
        sequence = cursor.fetchone()[0]
        adapters = AdaptersMap(cursor.cursor.adapters)
        adapters.register_dumper(JsonText, JsonTextBinaryDumper)  # jsonb from JSON text
        encoders = {}
        for name, (table, columns) in tables.items():
            cursor.execute("SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass "
                           "AND attnum > 0 AND NOT attisdropped", [table])
            oids = dict(cursor.fetchall())
            encoders[name] = _RowEncoder(adapters, [oids[c] for c in columns], tails[name])
    delimiter = "\t" if path.suffix.lower() == ".tsv" else mapping.get("delimiter") or ","
    encoding = mapping.get("encoding") or "utf-8-sig"
    real_lookups = converter.lookups
    converter.lookups = _KnownLookups()
    _worker.update(converter=converter, writer=writer, encoders=encoders, path=path, encoding=encoding)
    # No connection may cross the fork: a child closing its copy would end the parent's session.
    connection.close()
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker)
    finally:
        converter.lookups = real_lookups
        _worker.clear()
    seen: dict[str, int] = {}
    names = {name: ", ".join(f'"{c}"' for c in columns) for name, (_, columns) in tables.items()}
    # Outside an initial load each chunk is its own transaction; when the role may, it skips the
    # per-row key triggers and checks the chunk's few distinct keys at once (as bulk_load_end does).
    outside_keys: list[tuple[str, str, str, str]] = []
    if not initial_load:
        with connection.cursor() as cursor:
            if _key_triggers_may_be_off(cursor, list(BULK_TABLES)):
                outside_keys = _outside_keys(cursor)

    def submit(base: int, start: int, end: int, ids: Sequence[int]):
        return pool.apply_async(_convert_chunk, (base, start, end, ids, delimiter, dict(lookups.categories),
                                                 dict(lookups.departments)))

    def merge(cursor, base: int, lines: int, start: int, end: int, ids: Sequence[int], pending) -> None:
        done = pending.get()
        for attempt in itertools.count():
            if "error" in done:
                raise done["error"]
            if "missing" not in done:
                break
            if attempt == 2:  # resolved twice and still unknown: a bug, not a reason to loop for ever
                raise ImportError_(f"names not resolved for lines after {base}: {done['missing']}")
            # Names seen for the first time: resolved (created) here, then the chunk is converted again.
            categories, departments = done["missing"]
            for category_path in sorted(categories):
                lookups.category(category_path)
            for name in sorted(departments):
                lookups.department(name)
            done = submit(base, start, end, ids).get()
        if initial_load:
            record(done, *write(cursor, done))
            return
        for attempt in range(3):  # a unique clash: another run of this source, or a tracking number drawn twice
            try:
                with transaction.atomic():
                    written = write(cursor, done)
                break
            except psycopg.errors.UniqueViolation:  # from the raw COPY, unwrapped
                if attempt == 2:
                    raise
                writer.source_had_rows = True  # probe every chunk from now on
                done = submit(base, start, end, ids).get()  # fresh tracking numbers
        record(done, *written)

    def write(cursor, done: dict) -> tuple[dict, list[Issue], set[int], int]:
        """COPY the chunk's rows but those already seen in the file (or, outside an initial load,
        already imported); (their refs and lines, the duplicates, the rows left out, how many of them
        were imported before). Nothing outside the database changes here: a clash retries it."""
        refs, lines, order = done["refs"], done["lines"], done["order"]
        fresh = dict(zip(refs, lines))
        duplicates: list[Issue] = []
        drop: set[int] = set()
        if len(fresh) != len(refs) or not seen.keys().isdisjoint(fresh):
            fresh = {}
            for i, (ref, line) in enumerate(zip(refs, lines)):
                first = seen.get(ref) or fresh.get(ref)
                if first is not None:
                    duplicates.append(Issue(line, ref, "error", "id", f"duplicate id (first at line {first})"))
                    drop.add(i)
                else:
                    fresh[ref] = line
        already = 0
        if not initial_load:  # imported by an earlier run: left out, counted
            existing = writer.existing([ref for i, ref in enumerate(refs) if i not in drop])
            for i, ref in enumerate(refs):
                if ref in existing and i not in drop:
                    drop.add(i)
                    already += 1
            if outside_keys:  # per-row key triggers off for this chunk, its keys checked at once below
                cursor.execute("SET LOCAL session_replication_role = replica")
        for name, (payload, offsets) in done["payloads"].items():
            if drop:
                payload = b"".join(payload[offsets[p]:offsets[p + 1]] for p in range(len(order))
                                   if order[p] not in drop)
            if payload:
                with cursor.cursor.copy(f"COPY {tables[name][0]} ({names[name]}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(_COPY_SIGNATURE)
                    copy.write(memoryview(payload))  # sent in slices: a view slices without copying
                    copy.write(_COPY_TRAILER)
        if not initial_load and outside_keys:
            written = {column: set() for column in writer.key_values}  # columns never filled: NULL
            written.update({column: done["keys"][key] for column, key in TableWriter.KEY_SOURCES.items()})
            _check_keys(cursor, outside_keys, written)
        return fresh, duplicates, drop, already

    def record(done: dict, fresh: dict, duplicates: list[Issue], drop: set[int], already: int) -> None:
        """What a written chunk adds to the run: its refs, its report lines, its counts."""
        seen.update(fresh)
        for issue in heapq.merge(done["issues"], duplicates, key=lambda issue: issue.line):
            out.writerow([issue.line, issue.ref, issue.level, issue.field, issue.problem, issue.value])
            if issue.level == "error":
                result.errors += 1
            else:
                result.warnings += 1
        for key, values in done["keys"].items():
            for table_column, source in TableWriter.KEY_SOURCES.items():
                if source == key:
                    writer.key_values.setdefault(table_column, set()).update(values)
        result.rows += done["records"]
        result.imported += len(done["refs"]) - len(drop)
        result.already += already
        report_handle.flush()
        result.seconds = time.perf_counter() - started
        result.created = dict(lookups.created)
        if progress:
            progress(result)

    def load() -> None:
        with connection.cursor() as cursor:
            pending: deque = deque()
            for base, lines, start, end in _split_csv(path, encoding, delimiter, chunk_rows, first_rows=1000):
                # Ids for every line of the chunk (a skipped row leaves a gap). In an initial load the
                # appeal table is locked, so nothing else draws from the sequence meanwhile and one
                # setval reserves a range; otherwise each id is drawn.
                if initial_load:
                    cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, lines])
                    last = cursor.fetchone()[0]
                    ids: Sequence[int] = range(last - lines + 1, last + 1)
                else:
                    cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, lines])
                    ids = array("q", (row[0] for row in cursor.fetchall()))
                pending.append((base, lines, start, end, ids, submit(base, start, end, ids)))
                # The first (small) chunk is merged before any other is sent, so the names it
                # brings are known to the workers from then on.
                while len(pending) > (workers + 1 if seen or result.errors else 0):
                    merge(cursor, *pending.popleft())
            while pending:
                merge(cursor, *pending.popleft())

    try:
        if initial_load:
            with transaction.atomic():
                plan = bulk_load_begin(writer.source_system)
                if plan.source_had_rows:
                    raise ImportError_(f"another import of {writer.source_system} started meanwhile: "
                                       "run this one again")
                load()
                bulk_load_end(plan, writer.key_values)
        else:
            load()
    finally:
        pool.terminate()
        pool.join()
    result.seconds = time.perf_counter() - started
    result.created = dict(lookups.created)


def _start_worker() -> None:
    """Workers inherit the parent's signal handlers (a test runner's or a server's): with a SIGTERM
    handler that does not exit, Pool.terminate() would wait for them forever. Ctrl-C is the parent's.
    They inherit its whole heap too: frozen, the garbage collector stops walking it (and copying its
    pages) every few thousand rows."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()


class InlineSink:
    """Writes each batch at once, in the caller's connection and transaction."""

    def __init__(self, writer: Writer, dry_run: bool = False):
        self.writer, self.dry_run = writer, dry_run
        self.imported = self.already = 0

    def process(self, batch: list[dict]) -> None:
        existing = self.writer.existing([r["ref"] for r in batch])
        fresh = [r for r in batch if r["ref"] not in existing] if existing else batch
        self.already += len(batch) - len(fresh)
        if fresh:
            self.imported += len(fresh) if self.dry_run else _write_with_retry(self.writer, fresh)

    submit = process

    def finish(self) -> None:
        pass

    def abort(self, exc: BaseException) -> None:
        pass


class BackgroundSink(InlineSink):
    """Writes batches in a worker thread (its own database connection), one batch ahead of the parser."""

    def __init__(self, writer: Writer, initial_load: bool = False):
        import queue
        import threading

        super().__init__(writer)
        self.initial_load = initial_load
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            if self.initial_load:
                with transaction.atomic():
                    plan = bulk_load_begin(self.writer.source_system)
                    self.writer.source_had_rows = plan.source_had_rows
                    self._drain()
                    if self.error is not None:
                        raise self.error  # roll the whole load back
                    bulk_load_end(plan, self.writer.key_values)
            else:
                self._drain()
        except BaseException as exc:
            self.error = self.error or exc
        finally:
            connection.close()

    def _drain(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.process(batch)
                except BaseException as exc:  # handed to the main thread at its next submit/finish
                    self.error = exc

    def submit(self, batch: list[dict]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def finish(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def abort(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()


BULK_TABLES = (Appeal._meta.db_table, AppealEvent._meta.db_table, Assignment._meta.db_table)


@dataclass
class BulkLoadPlan:
    """What bulk_load_begin took away and bulk_load_end puts back."""

    rebuild: list[str] = field(default_factory=list)
    #: Unique constraints of the appeal table, dropped only when the source had no rows yet.
    unique_rebuild: list[str] = field(default_factory=list)
    source_had_rows: bool = True
    #: (table, column, referenced table, referenced column) checked once each at the end, when the
    #: per-row key triggers were switched off for the load.
    keys: list[tuple[str, str, str, str]] = field(default_factory=list)


def bulk_load_begin(source_system: str) -> BulkLoadPlan:
    """Inside the load's transaction: drop the secondary indexes of the appeal tables and the foreign
    keys among them (unique indexes stay, so a source's rows already there are still refused). Keys to categories,
    departments and users stay: dropping them would lock those tables, which the load (and the rest of
    the site) keeps writing. The appeal table is now locked for the whole load, so when this source
    has no rows yet nothing but the load can insert there: its unique constraints are dropped too and
    rebuilt at the end (a clash still fails the load), and batches need no existence probe. Key
    checks to the other tables (one trigger call per key per row, queued until commit: a third of
    the load's time) are switched off instead when the role may do so and the tables have no
    triggers of their own; bulk_load_end then checks each key in one pass, and the keys among the
    three tables, which the loader fills from one set of rows, are neither dropped nor re-checked."""
    plan = BulkLoadPlan()
    tables = list(BULK_TABLES)
    with connection.cursor() as cursor:
        # The end's index builds sort in memory, on up to 2 parallel workers each (PostgreSQL's own).
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 2")
        cursor.execute("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT i.indisunique
        """, [tables])
        for name, definition in cursor.fetchall():
            cursor.execute(f"DROP INDEX {name}")
            plan.rebuild.append(definition)
        appeals = Appeal._meta.db_table
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {appeals} WHERE source_system = %s AND source_ref <> '')",
                       [source_system])
        plan.source_had_rows = cursor.fetchone()[0]
        if not plan.source_had_rows:
            cursor.execute("""
                SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname,
                       pg_get_constraintdef(c.oid)
                FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype = 'u'
                WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
            """, [appeals])
            for index, index_definition, constraint, definition in cursor.fetchall():
                if constraint:
                    cursor.execute(f'ALTER TABLE {appeals} DROP CONSTRAINT "{constraint}"')
                    plan.unique_rebuild.append(f'ALTER TABLE {appeals} ADD CONSTRAINT "{constraint}" {definition}')
                else:
                    cursor.execute(f"DROP INDEX {index}")
                    plan.unique_rebuild.append(index_definition)
        if not _key_triggers_may_be_off(cursor, tables):
            # The keys among the three tables, re-validated in one pass each at the end. With the
            # triggers off they stay: the loader writes an appeal's events and assignment from the
            # same rows and ids, so they hold by construction (and merged_into stays empty).
            cursor.execute("""
                SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
                FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                JOIN pg_class r ON r.oid = c.confrelid
                WHERE c.contype = 'f' AND t.relname = ANY(%s) AND r.relname = ANY(%s)
            """, [tables, tables])
            for table, name, definition in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                plan.rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        else:
            plan.keys = _outside_keys(cursor)
            # Like pg_restore --disable-triggers: only the key checks are skipped (the tables have no
            # other triggers); unique indexes keep working. Ends with the transaction.
            cursor.execute("SET LOCAL session_replication_role = replica")
    return plan


def _outside_keys(cursor) -> list[tuple[str, str, str, str]]:
    """(table, column, referenced table, referenced column) of each key from the appeal tables to
    another table: what _check_keys checks when the per-row triggers are off."""
    tables = list(BULK_TABLES)
    cursor.execute("""
        SELECT t.relname, a.attname, r.relname, ra.attname
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND t.relname = ANY(%s) AND NOT r.relname = ANY(%s)
          AND cardinality(c.conkey) = 1
    """, [tables, tables])
    return cursor.fetchall()


def _check_keys(cursor, keys: list[tuple[str, str, str, str]], key_values: dict[tuple[str, str], set] | None) -> None:
    """Check keys whose per-row triggers were off: from `key_values`, the distinct values written
    into a (table, column) when the writer knows them (columns it never fills are NULL), else by one
    anti-join over the table. The rows found stay locked until the commit, as the triggers would."""
    for table, column, ref_table, ref_column in keys:
        values = key_values.get((table, column)) if key_values is not None else None
        if values is not None:
            wanted = [v for v in values if v is not None]
            if not wanted:
                continue
            cursor.execute(f'SELECT r."{ref_column}" FROM {ref_table} r WHERE r."{ref_column}" = ANY(%s) '
                           f'FOR KEY SHARE OF r', [wanted])
            found = {row[0] for row in cursor.fetchall()}
            missing = next((v for v in wanted if v not in found), None)
        else:
            cursor.execute(f'SELECT 1 FROM {ref_table} r WHERE r."{ref_column}" IN '
                           f'(SELECT t."{column}" FROM {table} t) FOR KEY SHARE OF r')
            cursor.execute(f'SELECT t."{column}" FROM {table} t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '
                           f'(SELECT 1 FROM {ref_table} r WHERE r."{ref_column}" = t."{column}") LIMIT 1')
            missing = (cursor.fetchone() or [None])[0]
        if missing is not None:
            raise IntegrityError(f"{table}.{column}={missing} refers to no row of {ref_table}")


def _key_triggers_may_be_off(cursor, tables: list[str]) -> bool:
    """Only a superuser may switch triggers off, and only key checks may be lost by it."""
    cursor.execute("""
        SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
           AND NOT EXISTS (SELECT 1 FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
                           WHERE t.relname = ANY(%s) AND NOT g.tgisinternal)
    """, [tables])
    return cursor.fetchone()[0]


def bulk_load_end(plan: BulkLoadPlan, key_values: dict[tuple[str, str], set] | None = None) -> None:
    """Rebuild the indexes in one sort each and re-validate the internal foreign keys in one pass
    each, then check every skipped key (_check_keys)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the pending key checks before rebuilding
        for statement in plan.unique_rebuild:
            _add_unique(cursor, statement)
        for statement in plan.rebuild:
            cursor.execute(statement)
        for table in BULK_TABLES:
            cursor.execute(f"ANALYZE {table}")
        _check_keys(cursor, plan.keys, key_values)


def _add_unique(cursor, statement: str) -> None:
    """Rebuild one unique constraint; tracking numbers drawn twice (40 random bits a day: rare, not
    impossible) are drawn again first, as _write_with_retry does for a batch."""
    table = Appeal._meta.db_table
    for _ in range(5):
        try:
            with transaction.atomic():
                cursor.execute(statement)
            return
        except IntegrityError:
            if "tracking_number" not in statement:
                raise
            cursor.execute(f"""
                SELECT id, received_at FROM (
                    SELECT id, received_at, row_number() OVER (PARTITION BY tracking_number ORDER BY id) AS n
                    FROM {table} WHERE tracking_number IN
                        (SELECT tracking_number FROM {table} GROUP BY tracking_number HAVING count(*) > 1)
                ) d WHERE n > 1""")
            site = ZoneInfo(settings.TIME_ZONE)
            for pk, received in cursor.fetchall():
                cursor.execute(f"UPDATE {table} SET tracking_number = %s WHERE id = %s",
                               [tracking_number(received.astimezone(site).date()), pk])
    cursor.execute(statement)


def _write_with_retry(writer: Writer, rows: list[dict]) -> int:
    """A unique clash means another import raced us or a tracking number collided: re-check and redraw once."""
    try:
        return writer.write(rows)
    except IntegrityError:
        if getattr(writer, "source_had_rows", None) is False:
            writer.source_had_rows = True  # someone else imports this source now: probe every batch
        existing = writer.existing([r["ref"] for r in rows])
        rows = [r for r in rows if r["ref"] not in existing]
        for r in rows:
            r["tracking_number"] = tracking_number(r["received_at"].astimezone(ZoneInfo(settings.TIME_ZONE)).date())
        return writer.write(rows) if rows else 0


def print_progress(result: Result, stream=sys.stderr) -> None:
    stream.write(f"\r{result.rows} rows read, {result.imported} imported, {result.already} already there, "
                 f"{result.errors} skipped")
    stream.flush()


__all__ = ["PRESETS", "ImportError_", "Result", "import_file", "load_mapping"]
