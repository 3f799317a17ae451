"""Working days follow China's holiday schedule, its make-up workdays (调休) and admins' overrides.

Expected dates are counted by hand in each test from the State Council's published schedules.
"""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gongzhi.core.models import CalendarOverride
from gongzhi.core.workdays import WorkCalendar

CST = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=CST)


cal = WorkCalendar()


def test_an_ordinary_week_skips_the_weekend():
    # Thu 2025-06-12 + 3 working days: Fri 13, (Sat, Sun), Mon 16, Tue 17.
    assert cal.add_workdays(at(2025, 6, 12, 15, 30), 3) == at(2025, 6, 17, 15, 30)


def test_national_day_2025_is_skipped_and_the_make_up_saturday_counts():
    # Received Tue 2025-09-30 15:00, 5 working days. Oct 1-8 are holidays; Sat Oct 11 is a make-up
    # working day: Oct 9 (1), Oct 10 (2), Sat Oct 11 (3), Mon Oct 13 (4), Tue Oct 14 (5).
    assert cal.add_workdays(at(2025, 9, 30, 15), 5) == at(2025, 10, 14, 15)


def test_the_make_up_sunday_before_national_day_2025_is_a_working_day():
    # Sun 2025-09-28 is a 调休 working day: an appeal received that Sunday at 10:00 keeps its time
    # and one working day later is Mon 09-29 10:00.
    assert cal.is_workday(dt.date(2025, 9, 28))
    assert cal.add_workdays(at(2025, 9, 28, 10), 1) == at(2025, 9, 29, 10)
    # Fri 09-26 + 1 lands on that Sunday, not on Monday.
    assert cal.add_workdays(at(2025, 9, 26, 16), 1) == at(2025, 9, 28, 16)


def test_spring_festival_2025():
    # Received Mon 2025-01-27 10:00, 5 working days. Jan 28 - Feb 4 are holidays; Sat Feb 8 is a
    # make-up working day: Feb 5 (1), 6 (2), 7 (3), Sat 8 (4), (Sun 9 rest), Mon Feb 10 (5).
    assert cal.add_workdays(at(2025, 1, 27), 5) == at(2025, 2, 10)


def test_spring_festival_2026():
    # Received Fri 2026-02-13 10:00, 3 working days. Sat Feb 14 is a make-up working day (1);
    # Feb 15-23 are holidays; Tue Feb 24 (2), Wed Feb 25 (3).
    assert cal.is_workday(dt.date(2026, 2, 14)) and not cal.is_workday(dt.date(2026, 2, 23))
    assert cal.add_workdays(at(2026, 2, 13), 3) == at(2026, 2, 25)


def test_a_saturday_appeal_counts_from_monday_morning():
    # Sat 2025-06-14 22:00 with 5 working days is treated like Mon 06-16 09:00: due Mon 06-23 09:00,
    # the same as an appeal received first thing on Monday (not a working day earlier).
    monday = cal.add_workdays(at(2025, 6, 16, 9), 5)
    assert monday == at(2025, 6, 23, 9)
    assert cal.add_workdays(at(2025, 6, 14, 22), 5) == monday


def test_an_appeal_received_during_the_holiday_counts_from_the_first_working_morning():
    # Fri 2025-10-03 (National Day holiday), 5 working days counted from Thu Oct 9 09:00:
    # Oct 10 (1), Sat Oct 11 (2), Mon 13 (3), Tue 14 (4), Wed 15 (5).
    assert cal.add_workdays(at(2025, 10, 3, 11), 5) == at(2025, 10, 15, 9)


def test_workdays_between_ignores_the_holiday():
    # From Tue 09-30 00:00 to Thu 10-09 12:00: one whole day (09-30) plus half of 10-09.
    assert cal.workdays_between(at(2025, 9, 30, 0), at(2025, 10, 9, 12)) == pytest.approx(1.5)


def test_a_year_the_package_does_not_know_falls_back_to_monday_to_friday():
    # 2027 is not in chinese_calendar 1.11: Fri 2027-02-05 + 1 working day = Mon 02-08.
    assert WorkCalendar().add_workdays(at(2027, 2, 5), 1) == at(2027, 2, 8)


@pytest.mark.django_db
def test_admins_overrides_correct_an_unknown_year():
    # An admin enters 2027's schedule as published: Sat 02-06 is a make-up working day, Mon 02-08
    # a holiday. Fri 02-05 + 1 is then the Saturday, + 2 skips Sun and the Monday holiday.
    CalendarOverride.objects.create(date=dt.date(2027, 2, 6), is_workday=True, note="春节调休上班")
    CalendarOverride.objects.create(date=dt.date(2027, 2, 8), is_workday=False, note="春节")
    current = WorkCalendar.current()
    assert current.add_workdays(at(2027, 2, 5), 1) == at(2027, 2, 6)
    assert current.add_workdays(at(2027, 2, 5), 2) == at(2027, 2, 9)


@pytest.mark.django_db
def test_an_override_wins_over_the_national_schedule():
    # A local holiday on an ordinary Wednesday.
    CalendarOverride.objects.create(date=dt.date(2025, 6, 18), is_workday=False, note="本地假日")
    assert not WorkCalendar.current().is_workday(dt.date(2025, 6, 18))
    assert WorkCalendar.current().add_workdays(at(2025, 6, 17), 1) == at(2025, 6, 19)


@pytest.mark.django_db
def test_the_overrides_are_read_once_and_an_admins_change_counts_at_once(django_assert_num_queries):
    # Every intake and dispatch computes deadlines: the overrides are not read again each time,
    # yet a correction saved or deleted is followed by the very next deadline.
    WorkCalendar.current()
    with django_assert_num_queries(0):
        assert WorkCalendar.current().is_workday(dt.date(2025, 6, 18))
    holiday = CalendarOverride.objects.create(date=dt.date(2025, 6, 18), is_workday=False, note="本地假日")
    assert not WorkCalendar.current().is_workday(dt.date(2025, 6, 18))
    holiday.is_workday = True
    holiday.save()
    assert WorkCalendar.current().is_workday(dt.date(2025, 6, 18))
    CalendarOverride.objects.create(date=dt.date(2025, 6, 19), is_workday=False, note="本地假日")
    CalendarOverride.objects.get(date=dt.date(2025, 6, 19)).delete()
    assert WorkCalendar.current().add_workdays(at(2025, 6, 18), 1) == at(2025, 6, 19)


def test_a_utc_timestamp_is_counted_on_chinas_calendar_day():
    # timezone.now() is UTC. 2025-10-08 23:30 UTC is Thu 2025-10-09 07:30 in Beijing, a working day
    # right after National Day: one working day later is Fri 10-10 07:30 Beijing time.
    received = dt.datetime(2025, 10, 8, 23, 30, tzinfo=dt.timezone.utc)
    assert cal.add_workdays(received, 1) == at(2025, 10, 10, 7, 30)
    # And a Saturday evening in Beijing that is still Saturday in UTC starts Monday 09:00 Beijing.
    saturday = dt.datetime(2025, 6, 14, 1, 0, tzinfo=dt.timezone.utc)  # Sat 09:00 Beijing
    assert cal.add_workdays(saturday, 1) == at(2025, 6, 17, 9)
