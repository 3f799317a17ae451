"""Printable pages: the work order (派单单/工单) of one appeal, and the list of the current queue.

Paper leaves the system's audit trail, so a print shows what its reader may see on screen without a
reveal: personal fields masked, numbers in the free text masked (services.shown_text)."""
from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.core import pii

from .access import staff_required
from .queues import queue_rows
from .views import _appeal_or_404

PRINT_MAX_ROWS = 500


@staff_required()
def work_order(request, pk: int):
    appeal = _appeal_or_404(request, pk)
    user = request.user
    assignments = list(appeal.assignments.select_related("department"))
    lead = next((a for a in assignments if a.role == a.Role.LEAD and a.state in a.SCOPE_STATES), None)
    returned = [a for a in assignments if a.state == a.State.RETURNED]
    return render(request, "staff/print/work_order.html", {
        "appeal": appeal,
        "lead": lead,
        "assisting": [a for a in assignments if a.role == a.Role.ASSIST and a.state in a.SCOPE_STATES],
        "returned": returned,
        "title": services.shown_text(appeal, user, appeal.title),
        "content": services.shown_text(appeal, user, appeal.content),
        "location": services.shown_text(appeal, user, appeal.location_text),
        "appellant": "" if appeal.anonymous else pii.mask_name(appeal.appellant_name),
        "phone": "" if appeal.anonymous else pii.mask_phone(appeal.appellant_phone),
        "replies": [{"reply": r, "text": services.shown_text(appeal, user, r.text)}
                    for r in appeal.replies.select_related("department")],
        "printed_at": timezone.now(),
    })


@staff_required()
def queue_print(request):
    form, rows, total = queue_rows(request, limit=PRINT_MAX_ROWS)
    return render(request, "staff/print/queue.html", {
        "form": form, "rows": rows, "total": total, "shown": len(rows), "printed_at": timezone.now(),
        "filters": [(form[name].label, value) for name, value in form.described_filters()],
    })
