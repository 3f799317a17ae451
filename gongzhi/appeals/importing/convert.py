"""One source row to one appeal's values (Converter): the mapping's columns and "{column}"
templates compiled to functions of the row (compile_value); dates read in the source's formats and
time zone (DateParser); statuses, categories and departments resolved; coordinates checked; a
tracking number drawn (TrackingNumbers). Every problem with a row is noted as an Issue for the report."""
from __future__ import annotations

import datetime as dt
import operator
import os
import re
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from gongzhi.core.validation import control_character, has_control_character

from ..models import Status
from .lookups import GridIndex, Lookups
from .mapping import CLOSED, CLOSED_WORDS, HANDLING, MERGED, OPEN, PLACEHOLDERS, RECEIVED, ImportError_
from .report import Issue


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


# ---------------------------------------------------------------- tracking numbers

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


# ---------------------------------------------------------------- the row converter

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
        if has_control_character(text):  # refused as on every intake channel (core/validation.py)
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
