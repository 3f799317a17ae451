"""Care referral pages: opened from a dispute's, petition's or appeal's page; the referral's own page is an
audited view, for the roles that arrange care and the worker it is for (others: 404)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.appeals.models import Appeal
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import report_refusal
from gongzhi.core.models import User
from gongzhi.core.scoping import get_visible_or_404

from . import care, pages
from .care_models import CareReferral
from .models import Dispute
from .petition_models import Petition


def _open(request, case, back):
    post = request.POST
    try:
        care.open_referral(case, request.user, worker=User.objects.filter(pk=post.get("worker") or None,
                                                                          is_active=True).first(),
                           reason=post.get("reason", ""), follow_up_on=parse_date(post.get("follow_up_on") or ""))
    except (FieldErrors, ActionRefused) as exc:
        report_refusal(request, exc)
    else:
        messages.success(request, _("已转介心理疏导"))
    return back


@require_POST
@pages.DISPUTES.guard
def open_for_dispute(request, pk: int):
    dispute = get_visible_or_404(Dispute.objects, request.user, pk=pk)
    return _open(request, dispute, redirect("disputes:dispute_detail", dispute.pk))


@require_POST
@pages.PETITIONS.guard
def open_for_petition(request, pk: int):
    petition = get_visible_or_404(Petition.objects, request.user, pk=pk)
    return _open(request, petition, redirect("disputes:petition_detail", petition.pk))


@require_POST
@login_required
def open_for_appeal(request, pk: int):
    """From the appeal's page (staff): the appeal must be in the reader's scope (else 404), and the
    reader one of the care roles (else the refusal is shown on the appeal's page)."""
    appeal = get_visible_or_404(Appeal.objects, request.user, pk=pk)
    return _open(request, appeal, redirect("staff:appeal_detail", appeal.pk))


def referral(request, pk: int):
    found = CareReferral.objects.select_related("worker", "dispute", "petition", "appeal").filter(pk=pk).first()
    if found is None or not care.may_see(request.user, found):
        raise Http404("not found")
    if request.method == "POST":
        try:
            care.close_referral(found, request.user, outcome=request.POST.get("outcome", ""))
        except (FieldErrors, ActionRefused) as exc:
            messages.error(request, str(exc))
        return redirect("disputes:care_referral", found.pk)
    return render(request, "disputes/care_referral.html", {"referral": care.view(found, request.user, request)})
