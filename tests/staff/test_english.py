"""The staff pages read wholly in English once English is chosen; only data stays Chinese."""
from __future__ import annotations

import pytest

from gongzhi.appeals import services
from tests.english import assert_english, chinese_left, english


@pytest.fixture
def appeals(org, make_appeal, django_capture_on_commit_callbacks):
    """One appeal waiting for dispatch, one being handled (an extension asked, urged, supervised),
    one replied, followed up and reopened: between them every block of the staff pages shows."""
    with django_capture_on_commit_callbacks(execute=True):
        waiting = make_appeal(title="夜间施工噪声扰民", category=org.cat_noise)
        handling = make_appeal()
        services.dispatch(handling, org.dispatcher, org.housing, assisting=[org.env], instructions="请尽快核实处理")
        services.acknowledge(handling.assignments.get(department=org.housing), org.handler_housing)
        services.request_extension(handling, org.handler_housing, 3, "需要协调物业和业委会")
        services.urge(handling, org.supervisor, "请加快办理")
        services.supervise(handling, org.supervisor, "列入督办")
        done = make_appeal(title="路灯不亮", appellant_name="李四")
        services.dispatch(done, org.dispatcher, org.housing)
        services.acknowledge(done.assignments.get(), org.handler_housing)
        services.reply(done, org.handler_housing, "已联系物业修复路灯，问题已解决。")
        services.follow_up(done, "dissatisfied", resolved=False)
    return waiting, handling, done


@pytest.mark.django_db
def test_the_staff_pages_have_no_chinese_left_in_english(client, org, appeals):
    waiting, handling, done = appeals
    c = english(client, org.dispatcher)
    inbox = assert_english(c, "/staff/", "dispatcher's work desk")
    assert '<html lang="en">' in inbox and "Awaiting dispatch" in inbox
    assert_english(c, "/staff/appeals/", "appeal search")
    assert_english(c, "/staff/appeals/?status=dispatched&due_state=on_track", "filtered search")
    detail = assert_english(c, f"/staff/appeals/{waiting.pk}/", "appeal waiting for dispatch")
    assert "Close this appeal?" in detail and "Show the full value (recorded in the audit log)" in detail
    assert_english(c, f"/staff/appeals/{handling.pk}/", "appeal being handled, for the dispatcher")
    assert_english(c, "/staff/notifications/", "notifications")

    c = english(client, org.handler_housing)
    assert_english(c, "/staff/", "handler's work desk")
    page = assert_english(c, f"/staff/appeals/{handling.pk}/", "appeal being handled")
    assert "Reopened: 0 · returned: 0 · urged: 1" in page
    assert "asked for 3 more working days" in page
    page = assert_english(c, f"/staff/appeals/{done.pk}/", "appeal followed up")
    assert "Problem solved" in page and "(not solved)" in page and "System" in page

    # the reply-quality hints (/reply-check/) are worded by triage/reply_quality.py and still Chinese

    c = english(client, org.supervisor)
    assert_english(c, "/staff/", "supervisor's work desk")
    board = assert_english(c, "/staff/board/", "supervision board")
    assert "Urge (1)" in board
    assert_english(c, f"/staff/appeals/{handling.pk}/", "appeal, for a supervisor")

    c = english(client, org.operator)
    assert_english(c, "/staff/", "operator's work desk")
    assert_english(c, "/staff/desk/", "phone desk")
    history = assert_english(c, "/staff/desk/history/", "caller history", "post", {"appellant_phone": "13812345678"})
    assert "3 appeals (this lookup is recorded in the audit log)" in history
    page = assert_english(c, "/staff/desk/", "phone desk with errors", "post", {"appellant_phone": "123"},
                          status=400)
    assert "The phone number is not valid" in page

    c = english(client, org.grid_worker)
    assert_english(c, "/staff/", "grid worker's work desk")
    grid = assert_english(c, "/staff/grid/", "grid report")
    assert f"{org.east_g.name} ({org.east_c.name})" in grid


@pytest.mark.django_db
def test_the_staff_pages_keep_their_chinese_by_default(client, org, appeals):
    client.force_login(org.handler_housing)
    html = client.get(f"/staff/appeals/{appeals[1].pk}/").content.decode()
    assert "重办 0 次 · 退单 0 次 · 催办 1 次" in html and "申请延期 3 个工作日：" in html
    client.force_login(org.grid_worker)
    assert f"{org.east_g.name}（{org.east_c.name}）" in client.get("/staff/grid/").content.decode()
