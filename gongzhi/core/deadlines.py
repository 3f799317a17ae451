"""The deadline sweep of any case type: cases with a status, a due time and a due state.

A case type supplies a `DeadlinePolicy` (which cases' clocks run, the fields, how long before the
deadline a case is due soon, and what happens the first time one is late); `sweep(policy, now)`
marks every running case on track, due soon or overdue in three UPDATEs and escalates each case
that has just become overdue, once. Each case that has just become due soon is published on the
hook topic `deadline.due_soon` (subscribers filter with `sender=` their model: appeals tell the
handlers). Working-day arithmetic is `core.workdays.WorkCalendar`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import hooks

DUE_SOON_TOPIC = "deadline.due_soon"


class DueState(models.TextChoices):
    ON_TRACK = "on_track", _("正常")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已超期")


@dataclass(frozen=True)
class DeadlinePolicy:
    """What a case type tells the sweep.

    `open_cases()`: the cases whose clock runs (the sweep adds "has a due time").
    `due_soon_hours`: hours before the due time a case counts as due soon (or a function of none,
    read at each sweep, for a setting).
    `on_overdue(case)`: the escalation, called once for each case that has just become overdue
    (after its due state is written; each call commits on its own).
    `ack_cases()` / `on_ack_late(case)`: optionally, cases waiting to be taken on whose
    `ack_field` time has run out, and what to do about each (`ack_cases` decides "once", e.g. not
    urged yet); a case that has just become overdue is escalated as overdue only."""

    open_cases: Callable[[], QuerySet]
    due_soon_hours: float | Callable[[], float]
    on_overdue: Callable[[models.Model], object] | None = None
    due_field: str = "due_at"
    state_field: str = "due_state"
    ack_cases: Callable[[], QuerySet] | None = None
    ack_field: str = "ack_due_at"
    on_ack_late: Callable[[models.Model], object] | None = None

    def soon_hours(self) -> float:
        return self.due_soon_hours() if callable(self.due_soon_hours) else self.due_soon_hours

    def state_at(self, due: dt.datetime | None, now: dt.datetime) -> str:
        """The due state a case with this deadline has at `now`, as the sweep would mark it: a service
        that sets a deadline writes the state with it, in the same transaction."""
        if due is None or due >= now + dt.timedelta(hours=self.soon_hours()):
            return DueState.ON_TRACK
        return DueState.DUE_SOON if due >= now else DueState.OVERDUE


def sweep(policy: DeadlinePolicy, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark due-soon and overdue cases and escalate the newly overdue ones. Returns how many rows
    changed to each state and how many became overdue now ("newly_overdue")."""
    now = now or timezone.now()
    soon = now + dt.timedelta(hours=policy.soon_hours())
    due, state = policy.due_field, policy.state_field
    running = policy.open_cases().filter(**{f"{due}__isnull": False})
    late = running.filter(**{f"{due}__lt": now}).exclude(**{state: DueState.OVERDUE})
    newly = list(late.values_list("pk", flat=True))
    becoming_soon = running.filter(**{f"{due}__gte": now, f"{due}__lt": soon}).exclude(**{state: DueState.DUE_SOON})
    # Only an on-track case becoming due soon is news (an overdue one whose deadline moved is not).
    newly_soon = (list(becoming_soon.filter(**{state: DueState.ON_TRACK}).values_list("pk", flat=True))
                  if hooks.subscribers(DUE_SOON_TOPIC) else [])
    counts = {
        "overdue": late.update(**{state: DueState.OVERDUE}),
        "due_soon": becoming_soon.update(**{state: DueState.DUE_SOON}),
        "on_track": running.filter(**{f"{due}__gte": soon}).exclude(**{state: DueState.ON_TRACK})
                           .update(**{state: DueState.ON_TRACK}),
        "newly_overdue": 0,
    }
    if policy.ack_cases is not None and policy.on_ack_late is not None:
        for case in policy.ack_cases().filter(**{f"{policy.ack_field}__lt": now}).exclude(pk__in=newly):
            policy.on_ack_late(case)
    if newly_soon:
        for case in policy.open_cases().filter(pk__in=newly_soon):
            hooks.publish(DUE_SOON_TOPIC, case, on_commit=False)
    for case in policy.open_cases().filter(pk__in=newly):
        if policy.on_overdue is not None:
            policy.on_overdue(case)
        counts["newly_overdue"] += 1
    return counts
