"""Staff pages of the grid app: communities with their grids, workers, organisations and load;
residents (need-to-know, every view audited); the community tasks and the catalogue. Thin: rows
come through ``restrict()`` (outside scope is a 404), changes go through ``services``."""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import scoping
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import report_refusal
from gongzhi.core.models import Department, Region, Role, RoleAssignment
from gongzhi.core.reveal import reveal
from gongzhi.core.scoping import get_visible_or_404

from . import pages, services, stats
from .lifecycle import TASK_LIFECYCLE
from .models import CareCategory, CatalogueItem, CommunityBoundary, CommunityTask, Household, Resident


def _communities(user):
    """The communities `user` may look at: all under their region scope, or those they work in."""
    everything = Region.objects.filter(level=Region.Level.COMMUNITY)
    if getattr(user, "is_superuser", False):
        return everything
    q = Q(pk__in={g.community_id for g in services.worker_grids(user)})
    for r in scoping.assignments(user, Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.GRID_WORKER):
        if r.grid_id or r.department_id:
            continue
        if r.region_id is None:
            return everything
        q |= Q(path__startswith=r.region.path)
    return everything.filter(q)


@pages.COMMUNITIES.guard
def community_list(request):
    communities = (_communities(request.user).select_related("parent")
                   .annotate(grid_count=Count("grids", distinct=True)))
    since = stats.months_back(3)
    load = {r["community_id"]: r for r in stats.load_per_community(
        CommunityTask.objects.filter(community__in=communities), since)}
    bounded = set(CommunityBoundary.objects.filter(community__in=communities).values_list("community_id", flat=True))
    rows = [{"community": c, "load": load.get(c.pk), "bounded": c.pk in bounded} for c in communities]
    return render(request, "grid/community_list.html", {
        "rows": rows, "since": since, "load": sorted(load.values(), key=lambda r: -r["tasks"])})


@pages.COMMUNITIES.guard
def community_detail(request, pk: int):
    community = _communities(request.user).filter(pk=pk).first()
    if community is None:
        raise Http404("not found")
    grids = list(community.grids.all())
    workers = (RoleAssignment.objects.filter(role=Role.GRID_WORKER)
               .filter(Q(grid__community=community) | Q(region=community)).select_related("user", "grid"))
    since = stats.months_back(6)
    tasks = CommunityTask.objects.filter(community=community)
    care = (CareCategory.objects.filter(households__building__grid__community=community)
            .annotate(n=Count("households", distinct=True)))
    return render(request, "grid/community_detail.html", {
        "community": community, "grids": grids, "workers": workers, "since": since,
        "load": stats.load_rows(tasks, since), "orgs": stats.organisations_of(community, since.date()),
        "care": care, "may_assign": services.managed_grids(request.user).filter(community=community).exists()})


@pages.RESIDENTS.guard
def resident_list(request):
    qs = (Household.objects.restrict(request.user).select_related("building__grid")
          .prefetch_related("care_categories", "residents"))
    chosen = request.GET.get("care", "")
    if chosen:
        qs = qs.filter(care_categories__code=chosen).distinct()
    page = Paginator(qs.order_by("building__grid__code", "building__name", "room"), 30).get_page(request.GET.get("page"))
    return render(request, "grid/resident_list.html", {
        "page": page, "categories": CareCategory.objects.filter(active=True), "chosen": chosen,
        "visits_due": {h.pk for h in services.visits_due(request.user)}})


@pages.RESIDENTS.guard
def resident_detail(request, pk: int):
    resident = services.open_resident(request.user, pk, request=request)  # audited
    return render(request, "grid/resident_detail.html", {
        "r": resident, "household": resident.household,
        "visits": resident.household.visits.select_related("worker")[:10]})


@require_POST
@pages.RESIDENTS.guard
def reveal_resident(request, pk: int, field: str):
    resident = get_visible_or_404(Resident.objects, request.user, pk=pk)
    try:
        value = reveal(resident, request.user, field, request=request)
    except (ActionRefused, FieldErrors) as exc:
        report_refusal(request, exc)
        return redirect("grid:resident_detail", pk=pk)
    return render(request, "staff/_revealed.html", {"value": value, "field": field})


@pages.TASKS.guard
def task_list(request):
    qs = CommunityTask.objects.restrict(request.user).select_related("department", "community", "item")
    status = request.GET.get("status", "")
    if status in CommunityTask.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "grid/task_list.html", {
        "page": page, "statuses": CommunityTask.Status.choices, "status": status,
        "may_assign": pages.NEW_TASK.permits(request.user)})


def _my_departments(user):
    return Department.objects.filter(pk__in=scoping.department_ids(user, Role.HANDLER))


@pages.NEW_TASK.guard
def task_new(request):
    departments = _my_departments(request.user)
    context = {"departments": departments, "communities": Region.objects.filter(level=Region.Level.COMMUNITY),
               "items": CatalogueItem.objects.filter(active=True), "posted": request.POST}
    if request.method == "POST":
        p = request.POST
        department = departments.filter(pk=p.get("department") if str(p.get("department", "")).isdigit() else 0).first()
        due = parse_datetime(p.get("due_at", "") or "") if p.get("due_at") else None
        if due is not None and timezone.is_naive(due):
            due = timezone.make_aware(due)
        try:
            if department is None:
                raise FieldErrors({"department": _("请选择派发部门")})
            task = services.assign_task(request.user, department=department, community_id=p.get("community"),
                                        item_code=p.get("item", ""), title=p.get("title", ""),
                                        detail=p.get("detail", ""), due_at=due)
        except (ActionRefused, FieldErrors) as exc:
            report_refusal(request, exc)
            return render(request, "grid/task_form.html", context, status=400)
        messages.success(request, _("已派发：%(number)s") % {"number": task.number})
        return redirect("grid:task_detail", pk=task.pk)
    return render(request, "grid/task_form.html", context)


@pages.TASKS.guard
def task_detail(request, pk: int):
    task = get_visible_or_404(CommunityTask.objects.select_related("department", "community", "item"),
                              request.user, pk=pk)
    return render(request, "grid/task_detail.html", {
        "task": task, "events": task.events.all(), "actions": TASK_LIFECYCLE.allowed(task, request.user)})


@require_POST
@pages.TASKS.guard
def task_action(request, pk: int, action: str):
    task = get_visible_or_404(CommunityTask.objects, request.user, pk=pk)
    try:
        if action == "complete":
            services.complete_task(request.user, task, minutes_spent=request.POST.get("minutes_spent"),
                                   result=request.POST.get("result", ""))
        elif action == "cancel":
            services.cancel_task(request.user, task, request.POST.get("reason", ""))
        else:
            raise ActionRefused(_("未知操作"))
    except (ActionRefused, FieldErrors) as exc:
        report_refusal(request, exc)
    else:
        messages.success(request, _("已办结") if action == "complete" else _("已撤回"))
    return redirect("grid:task_detail", pk=pk)


@pages.CATALOGUE.guard
def catalogue(request):
    items = CatalogueItem.objects.filter(active=True).prefetch_related("departments")
    return render(request, "grid/catalogue.html", {"items": items})

