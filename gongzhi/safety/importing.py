"""Bulk import of incident files (CSV or .csv.gz) through mapping presets.

A preset says which columns hold the time, place, type and premises, and how the file's categories
map onto our incident types. Each row gets a stable ``source_ref`` (the file's own id, or a hash of
the row for files without one), so importing the same file twice adds nothing. Dirty rows are
reported with their line numbers. A file with one row per offence (SF) gives one incident per
id, typed by its first row. Rows without a usable time or type are skipped; rows with an
unusable place are imported without one (they still count in the bulletin), with a warning.

Times are taken as the wall-clock time written in the file, in the installation's time zone, so an
incident at 22:00 in the file shows as 22:00 on every page (the SF file's "+00:00" is not real UTC).
"""
from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.core import audit
from gongzhi.core.geo import valid_coordinates

from .models import IncidentEvent, IncidentStatus, IncidentType, PoliceIncident, Premises, Source

MAX_MESSAGES = 500


@dataclass(frozen=True)
class Preset:
    name: str
    source: str
    lat: str
    lon: str
    date: str
    type_column: str
    type_map: dict[str, str]          # file category -> IncidentType.code
    hour: str | None = None           # a separate hour column (Toronto); else the hour is in `date`
    premises: str | None = None
    premises_map: dict[str, str] = field(default_factory=dict)
    ref: str | None = None            # the file's own unique id column
    address: str | None = None
    area: str | None = None
    summary: Callable[[dict], str] | None = None
    status_map: Callable[[dict], str] | None = None


TORONTO = Preset(
    name="toronto", source=Source.TORONTO, lat="Lat", lon="Long", date="occurrencedate", hour="occurrencehour",
    type_column="MCI",
    type_map={"Assault": "XS-SH", "Break and Enter": "XS-RSDQ", "Auto Theft": "XS-DQJDC", "Robbery": "XS-QJ",
              "Theft Over": "XS-DQ"},
    premises="premises_type",
    premises_map={"House": Premises.HOUSE, "Apartment": Premises.APARTMENT, "Commercial": Premises.COMMERCIAL,
                  "Outside": Premises.OUTSIDE, "Transit": Premises.TRANSIT, "Educational": Premises.EDUCATIONAL,
                  "Other": Premises.OTHER},
    area="Neighbourhood",
    summary=lambda r: f"{r.get('MCI', '')} · {r.get('premises_type', '')}",
    status_map=lambda r: IncidentStatus.CLOSED,
)

SF_TYPES = {
    "LARCENY/THEFT": "XS-DQ", "STOLEN PROPERTY": "XS-DQ", "VEHICLE THEFT": "XS-DQJDC", "BURGLARY": "XS-RSDQ",
    "ROBBERY": "XS-QJ", "ASSAULT": "XS-SH", "FRAUD": "XS-ZP", "FORGERY/COUNTERFEITING": "XS-ZP",
    "BAD CHECKS": "XS-ZP", "EMBEZZLEMENT": "XS-ZP", "EXTORTION": "XS-QT", "BRIBERY": "XS-QT",
    "KIDNAPPING": "XS-QT", "ARSON": "XS-QT", "SEX OFFENSES, FORCIBLE": "XS-QT", "SEX OFFENSES, NON FORCIBLE": "XS-QT",
    "VANDALISM": "ZA-HW", "DRUG/NARCOTIC": "ZA-SD", "DISORDERLY CONDUCT": "ZA-DS", "DRUNKENNESS": "ZA-QT",
    "WEAPON LAWS": "ZA-QT", "PROSTITUTION": "ZA-QT", "TRESPASS": "ZA-QT", "LIQUOR LAWS": "ZA-QT",
    "LOITERING": "ZA-QT", "GAMBLING": "ZA-QT", "PORNOGRAPHY/OBSCENE MAT": "ZA-QT", "SUSPICIOUS OCC": "ZA-QT",
    "WARRANTS": "ZA-QT", "OTHER OFFENSES": "ZA-QT", "SECONDARY CODES": "ZA-QT", "TREA": "ZA-QT",
    "DRIVING UNDER THE INFLUENCE": "JT", "FAMILY OFFENSES": "JF",
    "MISSING PERSON": "QZ", "RUNAWAY": "QZ", "SUICIDE": "QZ", "NON-CRIMINAL": "QZ", "RECOVERED VEHICLE": "QZ",
}


def _sf_status(row: dict) -> str:
    res = (row.get("resolution") or "").upper()
    if res in ("", "NONE"):
        return IncidentStatus.INVESTIGATING
    if "ARREST" in res or "BOOKED" in res or "CITED" in res:
        return IncidentStatus.SOLVED
    return IncidentStatus.CLOSED


SF = Preset(
    name="sf", source=Source.SF, lat="latitude", lon="longitude", date="timestamp", type_column="category",
    type_map=SF_TYPES, ref="unique_key", address="address", area="pddistrict",
    summary=lambda r: r.get("descript", ""), status_map=_sf_status,
)

PRESETS = {p.name: p for p in (TORONTO, SF)}
MAPPING_KEYS = {"lat", "lon", "date", "type_column", "type_map", "hour", "premises", "premises_map", "ref",
                "address", "area"}


def preset_from_mapping(mapping: dict, name: str = "csv") -> Preset:
    """A preset for another export, from a JSON mapping such as
    ``{"lat": "纬度", "lon": "经度", "date": "发案时间", "type_column": "案由",
    "type_map": {"盗窃": "XS-DQ", "入室盗窃": "XS-RSDQ"}, "ref": "警情编号", "address": "发案地点"}``.
    Unknown keys are refused, so a typo does not silently drop a column."""
    if not isinstance(mapping, dict):
        raise ValueError("the mapping must be a JSON object")
    unknown = set(mapping) - MAPPING_KEYS
    if unknown:
        raise ValueError(f"unknown mapping keys: {', '.join(sorted(unknown))}")
    missing = [k for k in ("lat", "lon", "date", "type_column", "type_map") if not mapping.get(k)]
    if missing:
        raise ValueError(f"the mapping needs: {', '.join(missing)}")
    bad = [v for v in mapping.get("premises_map", {}).values() if v not in Premises.values]
    if bad:
        raise ValueError(f"unknown premises in premises_map: {', '.join(map(str, bad))}")
    return Preset(name=name, source=Source.CSV, **{k: v for k, v in mapping.items()})


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    existing: int = 0
    merged: int = 0   # more rows of an incident already read from this file (SF: one row per offence)
    skipped: int = 0
    warnings: int = 0
    messages: list[tuple[int, str]] = field(default_factory=list)  # (line, message), first MAX_MESSAGES
    unmapped: Counter = field(default_factory=Counter)

    def note(self, line: int, message: str) -> None:
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append((line, message))

    def summary(self) -> str:
        return (f"read {self.rows} rows: created {self.created}, already imported {self.existing}, "
                f"merged into an incident of the same file {self.merged}, skipped {self.skipped}, imported with warnings {self.warnings}")


def _open(path: Path):
    if str(path).endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def parse_when(text: str, hour_text: str | None = None) -> dt.datetime | None:
    """Naive wall-clock datetime of ``2014/03/02 05:00:00+00``, ``2014-10-04 18:30:00+00:00``,
    ``2014-10-04T18:30``, ``03/02/2014 18:30``; with ``hour_text`` only the date part is read."""
    s = (text or "").strip()
    if len(s) < 8:
        return None
    try:
        if s[4:5] in "-/" and s[7:8] in "-/":
            day = dt.date(int(s[0:4]), int(s[5:7]), int(s[8:10]))
            rest = s[10:].lstrip("T ").split("+")[0].split("Z")[0]
        else:
            head, _, rest = s.partition(" ")
            day = dt.datetime.strptime(head, "%m/%d/%Y").date()
        if hour_text is not None:
            hour = int(float(hour_text))
            if not 0 <= hour < 24:
                return None
            return dt.datetime(day.year, day.month, day.day, hour)
        hh, mm = 0, 0
        if rest:
            parts = rest.split(":")
            hh = int(parts[0])
            mm = int(parts[1]) if len(parts) > 1 else 0
        return dt.datetime(day.year, day.month, day.day, hh, mm)
    except (ValueError, IndexError):
        return None


class GridLocator:
    """All grids in memory with a bounding-box prefilter: one point lookup without a query, so an
    import of 180,000 rows does not make 180,000 queries. Same answer as core.geo.find_grid."""

    def __init__(self):
        from shapely.geometry import Polygon
        from shapely.prepared import prep

        from gongzhi.core.models import Grid

        self.grids = [(g, (g.min_lat, g.max_lat, g.min_lon, g.max_lon), prep(Polygon(g.polygon)))
                      for g in Grid.objects.select_related("community") if len(g.polygon) >= 3]
        if self.grids:
            self.box = (min(b[0] for _, b, _ in self.grids), max(b[1] for _, b, _ in self.grids),
                        min(b[2] for _, b, _ in self.grids), max(b[3] for _, b, _ in self.grids))

    def find(self, lat: float, lon: float):
        if not self.grids:
            return None
        b = self.box
        if not (b[0] <= lat <= b[1] and b[2] <= lon <= b[3]):
            return None
        from shapely.geometry import Point

        pt = Point(lon, lat)
        for grid, (y0, y1, x0, x1), poly in self.grids:
            if y0 <= lat <= y1 and x0 <= lon <= x1 and poly.covers(pt):
                return grid
        return None


def import_incidents(path, preset: str | Preset, *, actor=None, batch_size: int = 2000, limit: int | None = None,
                     region=None) -> ImportReport:
    """Import an incident file; safe to run again (already imported rows are counted, not added).
    ``region``: the region incidents are filed under when no grid contains them."""
    preset = PRESETS[preset] if isinstance(preset, str) else preset
    path = Path(path)
    report = ImportReport()
    from .services import ensure_default_types

    ensure_default_types()
    types = {t.code: t for t in IncidentType.objects.all()}
    missing = sorted(set(preset.type_map.values()) - set(types))
    if missing:
        raise ValueError(f"incident types missing from the taxonomy: {', '.join(missing)}")
    existing = set(PoliceIncident.objects.filter(source=preset.source).values_list("source_ref", flat=True))
    locator = GridLocator()
    tz = timezone.get_current_timezone()
    now = timezone.now()
    seen: Counter = Counter()
    this_file: set[str] = set()
    batch: list[PoliceIncident] = []
    with _open(path) as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        needed = [preset.lat, preset.lon, preset.date, preset.type_column] + [
            c for c in (preset.hour, preset.premises, preset.ref, preset.address, preset.area) if c]
        absent = [c for c in needed if c not in header]
        if absent:
            raise KeyError(absent[0])
        for row in reader:
            line = reader.line_num
            if limit is not None and report.rows >= limit:
                break
            report.rows += 1
            if preset.ref:
                ref = (row.get(preset.ref) or "").strip()
                if not ref:
                    report.skipped += 1
                    report.note(line, f"{preset.ref} 为空")
                    continue
            else:
                # no id in the file: the row's content, numbered among identical rows
                digest = hashlib.sha1("\x1f".join(row.get(c) or "" for c in header).encode()).hexdigest()[:24]
                seen[digest] += 1
                ref = f"{digest}-{seen[digest]}"
            if ref in existing:
                if ref in this_file:
                    report.merged += 1
                else:
                    report.existing += 1
                continue
            category = (row.get(preset.type_column) or "").strip()
            code = preset.type_map.get(category)
            if code is None:
                report.skipped += 1
                report.unmapped[category] += 1
                report.note(line, f"未知类别 {category!r}")
                continue
            when = parse_when(row.get(preset.date, ""), row.get(preset.hour) if preset.hour else None)
            if when is None or when > now.replace(tzinfo=None) + dt.timedelta(days=1):
                report.skipped += 1
                report.note(line, f"发案时间无法识别: {row.get(preset.date, '')!r}")
                continue
            lat, lon = row.get(preset.lat), row.get(preset.lon)
            grid = None
            inc_region = region
            if valid_coordinates(lat, lon) and float(lat) != 0 and float(lon) != 0 and abs(float(lat)) < 90:
                lat, lon = float(lat), float(lon)
                grid = locator.find(lat, lon)
                if grid is not None:
                    inc_region = grid.community
            else:
                report.warnings += 1
                report.note(line, f"坐标无效，未定位: {lat!r}, {lon!r}")
                lat = lon = None
            premises = preset.premises_map.get((row.get(preset.premises) or "").strip(), Premises.UNKNOWN) \
                if preset.premises else Premises.UNKNOWN
            existing.add(ref)
            this_file.add(ref)
            batch.append(PoliceIncident(
                type_id=types[code].pk, summary=(preset.summary(row) if preset.summary else "")[:300],
                occurred_at=when.replace(tzinfo=tz), occurred_on=when.date(), occurred_hour=when.hour,
                reported_at=None, lat=lat, lon=lon, address=(row.get(preset.address) or "")[:200] if preset.address else "",
                grid_id=grid.pk if grid is not None else None,
                region_id=inc_region.pk if inc_region is not None else None, area_name=(row.get(preset.area) or "").strip()[:100] if preset.area else "",
                premises=premises,
                status=preset.status_map(row) if preset.status_map else IncidentStatus.REPORTED,
                source=preset.source, source_ref=ref, created_by_id=getattr(actor, "pk", None)))
            if len(batch) >= batch_size:
                report.created += _flush(batch, actor)
                batch = []
    if batch:
        report.created += _flush(batch, actor)
    extra = {} if getattr(actor, "pk", None) else {"actor_label": "系统导入"}
    audit.record(actor, "safety.import", ("file", path.name), preset=preset.name, rows=report.rows,
                 created=report.created, existing=report.existing, skipped=report.skipped, **extra)
    return report


def _flush(batch: list[PoliceIncident], actor) -> int:
    """Insert one batch with an 'imported' event per incident. If another import got there first
    (a unique clash), insert what is still missing without events rather than fail the file."""
    label = "系统导入" if actor is None else str(actor)
    now = timezone.now()
    try:
        with transaction.atomic():
            made = PoliceIncident.objects.bulk_create(batch)
            if all(m.pk for m in made):
                IncidentEvent.objects.bulk_create(
                    [IncidentEvent(incident_id=m.pk, kind="imported", actor_id=getattr(actor, "pk", None),
                                   actor_label=label, to_status=m.status, data={"source": m.source, "ref": m.source_ref},
                                   created_at=now) for m in made])
            return len(made)
    except IntegrityError:
        before = PoliceIncident.objects.count()
        PoliceIncident.objects.bulk_create(batch, ignore_conflicts=True)
        return PoliceIncident.objects.count() - before
