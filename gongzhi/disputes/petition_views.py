"""Staff pages of petitions (信访): the list by stage and deadline, registration, and the case page
with every step of the 信访工作条例 and its deadlines. Thin, as the disputes' pages."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.appeals.models import Appeal
from gongzhi.core import pii
from gongzhi.core.deadlines import DueState
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import report_refusal
from gongzhi.core.models import Region, User
from gongzhi.core.reveal import reveal
from gongzhi.core.scoping import get_visible_or_404

from . import care, pages
from . import petition_services as petitions
from .lifecycle import PETITION_LIFECYCLE
from .models import Dispute
from .petition_models import Petition


def _petition(request, pk: int) -> Petition:
    return get_visible_or_404(Petition.objects.select_related("region"), request.user, pk=pk)


def _when(value: str, field: str = "at"):
    """A datetime-local value, or None (now); an unreadable one is refused."""
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise FieldErrors({field: _("时间格式不正确")})
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@pages.PETITIONS.guard
def petition_list(request):
    qs = Petition.objects.restrict(request.user).select_related("region")
    chosen = {f: request.GET.get(f, "") for f in ("status", "channel", "due_state")}
    for field, value in chosen.items():
        if value:
            qs = qs.filter(**{field: value})
    for flag in ("is_group", "is_repeat", "on_concluded_matter"):
        if request.GET.get(flag):
            qs = qs.filter(**{flag: True})
    region_id = request.GET.get("region", "")
    region = Region.objects.filter(pk=int(region_id)).first() if region_id.isdigit() else None
    if region is not None:  # the map's drill-down: a community's petitions
        qs = qs.filter(region__path__startswith=region.path)
    # The board: how many at each stage are on track, due soon or overdue (over the filtered rows).
    counts = {(row["status"], row["due_state"]): row["n"]
              for row in qs.values("status", "due_state").annotate(n=Count("id"))}
    states = list(DueState.choices)
    board = [{"status": value, "label": label, "cells": [counts.get((value, s), 0) for s, _l in states]}
             for value, label in Petition.Status.choices if any(counts.get((value, s)) for s, _l in states)]
    page = Paginator(qs.order_by("due_at", "-received_at"), 30).get_page(request.GET.get("page"))
    return render(request, "disputes/petition_list.html", {
        "page": page, "chosen": chosen, "statuses": Petition.Status.choices, "channels": Petition.Channel.choices,
        "region": region, "regions": Region.objects.exclude(level=Region.Level.CITY).filter(
            level__in=[Region.Level.SUBDISTRICT, Region.Level.COMMUNITY]), "board": board, "due_states": states})


@pages.PETITIONS.guard
def petition_new(request):
    errors, values = {}, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        post = request.POST
        try:
            petition = petitions.register(
                actor=request.user, channel=post.get("channel", ""),
                received_at=_when(post.get("received_at"), "received_at") or timezone.now(),
                petitioner_name=post.get("petitioner_name", ""), petitioner_phone=post.get("petitioner_phone", ""),
                petitioner_id_number=post.get("petitioner_id_number", ""),
                petitioner_address=post.get("petitioner_address", ""), people_count=post.get("people_count") or 1,
                subject=post.get("subject", ""), content=post.get("content", ""),
                region=Region.objects.filter(pk=post.get("region") or None).first())
        except FieldErrors as exc:
            errors = exc.errors
        else:
            messages.success(request, _("信访件已登记：%(number)s") % {"number": petition.number})
            return redirect("disputes:petition_detail", petition.pk)
    return render(request, "disputes/petition_form.html", {
        "errors": errors, "values": values, "channels": Petition.Channel.choices,
        "regions": Region.objects.exclude(level=Region.Level.CITY)}, status=422 if errors else 200)


MASKS = {"petitioner_name": pii.mask_name, "petitioner_phone": pii.mask_phone,
         "petitioner_id_number": pii.mask_id_number, "petitioner_address": pii.mask_address}


@pages.PETITIONS.guard
def petition_detail(request, pk: int):
    petition = _petition(request, pk)
    personal = [{"field": f, "label": label, "masked": MASKS[f](getattr(petition, f)), "empty": not getattr(petition, f)}
                for f, label in Petition.PROTECTED_FIELDS.items()]
    return render(request, "disputes/petition_detail.html", {
        "petition": petition, **care.section(petition, request.user, reverse("disputes:petition_care", args=[petition.pk])), "personal": personal, "may_reveal": petition.may_reveal(request.user),
        "allowed": set(PETITION_LIFECYCLE.allowed(petition, request.user)), "events": petition.events.all(),
        "review_request_by": petitions.review_request_by(petition),
        "reexam_request_by": petitions.reexam_request_by(petition), "late": petitions.late_opinions(petition),
        "approvers": User.objects.filter(roles__role__in=petitions.APPROVERS, is_active=True).distinct(),
        "disputes": petition.disputes.restrict(request.user), "appeals": petition.appeals.restrict(request.user),
        "max_extension": settings.GONGZHI["PETITION_EXTENSION_MAX_DAYS"]})


def _numbers(request, field: str) -> list[str]:
    return [n.strip().upper() for n in request.POST.get(field, "").replace("，", ",").split(",") if n.strip()]


def _linked(request):
    """The disputes and appeals named by their numbers, each within the reader's scope."""
    numbers = _numbers(request, "disputes")
    disputes = list(Dispute.objects.restrict(request.user).filter(number__in=numbers))
    if len(disputes) != len(set(numbers)):
        raise FieldErrors({"disputes": _("找不到该纠纷编号")})
    numbers = _numbers(request, "appeals")
    appeals = list(Appeal.objects.restrict(request.user).filter(tracking_number__in=numbers))
    if len(appeals) != len(set(numbers)):
        raise FieldErrors({"appeals": _("找不到该诉求编号")})
    return {"disputes": disputes, "appeals": appeals}


ACTIONS = {
    "accept": lambda r, p: petitions.accept(p, r.user, note=r.POST.get("note", ""), at=_when(r.POST.get("at"))),
    "decline": lambda r, p: petitions.decline(p, r.user, reason=r.POST.get("reason", "")),
    "extend": lambda r, p: petitions.extend(p, r.user, extra_days=r.POST.get("extra_days"),
                                            reason=r.POST.get("reason", ""),
                                            approved_by=User.objects.filter(pk=r.POST.get("approved_by") or None).first()),
    "answer": lambda r, p: petitions.answer(p, r.user, opinion=r.POST.get("opinion", ""),
                                            received_at=_when(r.POST.get("received_at"), "received_at"),
                                            at=_when(r.POST.get("at"))),
    "request_review": lambda r, p: petitions.request_review(p, r.user, at=_when(r.POST.get("at"))),
    "review": lambda r, p: petitions.review(p, r.user, opinion=r.POST.get("opinion", ""), at=_when(r.POST.get("at"))),
    "request_reexam": lambda r, p: petitions.request_reexam(p, r.user, at=_when(r.POST.get("at"))),
    "reexamine": lambda r, p: petitions.reexamine(p, r.user, opinion=r.POST.get("opinion", ""),
                                                  at=_when(r.POST.get("at"))),
    "link": lambda r, p: petitions.link_cases(p, r.user, **_linked(r)),
}


@require_POST
@pages.PETITIONS.guard
def petition_action(request, pk: int, action: str):
    petition = _petition(request, pk)
    if action not in ACTIONS:
        raise Http404("no such action")
    try:
        ACTIONS[action](request, petition)
    except (FieldErrors, ActionRefused) as exc:
        report_refusal(request, exc)
    else:
        messages.success(request, _("已完成：%(action)s") % {"action": PETITION_LIFECYCLE[action].label})
    return redirect("disputes:petition_detail", petition.pk)


@require_POST
@pages.PETITIONS.guard
def reveal_petitioner(request, pk: int, field: str):
    petition = _petition(request, pk)
    try:
        value = reveal(petition, request.user, field, request=request)
    except (ActionRefused, FieldErrors) as exc:
        return HttpResponse(format_html('<span class="alert">{}</span>', str(exc)), status=403)
    return HttpResponse(format_html('<span id="{}" class="pii revealed">{}</span>', f"pii-{field}", value))

