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
