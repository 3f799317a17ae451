"""人民调解协议书 as a .docx, in the standard layout, from the case data: number, parties, the
dispute's facts, the agreed terms, how and when they are performed, and the signature block.

The parties' names, ID numbers and addresses are on it in full (it is what they sign); building it
is a reveal of the parties' protected fields, so the caller goes through core.reveal first.
"""
from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Dispute


def build(dispute: Dispute) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(_("人民调解协议书"))
    run.bold, run.font.size = True, Pt(18)
    number = doc.add_paragraph(_("编号：%(number)s") % {"number": dispute.number})
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    doc.add_heading(_("当事人"), level=2)
    for party in dispute.parties.all():
        line = f"{party.get_side_display()}：{party.name}（{party.get_kind_display()}）"
        details = [f"{label}：{value}" for label, value in ((_("证件号码"), party.id_number), (_("住址"), party.address),
                                                            (_("联系电话"), party.phone)) if value]
        doc.add_paragraph("，".join([line, *details]))

    doc.add_heading(_("纠纷主要事实、争议事项"), level=2)
    doc.add_paragraph(dispute.facts)
    doc.add_heading(_("经调解，自愿达成如下协议"), level=2)
    for clause in [c for c in dispute.agreement_terms.splitlines() if c.strip()]:
        doc.add_paragraph(clause.strip(), style="List Number")
    doc.add_heading(_("履行方式、时限"), level=2)
    doc.add_paragraph(dispute.performance)
    doc.add_paragraph(_("本协议书一式%(copies)d份，当事人、人民调解委员会各持一份。") % {
        "copies": dispute.parties.count() + 1})

    doc.add_heading(_("签名"), level=2)
    table = doc.add_table(rows=0, cols=2)
    for party in dispute.parties.all():
        cells = table.add_row().cells
        cells[0].text = f"{party.get_side_display()}（签名或盖章）：{party.name}"
        cells[1].text = _("日期：")
    cells = table.add_row().cells
    cells[0].text = _("调解员（签名）：%(name)s") % {"name": dispute.mediator or ""}
    cells[1].text = _("日期：")
    committee = dispute.committee.name if dispute.committee_id else _("人民调解委员会")
    doc.add_paragraph(_("%(committee)s（盖章）") % {"committee": committee}).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    when = timezone.localtime(dispute.concluded_at or timezone.now())
    doc.add_paragraph(f"{when:%Y年%m月%d日}").alignment = WD_ALIGN_PARAGRAPH.RIGHT

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
