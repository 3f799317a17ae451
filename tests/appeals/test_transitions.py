"""Every action of the appeal lifecycle: allowed from which states, for which roles.

A refused action raises ActionRefused with a message for the user and changes nothing: the status,
the history (event count) and the assignments stay as they were.
"""
import pytest

from gongzhi.appeals import services
from gongzhi.appeals.lifecycle import APPEAL_LIFECYCLE
from gongzhi.appeals.models import Assignment, ExtensionRequest, Status
from gongzhi.core.errors import ActionRefused, FieldErrors

from .conftest import REPLY

ALL = [Status.RECEIVED, Status.DISPATCHED, Status.HANDLING, Status.REPLIED, Status.CLOSED, Status.MERGED]

# How each action of the lifecycle table is done, by someone whose role and department may do it.
# The states it is allowed from, its roles and outcomes are the table's (gongzhi.appeals.lifecycle).
CALLS = {
    "recategorize": lambda a, o: services.recategorize(a, o.dispatcher, o.cat_noise),
    "dispatch": lambda a, o: services.dispatch(a, o.dispatcher, o.housing),
    # Before the lead acknowledges (待签收), only an assisting department that has may note.
    "note": lambda a, o: services.add_note(a, o.handler_env, "已到现场查看"),
    "reply": lambda a, o: services.reply(a, o.handler_housing, REPLY),
    "follow_up": lambda a, o: services.follow_up(a, "satisfied"),
    "close": lambda a, o: services.close(a, o.operator, "重复来电，已解答"),
    "reopen": lambda a, o: services.reopen(a, o.supervisor, "答复与事实不符"),
    "extend": lambda a, o: services.request_extension(a, o.handler_housing, 3, "需等待检测结果"),
    "urge": lambda a, o: services.urge(a, o.supervisor),
    "supervise": lambda a, o: services.supervise(a, o.supervisor, "群众反映强烈，列入督办"),
    "merge": lambda a, o: services.merge(a, _other(a), o.dispatcher),
    "review_publication": lambda a, o: services.review_publication(a, o.dispatcher, "withheld", "测试提交，内容无意义"),
}
# Actions on one assignment or extension request, which exist only in some states: the tests below
# (lead and assisting departments, extensions) do them.
ON_ASSIGNMENTS = {"acknowledge", "acknowledge_assist", "return", "return_assist", "decide_extension"}
# Actions that make the appeal they act on (tests/appeals/test_answer_at_intake.py does them).
AT_INTAKE = {"answer_at_intake"}


def test_every_action_of_the_table_is_exercised():
    assert set(CALLS) | ON_ASSIGNMENTS | AT_INTAKE == set(APPEAL_LIFECYCLE.table)
    assert not set(CALLS) & ON_ASSIGNMENTS


def _other(appeal):
    """A fresh target appeal for merging `appeal` into."""
    from gongzhi.appeals.models import Appeal

    other = Appeal.objects.exclude(pk=appeal.pk).exclude(status=Status.MERGED).first()
    if other is None:
        other, _ = services.receive(channel="phone", title="同一电梯问题", content="同一电梯又坏了",
                                    appellant_phone="13900001111", run_hooks=False)
    return other


def snapshot(appeal):
    appeal.refresh_from_db()
    return (appeal.status, appeal.events.count(), appeal.assignments.count(), appeal.due_at, appeal.supervised,
            appeal.urge_count, appeal.reopen_count)


ALLOWED = [(name, state) for name in CALLS for state in APPEAL_LIFECYCLE[name].sources]
REFUSED = [(name, state) for name in CALLS for state in ALL if state not in APPEAL_LIFECYCLE[name].sources]


@pytest.mark.parametrize("action,state", ALLOWED)
def test_action_is_allowed_from_state(org, in_state, action, state):
    appeal = in_state(state, assisting=True)
    before = appeal.events.count()
    CALLS[action](appeal, org)
    assert appeal.events.count() > before, "every allowed action leaves a trace in the history"
    appeal.refresh_from_db()
    assert appeal.status in APPEAL_LIFECYCLE[action].outcomes(state)


@pytest.mark.parametrize("action,state", REFUSED)
def test_action_is_refused_from_state_and_changes_nothing(org, in_state, action, state):
    appeal = in_state(state, assisting=True)
    before = snapshot(appeal)
    with pytest.raises(ActionRefused) as refused:
        CALLS[action](appeal, org)
    assert str(refused.value), "the refusal explains itself"
    assert snapshot(appeal) == before


# ---------------------------------------------------------------- roles

WRONG_ROLE = {
    "recategorize by a handler": (Status.RECEIVED, lambda a, o: services.recategorize(a, o.handler_housing, o.cat_noise)),
    "dispatch by an operator": (Status.RECEIVED, lambda a, o: services.dispatch(a, o.operator, o.housing)),
    "dispatch by a handler": (Status.RECEIVED, lambda a, o: services.dispatch(a, o.handler_housing, o.housing)),
    "acknowledge by another department": (Status.DISPATCHED, lambda a, o: services.acknowledge(a.assignments.get(), o.handler_env)),
    "acknowledge by a dispatcher": (Status.DISPATCHED, lambda a, o: services.acknowledge(a.assignments.get(), o.dispatcher)),
    "return by another department": (Status.DISPATCHED, lambda a, o: services.return_assignment(a.assignments.get(), o.handler_env, "不归我们管")),
    "note by another department": (Status.HANDLING, lambda a, o: services.add_note(a, o.handler_env, "看过了")),
    "note before acknowledging": (Status.DISPATCHED, lambda a, o: services.add_note(a, o.handler_housing, "看过了")),
    "reply by another department": (Status.HANDLING, lambda a, o: services.reply(a, o.handler_env, REPLY)),
    "reply by the supervisor": (Status.HANDLING, lambda a, o: services.reply(a, o.supervisor, REPLY)),
    "rating entered by a handler": (Status.REPLIED, lambda a, o: services.follow_up(a, "satisfied", actor=o.handler_housing)),
    "close by a handler": (Status.REPLIED, lambda a, o: services.close(a, o.handler_housing, "已处理完毕")),
    "reopen by a dispatcher": (Status.CLOSED, lambda a, o: services.reopen(a, o.dispatcher, "群众再次来电")),
    "reopen by a leader": (Status.CLOSED, lambda a, o: services.reopen(a, o.leader, "群众再次来电")),
    "extension by another department": (Status.HANDLING, lambda a, o: services.request_extension(a, o.handler_env, 3, "需要时间")),
    "urge by a handler": (Status.HANDLING, lambda a, o: services.urge(a, o.handler_housing)),
    "urge by a grid worker": (Status.HANDLING, lambda a, o: services.urge(a, o.grid_worker)),
    "supervise by an operator": (Status.HANDLING, lambda a, o: services.supervise(a, o.operator, "列入督办")),
    "merge by a handler": (Status.RECEIVED, lambda a, o: services.merge(a, _other(a), o.handler_housing)),
    "merge by a citizen": (Status.RECEIVED, lambda a, o: services.merge(a, _other(a), o.citizen)),
    "publication review by a handler": (Status.CLOSED, lambda a, o: services.review_publication(a, o.handler_housing, "approved")),
    "publication review by an operator": (Status.RECEIVED, lambda a, o: services.review_publication(a, o.operator, "approved")),
}


@pytest.mark.parametrize("case", list(WRONG_ROLE))
def test_wrong_role_is_refused_and_changes_nothing(org, in_state, case):
    state, call = WRONG_ROLE[case]
    appeal = in_state(state)
    before = snapshot(appeal)
    with pytest.raises(ActionRefused):
        call(appeal, org)
    assert snapshot(appeal) == before


def test_decide_extension_needs_a_supervisor(org, in_state):
    appeal = in_state(Status.HANDLING)
    ext = services.request_extension(appeal, org.handler_housing, 3, "需等待检测结果")
    for someone in (org.dispatcher, org.handler_housing, org.leader):
        with pytest.raises(ActionRefused):
            services.decide_extension(ext, someone, True)
    ext.refresh_from_db()
    assert ext.state == ExtensionRequest.State.PENDING


def test_the_admin_role_may_act_for_anyone(org, in_state):
    appeal = in_state(Status.RECEIVED)
    services.dispatch(appeal, org.admin, org.housing)
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED


def test_a_leader_may_urge_and_supervise(org, in_state):
    appeal = in_state(Status.HANDLING)
    services.urge(appeal, org.leader, "请抓紧")
    services.supervise(appeal, org.leader, "领导批示督办")
    appeal.refresh_from_db()
    assert appeal.urge_count == 1 and appeal.supervised


# ---------------------------------------------------------------- input errors

@pytest.mark.parametrize("reason", ["", "  ", "不"])
def test_return_without_a_reason_is_a_field_error_and_changes_nothing(org, in_state, reason):
    appeal = in_state(Status.DISPATCHED)
    before = snapshot(appeal)
    with pytest.raises(FieldErrors) as error:
        services.return_assignment(appeal.assignments.get(), org.handler_housing, reason)
    assert "reason" in error.value.errors
    assert snapshot(appeal) == before
    assert appeal.assignments.get().state == Assignment.State.PENDING


def test_a_too_short_reply_is_a_field_error(org, in_state):
    appeal = in_state(Status.HANDLING)
    with pytest.raises(FieldErrors) as error:
        services.reply(appeal, org.handler_housing, "已处理")
    assert "text" in error.value.errors
    appeal.refresh_from_db()
    assert appeal.status == Status.HANDLING


def test_an_unknown_rating_is_a_field_error(org, in_state):
    appeal = in_state(Status.REPLIED)
    with pytest.raises(FieldErrors):
        services.follow_up(appeal, "great")
    appeal.refresh_from_db()
    assert appeal.status == Status.REPLIED


@pytest.mark.parametrize("days", [0, 31, "x"])
def test_extension_days_must_be_between_1_and_30(org, in_state, days):
    appeal = in_state(Status.HANDLING)
    with pytest.raises(FieldErrors):
        services.request_extension(appeal, org.handler_housing, days, "需等待检测结果")
    assert not appeal.extension_requests.exists()


def test_intake_checks_its_fields(org):
    with pytest.raises(FieldErrors) as error:
        services.receive(channel="web", title="", content="", appellant_phone="12345", appellant_id_number="110101199003071235",
                         run_hooks=False)
    assert {"title", "content", "appellant_phone", "appellant_id_number"} <= set(error.value.errors)


def test_a_named_web_appeal_needs_a_phone_but_an_anonymous_one_does_not(org):
    with pytest.raises(FieldErrors) as error:
        services.receive(channel="web", title="路灯不亮", content="东湖路路灯坏了", run_hooks=False)
    assert "appellant_phone" in error.value.errors
    appeal, _ = services.receive(channel="web", title="路灯不亮", content="东湖路路灯坏了", anonymous=True,
                                 appellant_phone="13812345678", appellant_name="张三", run_hooks=False)
    assert appeal.anonymous and appeal.appellant_phone == "" and appeal.appellant_name == ""


# ---------------------------------------------------------------- lead and assisting departments

@pytest.fixture
def with_assist(org, make_appeal):
    appeal = make_appeal()
    services.dispatch(appeal, org.dispatcher, org.housing, [org.env])
    lead = appeal.assignments.get(role=Assignment.Role.LEAD)
    assist = appeal.assignments.get(role=Assignment.Role.ASSIST)
    return appeal, lead, assist


def test_dispatch_to_a_lead_and_an_assisting_department(org, with_assist):
    appeal, lead, assist = with_assist
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED and appeal.lead_department == org.housing
    assert lead.department == org.housing and assist.department == org.env
    assert lead.state == assist.state == Assignment.State.PENDING


def test_the_assisting_department_acknowledging_does_not_start_handling(org, with_assist):
    appeal, lead, assist = with_assist
    services.acknowledge(assist, org.handler_env)
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED
    event = appeal.events.latest("id")
    assert event.kind == "acknowledged" and not event.public


def test_the_lead_acknowledging_starts_handling_and_cannot_acknowledge_twice(org, with_assist):
    appeal, lead, assist = with_assist
    services.acknowledge(lead, org.handler_housing)
    appeal.refresh_from_db()
    assert appeal.status == Status.HANDLING and appeal.acknowledged_at is not None
    with pytest.raises(ActionRefused):
        services.acknowledge(lead, org.handler_housing)


def test_the_assisting_department_may_note_but_not_reply(org, with_assist):
    appeal, lead, assist = with_assist
    services.acknowledge(lead, org.handler_housing)
    services.acknowledge(assist, org.handler_env)
    services.add_note(appeal, org.handler_env, "已配合现场检测噪声")
    with pytest.raises(ActionRefused):
        services.reply(appeal, org.handler_env, REPLY)
    services.reply(appeal, org.handler_housing, REPLY)
    assert set(appeal.assignments.values_list("state", flat=True)) == {Assignment.State.DONE}


def test_returning_an_assisting_assignment_leaves_the_appeal_with_the_lead(org, with_assist):
    appeal, lead, assist = with_assist
    services.return_assignment(assist, org.handler_env, "不涉及噪声问题")
    appeal.refresh_from_db()
    lead.refresh_from_db()
    assert appeal.status == Status.DISPATCHED and appeal.lead_department == org.housing
    assert appeal.return_count == 0 and lead.state == Assignment.State.PENDING


def test_the_lead_returning_sends_the_appeal_back_to_the_dispatcher(org, with_assist):
    appeal, lead, assist = with_assist
    services.return_assignment(lead, org.handler_housing, "属于环保部门职责")
    appeal.refresh_from_db()
    assert appeal.status == Status.RECEIVED and appeal.lead_department is None and appeal.return_count == 1
    assist.refresh_from_db()
    assert assist.state == Assignment.State.WITHDRAWN
    event = appeal.events.latest("id")
    assert (event.kind, event.from_status, event.to_status, event.note) == ("returned", "dispatched", "received", "属于环保部门职责")
    # The dispatcher tries again; returned work cannot be returned twice.
    services.dispatch(appeal, org.dispatcher, org.env)
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED and appeal.lead_department == org.env
    with pytest.raises(ActionRefused):
        services.return_assignment(lead, org.handler_housing, "再退一次")


def test_the_lead_may_return_even_after_acknowledging(org, in_state):
    appeal = in_state(Status.HANDLING)
    services.return_assignment(appeal.assignments.get(), org.handler_housing, "签收后发现不属于本单位")
    appeal.refresh_from_db()
    assert appeal.status == Status.RECEIVED


# ---------------------------------------------------------------- rating, reopening, closing

def test_satisfied_and_basically_satisfied_close(org, in_state):
    for rating in ("satisfied", "basic"):
        appeal = in_state(Status.REPLIED)
        appeal = services.follow_up(appeal, rating)
        assert appeal.status == Status.CLOSED and appeal.satisfaction == rating and appeal.closed_at


def test_dissatisfied_reopens_until_the_limit_then_closes_under_supervision(
        org, in_state, settings, django_capture_on_commit_callbacks):
    from gongzhi.core.models import Notification

    assert settings.GONGZHI["MAX_REOPENS"] == 2
    appeal = in_state(Status.REPLIED)
    for round_ in (1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            appeal = services.follow_up(appeal, "dissatisfied", comment="没解决")
        assert appeal.status == Status.DISPATCHED and appeal.reopen_count == round_
        assert appeal.lead_department == org.housing
        assert Notification.objects.filter(user=org.handler_housing, kind="reopened").count() == round_
        pending = appeal.assignments.get(state=Assignment.State.PENDING)
        services.acknowledge(pending, org.handler_housing)
        services.reply(appeal, org.handler_housing, REPLY)
    with django_capture_on_commit_callbacks(execute=True):
        appeal = services.follow_up(appeal, "dissatisfied", comment="还是没解决")
    assert appeal.status == Status.CLOSED and appeal.supervised and appeal.reopen_count == 2
    # Both supervisors whose region covers the east community are told.
    told = set(Notification.objects.filter(kind="dissatisfied_closed").values_list("user__username", flat=True))
    assert told == {"supervisor", "east_supervisor"}
    kinds = list(appeal.events.values_list("kind", flat=True))
    assert kinds.count("reopened") == 2 and kinds[-2:] == ["rated", "closed"]


def test_a_supervisor_reopens_a_closed_appeal_with_a_fresh_deadline(org, in_state):
    appeal = in_state(Status.CLOSED)
    appeal = services.reopen(appeal, org.supervisor, "回访发现问题未解决")
    assert appeal.status == Status.DISPATCHED and appeal.satisfaction == "" and appeal.closed_at is None
    assert appeal.assignments.filter(state=Assignment.State.PENDING, department=org.housing).count() == 1


def test_close_from_received_rejects_an_invalid_appeal_without_dispatch(org, in_state):
    appeal = in_state(Status.RECEIVED)
    appeal = services.close(appeal, org.operator, "咨询类问题，已当场解答")
    assert appeal.status == Status.CLOSED and not appeal.assignments.exists()
    with pytest.raises(FieldErrors):
        services.close(in_state(Status.RECEIVED), org.operator, "")


# ---------------------------------------------------------------- extension, urge, supervise, merge

def test_only_one_extension_request_may_wait_at_a_time(org, in_state):
    appeal = in_state(Status.HANDLING)
    services.request_extension(appeal, org.handler_housing, 3, "需等待检测结果")
    with pytest.raises(ActionRefused):
        services.request_extension(appeal, org.handler_housing, 5, "还要更久")


def test_a_rejected_extension_keeps_the_deadline_and_cannot_be_decided_twice(org, in_state):
    appeal = in_state(Status.HANDLING)
    due = appeal.due_at
    ext = services.request_extension(appeal, org.handler_housing, 3, "需等待检测结果")
    services.decide_extension(ext, org.supervisor, False, "理由不充分")
    appeal.refresh_from_db()
    assert appeal.due_at == due
    assert appeal.events.latest("id").kind == "extension_rejected"
    with pytest.raises(ActionRefused):
        services.decide_extension(ext, org.supervisor, True)


def test_urging_counts_and_tells_the_lead_department(org, in_state, django_capture_on_commit_callbacks):
    from gongzhi.core.models import Notification

    appeal = in_state(Status.HANDLING)
    with django_capture_on_commit_callbacks(execute=True):
        services.urge(appeal, org.supervisor, "请加快办理")
        services.urge(appeal, org.supervisor)
    appeal.refresh_from_db()
    assert appeal.urge_count == 2
    assert Notification.objects.filter(user=org.handler_housing, kind="urged").count() == 2
    assert not Notification.objects.filter(user=org.handler_env).exists()


def test_a_supervision_order_needs_a_note_and_is_given_once(org, in_state):
    appeal = in_state(Status.HANDLING)
    with pytest.raises(FieldErrors):
        services.supervise(appeal, org.supervisor, "")
    services.supervise(appeal, org.supervisor, "群众多次反映，列入督办")
    with pytest.raises(ActionRefused) as refused:
        services.supervise(appeal, org.supervisor, "再次督办")
    assert "督办" in str(refused.value)


def test_merging_folds_a_duplicate_into_the_original(org, make_appeal):
    original = make_appeal()
    services.dispatch(original, org.dispatcher, org.housing)
    duplicate = make_appeal(appellant_phone="13900002222")
    result = services.merge(duplicate, original, org.dispatcher, reason="同一电梯")
    duplicate.refresh_from_db()
    assert result.pk == original.pk
    assert duplicate.status == Status.MERGED and duplicate.merged_into == original and duplicate.closed_at
    assert duplicate.events.latest("id").kind == "merged"
    assert original.events.latest("id").kind == "merged_in"
    original.refresh_from_db()
    assert original.status == Status.DISPATCHED  # the original goes on unchanged


def test_merging_into_itself_or_into_a_merged_appeal_is_refused(org, make_appeal):
    a, b, c = make_appeal(), make_appeal(), make_appeal()
    with pytest.raises(ActionRefused):
        services.merge(a, a, org.dispatcher)
    services.merge(b, c, org.dispatcher)
    with pytest.raises(ActionRefused):
        services.merge(a, b, org.dispatcher)
    a.refresh_from_db()
    assert a.status == Status.RECEIVED
