"""直接答复: an operator answers a caller from the knowledge base while they are on the line.

The appeal is received, replied with the standard answer and closed as answered at intake, in one
transaction, with those three events; it is never dispatched; evaluation counts it as answered at
intake. What is refused changes nothing.
"""
import pytest
from django.utils import timezone

from gongzhi.appeals import knowledge, services
from gongzhi.appeals.lifecycle import APPEAL_LIFECYCLE
from gongzhi.appeals.models import Appeal, KnowledgeEntry, Reply, Status
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.evaluation import kpis
from gongzhi.evaluation import services as evaluation

ANSWER = ("您好，职工购买自住住房或租房自住的，可通过公积金中心网上服务大厅、手机APP，"
          "或携带身份证、银行卡到政务服务中心公积金窗口申请提取。")
CALL = dict(channel="phone", title="咨询公积金提取", content="我想问一下租房能不能提取公积金，要带什么材料？",
            appellant_name="李四", appellant_phone="13911112222")


@pytest.fixture
def entry(org):
    return knowledge.save_entry(org.supervisor, question="住房公积金如何提取？", answer=ANSWER,
                                keywords="公积金 提取", category=org.cat_property)


def test_a_direct_answer_makes_a_closed_appeal_with_the_answer_and_three_events(org, entry):
    appeal, code = services.answer_at_intake(entry=entry, actor=org.operator, **CALL)
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and appeal.answered_at_intake and appeal.resolved is True
    assert code and services.check_access_code(appeal, code)
    assert appeal.assignments.count() == 0 and appeal.lead_department is None
    events = list(appeal.events.order_by("created_at", "id").values_list("kind", "from_status", "to_status"))
    assert events == [("received", "", Status.RECEIVED), ("replied", Status.RECEIVED, Status.REPLIED),
                      ("closed", Status.REPLIED, Status.CLOSED)]
    closing = appeal.events.get(kind="closed")
    assert closing.data["answered_at_intake"] is True and closing.actor == org.operator
    reply = Reply.objects.get(appeal=appeal)
    assert reply.text == ANSWER and reply.author == org.operator
    assert appeal.events.get(kind="replied").data["knowledge"] == entry.pk
    assert appeal.category == org.cat_property, "the entry's category, as the operator left none"
    entry.refresh_from_db()
    assert entry.used_count == 1


def test_the_operator_may_adapt_the_answer(org, entry):
    adapted = ANSWER + "您所在的东湖社区可就近到东城街道便民服务中心办理。"
    appeal, _code = services.answer_at_intake(entry=entry, actor=org.operator, answer_text=adapted, **CALL)
    assert appeal.replies.get().text == adapted


def test_the_triage_hook_does_not_dispatch_an_answered_appeal(org, entry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appeal, _code = services.answer_at_intake(entry=entry, actor=org.operator, **CALL)
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and not appeal.assignments.exists()


def test_it_counts_as_answered_at_intake_in_evaluation(org, entry, make_appeal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_at_intake(entry=entry, actor=org.operator, **CALL)
        make_appeal()  # an ordinary appeal the same month
    month = evaluation.month_start(timezone.localdate())
    city = evaluation.unit_counts("city", 0, [month])
    assert city["appeals"] == 2 and city["answered_at_intake"] == 1 and city["closed"] == 1
    values = kpis.kpis(city)
    assert values["answered_at_intake"] == 1 and values["intake_answer_rate"] == 0.5


def test_only_an_operator_may_answer_directly(org, entry):
    assert APPEAL_LIFECYCLE["answer_at_intake"].target == Status.CLOSED
    for somebody in (org.dispatcher, org.handler_housing, org.citizen):
        with pytest.raises(ActionRefused):
            services.answer_at_intake(entry=entry, actor=somebody, **CALL)
    assert not Appeal.objects.exists()


def test_bad_input_is_refused_with_field_messages_and_stores_nothing(org, entry):
    with pytest.raises(FieldErrors) as short:
        services.answer_at_intake(entry=entry, actor=org.operator, answer_text="好的", **CALL)
    assert "answer_text" in short.value.errors
    with pytest.raises(FieldErrors) as no_phone:
        services.answer_at_intake(entry=entry, actor=org.operator, **{**CALL, "appellant_phone": ""})
    assert "appellant_phone" in no_phone.value.errors
    knowledge.set_active(org.supervisor, entry, False)
    entry.refresh_from_db()
    with pytest.raises(FieldErrors) as withdrawn:
        services.answer_at_intake(entry=entry, actor=org.operator, **CALL)
    assert "knowledge" in withdrawn.value.errors
    assert not Appeal.objects.exists() and not Reply.objects.exists()


def test_receive_alone_is_unchanged_by_the_knowledge_base(org, make_appeal):
    appeal = make_appeal()
    assert appeal.status == Status.RECEIVED and not appeal.answered_at_intake
    assert list(appeal.events.values_list("kind", flat=True)) == ["received"]


def test_only_supervisors_and_administrators_keep_the_knowledge_base(org):
    with pytest.raises(ActionRefused):
        knowledge.save_entry(org.operator, question="停水怎么办？", answer=ANSWER)
    with pytest.raises(FieldErrors) as bad:
        knowledge.save_entry(org.supervisor, question="", answer="太短")
    assert set(bad.value.errors) == {"question", "answer"}
    assert not KnowledgeEntry.objects.exists()
    saved = knowledge.save_entry(org.admin, question="停水怎么办？", answer=ANSWER, keywords="停水")
    assert saved.keyword_list == ["停水"]


def test_the_city_figures_show_the_share_answered_at_intake_and_list_those_appeals(client, org, entry, make_appeal,
                                                                                  django_capture_on_commit_callbacks):
    from django.urls import reverse

    with django_capture_on_commit_callbacks(execute=True):
        answered, _code = services.answer_at_intake(entry=entry, actor=org.operator, **CALL)
        other = make_appeal()
    client.force_login(org.leader)
    month = timezone.localdate().strftime("%Y-%m")
    page = client.get(reverse("evaluation:unit", args=["city", 0]), {"month": month}).content.decode()
    row = page[page.index('data-kpi="intake_answer_rate"'):]
    row = row[:row.index("</tr>")]
    assert "受理即答率" in row and "50" in row
    drill = client.get(reverse("evaluation:drill"), {"kind": "city", "month": month, "counter": "answered_at_intake"})
    body = drill.content.decode()
    assert answered.tracking_number in body and other.tracking_number not in body
