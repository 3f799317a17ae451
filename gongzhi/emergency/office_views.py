"""The emergency office's register pages: units, plans' task templates, teams with members and
duty shifts, sensor devices, warehouses with their stock movements, supply requests to dispatch.
Thin: a form reads the input, registry.py or supplies.py decides and records (with its audit entry)."""
from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import report_refusal, submit_form
from gongzhi.core.lifecycle import may_act
from gongzhi.core.scoping import get_visible_or_404

from . import forms, pages, registry, services, supplies
from .lifecycle import COMMAND
from .models import (Device, DutyShift, Incident, Movement, Plan, Stock, SupplyRequest, TaskTemplate, Team,
                     TeamMember, Unit, Warehouse)


def _saved(request, text=None):
    messages.success(request, text or _("已保存"))


# ---------------------------------------------------------------- units

@pages.UNITS.guard
def units(request):
    user, keeper = request.user, registry.may_keep(request.user)
    form = forms.UnitForm(request.POST if request.method == "POST" and keeper else None, user=user)
    if request.method == "POST" and keeper:
        unit = submit_form(form, lambda d: registry.save_unit(user, None, **d))
        if unit is not None:
            _saved(request)
            return redirect("emergency:units")
    rows = Unit.objects.restrict(user).select_related("region", "department", "contact").annotate(
        n_plans=Count("plans"))
    return render(request, "emergency/units.html", {"units": rows, "form": form if keeper else None})


@pages.UNITS.guard
def unit_edit(request, pk: int):
    unit = get_visible_or_404(Unit.objects.select_related("region"), request.user, pk=pk)
    user, keeper = request.user, registry.may_keep(request.user)
    initial = {"name": unit.name, "kind": unit.kind, "region": unit.region_id, "department": unit.department_id,
               "contact": unit.contact_id}
    form = forms.UnitForm(request.POST if request.method == "POST" and keeper else None, user=user, initial=initial)
    if request.method == "POST" and keeper:
        if submit_form(form, lambda d: registry.save_unit(user, unit, **d)) is not None:
            _saved(request)
            return redirect("emergency:units")
    return render(request, "emergency/edit.html", {
        "title": unit.name, "form": form if keeper else None, "back": "emergency:units", "testid": "unit-form",
        "plans": unit.plans.select_related("plan_type")})


# ---------------------------------------------------------------- task templates of a plan

@pages.COVERAGE.guard
def plan_tasks(request, pk: int):
    plan = get_visible_or_404(Plan.objects.select_related("unit", "unit__region"), request.user, pk=pk)
    user, keeper = request.user, registry.may_keep(request.user)
    editing = None
    if str(request.GET.get("template") or request.POST.get("template") or "").isdigit():
        editing = plan.task_templates.filter(pk=int(request.GET.get("template") or request.POST["template"])).first()
    initial = ({"department": editing.department_id, "title": editing.title, "hours": editing.hours}
               if editing else None)
    form = forms.TaskTemplateForm(request.POST if request.method == "POST" and keeper else None, initial=initial)
    if request.method == "POST" and keeper:
        if submit_form(form, lambda d: registry.save_task_template(user, plan, editing, **d)) is not None:
            _saved(request)
            return redirect("emergency:plan_tasks", pk=plan.pk)
    return render(request, "emergency/plan_tasks.html", {
        "plan": plan, "templates": plan.task_templates.select_related("department"), "form": form if keeper else None,
        "editing": editing})


@pages.COVERAGE.guard
@require_POST
def plan_task_delete(request, pk: int, template_id: int):
    plan = get_visible_or_404(Plan.objects.select_related("unit", "unit__region"), request.user, pk=pk)
    template = TaskTemplate.objects.filter(pk=template_id, plan=plan).select_related("plan__unit__region").first()
    if template is None:
        raise Http404
    try:
        registry.delete_task_template(request.user, template)
    except (FieldErrors, ActionRefused) as exc:
        report_refusal(request, exc)
    else:
        _saved(request, _("任务模板已删除"))
    return redirect("emergency:plan_tasks", pk=plan.pk)


# ---------------------------------------------------------------- teams, members, shifts

@pages.TEAMS.guard
def teams(request):
    user, keeper = request.user, registry.may_keep(request.user)
    form = forms.TeamForm(request.POST if request.method == "POST" and keeper else None, user=user)
    if request.method == "POST" and keeper:
        team = submit_form(form, lambda d: registry.save_team(user, None, **d))
        if team is not None:
            _saved(request)
            return redirect("emergency:team", pk=team.pk)
    rows = Team.objects.restrict(user).select_related("region").annotate(n_members=Count("members", distinct=True))
    return render(request, "emergency/teams.html", {
        "teams": rows, "form": form if keeper else None, "on_duty": services.on_duty(None)})


@pages.TEAMS.guard
def team(request, pk: int):
    team = get_visible_or_404(Team.objects.select_related("region"), request.user, pk=pk)
    user, keeper = request.user, registry.may_keep(request.user)
    action = request.POST.get("action", "") if request.method == "POST" and keeper else ""
    data = request.POST if action else None
    team_form = forms.TeamForm(data if action == "team" else None, user=user,
                               initial={"name": team.name, "region": team.region_id, "specialty": team.specialty})
    member_form = forms.MemberForm(data if action == "member" else None)
    shift_form = forms.ShiftForm(data if action == "shift" else None, team=team)
    done = None
    try:
        if action == "team":
            done = submit_form(team_form, lambda d: registry.save_team(user, team, **d))
        elif action == "member":
            done = submit_form(member_form, lambda d: registry.add_member(user, team, **d))
        elif action == "shift":
            done = submit_form(shift_form, lambda d: registry.add_shift(user, team, **d))
        elif action == "remove_member":
            member = TeamMember.objects.filter(team=team, pk=_pk(request.POST.get("member"))).first()
            if member is None:
                raise FieldErrors({"member": _("请选择队员")})
            registry.remove_member(user, member)
            done = True
        elif action == "remove_shift":
            shift = DutyShift.objects.filter(team=team, pk=_pk(request.POST.get("shift"))).first()
            if shift is None:
                raise FieldErrors({"shift": _("请选择班次")})
            registry.remove_shift(user, shift)
            done = True
    except (FieldErrors, ActionRefused) as exc:
        report_refusal(request, exc)
    if done is not None:
        _saved(request)
        return redirect("emergency:team", pk=team.pk)
    now = timezone.now()
    return render(request, "emergency/team.html", {
        "team": team, "keeper": keeper, "team_form": team_form, "member_form": member_form, "shift_form": shift_form,
        "members": team.members.select_related("user"),
        "shifts": team.shifts.filter(ends_at__gt=now).select_related("user").order_by("starts_at", "order"),
        "now": now})


def _pk(value) -> int:
    return int(value) if str(value or "").isdigit() else 0


# ---------------------------------------------------------------- sensor devices

@pages.SENSORS.guard
def device_form(request, pk: int | None = None):
    device = get_visible_or_404(Device.objects.select_related("region"), request.user, pk=pk) if pk else None
    user, keeper = request.user, registry.may_keep(request.user)
    if not keeper:
        raise Http404
    initial = ({f: getattr(device, f) for f in ("code", "kind", "name", "lat", "lon", "threshold", "on_alarm")}
               | {"region": device.region_id, "grid": device.grid_id, "owner": device.owner_id}) if device else None
    form = forms.DeviceForm(request.POST if request.method == "POST" else None, user=user, initial=initial)
    if request.method == "POST":
        if submit_form(form, lambda d: registry.save_device(user, device, **d)) is not None:
            _saved(request)
            return redirect("emergency:devices")
    return render(request, "emergency/edit.html", {
        "title": str(device) if device else _("登记设备"), "form": form, "back": "emergency:devices",
        "testid": "device-form"})


# ---------------------------------------------------------------- warehouses and stock

@pages.WAREHOUSES.guard
def warehouses(request):
    user, keeper = request.user, registry.may_keep(request.user)
    action = request.POST.get("action", "") if request.method == "POST" and keeper else ""
    warehouse_form = forms.WarehouseForm(request.POST if action == "warehouse" else None, user=user)
    item_form = forms.ItemForm(request.POST if action == "item" else None)
    done = None
    if action == "warehouse":
        done = submit_form(warehouse_form, lambda d: registry.save_warehouse(user, None, **d))
    elif action == "item":
        done = submit_form(item_form, lambda d: registry.save_item(user, **d))
    if done is not None:
        _saved(request)
        return redirect("emergency:warehouses")
    rows = Warehouse.objects.restrict(user).select_related("region").annotate(
        n_items=Count("stock", distinct=True), total=Sum("stock__quantity"))
    return render(request, "emergency/warehouses.html", {
        "warehouses": rows, "keeper": keeper, "warehouse_form": warehouse_form, "item_form": item_form})


@pages.WAREHOUSES.guard
def warehouse(request, pk: int):
    warehouse = get_visible_or_404(Warehouse.objects.select_related("region"), request.user, pk=pk)
    user, keeper = request.user, registry.may_keep(request.user)
    action = request.POST.get("action", "") if request.method == "POST" and keeper else ""
    edit_form = forms.WarehouseForm(request.POST if action == "warehouse" else None, user=user, initial={
        "name": warehouse.name, "region": warehouse.region_id, "lat": warehouse.lat, "lon": warehouse.lon})
    move_form = forms.MovementForm(request.POST if action == "move" else None, user=user, warehouse=warehouse)
    done = None
    if action == "warehouse":
        done = submit_form(edit_form, lambda d: registry.save_warehouse(user, warehouse, **d))
    elif action == "move":
        done = submit_form(move_form, lambda d: registry.move(user, d["kind"], warehouse, d["item"], d["quantity"],
                                                          to_warehouse=d["to_warehouse"], note=d["note"]))
    if done is not None:
        _saved(request)
        return redirect("emergency:warehouse", pk=warehouse.pk)
    return render(request, "emergency/warehouse.html", {
        "warehouse": warehouse, "keeper": keeper, "edit_form": edit_form, "move_form": move_form,
        "stock": Stock.objects.filter(warehouse=warehouse).select_related("item"),
        "movements": Movement.objects.filter(warehouse=warehouse).select_related("item", "to_warehouse", "by",
                                                                                "incident")[:100]})


# ---------------------------------------------------------------- supply requests

@pages.SUPPLY_REQUESTS.guard
def supply_requests(request):
    user = request.user
    commander = may_act(user, COMMAND)
    in_scope = SupplyRequest.objects.filter(incident__in=Incident.objects.restrict(user).values("pk"))
    if request.method == "POST" and commander:
        supply = in_scope.filter(pk=_pk(request.POST.get("request"))).select_related("incident").first()
        try:
            if supply is None:
                raise FieldErrors({"request": _("请选择物资申请")})
            if request.POST.get("action") == "refuse":
                supplies.refuse(supply, user, request.POST.get("reason", ""))
            else:
                source = Warehouse.objects.restrict(user).filter(pk=_pk(request.POST.get("warehouse"))).first()
                if source is None:
                    raise FieldErrors({"warehouse": _("请选择仓库")})
                supplies.dispatch(supply, source, user)
        except (FieldErrors, ActionRefused) as exc:
            report_refusal(request, exc)
        else:
            _saved(request, _("物资申请已处理"))
        return redirect("emergency:supply_requests")
    waiting = list(in_scope.filter(status=SupplyRequest.Status.REQUESTED).select_related("incident", "item",
                                                                                          "requested_by"))
    stock = {}
    for row in Stock.objects.filter(item__in={r.item_id for r in waiting}, warehouse__in=Warehouse.objects.restrict(
            user)).select_related("warehouse"):
        stock.setdefault(row.item_id, []).append(row)
    return render(request, "emergency/supply_requests.html", {
        "waiting": [(r, stock.get(r.item_id, [])) for r in waiting], "commander": commander,
        "done": in_scope.exclude(status=SupplyRequest.Status.REQUESTED).select_related(
            "incident", "item", "warehouse").order_by("-at", "-id")[:50]})
