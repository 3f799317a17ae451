"""Bulk actions on the queue: one confirmation for all the ticked rows, then each appeal through the
same service as its single action; the result page lists what was done and, per appeal, why an
item was refused."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.models import Department

from .access import staff_required
from .queues import bulk_choices, run_bulk, selected
from .views import _safe_next


@require_POST
@staff_required()
def bulk_action(request):
    action = request.POST.get("action", "")
    back = _safe_next(request, reverse("staff:appeal_list"))
    if action not in dict(bulk_choices(request.user)):
        messages.error(request, _("请选择要执行的批量操作"))
        return redirect(back)
    rows = selected(request)
    if not rows.exists():
        messages.error(request, _("请先勾选诉求"))
        return redirect(back)
    if action == "export":
        ids = ",".join(str(pk) for pk in rows.values_list("pk", flat=True))
        return redirect(f"{reverse('staff:appeal_export')}?ids={ids}")
    if action == "dispatch" and not Department.objects.filter(pk=request.POST.get("lead") or 0, active=True).exists():
        messages.error(request, _("批量派单请选择承办单位"))
        return redirect(back)
    done, refused = run_bulk(request, action)
    return render(request, "staff/bulk_result.html", {
        "action": dict(bulk_choices(request.user))[action], "done": done, "refused": refused, "back": back,
    }, status=200)
