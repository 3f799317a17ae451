"""How departments keep the duty to answer proposals: what the evaluation and the staff pages read."""
from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from gongzhi.core.deadlines import DueState

from .models import Proposal

P = Proposal.Status


def answer_stats(since=None, until=None, departments=None) -> list[dict]:
    """Per department, proposals given to it in the period: assigned, answered, answered on time,
    late answers, still open past the deadline, and the on-time rate (None when nothing was due)."""
    qs = Proposal.objects.filter(department__isnull=False, assigned_at__isnull=False)
    if since is not None:
        qs = qs.filter(assigned_at__gte=since)
    if until is not None:
        qs = qs.filter(assigned_at__lt=until)
    if departments is not None:
        qs = qs.filter(department__in=departments)
    now = timezone.now()
    rows = (qs.values("department_id", "department__name")
            .annotate(assigned=Count("id"),
                      answered=Count("id", filter=Q(answered_at__isnull=False)),
                      on_time=Count("id", filter=Q(answered_at__isnull=False, answered_late=False)),
                      late=Count("id", filter=Q(answered_late=True)),
                      overdue=Count("id", filter=Q(status=P.ASSIGNED, due_state=DueState.OVERDUE) |
                                    Q(status=P.ASSIGNED, due_at__lt=now)))
            .order_by("department__name"))
    out = []
    for r in rows:
        due = r["answered"] + r["overdue"]
        out.append({"department_id": r["department_id"], "department": r["department__name"],
                    "assigned": r["assigned"], "answered": r["answered"], "on_time": r["on_time"], "late": r["late"],
                    "overdue": r["overdue"], "on_time_rate": round(r["on_time"] / due, 3) if due else None})
    return out


# ---------------------------------------------------------------- in the departments' evaluation (core.indicators)

def late_q(now=None) -> Q:
    """Proposals whose answer came after the deadline, or that wait for it past the deadline."""
    now = now or timezone.now()
    return Q(answered_late=True) | Q(status=P.ASSIGNED, due_at__lt=now) | Q(status=P.ASSIGNED,
                                                                               due_state=DueState.OVERDUE)


def _by_department(since, until) -> dict[int, dict]:
    return {r["department_id"]: r for r in answer_stats(since, until)}


def on_time_indicator(kind: str, since, until) -> dict:
    """金点子按时答复率 of each department: proposals given to it in the period, answered by the
    deadline, over those answered or past the deadline unanswered (one not yet due counts in neither)."""
    from gongzhi.core.indicators import Figure

    return {uid: Figure(r["on_time_rate"], r["answered"] + r["overdue"])
            for uid, r in _by_department(since, until).items() if r["on_time_rate"] is not None}


def late_indicator(kind: str, since, until) -> dict:
    """金点子超期答复 of each department: proposals given to it in the period answered late, or
    still unanswered past the deadline."""
    from gongzhi.core.indicators import Figure

    return {uid: Figure(r["late"] + r["overdue"]) for uid, r in _by_department(since, until).items()}


def late_link(kind: str, unit_id: int, since, until) -> str:
    return f"/participation/staff/proposals/?department={unit_id}&late=1"
