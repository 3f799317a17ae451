"""转为突发事件: an appeal that turns out to be an emergency becomes an incident, from its page.
Here, not in emergency, because emergency reads no case app: it is handed the appeal."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.appeals.models import Appeal
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import report_refusal
from gongzhi.core.scoping import get_visible_or_404
from gongzhi.emergency import pages as emergency_pages
from gongzhi.emergency import services as emergency


@emergency_pages.REPORT.guard
@require_POST
def appeal_to_incident(request, pk: int):
    """By whom may report an incident and sees the appeal; once while its incident is open."""
    appeal = get_visible_or_404(Appeal.objects.select_related("region"), request.user, pk=pk)
    try:
        incident = emergency.from_appeal(appeal, request.user, category=request.POST.get("category", ""),
                                         level=request.POST.get("level", ""),
                                         people_affected=request.POST.get("people_affected") or 0)
    except (FieldErrors, ActionRefused) as exc:
        report_refusal(request, exc)
        return redirect("staff:appeal_detail", appeal.pk)
    messages.success(request, _("已转为突发事件：%(number)s") % {"number": incident.number})
    return redirect("emergency:incident_detail", pk=incident.pk)
