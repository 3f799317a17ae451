"""The monthly evaluation report of one unit: the same figures as a printable page and a .docx."""
from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import kpis, services

THREE = ("response_rate", "resolution_rate", "satisfaction_rate")
KIND_LABELS = {"department": gettext_lazy("承办部门"), "subdistrict": gettext_lazy("街道乡镇"),
               "community": gettext_lazy("社区村"), "city": gettext_lazy("全市"),
               "grid": gettext_lazy("网格"), "category": gettext_lazy("分类")}
# kpis.KPI_LABELS in the reader's language (kpis.py is pure and imports no Django; a test keeps the
# two dictionaries saying the same thing in Chinese)
KPI_LABELS = {
    "response_rate": gettext_lazy("响应率"),
    "on_time_rate": gettext_lazy("按时办结率"),
    "resolution_rate": gettext_lazy("解决率"),
    "satisfaction_rate": gettext_lazy("满意率"),
    "return_rate": gettext_lazy("退单率"),
    "repeat_rate": gettext_lazy("重复诉求率"),
    "reopen_rate": gettext_lazy("重办率"),
    "mean_days": gettext_lazy("平均办理时长(工作日)"),
    "p90_days": gettext_lazy("90%办理时长(工作日)"),
    "intake_answer_rate": gettext_lazy("受理即答率"),
}


def scheme_name(scheme) -> str:
    """A stored scheme's own name; the built-in default (never saved) named in the reader's language."""
    return scheme.name if scheme.pk else _("默认方案")


def kpi_label(name: str) -> str:
    return str(KPI_LABELS[name]) if name in KPI_LABELS else kpis.KPI_LABELS.get(name, name)


def summary_sentence(counts: dict) -> str:
    """The report's opening sentence, the same on the page and in the .docx."""
    return _("本月受理诉求 %(appeals)s 件（另剔除 %(excluded)s 件），派单 %(dispatched)s 件，答复 %(replied)s 件，"
             "评价 %(rated)s 件，办结 %(closed)s 件。") % {
        k: counts.get(k, 0) for k in ("appeals", "excluded", "dispatched", "replied", "rated", "closed")}


def ranking_sentence(position, ranked: int) -> str:
    """Score, rank and movement since the previous period ('' for an unranked unit)."""
    if position is None or not position.rank:
        return ""
    values = {"score": position.score, "ranked": ranked, "rank": position.rank}
    if position.movement is None:
        return _("综合得分 %(score)s，在 %(ranked)s 个单位中排名第 %(rank)s。") % values
    if position.movement > 0:
        return _("综合得分 %(score)s，在 %(ranked)s 个单位中排名第 %(rank)s，较上期上升%(n)s位。") % {
            **values, "n": position.movement}
    if position.movement < 0:
        return _("综合得分 %(score)s，在 %(ranked)s 个单位中排名第 %(rank)s，较上期下降%(n)s位。") % {
            **values, "n": -position.movement}
    return _("综合得分 %(score)s，在 %(ranked)s 个单位中排名第 %(rank)s，与上期持平。") % values


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
        rows.append({"name": name, "label": kpi_label(name), "value": values[name], "previous": previous[name],
                     "is_rate": name in kpis.RATES})
    return {
        "kind": kind, "unit_id": unit_id, "name": _("全市") if kind == "city" else names.get(unit_id, ""), "month": month,
        "month_label": date_format(month, "YEAR_MONTH_FORMAT"), "counts": counts, "values": values, "rows": rows,
        "trend": trend, "trend_labels": [f"{m.year}-{m.month:02d}" for m in series], "position": position,
        "ranked": ranked, "scheme": scheme, "scheme_name": scheme_name(scheme), "generated_at": timezone.now(),
        "kind_label": str(KIND_LABELS.get(kind, kind)),
        "summary": summary_sentence(counts), "ranking_sentence": ranking_sentence(position, ranked),
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
    doc.add_heading(_("%(name)s %(month)s考评报告") % {"name": data["name"], "month": data["month_label"]}, level=1)
    doc.add_paragraph(_("考评对象类型：%(kind)s；考评方案：%(scheme)s；生成时间：%(at)s") % {
        "kind": data["kind_label"], "scheme": data["scheme_name"],
        "at": f"{timezone.localtime(data['generated_at']):%Y-%m-%d %H:%M}"})
    doc.add_paragraph(data["summary"])
    if data["ranking_sentence"]:
        doc.add_paragraph(data["ranking_sentence"])
    doc.add_heading(_("考评指标"), level=2)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, (_("指标"), _("本月"), _("上月"))):
        cell.text = text
    for row in data["rows"]:
        cells = table.add_row().cells
        cells[0].text = row["label"]
        cells[1].text = fmt(row["value"], row["is_rate"])
        cells[2].text = fmt(row["previous"], row["is_rate"])
    doc.add_heading(_("近6个月诉求量"), level=2)
    doc.add_picture(io.BytesIO(png_bars(data["trend"]["appeals"])), width=Cm(14))
    doc.add_heading(_("近6个月满意率"), level=2)
    doc.add_picture(io.BytesIO(png_bars([v or 0 for v in data["trend"]["satisfaction_rate"]], colour=(39, 174, 96))),
                    width=Cm(14))
    t2 = doc.add_table(rows=1, cols=5)
    t2.style = "Table Grid"
    for cell, text in zip(t2.rows[0].cells, (_("月份"), _("诉求量"), _("响应率"), _("解决率"), _("满意率"))):
        cell.text = text
    for i, label in enumerate(data["trend_labels"]):
        cells = t2.add_row().cells
        cells[0].text = label
        cells[1].text = str(data["trend"]["appeals"][i])
        for j, n in enumerate(THREE):
            cells[2 + j].text = fmt(data["trend"][n][i])
    doc.add_paragraph(_("指标口径见 docs/kpis.md。"))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
