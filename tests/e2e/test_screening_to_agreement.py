"""A grid worker's screening report becomes a dispute; the mediator accepts it, records a session,
settles it, and the generated 人民调解协议书 (.docx) names the parties and the agreed terms."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from docx import Document

from gongzhi.disputes import screening
from gongzhi.disputes.kinds import ensure_default_kinds
from gongzhi.disputes.models import Dispute, DisputeKind

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_screening_report_becomes_a_mediated_dispute_with_its_agreement(org, page, login, shot):
    ensure_default_kinds(DisputeKind)
    today = timezone.localdate()
    campaign = screening.launch(actor=org.supervisor, title="岁末矛盾纠纷排查", starts_on=today,
                                ends_on=today + dt.timedelta(days=5), regions=[org.east],
                                kinds=list(DisputeKind.objects.filter(code__in=["neighbour", "property_mgmt"])))

    login("gridworker")
    page.goto("/disputes/screening/")
    page.click("[data-testid=my-task]")
    form = page.locator("[data-testid=finding-form]")
    form.locator("input[name=title]").fill("楼上漏水邻里纠纷")
    form.locator("textarea[name=facts]").fill("3栋301卫生间漏水至201，双方多次争执。")
    form.locator("select[name=kind]").select_option(label="邻里纠纷")
    form.locator("input[name=party1_name]").fill("王建国")
    form.locator("input[name=party1_phone]").fill("13911112222")
    form.locator("input[name=party2_name]").fill("李秀英")
    shot(page, "disputes-screening-report")
    form.locator("[data-testid=report-finding]").click()
    page.wait_for_selector("[data-testid=dispute-number]")
    dispute = Dispute.objects.get()
    assert dispute.screening_task.campaign == campaign and dispute.source == "screening"
    assert "139****2222" in page.content() and "13911112222" not in page.content()

    page.click("form[action$='/logout/'] button")
    login("mediator")
    page.goto(f"/disputes/{dispute.pk}/")
    page.click("[data-testid=accept]")
    page.wait_for_selector("[data-testid=session-form]")
    session = page.locator("[data-testid=session-form]")
    session.locator("input[name=place]").fill("东湖社区人民调解室")
    session.locator("input[name=participants]").fill("王建国、李秀英、调解员")
    session.locator("textarea[name=record]").fill("双方同意分担维修费用。")
    session.locator("button").click()
    page.wait_for_selector("[data-testid=session]")
    settle = page.locator("[data-testid=settle-form]")
    settle.locator("textarea[name=terms]").fill("李秀英负责维修卫生间防水\n李秀英赔偿王建国装修损失3000元")
    settle.locator("input[name=performance]").fill("2026年12月31日前一次性付清")
    settle.locator("button").click()
    page.wait_for_selector("[data-testid=agreement-docx]")
    assert page.locator("[data-testid=status]").inner_text() == "已达成协议"
    shot(page, "disputes-agreed")

    with page.expect_download() as download:
        page.click("[data-testid=agreement-docx]")
    document = Document(io.BytesIO(open(download.value.path(), "rb").read()))
    text = "\n".join([p.text for p in document.paragraphs] +
                     [c.text for t in document.tables for row in t.rows for c in row.cells])
    for expected in ("人民调解协议书", dispute.number, "王建国", "李秀英", "13911112222",
                     "李秀英负责维修卫生间防水", "李秀英赔偿王建国装修损失3000元", "2026年12月31日前一次性付清"):
        assert expected in text
