"""Changing an appeal's urgency (issue 13, defect 4): 特急 set in the evening gave a handling
deadline earlier than the dispatch, the header kept 正常 until the sweep ran, and the history said
"修改分类 物业管理 → 物业管理".

A deadline is never earlier than the step that sets it: an urgency or category change counts the
new deadlines from that moment (with working days, as the policy does), a dispatch never hands a
department a deadline already past, the due state is right in the same transaction, and the
history records what changed.
"""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gongzhi.appeals import services
from gongzhi.appeals.labels import event_label
from gongzhi.appeals.models import Urgency
from gongzhi.core.deadlines import DueState

CST = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=CST)


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = at(2025, 6, 16, 14, 28)  # a Monday

    monkeypatch.setattr(services, "_now", lambda: Clock.now)
    return Clock


@pytest.fixture
def received(org, make_appeal, clock):
    """A property-management appeal received Mon 06-16 14:28 (10 working days: due Mon 06-30)."""
    return make_appeal(category=org.cat_property, received_at=clock.now)


def test_critical_set_days_later_gets_a_deadline_counted_from_the_change(org, received, clock):
    clock.now = at(2025, 6, 18, 20, 59)  # Wednesday evening
    services.recategorize(received, org.dispatcher, org.cat_property, Urgency.CRITICAL)
    received.refresh_from_db()
    # Counted from receipt this would be Tue 06-17 14:28, already past. One working day from now:
    assert received.due_at == at(2025, 6, 19, 20, 59)
    assert received.ack_due_at == clock.now + dt.timedelta(hours=1)
    assert received.due_at > clock.now and received.ack_due_at > clock.now


def test_the_change_is_recorded_as_an_urgency_change(org, received, clock):
    clock.now = at(2025, 6, 16, 20, 59)
    services.recategorize(received, org.dispatcher, org.cat_property, Urgency.CRITICAL)
    event = received.events.latest("id")
    assert event_label(event.kind) == "调整紧急程度"
    assert "一般 → 特急" in event.note
    assert "物业管理 → 物业管理" not in event.note
    assert (event.data["from_urgency"], event.data["urgency"]) == ("normal", "critical")


def test_a_category_change_still_names_both_categories(org, received, clock):
    services.recategorize(received, org.dispatcher, org.cat_noise)
    event = received.events.latest("id")
    assert event.kind == "recategorized" and "物业管理 → 噪声污染" in event.note
    assert "紧急程度" not in event.note


def test_a_dispatch_after_the_kept_deadline_has_passed_gives_time_to_work(org, received, clock):
    clock.now = at(2025, 6, 16, 20, 59)
    services.recategorize(received, org.dispatcher, org.cat_property, Urgency.CRITICAL)  # due Tue 20:59
    clock.now = at(2025, 6, 17, 21, 30)
    services.dispatch(received, org.dispatcher, org.housing)
    received.refresh_from_db()
    assignment = received.assignments.get()
    assert received.due_at >= clock.now and assignment.due_at == received.due_at
    assert received.due_state != DueState.OVERDUE


def test_the_due_state_is_right_at_once_without_waiting_for_the_sweep(org, received, clock):
    clock.now = at(2025, 6, 16, 20, 59)
    services.recategorize(received, org.dispatcher, org.cat_property, Urgency.CRITICAL)
    clock.now = at(2025, 6, 16, 21, 5)
    services.dispatch(received, org.dispatcher, org.housing)
    received.refresh_from_db()
    # Due within a day (DUE_SOON_HOURS = 24): the page shows 即将到期 right after the dispatch.
    assert received.due_state == DueState.DUE_SOON


def test_triage_raising_the_urgency_late_never_sets_a_past_deadline(org, received, clock):
    clock.now = at(2025, 6, 19, 9)
    services.record_triage(received, {}, urgency=Urgency.URGENT, note="涉及燃气泄漏")
    received.refresh_from_db()
    assert received.urgency == Urgency.URGENT
    assert received.due_at == at(2025, 6, 24, 9)  # 3 working days from Thu 09:00
    assert received.ack_due_at == clock.now + dt.timedelta(hours=2)
