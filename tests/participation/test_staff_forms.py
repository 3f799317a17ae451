"""The drafters' own pages: a department's handler drafts a consultation (its sections) or a survey
(its questions) on a form, keeps it as a draft to finish later or publishes it, and the public sees
it only once it is published; another department's handler cannot open it; a wrong entry comes back
on the form naming what is wrong, and what was typed is kept."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.core.models import AuditEntry
from gongzhi.participation import consultations, surveys
from gongzhi.participation.models import Consultation, ConsultationEvent, Question, Survey
from gongzhi.participation.verification import Voter

pytestmark = pytest.mark.django_db
STAFF = "/participation/staff/consultations/"


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def later(days: int) -> str:
    return (timezone.localtime() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def consultation_post(org, *sections, **extra) -> dict:
    data = {"title": "《东湖社区停车管理办法（征求意见稿）》", "department": org.housing.pk,
            "introduction": "请对各条提出意见。", "closes_at": later(20), "s-rows": len(sections)}
    for i, (heading, text) in enumerate(sections):
        data[f"s-{i}-heading"], data[f"s-{i}-text"] = heading, text
    data.update(extra)
    return data


def test_a_handler_drafts_a_consultation_edits_the_draft_and_publishes_it(org):
    c = signed_in(org.handler_housing)
    listing = c.get(STAFF).content.decode()
    assert f'href="{STAFF}new/"' in listing
    form = c.get(f"{STAFF}new/")
    assert form.status_code == 200 and 'name="s-0-heading"' in form.content.decode()

    answer = c.post(f"{STAFF}new/", consultation_post(org, ("第一条 适用范围", "本办法适用于东湖社区公共停车位。"),
                                                     ("", ""), save="1"))
    draft = Consultation.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"{STAFF}{draft.pk}/"
    assert draft.status == Consultation.Status.DRAFT and draft.department == org.housing
    assert [s.heading for s in draft.sections.all()] == ["第一条 适用范围"]  # the blank row is not kept
    assert Client().get(f"/participation/consultations/{draft.pk}/").status_code == 404  # not public yet
    assert draft.title not in Client().get("/participation/consultations/").content.decode()

    edit = c.get(f"{STAFF}{draft.pk}/edit/").content.decode()
    assert "本办法适用于东湖社区公共停车位。" in edit and 'value="第一条 适用范围"' in edit
    answer = c.post(f"{STAFF}{draft.pk}/edit/", consultation_post(
        org, ("第一条 适用范围", "本办法适用于东湖社区公共停车位。"), ("第二条 收费标准", "临时停车每小时2元。"),
        publish="1"))
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Consultation.Status.OPEN and draft.opens_at is not None
    assert [s.heading for s in draft.sections.all()] == ["第一条 适用范围", "第二条 收费标准"]
    assert list(ConsultationEvent.objects.filter(consultation=draft).values_list("kind", flat=True)) == \
        ["drafted", "edited", "opened"]
    public = Client().get(f"/participation/consultations/{draft.pk}/").content.decode()
    assert "第二条 收费标准" in public and "临时停车每小时2元。" in public
    # published: the text is fixed while people comment on it
    assert c.get(f"{STAFF}{draft.pk}/edit/").status_code == 302
    with pytest.raises(Exception):
        consultations.update_draft(org.handler_housing, draft, title="x", department=org.housing,
                                   closes_at=timezone.now() + dt.timedelta(days=3), sections=[{"heading": "a", "text": "b"}])


def test_a_draft_is_published_from_its_page_and_then_takes_comments(org, citizens):
    c = signed_in(org.handler_housing)
    c.post(f"{STAFF}new/", consultation_post(org, ("第一条", "临时停车每小时2元。"), save="1"))
    draft = Consultation.objects.get()
    page = c.get(f"{STAFF}{draft.pk}/").content.decode()
    assert f"{STAFF}{draft.pk}/publish/" in page and "临时停车每小时2元。" in page
    assert c.post(f"{STAFF}{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == Consultation.Status.OPEN
    consultations.comment(draft.sections.get(), Voter(user=citizens[1]), "建议夜间免费。")
    assert draft.sections.get().comments.count() == 1


def test_a_wrong_consultation_comes_back_on_the_form_with_what_was_typed(org):
    c = signed_in(org.handler_housing)
    answer = c.post(f"{STAFF}new/", consultation_post(org, ("第一条", ""), closes_at="2001-01-01T10:00",
                                                     publish="1"))
    html = answer.content.decode()
    assert answer.status_code == 200 and not Consultation.objects.exists()
    assert "截止时间须晚于现在" in html and "每个条目都要有标题和内容" in html and 'value="第一条"' in html
    more = c.post(f"{STAFF}new/", consultation_post(org, ("第一条", "内容"), add="1")).content.decode()
    assert 'name="s-1-heading"' in more and 'value="第一条"' in more and not Consultation.objects.exists()


def test_another_departments_handler_neither_drafts_for_it_nor_opens_its_draft(org):
    own = signed_in(org.handler_housing)
    own.post(f"{STAFF}new/", consultation_post(org, ("第一条", "内容"), save="1"))
    draft = Consultation.objects.get()
    other = signed_in(org.handler_env)
    assert other.get(f"{STAFF}{draft.pk}/edit/").status_code == 404
    assert other.post(f"{STAFF}{draft.pk}/publish/").status_code == 404
    refused = other.post(f"{STAFF}new/", consultation_post(org, ("第一条", "内容"), save="1"))
    assert refused.status_code == 200 and Consultation.objects.count() == 1  # housing is not on its list
    offered = other.get(f"{STAFF}new/").content.decode()
    assert f'<option value="{org.env.pk}"' in offered and f'<option value="{org.housing.pk}"' not in offered
    assert Client().get(f"{STAFF}new/").status_code == 302  # sign in first
    assert signed_in(org.citizen).get(f"{STAFF}new/").status_code == 404


def survey_post(org, *questions, **extra) -> dict:
    data = {"title": "社区公园使用情况调查", "description": "约两分钟。", "mode": "verified",
            "department": org.housing.pk, "closes_at": later(14), "q-rows": len(questions)}
    for i, q in enumerate(questions):
        for name, value in q.items():
            data[f"q-{i}-{name}"] = value
    data.update(extra)
    return data


QUESTIONS = (
    {"text": "您多久去一次社区公园？", "kind": "single", "options": "每天\n每周\n很少", "required": "1"},
    {"text": "您希望增加哪些设施？", "kind": "multiple", "options": "座椅\n健身器材\n儿童游乐\n", "required": "1"},
    {"text": "您对公园的总体评价", "kind": "scale", "scale_max": "5", "required": "1"},
    {"text": "其他建议", "kind": "text"},
)


def test_a_handler_drafts_a_survey_with_every_kind_of_question_and_publishes_it(org, citizens):
    c = signed_in(org.handler_housing)
    assert 'name="q-0-kind"' in c.get("/participation/staff/surveys/new/").content.decode()
    answer = c.post("/participation/staff/surveys/new/", survey_post(org, *QUESTIONS, {"text": "", "kind": "single"},
                                                                     save="1"))
    assert answer.status_code == 302
    survey = Survey.objects.get()
    assert survey.status == Survey.Status.DRAFT and survey.department == org.housing
    rows = list(survey.questions.values_list("kind", "text", "options", "scale_max", "required"))
    assert rows == [("single", "您多久去一次社区公园？", ["每天", "每周", "很少"], 5, True),
                    ("multiple", "您希望增加哪些设施？", ["座椅", "健身器材", "儿童游乐"], 5, True),
                    ("scale", "您对公园的总体评价", [], 5, True),
                    ("text", "其他建议", [], 5, False)]
    assert Client().get(f"/participation/surveys/{survey.pk}/").status_code == 404  # a draft is not public
    assert AuditEntry.objects.filter(action="survey.draft", target_id=str(survey.pk)).exists()

    edit = c.get(f"/participation/staff/surveys/{survey.pk}/edit/").content.decode()
    assert "每天\n每周\n很少" in edit
    changed = survey_post(org, *QUESTIONS[:3], mode="anonymous", publish="1")
    assert c.post(f"/participation/staff/surveys/{survey.pk}/edit/", changed).status_code == 302
    survey.refresh_from_db()
    assert (survey.status, survey.mode, survey.questions.count()) == (Survey.Status.OPEN, "anonymous", 3)
    q1, q2, q3 = survey.questions.all()
    surveys.answer(survey, Voter(), {q1.pk: 0, q2.pk: [0, 2], q3.pk: 4})
    assert "社区公园使用情况调查" in Client().get("/participation/surveys/").content.decode()
    assert c.get(f"/participation/staff/surveys/{survey.pk}/edit/").status_code == 302  # answered: fixed

    assert c.post(f"/participation/staff/surveys/{survey.pk}/close/").status_code == 302
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED and survey.closes_at <= timezone.now()
    assert survey.response_count == 1 and Client().get(f"/participation/surveys/{survey.pk}/results/").status_code == 200


def test_a_wrong_question_is_named_on_its_row_and_nothing_is_saved(org):
    c = signed_in(org.handler_housing)
    answer = c.post("/participation/staff/surveys/new/", survey_post(
        org, {"text": "您多久去一次？", "kind": "single", "options": "每天"},
        {"text": "评价", "kind": "scale", "scale_max": "abc"}, publish="1"))
    html = answer.content.decode()
    assert answer.status_code == 200 and not Survey.objects.exists() and not Question.objects.exists()
    assert "选择题至少要有两个选项" in html and "评分须在 2 到 10 分之间" in html and 'value="您多久去一次？"' in html


def test_a_draft_survey_is_published_from_the_list_and_others_may_not(org):
    c = signed_in(org.handler_housing)
    c.post("/participation/staff/surveys/new/", survey_post(org, QUESTIONS[0], save="1"))
    survey = Survey.objects.get()
    listing = c.get(STAFF).content.decode()
    assert f"/participation/staff/surveys/{survey.pk}/publish/" in listing
    assert signed_in(org.handler_env).post(f"/participation/staff/surveys/{survey.pk}/publish/").status_code == 404
    assert c.post(f"/participation/staff/surveys/{survey.pk}/publish/").status_code == 302
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN


def test_an_administrator_may_run_a_survey_of_no_department(org):
    c = signed_in(org.admin)
    assert c.post("/participation/staff/surveys/new/", survey_post(org, QUESTIONS[0], department="",
                                                                   publish="1")).status_code == 302
    assert Survey.objects.get().department is None
    handler = signed_in(org.handler_housing)
    refused = handler.post("/participation/staff/surveys/new/", survey_post(org, QUESTIONS[0], department="",
                                                                            publish="1"))
    assert refused.status_code == 200 and Survey.objects.count() == 1
