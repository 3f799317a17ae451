"""Consultations and surveys in a real browser, from the drafters' forms to the public: a department's
handler drafts a consultation in sections and a survey on its staff pages and publishes them; a
citizen comments on a section and answers the survey, and reads the results as charts; the public
participation pages (the proposal form, a consultation open and one with its feedback report, a
survey and its results, the lists with rows) pass axe-core with no serious or critical violation."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from gongzhi.participation import consultations
from gongzhi.participation.categories import ensure_default_categories
from gongzhi.participation.models import Comment, Consultation, ProposalCategory, Survey, SurveyResponse
from gongzhi.participation.verification import Voter
from tests.e2e.test_proposal_journey import serious_violations, sign_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def reported_consultation(org, citizen) -> Consultation:
    """A consultation whose period is over, every comment decided, and the feedback report published."""
    c = consultations.create(org.handler_housing, title="《东湖社区垃圾分类实施细则（征求意见稿）》", department=org.housing,
                             closes_at=timezone.now() + dt.timedelta(days=5),
                             sections=[{"heading": "第一条 投放时间", "text": "每日7时至9时、18时至20时定时投放。"}])
    row = consultations.comment(c.sections.get(), Voter(user=citizen), "建议延长晚间投放时间到21时。")
    consultations.close(c, org.handler_housing)
    consultations.decide(row, org.handler_housing, Comment.Decision.PARTLY, "晚间延长至20时30分。")
    return consultations.publish_report(c, org.handler_housing, "共收到意见1条，部分采纳1条。")


def test_a_handler_drafts_and_publishes_a_consultation_and_a_survey_a_citizen_takes_part(page, login, shot, org):
    ensure_default_categories(ProposalCategory)

    # 1. The handler drafts a consultation in two sections, keeps it, then publishes it.
    login("handler_zjj")
    page.goto("/participation/staff/consultations/")
    page.get_by_test_id("new-consultation").click()
    page.fill("#id_title", "《东湖社区停车管理办法（征求意见稿）》")
    page.fill("#id_introduction", "请对各条提出意见。")
    page.fill("#s-0-heading", "第一条 适用范围")
    page.fill("#s-0-text", "本办法适用于东湖社区内的公共停车位。")
    page.fill("#s-1-heading", "第二条 收费标准")
    page.fill("#s-1-text", "临时停车每小时2元，夜间免费。")
    assert serious_violations(page) == [], "the consultation form"
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("publish")).to_be_visible()
    shot(page, "drafting-01-consultation-draft")
    draft = Consultation.objects.get()
    assert draft.status == Consultation.Status.DRAFT and draft.sections.count() == 2
    page.get_by_test_id("publish").click()
    expect(page.locator(".page-head .muted")).to_contain_text("征求意见中")
    draft.refresh_from_db()
    assert draft.status == Consultation.Status.OPEN

    # 2. ... and a survey with a single-choice and a scale question, published at once.
    page.goto("/participation/staff/consultations/")
    page.get_by_test_id("new-survey").click()
    page.fill("#id_title", "社区公园使用情况调查")
    page.fill("#q-0-text", "您多久去一次社区公园？")
    page.fill("#q-0-options", "每天\n每周\n很少")
    page.fill("#q-1-text", "您对公园的总体评价")
    page.select_option("#q-1-kind", "scale")
    assert serious_violations(page) == [], "the survey form"
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("staff-surveys")).to_contain_text("社区公园使用情况调查")
    shot(page, "drafting-02-survey-published")
    survey = Survey.objects.get()
    assert survey.status == Survey.Status.OPEN and survey.questions.count() == 2
    sign_out(page)

    # 3. A citizen comments on the second section and answers the survey.
    login("citizen")
    page.goto(f"/participation/consultations/{draft.pk}/")
    second = draft.sections.get(order=1)
    expect(page.locator(f"#section-{second.pk}")).to_contain_text("临时停车每小时2元")
    page.fill(f"#comment-{second.pk}", "建议白天前30分钟免费。")
    page.locator(f"#section-{second.pk}").get_by_role("button", name="提交意见").click()
    expect(page.locator(".messages")).to_contain_text("意见已提交")
    assert Comment.objects.get().section == second
    page.goto(f"/participation/surveys/{survey.pk}/")
    q1, q2 = survey.questions.all()
    page.locator(f"input[name=q{q1.pk}][value='1']").check()
    page.locator(f"input[name=q{q2.pk}][value='4']").check()
    page.get_by_test_id("submit-survey").click()
    expect(page.locator(f"#chart-{q1.pk} canvas")).to_be_visible()
    shot(page, "drafting-03-survey-results")
    assert SurveyResponse.objects.count() == 1

    # 4. The public participation pages pass axe-core.
    reported = reported_consultation(org, org.citizen)
    for path in ("/participation/proposals/new/", f"/participation/consultations/{draft.pk}/",
                 f"/participation/surveys/{survey.pk}/", f"/participation/surveys/{survey.pk}/results/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert serious_violations(page) == [], path
    sign_out(page)
    for path in ("/participation/consultations/", "/participation/surveys/", f"/participation/consultations/{draft.pk}/",
                 f"/participation/consultations/{reported.pk}/", f"/participation/surveys/{survey.pk}/",
                 f"/participation/surveys/{survey.pk}/results/",
                 f"/participation/verify/?next=/participation/surveys/{survey.pk}/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert serious_violations(page) == [], path
