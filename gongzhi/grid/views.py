"""Staff pages of the grid app: communities with their grids, workers, organisations and load;
residents (need-to-know, every view audited); the community tasks and the catalogue. Thin: rows
come through ``restrict()`` (outside scope is a 404), changes go through ``services``."""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import scoping
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import report_refusal, submit_form
from gongzhi.core.models import Department, Region, Role, RoleAssignment
from gongzhi.core.reveal import reveal
from gongzhi.core.scoping import get_visible_or_404

from . import forms, pages, services, stats
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
    active = Resident.objects.filter(moved_out_on__isnull=True)  # 迁出: kept, but off the active list
    qs = (Household.objects.restrict(request.user).select_related("building__grid")
          .prefetch_related("care_categories", Prefetch("residents", active, to_attr="active_residents")))
    chosen = request.GET.get("care", "")
    if chosen:
        qs = qs.filter(care_categories__code=chosen).distinct()
    page = Paginator(qs.order_by("building__grid__code", "building__name", "room"), 30).get_page(request.GET.get("page"))
    return render(request, "grid/resident_list.html", {
        "page": page, "categories": CareCategory.objects.filter(active=True), "chosen": chosen,
        "visits_due": {h.pk for h in services.visits_due(request.user)},
        "may_add": services.worker_grids(request.user).exists(),
        "moved_out": Resident.objects.restrict(request.user).filter(moved_out_on__isnull=False)
        .select_related("household__building").order_by("-moved_out_on", "-id")[:20]})


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


# ---------------------------------------------------------------- one household or resident at a time

def _household_form_page(request, household=None):
    grids = list(services.worker_grids(request.user).order_by("code"))
    if not grids:
        raise Http404("not found")
    initial = {} if household is None else {
        "grid": household.building.grid_id, "building": household.building.name, "room": household.room,
        "care_categories": list(household.care_categories.values_list("code", flat=True))}
    form = forms.HouseholdForm(request.POST if request.method == "POST" else None, grids=grids, initial=initial)
    if request.method == "POST":
        saved = submit_form(form, lambda d: services.save_household(
            request.user, household, grid_id=d["grid"], building=d["building"], room=d["room"],
            care_categories=d["care_categories"]))
        if saved is not None:
            messages.success(request, _("已保存住户：%(household)s") % {"household": saved})
            return redirect(f"{reverse('grid:resident_list')}#household-{saved.pk}")
    return render(request, "grid/household_form.html", {"form": form, "household": household},
                  status=400 if form.is_bound else 200)


@pages.RESIDENTS.guard
def household_new(request):
    return _household_form_page(request)


@pages.RESIDENTS.guard
def household_edit(request, household: int):
    home = get_visible_or_404(Household.objects.select_related("building__grid"), request.user, pk=household)
    return _household_form_page(request, home)


def _resident_fields(d) -> dict:
    return {"name": d["name"], "id_number": d["id_number"], "phone": d["phone"], "gender": d["gender"],
            "birth_year": d["birth_year"], "relation": d["relation"], "care_categories": d["care_categories"],
            "note": d["note"]}


@pages.RESIDENTS.guard
def resident_new(request, household: int):
    home = get_visible_or_404(Household.objects.select_related("building__grid"), request.user, pk=household)
    form = forms.ResidentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        saved = submit_form(form, lambda d: services.save_resident(request.user, household_id=home.pk,
                                                              **_resident_fields(d)))
        if saved is not None:
            messages.success(request, _("已登记居民：%(name)s") % {"name": saved})
            return redirect("grid:resident_detail", pk=saved.pk)
    return render(request, "grid/resident_form.html", {"form": form, "household": home},
                  status=400 if form.is_bound else 200)


@pages.RESIDENTS.guard
def resident_edit(request, pk: int):
    resident = get_visible_or_404(Resident.objects.select_related("household__building__grid"), request.user, pk=pk)
    initial = {"name": resident.name, "gender": resident.gender, "birth_year": resident.birth_year or "",
               "relation": resident.relation, "note": resident.note,
               "care_categories": list(resident.care_categories.values_list("code", flat=True))}
    form = forms.ResidentForm(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    if request.method == "POST":
        saved = submit_form(form, lambda d: services.save_resident(request.user, resident,
                                                              household_id=resident.household_id,
                                                              **_resident_fields(d)))
        if saved is not None:
            messages.success(request, _("已保存"))
            return redirect("grid:resident_detail", pk=saved.pk)
    else:  # the edit page shows who it is about: a view of the person, audited as the detail page is
        services.open_resident(request.user, pk, request=request)
    return render(request, "grid/resident_form.html", {
        "form": form, "household": resident.household, "r": resident,
        "move_out": forms.MoveOutForm(initial={"moved_out_on": timezone.localdate()})
        if resident.moved_out_on is None else None},
        status=400 if form.is_bound else 200)


@require_POST
@pages.RESIDENTS.guard
def resident_move_out(request, pk: int):
    resident = get_visible_or_404(Resident.objects.select_related("household__building__grid"), request.user, pk=pk)
    form = forms.MoveOutForm(request.POST)
    saved = submit_form(form, lambda d: services.move_out(request.user, resident, on=d["moved_out_on"],
                                                      reason=d["moved_out_reason"]))
    if saved is None:
        return render(request, "grid/resident_form.html", {
            "form": forms.ResidentForm(editing=True, initial={"name": resident.name}), "household": resident.household,
            "r": resident, "move_out": form}, status=400)
    messages.success(request, _("已办理迁出：%(name)s") % {"name": saved})
    return redirect("grid:resident_detail", pk=pk)


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

