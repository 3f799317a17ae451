"""The reception days page: schedule a day, put petitions on it, record each case's outcome."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import scoping
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import report_refusal
from gongzhi.core.models import Region, Role, User

from . import pages, reception
from .petition_models import PETITION_ROLES, Petition
from .reception_models import ReceptionCase, ReceptionDay


def _visible_days(user):
    q = scoping.region_q(user, PETITION_ROLES + (Role.ADMIN,))
    days = ReceptionDay.objects.select_related("leader", "region").prefetch_related("cases__petition")
    if user.is_superuser or (q is not None and not q):  # the empty Q: the whole jurisdiction
        return days
    return days.filter(q) if q is not None else days.filter(leader=user)


@pages.PETITIONS.guard
def reception_list(request):
    return render(request, "disputes/reception_list.html", {
        "days": _visible_days(request.user)[:30],
        "leaders": User.objects.filter(roles__role=Role.LEADER, is_active=True).distinct(),
        "regions": Region.objects.exclude(level=Region.Level.CITY)})


def _done(request, fn):
    try:
        fn()
    except (FieldErrors, ActionRefused) as exc:
        report_refusal(request, exc)
    else:
        messages.success(request, _("已保存"))
    return redirect("disputes:reception_list")


@require_POST
@pages.PETITIONS.guard
def reception_action(request, action: str):
    post, user = request.POST, request.user
    if action == "schedule":
        return _done(request, lambda: reception.schedule(
            user, leader=User.objects.filter(pk=post.get("leader") or None).first(),
            day=parse_date(post.get("day") or ""), place=post.get("place", ""),
            region=Region.objects.filter(pk=post.get("region") or None).first()))
    if action == "add":
        day = _visible_days(user).filter(pk=post.get("reception") or None).first()
        petition = Petition.objects.restrict(user).filter(number=post.get("number", "").strip()).first()
        if day is None or petition is None:
            messages.error(request, _("找不到该接访日或信访编号"))
            return redirect("disputes:reception_list")
        return _done(request, lambda: reception.add_case(day, user, petition))
    item = ReceptionCase.objects.filter(pk=post.get("item") or None,
                                        reception__in=_visible_days(user)).select_related("reception", "petition").first()
    if item is None:
        messages.error(request, _("找不到该接访记录"))
        return redirect("disputes:reception_list")
    return _done(request, lambda: reception.record_outcome(item, user, post.get("outcome", "")))
