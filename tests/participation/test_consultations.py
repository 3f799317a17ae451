"""Consultations (征求意见): comments per section and replies during the period, then the feedback
report: what was received, what was adopted, and why not."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.participation import consultations, moderation, tasks
from gongzhi.participation.models import Consultation
from gongzhi.participation.verification import Voter

pytestmark = pytest.mark.django_db
C = Consultation.Status


@pytest.fixture
def draft(org):
    return consultations.create(
        org.handler_housing, title="《东湖社区停车管理办法（征求意见稿）》", department=org.housing,
        closes_at=timezone.now() + dt.timedelta(days=10),
        sections=[{"heading": "第一条 适用范围", "text": "本办法适用于东湖社区公共停车位。"},
                  {"heading": "第二条 收费标准", "text": "临时停车每小时2元。"}])


def test_only_the_drafting_department_publishes_a_draft_and_bad_input_names_the_field(org):
    with pytest.raises(FieldErrors) as refused:
        consultations.create(org.handler_housing, title="", department=None, closes_at=None, sections=[])
    assert {"title", "department", "closes_at", "sections"} <= set(refused.value.errors)
    with pytest.raises(ActionRefused):
        consultations.create(org.handler_env, title="x", department=org.housing,
                             closes_at=timezone.now() + dt.timedelta(days=1), sections=[{"heading": "a", "text": "b"}])


def test_comments_and_replies_during_the_period_and_the_summary_after(org, draft, citizens):
    first, second = draft.sections.all()
    a = consultations.comment(first, Voter(user=citizens[1]), "建议写明是否包括地下车库。")
    b = consultations.comment(second, Voter(user=citizens[2]), "每小时2元偏高，建议首小时免费。")
    consultations.comment(second, Voter(user=citizens[3]), "同意楼上。", parent=b)
    hidden = consultations.comment(second, Voter(phone_key="p" * 64), "广告：代办停车证")
    moderation.hide(moderation.case_of("comment", hidden.pk), org.operator, "广告")
    with pytest.raises(ActionRefused, match="截止后"):
        consultations.publish_report(draft, org.handler_housing, "总结")
    tasks.run_sweeps(draft.closes_at + dt.timedelta(minutes=1))
    draft.refresh_from_db()
    assert draft.status == C.CLOSED
    with pytest.raises(ActionRefused, match="已截止"):
        consultations.comment(first, Voter(user=citizens[1]), "再补充一条。")
    with pytest.raises(ActionRefused, match="未研究"):
        consultations.publish_report(draft, org.handler_housing, "总结")
    consultations.decide(a, org.handler_housing, "adopted")
    with pytest.raises(FieldErrors):
        consultations.decide(b, org.handler_housing, "not_adopted", "")
    consultations.decide(b, org.handler_housing, "partly", "首半小时免费，超过按每小时2元。")
    reply = b.replies.get()
    consultations.decide(reply, org.handler_housing, "not_adopted", "同上条处理。")
    draft = consultations.publish_report(draft, org.handler_housing, "共收到3条意见，已据此修改第一条和第二条。")
    figures = consultations.report_figures(draft)
    assert (figures["received"], figures["adopted"], figures["partly"], figures["not_adopted"]) == (3, 1, 1, 1)
    assert figures["people"] == 3
    page = Client().get(reverse("participation:consultation_detail", args=[draft.pk])).content.decode()
    assert "共收到意见 3 条" in page and "首半小时免费" in page and "代办停车证" not in page
    with pytest.raises(ActionRefused):
        consultations.decide(a, org.handler_housing, "not_adopted", "改主意")


def test_a_comment_needs_a_verified_person(draft):
    with pytest.raises(FieldErrors) as refused:
        consultations.comment(draft.sections.first(), Voter(), "匿名路人的意见")
    assert "voter" in refused.value.errors
