"""The anonymised open-data export (信息公开): the published appeals as CSV and JSON, fields in docs/opendata.md.

Which appeals: those the one publication rule lets out (gongzhi.core.publication.may_publish), the
same as the Open311 public feed: approved in review, or older than GONGZHI_PUBLICATION_DELAY_DAYS;
never one withheld, of a confidential category (纪检监察 …) or merged.

No names, phones, ID numbers or user ids leave: title, text, place and coordinates go through
gongzhi.core.publication.public_appeal, the same scrubbing as the public Open311 feed (phones, ID
numbers, plates, house and room numbers, the appellant's name and names given in the text; coordinates
rounded to three decimals, about 100 m). The CSV is written through gongzhi.core.spreadsheet (no cell
a spreadsheet would take for a formula, no control characters), and every file is replaced whole.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from gongzhi.appeals.models import Appeal, Status
from gongzhi.core import spreadsheet
from gongzhi.core.publication import public_appeal

FIELDS = [
    "tracking_number", "received_date", "received_month", "channel", "category", "category_root", "urgency",
    "status", "lead_department", "subdistrict", "community", "grid", "lat", "lon", "title", "content",
    "location", "dispatched_date", "replied_date", "closed_date", "on_time", "handling_workdays",
    "satisfaction", "resolved", "reopen_count", "return_count",
]
LATEST = "appeals-latest"


def default_dir() -> Path:
    return Path(getattr(settings, "DATA_DIR", ".")) / "opendata"


def _date(value) -> str:
    return timezone.localtime(value).date().isoformat() if value else ""


def rows():
    """Anonymised rows, streamed (the appeal table may hold millions)."""
    from gongzhi.appeals.models import Category
    from gongzhi.core.models import Department, Grid, Region

    from .services import catch_up

    catch_up()  # the handling times come from the facts
    cats = {c.pk: c for c in Category.objects.all()}
    roots = {}
    for cid, c in cats.items():
        node = c
        while node.parent_id and node.parent_id in cats:
            node = cats[node.parent_id]
        roots[cid] = node.name
    regions = {r.pk: r for r in Region.objects.all()}
    depts = dict(Department.objects.values_list("pk", "name"))
    grids = dict(Grid.objects.values_list("pk", "code"))
    # Only what the publication rule lets out (gongzhi.core.publication.may_publish: reviewed, or old
    # enough; never a confidential category or a withheld appeal; never a merged one).
    qs = (Appeal.objects.publishable().order_by("pk")
          .values("tracking_number", "received_at", "channel", "category_id", "urgency", "status",
                  "lead_department_id", "region_id", "grid_id", "lat", "lon", "title", "content", "location_text",
                  "dispatched_at", "replied_at", "closed_at", "due_at", "satisfaction", "resolved", "reopen_count",
                  "return_count", "appellant_name", "kpi_fact__handled_centi"))
    for a in qs.iterator(chunk_size=5000):
        region = regions.get(a["region_id"])
        community = region.name if region is not None and region.level == "community" else ""
        sub = ""
        if region is not None:
            if region.level == "subdistrict":
                sub = region.name
            elif region.parent_id in regions:
                sub = regions[region.parent_id].name
        public = public_appeal(title=a["title"], content=a["content"], location_text=a["location_text"],
                               lat=a["lat"], lon=a["lon"], appellant_name=a["appellant_name"])
        centi = a["kpi_fact__handled_centi"]
        replied = a["replied_at"] is not None and a["status"] in (Status.REPLIED, Status.CLOSED)
        yield {
            "tracking_number": a["tracking_number"],
            "received_date": _date(a["received_at"]),
            "received_month": _date(a["received_at"])[:7],
            "channel": a["channel"],
            "category": cats[a["category_id"]].name if a["category_id"] in cats else "",
            "category_root": roots.get(a["category_id"], ""),
            "urgency": a["urgency"],
            "status": a["status"],
            "lead_department": depts.get(a["lead_department_id"], ""),
            "subdistrict": sub,
            "community": community,
            "grid": grids.get(a["grid_id"], ""),
            "lat": public.lat,
            "lon": public.lon,
            "title": public.title,
            "content": public.content,
            "location": public.location,
            "dispatched_date": _date(a["dispatched_at"]),
            "replied_date": _date(a["replied_at"]) if replied else "",
            "closed_date": _date(a["closed_at"]),
            "on_time": (a["replied_at"] <= a["due_at"]) if replied and a["due_at"] else None,
            "handling_workdays": centi / 100 if centi is not None else None,
            "satisfaction": a["satisfaction"],
            "resolved": a["resolved"] if a["satisfaction"] else None,
            "reopen_count": a["reopen_count"],
            "return_count": a["return_count"],
        }


def export(out: Path | str) -> dict:
    """Write appeals-YYYYMMDD.csv/.json (and appeals-latest.*) plus metadata.json into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localdate().strftime("%Y%m%d")
    csv_path, json_path = out / f"appeals-{stamp}.csv", out / f"appeals-{stamp}.json"
    n = 0
    with spreadsheet.atomic_write(csv_path, "w", newline="", encoding="utf-8-sig") as fc, \
            spreadsheet.atomic_write(json_path, "w", encoding="utf-8") as fj:
        writer = spreadsheet.DictWriter(fc, fieldnames=FIELDS)
        writer.writeheader()
        fj.write("[\n")
        for row in rows():
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
            fj.write(("," if n else "") + json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
        fj.write("]\n")
    spreadsheet.atomic_copy(csv_path, out / f"{LATEST}.csv")
    spreadsheet.atomic_copy(json_path, out / f"{LATEST}.json")
    meta = {"generated_at": timezone.now().isoformat(), "rows": n, "fields": FIELDS,
            "files": [csv_path.name, json_path.name], "documentation": "docs/opendata.md",
            "licence": "CC BY 4.0"}
    with spreadsheet.atomic_write(out / "metadata.json", "w", encoding="utf-8") as fm:
        fm.write(json.dumps(meta, ensure_ascii=False, indent=1))
    return {"rows": n, "csv": str(csv_path), "json": str(json_path)}


def available(folder: Path | None = None) -> list[dict]:
    folder = folder or default_dir()
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.glob("appeals-*.*"), reverse=True):
        if p.suffix in (".csv", ".json"):
            st = p.stat()
            out.append({"name": p.name, "size": st.st_size,
                        "modified": dt.datetime.fromtimestamp(st.st_mtime, tz=dt.timezone.utc)})
    return out
