"""The operator desk's live help while a call is taken, and the direct answer (直接答复).

Thin: triage finds the places, categories, repeats and standard answers (gongzhi.triage.desk);
the appeal is made by gongzhi.appeals.services. The live endpoints answer htmx requests fired as
the operator types (debounced in the page), each rate-limited per operator.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gongzhi.appeals import services
from gongzhi.appeals.models import Channel, Urgency
from gongzhi.core import throttle
from gongzhi.core.errors import FieldErrors
from gongzhi.core.forms import apply_field_errors
from gongzhi.core.models import Role
from gongzhi.triage import desk as desk_help

from .access import staff_required
from .forms import DeskAnswerForm

TEXT_MAX = 2000  # what the live help reads of a long text: the classifier needs no more


def _limited(request) -> HttpResponse | None:
    """429 with a line for the page when this operator asked too often in the last minute."""
    limit = settings.GONGZHI["DESK_SUGGEST_PER_MINUTE"]
    allowed, retry = throttle.hit(f"desk-live:{request.user.pk}", limit, 60)
    if allowed:
        return None
    response = render(request, "staff/_desk_limited.html", {"retry": retry}, status=429)
    response["Retry-After"] = str(retry)
    return response


@never_cache
@require_POST
@staff_required(Role.OPERATOR)
def desk_places(request):
    """Places matching the typed location (and a typed coordinate pair)."""
    refused = _limited(request)
    if refused:
        return refused
    typed = (request.POST.get("location_text") or "")[:300]
    return render(request, "staff/_desk_places.html", {"places": desk_help.locate(typed), "typed": typed.strip()})


@never_cache
@require_POST
@staff_required(Role.OPERATOR)
def desk_live(request):
    """Suggested category, possible repeats and standard answers for the text typed so far."""
    refused = _limited(request)
    if refused:
        return refused
    title = (request.POST.get("title") or "")[:200]
    content = (request.POST.get("content") or "")[:TEXT_MAX]
    # Not by the caller's number: looking appeals up by phone is the caller-history panel's, audited.
    found = desk_help.live(title, content, request.user)
    return render(request, "staff/_desk_live.html", {**found, "typed": bool((title + content).strip())})


@require_POST
@staff_required(Role.OPERATOR)
def desk_answer(request):
    """直接答复: receive the call and close it answered from the chosen knowledge-base entry."""
    form = DeskAnswerForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            appeal, code = services.answer_at_intake(
                entry=d["knowledge"], actor=request.user, answer_text=d["answer_text"],
                channel=Channel.PHONE, title=d["title"], content=d["content"], category=d["category"],
                urgency=d["urgency"] or Urgency.NORMAL, location_text=d["location_text"], lat=d["lat"], lon=d["lon"],
                region=d["region"], anonymous=d["anonymous"], appellant_name=d["appellant_name"],
                appellant_phone=d["appellant_phone"], appellant_id_number=d["appellant_id_number"], request=request,
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc.errors)
        else:
            messages.success(request, _("已直接答复并办结。受理编号 %(number)s，查询码 %(code)s（请告知来电人）")
                             % {"number": appeal.tracking_number, "code": code})
            return redirect("staff:appeal_detail", pk=appeal.pk)
    return render(request, "staff/desk.html", {"form": form, "answering": True}, status=400)
