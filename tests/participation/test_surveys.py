"""Surveys and polls: the usual kinds of question, anonymous or verified (one answer sheet per
person), the closing date, results and the .xlsx export."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.participation import surveys, tasks
from gongzhi.participation.models import Survey, SurveyResponse
from gongzhi.participation.verification import Voter

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"kind": "single", "text": "您多久去一次社区公园？", "options": ["每天", "每周", "很少"]},
    {"kind": "multiple", "text": "您希望增加哪些设施？", "options": ["座椅", "健身器材", "儿童游乐", "公厕"]},
    {"kind": "scale", "text": "您对公园管理的满意度", "scale_max": 5},
    {"kind": "text", "text": "其他建议", "required": False},
]


def make(org, mode):
    return surveys.create(org.handler_housing, title="社区公园使用情况调查", mode=mode, department=org.housing,
                          closes_at=timezone.now() + dt.timedelta(days=7), questions=QUESTIONS)


def sheet(survey, single=0, multiple=(1, 2), score=4, text=""):
    q = list(survey.questions.all())
    return {q[0].pk: single, q[1].pk: list(multiple), q[2].pk: score, q[3].pk: text}


def test_a_verified_survey_takes_one_sheet_per_person(org, citizens):
    survey = make(org, "verified")
    surveys.answer(survey, Voter(user=citizens[1]), sheet(survey))
    with pytest.raises(ActionRefused, match="已经填写过"):
        surveys.answer(survey, Voter(user=citizens[1]), sheet(survey, single=2))
    surveys.answer(survey, Voter(phone_key="a" * 64), sheet(survey))
    with pytest.raises(ActionRefused):
        surveys.answer(survey, Voter(phone_key="a" * 64), sheet(survey))
    with pytest.raises(FieldErrors) as refused:
        surveys.answer(survey, Voter(), sheet(survey))
    assert "voter" in refused.value.errors
    assert SurveyResponse.objects.filter(survey=survey).count() == 2


def test_an_anonymous_survey_keeps_nobodys_identity(org, citizens):
    survey = make(org, "anonymous")
    surveys.answer(survey, Voter(), sheet(survey))
    surveys.answer(survey, Voter(user=citizens[1]), sheet(survey))
    assert set(SurveyResponse.objects.values_list("voter_key", flat=True)) == {""}


def test_wrong_answers_name_the_question(org, citizens):
    survey = make(org, "verified")
    q = list(survey.questions.all())
    with pytest.raises(FieldErrors) as refused:
        surveys.answer(survey, Voter(user=citizens[1]), {q[0].pk: 7, q[1].pk: [], q[2].pk: 9})
    assert set(refused.value.errors) == {f"q{q[0].pk}", f"q{q[1].pk}", f"q{q[2].pk}"}
    with pytest.raises(FieldErrors):
        surveys.create(org.handler_housing, title="x", closes_at=timezone.now() + dt.timedelta(days=1),
                       questions=[{"kind": "single", "text": "一个选项", "options": ["只有一个"]}])


def test_results_count_each_option_and_the_export_has_every_sheet(org, citizens):
    survey = make(org, "verified")
    surveys.answer(survey, Voter(user=citizens[1]), sheet(survey, single=0, multiple=(1,), score=5,
                                                             text="请加装路灯，联系13812345678"))
    surveys.answer(survey, Voter(user=citizens[2]), sheet(survey, single=0, multiple=(1, 3), score=3))
    single, multiple, scale, text = surveys.results(survey)
    assert single["counts"] == [2, 0, 0] and multiple["counts"] == [0, 2, 0, 1]
    assert scale["counts"] == [0, 0, 1, 0, 1] and scale["mean"] == 4
    assert text["texts"] == ["请加装路灯，联系[电话]"]
    book = load_workbook(io.BytesIO(surveys.export_xlsx(survey)))
    assert book.sheetnames == ["统计", "答卷"]
    rows = list(book["答卷"].values)
    assert len(rows) == 3 and "13812345678" not in str(rows)
    c = Client()
    c.force_login(org.handler_housing)
    r = c.get(reverse("participation:survey_export", args=[survey.pk]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    other = Client()
    other.force_login(org.handler_env)
    assert other.get(reverse("participation:survey_export", args=[survey.pk])).status_code == 404
    page = Client().get(reverse("participation:survey_results", args=[survey.pk])).content.decode()
    assert "chart-" in page and "健身器材" in page


def test_the_survey_closes_on_its_date(org, citizens):
    survey = make(org, "anonymous")
    tasks.run_sweeps(survey.closes_at + dt.timedelta(minutes=1))
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED
    with pytest.raises(ActionRefused, match="已结束"):
        surveys.answer(survey, Voter(), sheet(survey))


def test_answering_on_the_page(org, citizens):
    survey = make(org, "verified")
    q = list(survey.questions.all())
    c = Client()
    c.force_login(citizens[1])
    r = c.post(reverse("participation:survey_detail", args=[survey.pk]),
               {f"q{q[0].pk}": "1", f"q{q[1].pk}": ["0", "2"], f"q{q[2].pk}": "4"})
    assert r.status_code == 302
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    c.force_login(citizens[2])
    r = c.post(reverse("participation:survey_detail", args=[survey.pk]), {f"q{q[0].pk}": "9"})
    assert r.status_code == 200 and "没有这个选项" in r.content.decode()
