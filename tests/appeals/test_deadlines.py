"""Deadlines of appeals (acknowledge within hours, handle within working days) and the sweep that
watches them: due soon, overdue, automatic urging and the supervisors' notice, each only once."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gongzhi.appeals import services
from gongzhi.appeals.models import Status
from gongzhi.core.deadlines import DueState
from gongzhi.core.models import CalendarOverride, Notification

CST = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=CST)


@pytest.fixture
def clock(monkeypatch):
    """Move the services' clock: clock.now = ... before an action."""

    class Clock:
        now = at(2025, 9, 26)

    monkeypatch.setattr(services, "_now", lambda: Clock.now)
    return Clock


def test_deadline_across_national_day(org, make_appeal):
    # Noise complaints: 5 working days. Received Tue 2025-09-30 15:00 -> Thu 10-09 (1), Fri 10-10 (2),
    # Sat 10-11 make-up day (3), Mon 10-13 (4), Tue 10-14 (5). Acknowledge within 24 hours.
    appeal = make_appeal(category=org.cat_noise, received_at=at(2025, 9, 30, 15))
    assert appeal.due_at == at(2025, 10, 14, 15)
    assert appeal.ack_due_at == at(2025, 10, 1, 15)


def test_deadline_across_spring_festival_2026(org, make_appeal):
    # Property management: 10 working days. Received Thu 2026-02-12 10:00: Fri 13 (1), Sat 14 make-up
    # day (2), Feb 15-23 holiday, Tue 24 (3), 25 (4), 26 (5), 27 (6), Sat 28 make-up day (7),
    # Mon Mar 2 (8), Tue 3 (9), Wed 4 (10).
    appeal = make_appeal(category=org.cat_property, received_at=at(2026, 2, 12))
    assert appeal.due_at == at(2026, 3, 4)


def test_urgent_and_critical_appeals_get_shorter_deadlines(org, make_appeal):
    received = at(2025, 6, 16, 10)  # a Monday
    urgent = make_appeal(category=org.cat_property, urgency="urgent", received_at=received)
    assert urgent.ack_due_at == received + dt.timedelta(hours=2)
    assert urgent.due_at == at(2025, 6, 19, 10)  # 3 working days
    critical = make_appeal(category=org.cat_property, urgency="critical", received_at=received)
    assert critical.ack_due_at == received + dt.timedelta(hours=1)
    assert critical.due_at == at(2025, 6, 17, 10)  # 1 working day


def test_an_admin_override_moves_deadlines_in_a_year_the_package_does_not_know(org, make_appeal):
    # 2027 is unknown to chinese_calendar: without an override Fri 2027-02-05 + 5 days = Fri 02-12.
    plain = make_appeal(category=org.cat_noise, received_at=at(2027, 2, 5))
    assert plain.due_at == at(2027, 2, 12)
    for day in (8, 9, 10, 11, 12):
        CalendarOverride.objects.create(date=dt.date(2027, 2, day), is_workday=False, note="春节")
    CalendarOverride.objects.create(date=dt.date(2027, 2, 6), is_workday=True, note="春节调休")
    # Sat 02-06 (1), Feb 8-12 holidays, Mon 02-15 (2), 16 (3), 17 (4), 18 (5).
    corrected = make_appeal(category=org.cat_noise, received_at=at(2027, 2, 5))
    assert corrected.due_at == at(2027, 2, 18)


def test_dispatch_keeps_the_handling_deadline_and_starts_the_acknowledgement_clock(org, make_appeal, clock):
    appeal = make_appeal(category=org.cat_noise, received_at=at(2025, 9, 26))
    clock.now = at(2025, 9, 26, 14)
    services.dispatch(appeal, org.dispatcher, org.env)
    appeal.refresh_from_db()
    assignment = appeal.assignments.get()
    # Fri 09-26 + 5: Sun 09-28 make-up day (1), Mon 29 (2), Tue 30 (3), Thu 10-09 (4), Fri 10-10 (5).
    assert appeal.due_at == assignment.due_at == at(2025, 10, 10)
    assert appeal.ack_due_at == assignment.ack_due_at == at(2025, 9, 27, 14)


def test_an_approved_extension_moves_the_deadline_by_working_days(org, make_appeal, clock):
    appeal = make_appeal(category=org.cat_noise, received_at=at(2025, 9, 26))
    services.dispatch(appeal, org.dispatcher, org.env)
    services.acknowledge(appeal.assignments.get(), org.handler_env)
    ext = services.request_extension(appeal, org.handler_env, 3, "需等待第三方噪声检测报告")
    clock.now = at(2025, 10, 9, 11)
    services.decide_extension(ext, org.supervisor, True, "同意")
    appeal.refresh_from_db()
    # Fri 10-10 10:00 + 3: Sat 10-11 make-up day (1), Mon 13 (2), Tue 14 (3).
    assert appeal.due_at == at(2025, 10, 14)
    assert appeal.assignments.get().due_at == appeal.due_at
    assert appeal.events.latest("id").kind == "extension_approved"


# ---------------------------------------------------------------- the sweep

@pytest.fixture
def handling(org, make_appeal, clock):
    """An east appeal received and acknowledged Mon 2025-06-16 10:00, due Mon 06-30 10:00 (10 days)."""
    clock.now = at(2025, 6, 16)
    appeal = make_appeal(received_at=clock.now)
    services.dispatch(appeal, org.dispatcher, org.housing)
    services.acknowledge(appeal.assignments.get(), org.handler_housing)
    appeal.refresh_from_db()
    assert appeal.due_at == at(2025, 6, 30)
    return appeal


def sweep(clock, when):
    clock.now = when
    return services.sweep_deadlines(now=when)


def test_sweep_leaves_an_appeal_with_time_to_spare_on_track(handling, clock):
    sweep(clock, at(2025, 6, 20))
    handling.refresh_from_db()
    assert handling.due_state == DueState.ON_TRACK and handling.urge_count == 0


def test_sweep_marks_an_appeal_due_within_a_day_as_due_soon(handling, clock):
    counts = sweep(clock, at(2025, 6, 29, 12))
    handling.refresh_from_db()
    assert handling.due_state == DueState.DUE_SOON and counts["due_soon"] == 1
    assert not Notification.objects.filter(kind="overdue").exists()


def test_sweep_marks_overdue_urges_and_tells_the_supervisors_once(org, handling, clock):
    counts = sweep(clock, at(2025, 6, 30, 11))
    assert counts["newly_overdue"] == 1
    handling.refresh_from_db()
    assert handling.due_state == DueState.OVERDUE and handling.urge_count == 1
    assert list(handling.events.filter(kind__in=["overdue", "urged"]).values_list("kind", "actor")) == [
        ("overdue", None), ("urged", None)]
    told = set(Notification.objects.filter(kind="overdue").values_list("user__username", flat=True))
    assert told == {"supervisor", "east_supervisor"}
    # The next sweeps do not repeat any of it.
    events = handling.events.count()
    assert sweep(clock, at(2025, 6, 30, 11, 5))["newly_overdue"] == 0
    sweep(clock, at(2025, 7, 3))
    handling.refresh_from_db()
    assert handling.events.count() == events and handling.urge_count == 1
    assert Notification.objects.filter(kind="overdue").count() == 2


def test_an_overdue_west_appeal_is_not_reported_to_the_east_supervisor(org, make_appeal, clock):
    clock.now = at(2025, 6, 16)
    appeal = make_appeal(received_at=clock.now, lat=39.905, lon=116.305)
    assert appeal.region == org.west_c
    services.dispatch(appeal, org.dispatcher, org.housing)
    sweep(clock, at(2025, 7, 1))
    told = set(Notification.objects.filter(kind="overdue").values_list("user__username", flat=True))
    assert told == {"supervisor"}


def test_an_unacknowledged_dispatch_is_urged_once_when_its_hours_run_out(org, make_appeal, clock):
    clock.now = at(2025, 6, 16)
    appeal = make_appeal(received_at=clock.now)
    services.dispatch(appeal, org.dispatcher, org.housing)  # acknowledge within 24 hours
    sweep(clock, at(2025, 6, 17, 9))
    appeal.refresh_from_db()
    assert appeal.urge_count == 0
    sweep(clock, at(2025, 6, 17, 11))
    sweep(clock, at(2025, 6, 17, 15))
    appeal.refresh_from_db()
    assert appeal.urge_count == 1 and appeal.due_state == DueState.ON_TRACK
    assert appeal.events.latest("id").note == "超时未签收，系统自动催办"


def test_sweep_ignores_appeals_that_are_answered_or_closed(org, handling, clock):
    services.reply(handling, org.handler_housing, "经核查，电梯已修复，已恢复正常运行，请您监督。")
    sweep(clock, at(2025, 7, 30))
    handling.refresh_from_db()
    assert handling.status == Status.REPLIED and handling.due_state == DueState.ON_TRACK
    assert not handling.events.filter(kind="overdue").exists()


def test_an_approved_extension_brings_an_overdue_appeal_back_on_track(org, handling, clock):
    sweep(clock, at(2025, 7, 1))
    ext = services.request_extension(handling, org.handler_housing, 10, "需等待业主大会表决")
    services.decide_extension(ext, org.supervisor, True)
    handling.refresh_from_db()
    assert handling.due_state == DueState.ON_TRACK and handling.due_at == at(2025, 7, 14)
    sweep(clock, at(2025, 7, 2))
    handling.refresh_from_db()
    assert handling.due_state == DueState.ON_TRACK


def test_unrated_replies_close_after_the_follow_up_window(org, handling, clock, settings):
    assert settings.GONGZHI["FOLLOW_UP_DAYS"] == 5
    clock.now = at(2025, 6, 20, 16)  # Fri
    services.reply(handling, org.handler_housing, "经核查，电梯已修复，已恢复正常运行，请您监督。")
    # Fri 06-20 16:00 + 5 working days = Fri 06-27 16:00.
    assert services.auto_close_unrated(now=at(2025, 6, 27, 15)) == 0
    assert services.auto_close_unrated(now=at(2025, 6, 27, 17)) == 1
    handling.refresh_from_db()
    assert handling.status == Status.CLOSED and handling.satisfaction == settings.GONGZHI["NO_RATING_COUNTS_AS"]
    assert handling.events.latest("id").data["no_rating"] is True
