"""The appeal page: it offers only what the user may do now, and every action goes through the services."""
import pytest
from django.urls import reverse

from gongzhi.appeals import services
from gongzhi.appeals.models import Assignment, Status
from gongzhi.core.models import AuditEntry

from .helpers import action_url, detail_url, dispatched, handling, replied, signed_in


def offered(response, appeal, action: str) -> bool:
    return action_url(appeal, action) in response.content.decode()


def test_the_dispatcher_is_offered_dispatch_but_no_department_work(client, org, make_appeal):
    appeal = make_appeal()
    page = signed_in(client, org.dispatcher).get(detail_url(appeal))
    assert offered(page, appeal, "dispatch") and offered(page, appeal, "merge") and offered(page, appeal, "recategorize")
    for action in ("acknowledge", "reply", "return", "urge", "reopen", "follow_up"):
        assert not offered(page, appeal, action), action


def test_the_handler_is_offered_acknowledge_then_reply(client, org, make_appeal):
    appeal = dispatched(org, make_appeal())
    signed_in(client, org.handler_housing)
    page = client.get(detail_url(appeal))
    assert offered(page, appeal, "acknowledge") and offered(page, appeal, "return")
    assert not offered(page, appeal, "reply") and not offered(page, appeal, "dispatch")
    response = client.post(action_url(appeal, "acknowledge"), {"assignment": appeal.assignments.get().pk})
    assert response.status_code == 302
    page = client.get(detail_url(appeal))
    assert offered(page, appeal, "reply") and offered(page, appeal, "note") and not offered(page, appeal, "acknowledge")


def test_a_leader_may_urge_and_supervise_but_not_dispatch(client, org, make_appeal):
    appeal = dispatched(org, make_appeal())
    page = signed_in(client, org.leader).get(detail_url(appeal))
    assert offered(page, appeal, "urge") and offered(page, appeal, "supervise")
    assert not offered(page, appeal, "dispatch") and not offered(page, appeal, "reopen")


def test_a_mediator_sees_the_appeal_but_no_action(client, org, make_appeal):
    appeal = make_appeal()
    page = signed_in(client, org.mediator).get(detail_url(appeal))
    assert page.status_code == 200 and 'data-testid="no-actions"' in page.content.decode()


def test_the_whole_lifecycle_through_the_pages(client, org, make_appeal):
    appeal = make_appeal()
    signed_in(client, org.dispatcher)
    assert client.post(action_url(appeal, "dispatch"), {"lead": org.housing.pk, "assisting": [org.water.pk],
                                                         "instructions": "请尽快核查"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED and appeal.assignments.count() == 2
    signed_in(client, org.handler_housing)
    lead = appeal.assignments.get(department=org.housing)
    client.post(action_url(appeal, "acknowledge"), {"assignment": lead.pk})
    client.post(action_url(appeal, "note"), {"note": "已联系物业，约定周三维修"})
    response = client.post(action_url(appeal, "reply"), {"text": "经核查，电梯主板损坏，已督促物业更换，现已恢复运行。", "resolved": "1"})
    assert response.status_code == 302
    signed_in(client, org.operator)
    response = client.post(action_url(appeal, "follow_up"), {"satisfaction": "satisfied", "resolved": "1", "comment": "电话回访"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and appeal.satisfaction == "satisfied"
    timeline = signed_in(client, org.supervisor).get(detail_url(appeal)).content.decode()
    assert "已联系物业，约定周三维修" in timeline and "handler_zjj" in timeline  # staff see the whole history


def test_a_refused_action_shows_the_reason_and_changes_nothing(client, org, make_appeal):
    appeal = make_appeal()
    events = appeal.events.count()
    signed_in(client, org.operator)  # operators take calls; they do not dispatch
    response = client.post(action_url(appeal, "dispatch"), {"lead": org.housing.pk})
    assert response.status_code == 409
    assert "您的角色无权执行此操作" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.RECEIVED and appeal.events.count() == events and not appeal.assignments.exists()


def test_acting_in_the_wrong_state_is_refused_with_the_state_named(client, org, make_appeal):
    appeal = handling(org, make_appeal())
    response = signed_in(client, org.dispatcher).post(action_url(appeal, "dispatch"), {"lead": org.env.pk})
    assert response.status_code == 409 and "办理中" in response.content.decode()
    assert appeal.assignments.count() == 1


def test_a_return_without_reason_is_a_field_error_next_to_the_field(client, org, make_appeal):
    appeal = dispatched(org, make_appeal())
    assignment = appeal.assignments.get()
    response = signed_in(client, org.handler_housing).post(action_url(appeal, "return"),
                                                           {"assignment": assignment.pk, "reason": ""})
    assert response.status_code == 400 and "请填写理由" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.PENDING


def test_a_short_reply_is_refused_and_the_text_is_kept(client, org, make_appeal):
    appeal = handling(org, make_appeal())
    response = signed_in(client, org.handler_housing).post(action_url(appeal, "reply"), {"text": "已处理"})
    body = response.content.decode()
    assert response.status_code == 400 and "答复内容过短" in body and ">已处理</textarea>" in body
    appeal.refresh_from_db()
    assert appeal.status == Status.HANDLING


def test_a_handler_cannot_act_on_another_departments_appeal(client, org, make_appeal):
    appeal = dispatched(org, make_appeal())
    response = signed_in(client, org.handler_env).post(action_url(appeal, "acknowledge"),
                                                       {"assignment": appeal.assignments.get().pk})
    assert response.status_code == 404
    assert appeal.assignments.get().state == Assignment.State.PENDING


def test_merge_by_tracking_number(client, org, make_appeal):
    first, repeat = make_appeal(), make_appeal(title="电梯又坏了")
    signed_in(client, org.dispatcher)
    response = client.post(action_url(repeat, "merge"), {"into": "NOPE"})
    assert response.status_code == 400 and "未找到该受理编号" in response.content.decode()
    client.post(action_url(repeat, "merge"), {"into": first.tracking_number.lower()})
    repeat.refresh_from_db()
    assert repeat.status == Status.MERGED and repeat.merged_into == first


def test_extension_request_and_approval(client, org, make_appeal):
    appeal = handling(org, make_appeal())
    due = appeal.due_at
    signed_in(client, org.handler_housing).post(action_url(appeal, "extend"), {"days": "3", "reason": "需等待配件到货"})
    ext = appeal.extension_requests.get()
    page = signed_in(client, org.supervisor).get(detail_url(appeal))
    assert offered(page, appeal, "decide_extension")
    client.post(action_url(appeal, "decide_extension"), {"extension": ext.pk, "decision": "approve"})
    appeal.refresh_from_db()
    assert appeal.due_at > due


def test_supervisor_reopens_a_closed_appeal(client, org, make_appeal):
    appeal = replied(org, make_appeal())
    services.follow_up(appeal, "satisfied")
    signed_in(client, org.supervisor).post(action_url(appeal, "reopen"), {"reason": "群众再次来电反映未修好"})
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED and appeal.reopen_count == 1


# ---------------------------------------------------------------- personal data

def test_personal_data_is_masked_on_the_appeal_page(client, org, make_appeal):
    appeal = make_appeal(appellant_id_number="11010519491231002X")
    body = signed_in(client, org.dispatcher).get(detail_url(appeal)).content.decode()
    assert "138****5678" in body and "13812345678" not in body
    assert "110***********002X" in body and "11010519491231002X" not in body
    assert "张*" in body and "张三" not in body


def test_revealing_a_phone_number_shows_it_and_writes_the_audit_log(client, org, make_appeal):
    appeal = make_appeal()
    signed_in(client, org.dispatcher)
    url = reverse("staff:reveal", args=[appeal.pk, "appellant_phone"])
    assert url in client.get(detail_url(appeal)).content.decode()
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "13812345678" in response.content.decode()
    entry = AuditEntry.objects.get(action="reveal_personal_data")
    assert entry.actor == org.dispatcher and entry.target_id == str(appeal.pk) and entry.detail["field"] == "appellant_phone"


def test_a_leader_sees_only_masked_data_and_cannot_reveal(client, org, make_appeal):
    appeal = make_appeal()
    signed_in(client, org.leader)
    url = reverse("staff:reveal", args=[appeal.pk, "appellant_phone"])
    body = client.get(detail_url(appeal)).content.decode()
    assert "138****5678" in body and url not in body
    response = client.post(url)
    assert response.status_code == 403 and "13812345678" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="reveal_personal_data").exists()


def test_an_anonymous_appeal_shows_anonymous(client, org, make_appeal):
    appeal = make_appeal(anonymous=True)
    body = signed_in(client, org.dispatcher).get(detail_url(appeal)).content.decode()
    assert 'data-testid="anonymous"' in body and reverse("staff:reveal", args=[appeal.pk, "appellant_phone"]) not in body


@pytest.mark.parametrize("field", ["appellant_phone", "password"])
def test_reveal_of_unknown_or_other_fields_is_not_found_for_a_handler_of_another_department(client, org, make_appeal, field):
    appeal = dispatched(org, make_appeal())
    response = signed_in(client, org.handler_env).post(reverse("staff:reveal", args=[appeal.pk, field]))
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="reveal_personal_data").exists()


def test_reveal_without_javascript_shows_the_page_with_the_full_value(client, org, make_appeal):
    appeal = dispatched(org, make_appeal())
    response = signed_in(client, org.handler_housing).post(reverse("staff:reveal", args=[appeal.pk, "appellant_phone"]))
    body = response.content.decode()
    assert response.status_code == 200 and "13812345678" in body and "张*" in body  # only the asked field
    assert AuditEntry.objects.filter(action="reveal_personal_data", actor=org.handler_housing).count() == 1


def test_reply_quality_hints_show_when_the_triage_app_offers_them(client, org, make_appeal, monkeypatch):
    import sys
    import types

    appeal = handling(org, make_appeal())
    url = reverse("staff:reply_check", args=[appeal.pk])
    signed_in(client, org.handler_housing)
    monkeypatch.setitem(sys.modules, "gongzhi.triage.reply_quality", None)  # the module is absent
    assert "答复质量提示" not in client.post(url, {"text": "已处理"}).content.decode()
    fake = types.ModuleType("gongzhi.triage.reply_quality")
    fake.warnings = lambda appeal_text, reply_text: ["未说明处理结果"] if "结果" not in reply_text else []
    monkeypatch.setitem(sys.modules, "gongzhi.triage.reply_quality", fake)
    assert "未说明处理结果" in client.post(url, {"text": "已处理"}).content.decode()
    assert "答复质量提示" not in client.post(url, {"text": "处理结果：已修好"}).content.decode()


def test_supervision_from_the_board_needs_no_typing(client, org, make_appeal):
    appeal = dispatched(org, make_appeal())
    signed_in(client, org.leader)
    board = client.get(reverse("staff:board")).content.decode()
    assert action_url(appeal, "supervise") not in board  # not late, not on the board yet
    response = client.post(action_url(appeal, "supervise"), {"note": "群众反映强烈，列入督办", "next": reverse("staff:board")})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.supervised
    assert appeal.tracking_number in client.get(reverse("staff:board")).content.decode()
    response = client.post(action_url(appeal, "supervise"), {"note": "再次督办"})
    assert response.status_code == 409 and "该诉求已在督办中" in response.content.decode()


def test_the_triage_reply_check_names_what_a_vague_reply_misses(client, org, make_appeal):
    appeal = handling(org, make_appeal())
    body = signed_in(client, org.handler_housing).post(reverse("staff:reply_check", args=[appeal.pk]),
                                                       {"text": "已收到，正在处理。"}).content.decode()
    assert "答复质量提示" in body and "未说明处理结果" in body
