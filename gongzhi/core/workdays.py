"""Working-day arithmetic that follows China's public holidays and make-up workdays (调休).

`chinese_calendar` knows the State Council's schedule for the years it ships; admins add
CalendarOverride rows for anything it does not know (a new year, a local holiday).
"""
from __future__ import annotations

import datetime as dt
import time
from functools import lru_cache

import chinese_calendar

# How long this process trusts the CalendarOverride rows it read. A change saved in this process
# takes effect at once (forget_overrides, on save and delete); one saved in another process (the
# admin site while the task worker computes deadlines) within this many seconds.
OVERRIDES_SECONDS = 30.0
_read: tuple[float, dict[dt.date, bool]] | None = None


def _overrides() -> dict[dt.date, bool]:
    """The admins' corrections, read once per OVERRIDES_SECONDS: every intake and dispatch computes
    a deadline, and the table changes a few times a year."""
    global _read
    read, now = _read, time.monotonic()
    if read is not None and now - read[0] < OVERRIDES_SECONDS:
        return read[1]
    from .models import CalendarOverride

    overrides = dict(CalendarOverride.objects.values_list("date", "is_workday"))
    _read = (now, overrides)
    return overrides


def forget_overrides(**_signal) -> None:
    """Read the overrides again next time (connected to CalendarOverride's save and delete)."""
    global _read
    _read = None


class WorkCalendar:
    def __init__(self, overrides: dict[dt.date, bool] | None = None):
        self.overrides = overrides or {}

    @classmethod
    def current(cls) -> "WorkCalendar":
        return cls(dict(_overrides()))

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _builtin_is_workday(day)

    def add_workdays(self, start: dt.datetime, days: int) -> dt.datetime:
        """The same clock time `days` working days later; a start on a rest day counts from the
        next working day's opening (09:00), so a Saturday appeal is not penalised for the weekend."""
        if days <= 0:
            return start
        current = _local(start)
        if not self.is_workday(current.date()):
            current = current.replace(hour=9, minute=0, second=0, microsecond=0)
            while not self.is_workday(current.date()):
                current += dt.timedelta(days=1)
        remaining = days
        while remaining:
            current += dt.timedelta(days=1)
            if self.is_workday(current.date()):
                remaining -= 1
        return current

    def period_last_day(self, trigger: dt.date | dt.datetime, days: int) -> dt.date:
        """The last day of a period of `days` calendar days counted from the day after `trigger`
        (a time is read as its local date); a last day on a rest day moves to the next working day.
        The rule of the 信访工作条例 (and of most statutory periods in days)."""
        start = _local(trigger).date() if isinstance(trigger, dt.datetime) else trigger
        last = start + dt.timedelta(days=days)
        while not self.is_workday(last):
            last += dt.timedelta(days=1)
        return last

    def period_deadline(self, trigger: dt.date | dt.datetime, days: int) -> dt.datetime:
        """The moment such a period ends: the end (23:59:59, local) of its last day, as an aware time."""
        from django.utils import timezone

        last = self.period_last_day(trigger, days)
        return timezone.make_aware(dt.datetime.combine(last, dt.time(23, 59, 59)))

    def workdays_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working days elapsed from start to end (fractional), counting only working days."""
        if end <= start:
            return 0.0
        start, end = _local(start), _local(end)
        total = 0.0
        cursor = start
        while cursor < end:
            day_end = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time(), tzinfo=cursor.tzinfo)
            chunk_end = min(day_end, end)
            if self.is_workday(cursor.date()):
                total += (chunk_end - cursor).total_seconds() / 86400
            cursor = chunk_end
        return total


def _local(moment: dt.datetime) -> dt.datetime:
    """Days are China's calendar days: an aware UTC time (timezone.now()) is read in local time."""
    if moment.tzinfo is None:
        return moment
    from django.utils import timezone

    return timezone.localtime(moment)


@lru_cache(maxsize=4096)
def _builtin_is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Outside the package's known years: fall back to Monday–Friday until an admin overrides.
        return day.weekday() < 5
