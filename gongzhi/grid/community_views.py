"""Staff pages of a community's life: who works in which grid (assigned and taken off by the
community's or subdistrict's staff, with the grid's history), and the registry of community
organisations with their activities, volunteers and volunteer hours. Thin: rows come through
``restrict()`` (outside scope is a 404), every change goes through ``services``; contacts and
volunteers are masked, shown in full only through core.reveal (audited)."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import report_refusal
from gongzhi.core.models import Role, RoleAssignment, User
from gongzhi.core.reveal import reveal
from gongzhi.core.scoping import get_visible_or_404

from . import pages, services
from .models import Activity, GridWorkerEvent, Organisation, Volunteer


def _date(value: str, field: str) -> dt.date | None:
    value = str(value or "").strip()
    if not value:
        return None
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise FieldErrors({field: _("日期格式不正确")})
    return parsed


# ---------------------------------------------------------------- grid workers

@pages.WORKERS.guard
def worker_assignments(request):
    grids = (services.managed_grids(request.user).order_by("community__path", "code")
             .prefetch_related(Prefetch("workers", RoleAssignment.objects.filter(role=Role.GRID_WORKER)
                                        .select_related("user"), to_attr="grid_workers")))
    chosen = request.GET.get("community", "")
    if chosen.isdigit():
        grids = grids.filter(community_id=int(chosen))
    page = Paginator(grids, 40).get_page(request.GET.get("page"))
    history = (GridWorkerEvent.objects.filter(grid__in=services.managed_grids(request.user))
               .select_related("grid", "worker").order_by("-created_at", "-id")[:30])
    return render(request, "grid/worker_assignments.html", {
        "page": page, "candidates": services.worker_candidates(request.user), "history": history,
        "communities": services.managed_grids(request.user).values_list("community_id", "community__name")
        .distinct().order_by("community__name"), "chosen": chosen})


@require_POST
@pages.WORKERS.guard
def worker_action(request, grid: int, action: str):
    grid_row = services.managed_grids(request.user).filter(pk=grid).first()
    if grid_row is None:
        raise Http404("not found")
    p = request.POST
    user = User.objects.filter(pk=p.get("worker")).first() if str(p.get("worker", "")).isdigit() else None
    try:
        if action == "assign":
            services.assign_worker(request.user, grid_row, user, note=p.get("note", ""))
            messages.success(request, _("已将 %(user)s 分配到 %(grid)s") % {"user": user, "grid": grid_row.name})
        elif action == "unassign":
            if user is None:
                raise FieldErrors({"worker": _("请选择网格员")})
            services.unassign_worker(request.user, grid_row, user, note=p.get("note", ""))
            messages.success(request, _("已将 %(user)s 调离 %(grid)s") % {"user": user, "grid": grid_row.name})
        else:
            raise Http404("not found")
    except (ActionRefused, FieldErrors) as exc:
        report_refusal(request, exc)
    back = p.get("next", "")
    return redirect(back if back.startswith("/grid/") else "grid:worker_assignments")


# ---------------------------------------------------------------- organisations

def _organisation_form(request, organisation=None):
    p = request.POST
    fields = {"name": p.get("name", ""), "kind": p.get("kind", ""), "field": p.get("field", ""),
              "contact_name": p.get("contact_name", ""), "contact_phone": p.get("contact_phone", ""),
              "registered_on": _date(p.get("registered_on"), "registered_on")}
    if organisation is None:
        return services.register_organisation(request.user, community_id=p.get("community"), **fields)
    return services.update_organisation(request.user, organisation, active=p.get("active") == "on", **fields)


@pages.ORGANISATIONS.guard
def organisation_list(request):
    qs = (Organisation.objects.restrict(request.user).select_related("community")
          .annotate(volunteer_count=Count("volunteers", distinct=True),
                    activity_count=Count("activities", distinct=True)))
    kind = request.GET.get("kind", "")
    if kind in Organisation.Kind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs.order_by("community__name", "name"), 30).get_page(request.GET.get("page"))
    return render(request, "grid/organisation_list.html", {
        "page": page, "kinds": Organisation.Kind.choices, "kind": kind,
        "may_register": services.registering_communities(request.user).exists()})


@pages.ORGANISATIONS.guard
def organisation_new(request):
    communities = services.registering_communities(request.user)
    if not communities.exists():
        raise Http404("not found")
    context = {"communities": communities, "kinds": Organisation.Kind.choices, "posted": request.POST}
    if request.method == "POST":
        try:
            org = _organisation_form(request)
        except (ActionRefused, FieldErrors) as exc:
            report_refusal(request, exc)
            return render(request, "grid/organisation_form.html", context, status=400)
        messages.success(request, _("已登记：%(name)s") % {"name": org.name})
        return redirect("grid:organisation_detail", pk=org.pk)
    return render(request, "grid/organisation_form.html", context)


@pages.ORGANISATIONS.guard
def organisation_edit(request, pk: int):
    org = get_visible_or_404(Organisation.objects.select_related("community"), request.user, pk=pk)
    if not services.may_register(request.user, org.community):
        raise Http404("not found")
    context = {"org": org, "kinds": Organisation.Kind.choices, "posted": request.POST}
    if request.method == "POST":
        try:
            _organisation_form(request, org)
        except (ActionRefused, FieldErrors) as exc:
            report_refusal(request, exc)
            return render(request, "grid/organisation_form.html", context, status=400)
        messages.success(request, _("已保存"))
        return redirect("grid:organisation_detail", pk=org.pk)
    return render(request, "grid/organisation_form.html", context)


@pages.ORGANISATIONS.guard
def organisation_detail(request, pk: int):
    org = get_visible_or_404(Organisation.objects.select_related("community"), request.user, pk=pk)
    activities = (org.activities.annotate(volunteer_hours=Sum("hours__hours"), volunteer_count=Count("hours"))
                  .order_by("-held_on", "-id"))
    return render(request, "grid/organisation_detail.html", {
        "org": org, "activities": activities[:50], "volunteers": org.volunteers.all(),
        "may_register": services.may_register(request.user, org.community),
        "today": timezone.localdate()})


@require_POST
@pages.ORGANISATIONS.guard
def activity_new(request, pk: int):
    org = get_visible_or_404(Organisation.objects.select_related("community"), request.user, pk=pk)
    p = request.POST
    try:
        activity = services.add_activity(request.user, org, title=p.get("title", ""),
                                         held_on=_date(p.get("held_on"), "held_on"), place=p.get("place", ""),
                                         participants=p.get("participants") or 0)
    except (ActionRefused, FieldErrors) as exc:
        report_refusal(request, exc)
        return redirect("grid:organisation_detail", pk=org.pk)
    messages.success(request, _("已登记活动：%(title)s") % {"title": activity.title})
    return redirect("grid:activity_detail", pk=activity.pk)


@pages.ORGANISATIONS.guard
def activity_detail(request, pk: int):
    activity = Activity.objects.select_related("organisation__community").filter(
        pk=pk, organisation__in=Organisation.objects.restrict(request.user)).first()
    if activity is None:
        raise Http404("not found")
    community = activity.organisation.community
    may_register = services.may_register(request.user, community)
    if request.method == "POST":
        if not may_register:
            raise Http404("not found")
        p = request.POST
        volunteer = (Volunteer.objects.filter(pk=p.get("volunteer"), community=community).first()
                     if str(p.get("volunteer", "")).isdigit() else None)
        try:
            services.log_hours(request.user, activity=activity, volunteer=volunteer, hours=p.get("hours", ""))
        except (ActionRefused, FieldErrors) as exc:
            report_refusal(request, exc)
        else:
            messages.success(request, _("已登记服务时长"))
        return redirect("grid:activity_detail", pk=activity.pk)
    hours = activity.hours.select_related("volunteer", "logged_by").order_by("volunteer__name")
    members = Volunteer.objects.filter(community=community).annotate(
        in_org=Count("organisations", filter=Q(organisations=activity.organisation))).order_by("-in_org", "name")
    return render(request, "grid/activity_detail.html", {
        "activity": activity, "org": activity.organisation, "hours": hours,
        "total": hours.aggregate(h=Sum("hours"))["h"] or 0, "members": members, "may_register": may_register,
        "held": activity.held_on <= timezone.localdate()})


# ---------------------------------------------------------------- volunteers

@pages.VOLUNTEERS.guard
def volunteer_list(request):
    communities = services.registering_communities(request.user)
    if request.method == "POST":
        p = request.POST
        community = communities.filter(pk=p.get("community")).first() if str(p.get("community", "")).isdigit() else None
        try:
            if community is None:
                raise FieldErrors({"community": _("请选择社区")})
            chosen = [pk for pk in p.getlist("organisations") if pk.isdigit()]
            services.add_volunteer(request.user, community=community, name=p.get("name", ""),
                                   phone=p.get("phone", ""),
                                   organisations=Organisation.objects.filter(pk__in=chosen),
                                   joined_on=_date(p.get("joined_on"), "joined_on"))
        except (ActionRefused, FieldErrors) as exc:
            report_refusal(request, exc)
        else:
            messages.success(request, _("已登记志愿者"))
        return redirect("grid:volunteer_list")
    since = timezone.localdate().replace(day=1)
    qs = (Volunteer.objects.restrict(request.user).select_related("community").prefetch_related("organisations")
          .annotate(total_hours=Sum("hours__hours"),
                    month_hours=Sum("hours__hours", filter=Q(hours__activity__held_on__gte=since))))
    chosen = request.GET.get("community", "")
    if chosen.isdigit():
        qs = qs.filter(community_id=int(chosen))
    page = Paginator(qs.order_by("community__name", "id"), 50).get_page(request.GET.get("page"))
    return render(request, "grid/volunteer_list.html", {
        "page": page, "communities": communities, "since": since,
        "registering": set(communities.values_list("pk", flat=True)),
        "organisations": Organisation.objects.filter(community__in=communities, active=True)
        .select_related("community")})


REVEALABLE = {"organisation": Organisation, "volunteer": Volunteer}


@require_POST
@pages.ORGANISATIONS.guard
def reveal_contact(request, kind: str, pk: int, field: str):
    model = REVEALABLE.get(kind)
    if model is None:
        raise Http404("not found")
    obj = get_visible_or_404(model.objects.select_related("community"), request.user, pk=pk)
    try:
        value = reveal(obj, request.user, field, request=request)  # audited
    except (ActionRefused, FieldErrors) as exc:
        report_refusal(request, exc)
        return redirect("grid:organisation_detail", pk=pk) if kind == "organisation" else redirect("grid:volunteer_list")
    return render(request, "staff/_revealed.html", {"value": value, "field": field})
