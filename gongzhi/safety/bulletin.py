"""The daily bulletin (日通报): yesterday's incidents by type against the day before, the same day
last week and the 28-day average, with significance flags (analysis.bulletin_stats: a Poisson test),
the notable incidents and the coming week's hotspot forecast.

``generate_bulletin`` stores everything in ``Bulletin.data`` (the page and the .docx read only that),
``render_docx`` writes the Word file and ``send_bulletin`` delivers it to the distribution list; the
rows are written by the services (``services.store_bulletin``, ``services.bulletin_sent``,
core.recipients.notify).
"""
from __future__ import annotations

import datetime as dt
import io
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gongzhi.core import messages
from gongzhi.core.recipients import notify

from . import analysis, services
from .models import Bulletin, BulletinRecipient, IncidentStatus, IncidentType, PoliceIncident

log = logging.getLogger(__name__)

FLAG_LABELS = {"up": "显著上升", "down": "显著下降", None: ""}
HOTSPOT_CELLS = 20
NOTABLE_LIMIT = 30
HISTORY_DAYS = 2 * 365  # hotspot forecasts look back this far (the forecaster weights recent weeks)


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def _type_maps() -> tuple[dict[int, IncidentType], dict[int, IncidentType]]:
    """type id -> type, and type id -> its root."""
    types = {t.pk: t for t in IncidentType.objects.all()}

    def root(t):
        while t.parent_id:
            t = types[t.parent_id]
        return t

    return types, {pk: root(t) for pk, t in types.items()}


def _stats_rows(stats: dict, wanted: list[tuple[str, str, str]]) -> list[dict]:
    """Rows for the named types in ``wanted`` (code, name, level), zeros where a type had nothing;
    the code "all" is the total row."""
    by_name = {r["type"]: r for r in stats["rows"]}
    rows = []
    for code, name, level in wanted:
        row = by_name.get("all" if code == "all" else name) or {"type": name, "count": 0, "prev_day": 0, "last_week": 0, "mean_28": 0.0,
                                    "delta_prev": 0, "delta_week": 0, "z": 0.0, "p_high": 1.0, "p_low": 1.0,
                                    "flag": None}
        rows.append({**row, "code": code, "name": name, "level": level, "flag_label": FLAG_LABELS[row["flag"]]})
    return rows


def compute_bulletin(day: dt.date, *, with_hotspots: bool = True) -> dict:
    """The bulletin's figures for ``day`` as plain JSON data."""
    types, roots = _type_maps()
    start = day - dt.timedelta(days=28)
    window = list(PoliceIncident.objects.filter(occurred_on__gte=start, occurred_on__lte=day)
                  .values_list("occurred_on", "type_id"))
    dates = [d for d, _ in window]
    root_names = [roots[t].name for _, t in window]
    leaf_names = [types[t].name if types[t].parent_id else f"{types[t].name}(未细分)" for _, t in window]
    by_root = analysis.bulletin_stats(dates, root_names, day)
    by_leaf = analysis.bulletin_stats(dates, leaf_names, day)
    total = _stats_rows(by_root, [("all", "合计", "total")])[0]
    rows = []
    for root in sorted((t for t in types.values() if not t.parent_id and t.active), key=lambda t: (t.order, t.code)):
        rows += _stats_rows(by_root, [(root.code, root.name, "root")])
        children = sorted((t for t in types.values() if t.parent_id == root.pk and t.active),
                          key=lambda t: (t.order, t.code))
        rows += _stats_rows(by_leaf, [(c.code, c.name, "child") for c in children])
    notable_qs = (PoliceIncident.objects.filter(occurred_on=day, type__notable=True)
                  .select_related("type", "region").order_by("occurred_at")[:NOTABLE_LIMIT])
    notable = [{"id": i.pk, "time": timezone.localtime(i.occurred_at).strftime("%H:%M"), "type": i.type.name,
                "address": i.address or i.area_name, "region": i.region.name if i.region_id else "",
                "premises": i.get_premises_display(), "status": i.get_status_display(), "summary": i.summary,
                "lat": i.lat, "lon": i.lon} for i in notable_qs]
    solved = PoliceIncident.objects.filter(occurred_on=day, status=IncidentStatus.SOLVED).count()
    data = {"day": day.isoformat(), "rule": by_root["rule"], "total": total, "rows": rows, "notable": notable,
            "notable_total": PoliceIncident.objects.filter(occurred_on=day, type__notable=True).count(),
            "solved": solved, "hotspots": {"cells": [], "from": None, "to": None}}
    if with_hotspots:
        data["hotspots"] = week_hotspots(day + dt.timedelta(days=1))
    return data


def week_hotspots(until: dt.date, n_cells: int = HOTSPOT_CELLS) -> dict:
    """The forecast cells for the 7 days from ``until``, from located incidents before it."""
    pts = list(PoliceIncident.objects.filter(occurred_on__lt=until, occurred_on__gte=until - dt.timedelta(days=HISTORY_DAYS),
                                             lat__isnull=False, lon__isnull=False)
               .values_list("lat", "lon", "occurred_on"))
    cells = []
    if pts:
        lats, lons, dates = zip(*pts)
        cells = analysis.forecast_hotspots(lats, lons, dates, until.isoformat(), days=7)[:n_cells]
    return {"from": until.isoformat(), "to": (until + dt.timedelta(days=6)).isoformat(), "cells": cells}


def generate_bulletin(day: dt.date | None = None, *, actor=None, regenerate: bool = False, send: bool = False) -> Bulletin:
    """Store the bulletin for ``day`` (default: yesterday); an existing one is kept unless ``regenerate``."""
    day = day or yesterday()
    existing = Bulletin.objects.filter(day=day).first()
    if existing is not None and not regenerate:
        if send and existing.sent_at is None:
            send_bulletin(existing)
        return existing
    bulletin = services.store_bulletin(day, compute_bulletin(day), actor)
    if send:
        send_bulletin(bulletin)
    return bulletin


def headline(data: dict) -> str:
    """The bulletin in one sentence, in the active language: the page's and the notification's text
    (the stored bulletin and its .docx stay Chinese documents)."""
    t = data["total"]
    text = ngettext("%(day)s 共接报警情 %(count)s 起，较前日%(prev)s，较上周同日%(week)s，28日日均 %(mean)s 起。",
                    "%(day)s 共接报警情 %(count)s 起，较前日%(prev)s，较上周同日%(week)s，28日日均 %(mean)s 起。",
                    t["count"]) % {"day": data["day"], "count": t["count"], "prev": _delta(t["delta_prev"]),
                                   "week": _delta(t["delta_week"]), "mean": f"{t['mean_28']:.1f}"}
    ups = [r["name"] for r in data["rows"] if r["flag"] == "up"]
    if ups:
        text += _("显著上升：%(types)s。") % {"types": _("、").join(ups)}
    return text


def _delta(n: int) -> str:
    if n == 0:
        return _("持平")
    if n > 0:
        return ngettext("增加 %(n)s 起", "增加 %(n)s 起", n) % {"n": n}
    return ngettext("减少 %(n)s 起", "减少 %(n)s 起", -n) % {"n": -n}


def _png(width: int, height: int, pixels: bytearray) -> bytes:
    """A minimal RGB PNG encoder (no imaging library needed for one schematic map)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    stride = width * 3
    raw = b"".join(b"\x00" + bytes(pixels[y * stride:(y + 1) * stride]) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def hotspot_map_png(cells: list[dict], points: list[dict] = (), width: int = 640, height: int = 420) -> bytes | None:
    """A schematic map for the .docx: forecast cells shaded by rank (darkest = rank 1) and the
    day's notable incidents as black dots, on a plain background with a 1 km scale bar."""
    import math

    if not cells:
        return None
    lons = [p[0] for c in cells for p in c["ring"]] + [p["lon"] for p in points]
    lats = [p[1] for c in cells for p in c["ring"]] + [p["lat"] for p in points]
    lat0 = (min(lats) + max(lats)) / 2
    kx = 111_320 * math.cos(math.radians(lat0))  # metres per degree of longitude
    ky = 110_540
    span_x = max((max(lons) - min(lons)) * kx, 500.0)
    span_y = max((max(lats) - min(lats)) * ky, 500.0)
    pad = 20
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)  # pixels per metre
    cx, cy = (min(lons) + max(lons)) / 2, lat0

    def xy(lon, lat):
        return width / 2 + (lon - cx) * kx * scale, height / 2 - (lat - cy) * ky * scale

    px = bytearray(b"\xf3\xf5\xf8" * (width * height))

    def rect(x0, y0, x1, y1, rgb):
        for y in range(max(0, int(y0)), min(height, int(math.ceil(y1)))):
            row = y * width * 3
            for x in range(max(0, int(x0)), min(width, int(math.ceil(x1)))):
                px[row + 3 * x:row + 3 * x + 3] = rgb

    n = len(cells)
    for c in sorted(cells, key=lambda c: -c["rank"]):  # best drawn last, on top
        pts = [xy(lon, lat) for lon, lat in c["ring"]]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        t = (c["rank"] - 1) / max(1, n - 1)  # 0 = rank 1
        rgb = bytes((int(189 + (254 - 189) * t), int(0 + (204 - 0) * t), int(38 + (92 - 38) * t)))
        mx, my = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        half = max(4.0, (max(xs) - min(xs)) / 2 + 1)  # visible even on a city-wide map
        rect(mx - half, my - half, mx + half, my + half, rgb)
    for p in points:
        x, y = xy(p["lon"], p["lat"])
        rect(x - 2, y - 2, x + 2, y + 2, b"\x11\x11\x11")
    bar = 1000 * scale  # 1 km
    rect(pad, height - pad - 4, pad + bar, height - pad, b"\x33\x33\x33")
    return _png(width, height, px)


def render_docx(bulletin: Bulletin) -> bytes:
    """The bulletin as a Word document (python-docx); tables carry the same figures as the page."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    data = bulletin.data
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    day = dt.date.fromisoformat(data["day"])
    doc.add_heading(f"治安形势日通报（{day.year}年{day.month}月{day.day}日）", level=1)
    doc.add_paragraph(headline(data))
    doc.add_heading("一、警情分类统计", level=2)
    table = doc.add_table(rows=1, cols=7)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["类别", "当日", "前日", "上周同日", "28日日均", "较前日", "研判"]):
        cell.text = text
    for row in [data["total"], *data["rows"]]:
        cells = table.add_row().cells
        name = ("　" + row["name"]) if row["level"] == "child" else row["name"]
        values = [name, str(row["count"]), str(row["prev_day"]), str(row["last_week"]), f"{row['mean_28']:.1f}",
                  f"{row['delta_prev']:+d}", row["flag_label"]]
        for cell, text in zip(cells, values):
            cell.text = text
    doc.add_paragraph("显著性：当日数与前 28 日日均比较，泊松检验 p<0.01 且不少于 3 起标为显著上升；"
                      "显著下降同理。箭头式的增减不等于显著变化。")
    doc.add_heading("二、重点警情", level=2)
    if data["notable"]:
        t2 = doc.add_table(rows=1, cols=5)
        t2.style = "Table Grid"
        for cell, text in zip(t2.rows[0].cells, ["时间", "类别", "地点", "部位", "状态"]):
            cell.text = text
        for n in data["notable"]:
            for cell, text in zip(t2.add_row().cells, [n["time"], n["type"], n["address"] or n["region"],
                                                       n["premises"], n["status"]]):
                cell.text = text
        if data.get("notable_total", 0) > len(data["notable"]):
            doc.add_paragraph(f"（另有 {data['notable_total'] - len(data['notable'])} 起未列出）")
    else:
        doc.add_paragraph("无。")
    hs = data.get("hotspots") or {}
    doc.add_heading(f"三、本周治安热点预测（{hs.get('from') or ''} 至 {hs.get('to') or ''}）", level=2)
    if hs.get("cells"):
        t3 = doc.add_table(rows=1, cols=4)
        t3.style = "Table Grid"
        for cell, text in zip(t3.rows[0].cells, ["排名", "中心纬度", "中心经度", "预计警情(起/周)"]):
            cell.text = text
        for c in hs["cells"]:
            for cell, text in zip(t3.add_row().cells, [str(c["rank"]), f"{c['lat']:.5f}", f"{c['lon']:.5f}",
                                                       f"{c['score']:.2f}"]):
                cell.text = text
        image = hotspot_map_png(hs["cells"], [n for n in data["notable"] if n.get("lat") is not None])
        if image:
            from docx.shared import Cm

            doc.add_picture(io.BytesIO(image), width=Cm(15))
            doc.add_paragraph("示意图：色块为预测热点（颜色越深排名越前），黑点为当日重点警情，左下比例尺为 1 公里。")
        doc.add_paragraph("建议在上述区域加强巡逻。")
    else:
        doc.add_paragraph("历史数据不足，暂无预测。")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_name(bulletin: Bulletin) -> str:
    return f"bulletin-{bulletin.day:%Y%m%d}.docx"


def send_bulletin(bulletin: Bulletin) -> dict:
    """Deliver to every active recipient: users get an in-app notification; anyone with an e-mail
    address gets the .docx by mail. A failing mail is logged (without the address) and skipped."""
    link = reverse("safety:bulletin_detail", args=[bulletin.day.isoformat()])
    text = messages.composed(headline, bulletin.data)  # in each recipient's language
    mailed, failed = 0, 0
    attachment = None
    listed = list(BulletinRecipient.objects.filter(active=True).select_related("user"))
    notified = notify([r.user for r in listed if r.user_id and r.user.is_active], "bulletin", text, link)
    for r in listed:
        address = r.email or (r.user.email if r.user_id else "")
        if address:
            attachment = attachment or render_docx(bulletin)
            msg = EmailMessage(subject=f"治安形势日通报 {bulletin.day:%Y-%m-%d}", body=str(text) + "\n\n" + link,
                               from_email=settings.DEFAULT_FROM_EMAIL, to=[address])
            msg.attach(docx_name(bulletin), attachment,
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            try:
                msg.send()
                mailed += 1
            except Exception:  # one bad address must not stop the others
                log.exception("bulletin mail to recipient %s failed", r.pk)
                failed += 1
    services.bulletin_sent(bulletin, notified=notified, mailed=mailed, failed=failed)
    return {"notified": notified, "mailed": mailed, "failed": failed}
