"""The monthly evaluation report of one unit: the same figures as a printable page and a .docx."""
from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

from django.utils import timezone

from . import kpis, services

THREE = ("response_rate", "resolution_rate", "satisfaction_rate")
KIND_LABELS = {"department": "承办部门", "subdistrict": "街道乡镇", "community": "社区村", "city": "全市",
               "grid": "网格", "category": "分类"}


def monthly_report(kind: str, unit_id: int, month: dt.date) -> dict | None:
    names = services.unit_names(kind, [unit_id])
    if kind != "city" and unit_id not in names:
        return None
    scheme = services.default_scheme(kind if kind in kpis.RANKED_KINDS else "department")
    counts = services.unit_counts(kind, unit_id, [month])
    values = kpis.kpis(counts, scheme.satisfaction_weights())
    previous = kpis.kpis(services.unit_counts(kind, unit_id, [services.add_months(month, -1)]),
                         scheme.satisfaction_weights())
    first = services.add_months(month, -5)
    series = services.monthly_series(kind, unit_id, first, month)
    trend = {n: [kpis.kpis(c, scheme.satisfaction_weights())[n] for c in series.values()] for n in THREE}
    trend["appeals"] = [c["appeals"] for c in series.values()]
    position = None
    if kind in kpis.RANKED_KINDS:
        ranking = services.ranking(kind, month, scheme, "month")
        position = next((r for r in ranking["rows"] if r.unit_id == unit_id), None)
        ranked = len([r for r in ranking["rows"] if r.rank])
    else:
        ranked = 0
    rows = []
    for name in list(kpis.RATES) + ["mean_days", "p90_days"]:
        rows.append({"name": name, "label": kpis.KPI_LABELS[name], "value": values[name], "previous": previous[name],
                     "is_rate": name in kpis.RATES})
    return {
        "kind": kind, "unit_id": unit_id, "name": names.get(unit_id, "全市"), "month": month,
        "month_label": f"{month.year}年{month.month}月", "counts": counts, "values": values, "rows": rows,
        "trend": trend, "trend_labels": [f"{m.year}-{m.month:02d}" for m in series], "position": position,
        "ranked": ranked, "scheme": scheme, "generated_at": timezone.now(),
        "kind_label": KIND_LABELS.get(kind, kind),
    }


def fmt(value, is_rate: bool = True) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%" if is_rate else f"{value:.2f}"


# ---------------------------------------------------------------- a dependency-free PNG bar chart

def png_bars(values: list[float | None], width: int = 600, height: int = 220,
             colour: tuple[int, int, int] = (47, 111, 176)) -> bytes:
    """A plain bar chart as PNG bytes (no plotting library needed); labels go in the table beside it."""
    vals = [v or 0 for v in values]
    top = max(vals) or 1
    pixels = [[(255, 255, 255)] * width for _ in range(height)]
    n = max(1, len(vals))
    slot = width // n
    for i, v in enumerate(vals):
        h = int((height - 10) * v / top)
        for x in range(i * slot + slot // 6, (i + 1) * slot - slot // 6):
            for y in range(height - h, height):
                pixels[y][x] = colour
    for x in range(width):
        pixels[height - 1][x] = (60, 60, 60)
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def docx_bytes(data: dict) -> bytes:
    from docx import Document
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    doc.add_heading(f"{data['name']} {data['month_label']}考评报告", level=1)
    doc.add_paragraph(f"考评对象类型：{data['kind_label']}；考评方案：{data['scheme'].name}；"
                      f"生成时间：{timezone.localtime(data['generated_at']):%Y-%m-%d %H:%M}")
    c = data["counts"]
    doc.add_paragraph(f"本月受理诉求 {c['appeals']} 件（另剔除 {c['excluded']} 件），派单 {c['dispatched']} 件，"
                      f"答复 {c['replied']} 件，评价 {c['rated']} 件，办结 {c['closed']} 件。")
    if data["position"] is not None and data["position"].rank:
        p = data["position"]
        move = "" if p.movement is None else (f"，较上期上升{p.movement}位" if p.movement > 0 else
                                              f"，较上期下降{-p.movement}位" if p.movement < 0 else "，与上期持平")
        doc.add_paragraph(f"综合得分 {p.score}，在 {data['ranked']} 个单位中排名第 {p.rank}{move}。")
    doc.add_heading("考评指标", level=2)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("指标", "本月", "上月")):
        cell.text = text
    for row in data["rows"]:
        cells = table.add_row().cells
        cells[0].text = row["label"]
        cells[1].text = fmt(row["value"], row["is_rate"])
        cells[2].text = fmt(row["previous"], row["is_rate"])
    doc.add_heading("近6个月诉求量", level=2)
    doc.add_picture(io.BytesIO(png_bars(data["trend"]["appeals"])), width=Cm(14))
    doc.add_heading("近6个月满意率", level=2)
    doc.add_picture(io.BytesIO(png_bars([v or 0 for v in data["trend"]["satisfaction_rate"]], colour=(39, 174, 96))),
                    width=Cm(14))
    t2 = doc.add_table(rows=1, cols=5)
    t2.style = "Table Grid"
    for cell, text in zip(t2.rows[0].cells, ("月份", "诉求量", "响应率", "解决率", "满意率")):
        cell.text = text
    for i, label in enumerate(data["trend_labels"]):
        cells = t2.add_row().cells
        cells[0].text = label
        cells[1].text = str(data["trend"]["appeals"][i])
        for j, n in enumerate(THREE):
            cells[2 + j].text = fmt(data["trend"][n][i])
    doc.add_paragraph("指标口径见 docs/kpis.md。")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
