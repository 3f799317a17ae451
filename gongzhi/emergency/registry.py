"""What the emergency office keeps on its own pages: units, the task templates of plans, teams with
their members and duty shifts, sensor devices, warehouses and items, and stock movements.

Only the emergency office (or an administrator) keeps them, and only in the regions it works in
(`core.scoping.regions_in_scope`); every change is one transaction with its audit entry
(`core.audit`, action "emergency.<what>.<how>"). Stock itself moves only through supplies.py.
"""
from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.core import audit, scoping
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.lifecycle import may_act
from gongzhi.core.models import Role

from . import supplies
from .models import (Device, DutyShift, Item, Movement, Plan, TaskTemplate, Team, TeamMember, Unit, Warehouse)

KEEPER_ROLES = (Role.EMERGENCY, Role.ADMIN)


def may_keep(actor) -> bool:
    """The emergency office and administrators keep the registers (others may read them)."""
    return actor is not None and may_act(actor, (Role.EMERGENCY,))


def regions_for(actor):
    return scoping.regions_in_scope(actor, KEEPER_ROLES)


def _require(actor, region, field: str = "region") -> None:
    if not may_keep(actor):
        raise ActionRefused(_("只有应急办可以维护应急台账"))
    if region is None:
        raise FieldErrors({field: _("请选择所属区域")})
    if not regions_for(actor).filter(pk=region.pk).exists():
        raise FieldErrors({field: _("所选区域不在您的管辖范围内")})


def _coordinates(errors: dict, lat, lon) -> None:
    if (lat is None) != (lon is None):
        errors["lat"] = _("经度和纬度须同时填写")
    if lat is not None and not -90 <= lat <= 90:
        errors["lat"] = _("坐标超出范围")
    if lon is not None and not -180 <= lon <= 180:
        errors["lon"] = _("坐标超出范围")


def _save(actor, obj, action: str, unique_field: str, **detail):
    """Save `obj` and its audit entry in one transaction; a clash on a unique name is a field error."""
    created = obj.pk is None
    try:
        with transaction.atomic():
            obj.save()
            audit.record(actor, f"{action}.{'create' if created else 'update'}", obj, **detail)
    except IntegrityError:
        raise FieldErrors({unique_field: _("已有同名记录")}) from None
    return obj


# ---------------------------------------------------------------- units and plans

def save_unit(actor, unit: Unit | None, *, name: str, kind: str, region, department=None, contact=None) -> Unit:
    _require(actor, region)
    if unit is not None and not Unit.objects.restrict(actor).filter(pk=unit.pk).exists():
        raise ActionRefused(_("该单位不在您的管辖范围内"))
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("请填写名称")
    if kind not in Unit.Kind.values:
        errors["kind"] = _("请选择单位类型")
    if errors:
        raise FieldErrors(errors)
    unit = unit or Unit()
    unit.name, unit.kind, unit.region, unit.department, unit.contact = name.strip()[:100], kind, region, department, contact
    return _save(actor, unit, "emergency.unit", "name", name=unit.name, kind=kind, region=region.pk)


def _plan_kept(actor, plan: Plan) -> None:
    _require(actor, plan.unit.region)


def save_task_template(actor, plan: Plan, template: TaskTemplate | None, *, department, title: str,
                       hours) -> TaskTemplate:
    """What activating the plan asks of a department, and in how many hours."""
    _plan_kept(actor, plan)
    errors = {}
    if department is None:
        errors["department"] = _("请选择部门")
    if not (title or "").strip():
        errors["title"] = _("请填写任务")
    try:
        hours = int(hours)
        if not 1 <= hours <= 24 * 30:
            raise ValueError
    except (TypeError, ValueError):
        errors["hours"] = _("时限应为 1 至 720 小时")
    if errors:
        raise FieldErrors(errors)
    if template is not None and template.plan_id != plan.pk:
        raise ActionRefused(_("该任务模板不属于此预案"))
    template = template or TaskTemplate(plan=plan)
    template.department, template.title, template.hours = department, title.strip()[:200], hours
    return _save(actor, template, "emergency.task_template", "title", plan=plan.pk, department=department.pk)


def delete_task_template(actor, template: TaskTemplate) -> None:
    _plan_kept(actor, template.plan)
    with transaction.atomic():
        audit.record(actor, "emergency.task_template.delete", template, plan=template.plan_id, title=template.title)
        template.delete()


# ---------------------------------------------------------------- teams and rosters

def save_team(actor, team: Team | None, *, name: str, region, specialty: str = "") -> Team:
    _require(actor, region)
    if team is not None:
        _require(actor, team.region)
    if not (name or "").strip():
        raise FieldErrors({"name": _("请填写名称")})
    team = team or Team()
    team.name, team.region, team.specialty = name.strip()[:100], region, (specialty or "").strip()[:60]
    return _save(actor, team, "emergency.team", "name", name=team.name, region=region.pk)


def add_member(actor, team: Team, *, user, skills: str = "") -> TeamMember:
    _require(actor, team.region)
    if user is None or not user.is_active:
        raise FieldErrors({"user": _("请选择在职人员")})
    member, _created = TeamMember.objects.get_or_create(team=team, user=user)
    member.skills = (skills or "").strip()[:200]
    with transaction.atomic():
        member.save()
        audit.record(actor, "emergency.team_member.save", member, team=team.pk, user=user.pk)
    return member


def remove_member(actor, member: TeamMember) -> None:
    """A member leaves the team, and their shifts still to come with it."""
    _require(actor, member.team.region)
    from django.utils import timezone

    with transaction.atomic():
        DutyShift.objects.filter(team=member.team, user=member.user, ends_at__gt=timezone.now()).delete()
        audit.record(actor, "emergency.team_member.delete", member, team=member.team_id, user=member.user_id)
        member.delete()


def add_shift(actor, team: Team, *, user, starts_at: dt.datetime | None, ends_at: dt.datetime | None,
              order) -> DutyShift:
    """One person on duty for the team; `order` is their place in the escalation (0 first). The
    roster is the team's members: who is not in the team cannot be on its duty."""
    _require(actor, team.region)
    errors = {}
    if user is None or not TeamMember.objects.filter(team=team, user=user).exists():
        errors["user"] = _("值班人员须是本队队员")
    if starts_at is None:
        errors["starts_at"] = _("请填写开始时间")
    if ends_at is None:
        errors["ends_at"] = _("请填写结束时间")
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("结束时间应晚于开始时间")
    elif starts_at is not None and ends_at - starts_at > dt.timedelta(days=7):
        errors["ends_at"] = _("一个班次不超过 7 天")
    try:
        order = int(order or 0)
        if not 0 <= order <= 99:
            raise ValueError
    except (TypeError, ValueError):
        errors["order"] = _("顺序应为 0 至 99")
    if errors:
        raise FieldErrors(errors)
    overlapping = DutyShift.objects.filter(team=team, user=user, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if overlapping.exists():
        raise FieldErrors({"starts_at": _("此人在该时段已有班次")})
    shift = DutyShift(team=team, user=user, starts_at=starts_at, ends_at=ends_at, order=order)
    with transaction.atomic():
        shift.save()
        audit.record(actor, "emergency.shift.create", shift, team=team.pk, user=user.pk,
                     starts_at=starts_at.isoformat(), ends_at=ends_at.isoformat(), order=order)
    return shift


def remove_shift(actor, shift: DutyShift) -> None:
    _require(actor, shift.team.region)
    with transaction.atomic():
        audit.record(actor, "emergency.shift.delete", shift, team=shift.team_id, user=shift.user_id)
        shift.delete()


# ---------------------------------------------------------------- sensors

def save_device(actor, device: Device | None, *, code: str, kind: str, name: str, region, grid=None, owner=None,
                lat=None, lon=None, threshold=None, on_alarm: str = Device.OnAlarm.ALERT) -> Device:
    """A sensor in the registry: where it is (a point, its grid), who owns it, when it alarms. The
    code is the MQTT topic's (gongzhi/sensors/{code}/events): a device keeps it once registered."""
    _require(actor, region)
    if device is not None:
        _require(actor, device.region)
    errors = {}
    code = (code or "").strip()
    if device is not None and device.pk and code != device.code:
        errors["code"] = _("设备编码登记后不能修改（它是设备上报的主题）")
    if not code:
        errors["code"] = _("请填写设备编码")
    if kind not in Device.Kind.values:
        errors["kind"] = _("请选择设备类型")
    if not (name or "").strip():
        errors["name"] = _("请填写名称")
    if on_alarm not in Device.OnAlarm.values:
        errors["on_alarm"] = _("请选择报警处置")
    if grid is not None and not grid.community.path.startswith(region.path):
        errors["grid"] = _("网格不在所选区域内")
    _coordinates(errors, lat, lon)
    if errors:
        raise FieldErrors(errors)
    device = device or Device(code=code)
    device.kind, device.name, device.region, device.grid, device.owner = kind, name.strip()[:100], region, grid, owner
    device.lat, device.lon, device.threshold, device.on_alarm = lat, lon, threshold, on_alarm
    return _save(actor, device, "emergency.device", "code", code=code, region=region.pk)


# ---------------------------------------------------------------- warehouses, items, movements

def save_warehouse(actor, warehouse: Warehouse | None, *, name: str, region, lat=None, lon=None) -> Warehouse:
    _require(actor, region)
    if warehouse is not None:
        _require(actor, warehouse.region)
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("请填写名称")
    _coordinates(errors, lat, lon)
    if errors:
        raise FieldErrors(errors)
    warehouse = warehouse or Warehouse()
    warehouse.name, warehouse.region, warehouse.lat, warehouse.lon = name.strip()[:100], region, lat, lon
    return _save(actor, warehouse, "emergency.warehouse", "name", name=warehouse.name, region=region.pk)


def save_item(actor, *, name: str, unit: str) -> Item:
    if not may_keep(actor):
        raise ActionRefused(_("只有应急办可以维护应急台账"))
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("请填写名称")
    if not (unit or "").strip():
        errors["unit"] = _("请填写计量单位")
    if errors:
        raise FieldErrors(errors)
    return _save(actor, Item(name=name.strip()[:100], unit=unit.strip()[:16]), "emergency.item", "name",
                 name=name.strip()[:100])


def move(actor, kind: str, warehouse: Warehouse, item: Item | None, quantity, *, to_warehouse=None,
         note: str = "") -> Movement:
    """A stock movement at a warehouse: in, out, a transfer to another warehouse, or a count."""
    _require(actor, warehouse.region, "warehouse")
    if item is None:
        raise FieldErrors({"item": _("请选择物资")})
    note = (note or "").strip()[:200]
    if kind == Movement.Kind.TRANSFER:
        if to_warehouse is None:
            raise FieldErrors({"to_warehouse": _("请选择调入仓库")})
        _require(actor, to_warehouse.region, "to_warehouse")
    with transaction.atomic():
        movement = _move(actor, kind, warehouse, item, quantity, to_warehouse, note)
        audit.record(actor, f"emergency.stock.{kind}", movement, warehouse=warehouse.pk, item=item.pk,
                     quantity=movement.quantity)
    return movement


def _move(actor, kind, warehouse, item, quantity, to_warehouse, note) -> Movement:
    if kind == Movement.Kind.IN:
        movement = supplies.receive(warehouse, item, quantity, actor, note)
    elif kind == Movement.Kind.OUT:
        movement = supplies.issue(warehouse, item, quantity, actor, note=note)
    elif kind == Movement.Kind.TRANSFER:
        movement = supplies.transfer(warehouse, to_warehouse, item, quantity, actor, note)
    elif kind == Movement.Kind.COUNT:
        movement = supplies.count(warehouse, item, quantity, actor, note)
    else:
        raise FieldErrors({"kind": _("请选择出入库类型")})
    return movement
