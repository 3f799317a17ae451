"""The mapping: which source column feeds which appeal field. Presets cover the exports we know
(sf, baltimore, nyc, zh-messages alias appeals-zh); a JSON or TOML mapping file with the same keys
(optionally extending a preset) describes any other system, and is checked here, naming the bad key,
before any row is read. Also ImportError_, the one-line user error every step of an import raises
(core.tabular's RowReadError, which reading the file raises), and the status words a mapping may
use (open, closed or one of the appeal statuses)."""
from __future__ import annotations

import codecs
import json
import tomllib
from pathlib import Path

from gongzhi.core.tabular import RowReadError

from ..models import Status


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


#: A user error about the file or mapping (one line, no traceback). The same class as core.tabular's
#: RowReadError, so one `except` catches a bad mapping, a bad row and an unreadable file alike.
ImportError_ = RowReadError


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
