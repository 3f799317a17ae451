"""Every change to incidents, plans and their tasks: one transaction each, with its IncidentEvent.

People are told through the kernel: command staff and departments get confirmed notifications
(core.confirmations) that escalate along the duty roster after the minutes the incident's level
allows (GONGZHI_EMERGENCY_ESCALATE_MINUTES); plan owners get expiry reminders (core.recipients).
"""
from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from gongzhi.core import confirmations, scoping
from gongzhi.core.deadlines import DeadlinePolicy, sweep
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.models import Department, Region, Role
from gongzhi.core.recipients import handlers_of, holders_of, notify, ref_of

from .lifecycle import INCIDENT_LIFECYCLE
from .models import (Category, Deployment, DutyShift, Incident, IncidentTask, Level, Plan, PlanType,
                     PublicWarning, Statement, Team, Unit)

T = IncidentTask.Status
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
DEFAULT_ESCALATE = {"I": 5, "II": 10, "III": 15, "IV": 30}


def said(msgid: str, **args) -> dict:
    """An event's note in the writer's language, with what reads it again in the reader's (labels.py)."""
    return {"note": (_(msgid) % args if args else _(msgid))[:300], "msg": msgid, "args": args}


def option(name: str, default):
    return getattr(settings, "GONGZHI", {}).get(name, default)


def escalate_minutes(level: str) -> int:
    """Minutes a confirmation may wait at this response level before the next on duty is asked."""
    table = {**DEFAULT_ESCALATE, **(option("EMERGENCY_ESCALATE_MINUTES", {}) or {})}
    return int(table.get(level, DEFAULT_ESCALATE["IV"]))


def link(incident: Incident) -> str:
    return f"/emergency/incidents/{incident.pk}/"


def ref(incident: Incident) -> str:
    return ref_of(incident)


# ---------------------------------------------------------------- who is told

def on_duty(region: Region | None, at: dt.datetime | None = None) -> list:
    """The duty roster now: people on shift in the teams of the region or above it, in order."""
    at = at or timezone.now()
    shifts = DutyShift.objects.filter(starts_at__lte=at, ends_at__gt=at, user__is_active=True).select_related("user")
    if region is not None:
        paths = [r.path for r in region.ancestors()]
        shifts = shifts.filter(team__region__path__in=paths)
    seen, people = set(), []
    for shift in shifts.order_by("order", "starts_at", "id"):
        if shift.user_id not in seen:
            seen.add(shift.user_id)
            people.append(shift.user)
    return people


def _command_staff(region):
    return list(holders_of(region, Role.EMERGENCY))


def _ask(users, incident: Incident, text: str):
    """A confirmed notification about the incident, escalating along the duty roster."""
    users = list(users)
    roster = on_duty(incident.region)
    if not users:  # nobody holds the role here: the roster's first person is asked
        users, roster = roster[:1], roster[1:]
    if users:
        confirmations.request(users, "emergency", text, link(incident), ref=ref(incident),
                              escalate_after=escalate_minutes(incident.level), chain=roster)


# ---------------------------------------------------------------- incidents

def new_number(at: dt.datetime) -> str:
    return f"YJ{timezone.localtime(at):%Y%m%d}" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(4))


def _clean(fields: dict) -> dict:
    errors = {}
    title = (fields.get("title") or "").strip()
    if not title:
        errors["title"] = _("请填写事件标题")
    if fields.get("category") not in Category.values:
        errors["category"] = _("请选择事件类别")
    if fields.get("level") not in Level.values:
        errors["level"] = _("响应级别应为 I、II、III 或 IV")
    if not isinstance(fields.get("region"), Region):
        errors["region"] = _("请选择所属区域")
    for name, low, high in (("lat", -90, 90), ("lon", -180, 180)):
        value = fields.get(name)
        if value not in (None, ""):
            try:
                value = float(value)
            except (TypeError, ValueError):
                errors[name] = _("坐标必须是数字")
                continue
            if not low <= value <= high:
                errors[name] = _("坐标超出范围")
            fields[name] = value
        else:
            fields[name] = None
    try:
        fields["people_affected"] = int(fields.get("people_affected") or 0)
        if fields["people_affected"] < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["people_affected"] = _("影响人数必须是非负整数")
    if errors:
        raise FieldErrors(errors)
    fields["title"] = title[:200]
    return fields


def report(actor, *, title: str, category: str, level: str, region, place: str = "", lat=None, lon=None,
           people_affected=0, description: str = "", source: str = Incident.Source.STAFF, plan_type=None,
           alert=None, appeal=None, device=None, grid=None, note: str = "") -> Incident:
    """An incident is reported: recorded, and the emergency office told (confirmed, escalating). Its
    grid is the one its point on the map falls in, unless given (a sensor's own grid)."""
    from gongzhi.core.geo import find_grid

    if plan_type is not None and plan_type.category != category:
        raise FieldErrors({"plan_type": _("事件类型与类别不符")})
    fields = _clean({"title": title, "category": category, "level": level, "region": region, "lat": lat,
                     "lon": lon, "people_affected": people_affected})
    grid = grid or find_grid(fields["lat"], fields["lon"])
    if source == Incident.Source.STAFF and actor is not None and scoping.has_role(actor, Role.GRID_WORKER):
        source = Incident.Source.GRID
    at = timezone.now()
    with transaction.atomic():
        incident = Incident.objects.create(
            number=new_number(at), title=fields["title"], description=description, category=category,
            plan_type=plan_type, level=level, source=source, region=region, grid=grid, place=place[:300], lat=fields["lat"],
            lon=fields["lon"], people_affected=fields["people_affected"], alert=alert, appeal=appeal,
            device=device, reported_by=actor, reported_at=at)
        record_event(incident, "reported", actor, to_status=incident.status, note=note or incident.title,
                     source=source)
        _ask(_command_staff(region), incident,
             _("突发事件（%(level)s级）：%(title)s，%(place)s") % {
                 "level": level, "title": incident.title, "place": place or region.name})
    return incident


def from_alert(alert, actor, note: str = "") -> Incident:
    """The alert conversion (triage.alerts.register_conversion): an incident at level IV to be assessed."""
    region = alert.region or Region.objects.filter(parent__isnull=True).first()
    category = Category.ACCIDENT if alert.kind == "sensor" else Category.SECURITY
    return report(actor, title=alert.title, category=category, level=Level.IV, region=region,
                  description="；".join(str(r) for r in alert.reasons), source=Incident.Source.ALERT,
                  alert=alert, appeal=alert.appeal, note=note or _("由预警转入"))


def from_appeal(appeal, actor, *, category: str = Category.ACCIDENT, level: str = Level.IV,
                people_affected=0) -> Incident:
    """An appeal that turns out to be an emergency becomes an incident: its title, place and text
    (with phone and ID numbers masked: the incident is read by many departments). One open
    incident per appeal: converting it again is refused."""
    from gongzhi.core.pii import mask_text

    if Incident.objects.filter(appeal=appeal).exclude(status=Incident.Status.CLOSED).exists():
        raise ActionRefused(_("该诉求已转为突发事件"))
    region = appeal.region or Region.objects.filter(parent__isnull=True).first()
    return report(actor, title=appeal.title, category=category, level=level, region=region,
                  place=appeal.location_text, lat=appeal.lat, lon=appeal.lon, description=mask_text(appeal.content),
                  people_affected=people_affected, source=Incident.Source.APPEAL, appeal=appeal,
                  note=_("由诉求转入：%(number)s") % {"number": appeal.tracking_number})


def plans_for(incident: Incident, user) -> list[Plan]:
    """The plans the incident's board offers to activate (those with task templates, in the reader's
    scope): of the incident's type first, then of its category, plans in force before lapsed ones."""
    today = timezone.localdate()
    plans = Plan.objects.restrict(user).filter(task_templates__isnull=False).distinct().select_related(
        "unit", "plan_type")

    def rank(plan):
        in_force = plan.effective_on <= today <= plan.review_on
        return (plan.plan_type_id != incident.plan_type_id if incident.plan_type_id else True,
                plan.plan_type.category != incident.category, not in_force, plan.title)

    return sorted(plans, key=rank)


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


def activate(incident: Incident, plan: Plan, actor) -> Incident:
    """Activating a plan turns its task templates into tasks for the named departments, each with
    a deadline (hours from now); each department's handlers are asked to confirm."""
    INCIDENT_LIFECYCLE.require_role(actor, "activate")
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(incident)
        INCIDENT_LIFECYCLE.require_state(locked, "activate")
        templates = list(plan.task_templates.select_related("department"))
        if not templates:
            raise ActionRefused(_("该预案没有任务模板，无法启动"))
        before = locked.status
        locked.status, locked.plan = Incident.Status.RESPONDING, plan
        locked.save()
        tasks = IncidentTask.objects.bulk_create([
            IncidentTask(incident=locked, department=t.department, title=t.title,
                         due_at=now + dt.timedelta(hours=t.hours)) for t in templates])
        record_event(locked, "activated", actor, from_status=before, to_status=locked.status,
                     **said(N_("启动预案：%(plan)s，下达任务 %(n)d 项"), plan=plan.title, n=len(tasks)), plan=plan.pk)
        for department in {t.department for t in templates}:
            titles = "；".join(t.title for t in templates if t.department_id == department.pk)
            _ask(handlers_of(department.pk), locked, _("应急任务（%(incident)s）：%(tasks)s") % {
                "incident": locked.title, "tasks": titles})
    return locked


def may_update_task(task: IncidentTask, user) -> bool:
    return bool(user and user.is_authenticated) and (
        task.department_id in scoping.department_ids(user, Role.HANDLER)
        or scoping.has_role(user, Role.EMERGENCY, Role.ADMIN) or user.is_superuser)


def update_task(task: IncidentTask, actor, status: str, note: str = "") -> IncidentTask:
    """A department reports its task's progress (its handlers, or the emergency office)."""
    if status not in T.values:
        raise FieldErrors({"status": _("任务状态无效")})
    if not may_update_task(task, actor):
        raise ActionRefused(_("只有承办部门或应急办可以更新该任务"))
    with transaction.atomic():
        locked = IncidentTask.objects.select_for_update().select_related("incident", "department").get(pk=task.pk)
        if locked.incident.status == Incident.Status.CLOSED:
            raise ActionRefused(_("事件已结束，任务不能再更新"))
        before = locked.status
        locked.status, locked.note = status, note[:300]
        locked.save()
        record_event(locked.incident, "task", actor, from_status=locked.incident.status,
                     note=f"{locked.department.name}：{locked.title} → {locked.get_status_display()}"
                          + (f"（{note}）" if note else ""),
                     task=locked.pk, task_from=before, task_to=status, dept=locked.department.name,
                     title=locked.title, progress=note[:300])
        Incident.objects.filter(pk=locked.incident_id).update(updated_at=timezone.now())
    return locked


def set_level(incident: Incident, actor, level: str) -> Incident:
    if level not in Level.values:
        raise FieldErrors({"level": _("响应级别应为 I、II、III 或 IV")})
    return INCIDENT_LIFECYCLE.perform(incident, "set_level", actor, changes={"level": level},
                                      **said(N_("响应级别调整为 %(level)s"), level=level))


def add_statement(incident: Incident, actor, channel: str, text: str) -> Statement:
    """舆情导控: a public statement, what, when, by whom, on which channel."""
    if not (channel or "").strip() or not (text or "").strip():
        raise FieldErrors({"text": _("请填写发布渠道和内容")})
    INCIDENT_LIFECYCLE.require_role(actor, "statement")
    with transaction.atomic():
        locked = _locked(incident)
        INCIDENT_LIFECYCLE.require_state(locked, "statement")
        statement = Statement.objects.create(incident=locked, channel=channel.strip()[:60], text=text.strip(),
                                             released_at=timezone.now(), released_by=actor)
        record_event(locked, "statement", actor, from_status=locked.status, note=f"{statement.channel}：{text[:200]}")
        locked.save(update_fields=["updated_at"])
    return statement


def deploy(incident: Incident, actor, team: Team) -> Deployment:
    INCIDENT_LIFECYCLE.require_role(actor, "deploy")
    with transaction.atomic():
        locked = _locked(incident)
        INCIDENT_LIFECYCLE.require_state(locked, "deploy")
        deployment = Deployment.objects.create(incident=locked, team=team, by=actor)
        record_event(locked, "deployed", actor, from_status=locked.status, **said(N_("调派队伍：%(team)s"), team=team.name),
                     team=team.pk)
        locked.save(update_fields=["updated_at"])
        members = [m.user for m in team.members.select_related("user")]
        if members:
            _ask(members, locked, _("队伍集结（%(team)s）：%(title)s，%(place)s") % {
                "team": team.name, "title": locked.title, "place": locked.place or locked.region.name})
    return deployment


def issue_warning(incident: Incident | None, actor, *, headline: str, description: str, area: str,
                  severity: str = PublicWarning.Severity.MODERATE, instruction: str = "", hours: int = 24,
                  category: str | None = None) -> PublicWarning:
    """A public warning (CAP 1.2 and the Atom feed), current for `hours`."""
    errors = {}
    if not (headline or "").strip():
        errors["headline"] = _("请填写预警标题")
    if not (description or "").strip():
        errors["description"] = _("请填写预警内容")
    if not (area or "").strip():
        errors["area"] = _("请填写影响区域")
    if severity not in PublicWarning.Severity.values:
        errors["severity"] = _("严重程度无效")
    if not 1 <= int(hours or 0) <= 24 * 14:
        errors["hours"] = _("有效时长应为 1 至 336 小时")
    if errors:
        raise FieldErrors(errors)
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        if incident is not None:
            INCIDENT_LIFECYCLE.require(incident, "warn", actor)
        warning = PublicWarning.objects.create(
            incident=incident, identifier=f"gongzhi-{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}",
            headline=headline.strip()[:160], description=description.strip(), instruction=instruction.strip(),
            category=category or (incident.category if incident else Category.NATURAL), severity=severity,
            area=area.strip()[:200], lat=incident.lat if incident else None, lon=incident.lon if incident else None,
            sent_at=now, expires_at=now + dt.timedelta(hours=int(hours)), issued_by=actor)
        if incident is not None:
            record_event(incident, "warning", actor, from_status=incident.status, note=warning.headline,
                         warning=warning.pk)
    return warning


def close(incident: Incident, actor, review: str) -> Incident:
    """Close-out with the after-action review (复盘), downloadable as .docx."""
    if not (review or "").strip():
        raise FieldErrors({"review": _("请填写复盘总结")})
    with transaction.atomic():
        closed = INCIDENT_LIFECYCLE.perform(incident, "close", actor, **said(N_("响应结束")),
                                            changes={"review": review.strip(), "closed_at": timezone.now()})
        PublicWarning.objects.filter(incident=closed, cancelled=False).update(cancelled=True)
    return closed


# ---------------------------------------------------------------- plans

def _keeps_plan(actor, plan: Plan | None = None) -> None:
    """Plans and their drills are the emergency office's register: only it (or an administrator)
    changes them, and only for the units in its scope."""
    from gongzhi.core.lifecycle import may_act

    if actor is None or not may_act(actor, (Role.EMERGENCY,)):
        raise ActionRefused(_("只有应急办可以登记预案"))
    if plan is not None and plan.pk and not Plan.objects.restrict(actor).filter(pk=plan.pk).exists():
        raise ActionRefused(_("该预案不在您的管辖范围内"))


def add_drill(plan: Plan, actor, *, held_on: dt.date | None, participants, record: str):
    """演练: an exercise of the plan, with its record; the plan's last drill is what coverage shows."""
    from gongzhi.core import audit

    from .models import Drill

    _keeps_plan(actor, plan)
    errors = {}
    if held_on is None:
        errors["held_on"] = _("请填写演练日期")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("演练日期不能晚于今天")
    try:
        participants = int(participants or 0)
        if not 0 <= participants <= 100000:
            raise ValueError
    except (TypeError, ValueError):
        errors["participants"] = _("参演人数必须是非负整数")
    record = (record or "").strip()
    if not record:
        errors["record"] = _("请填写演练记录")
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        drill = Drill.objects.create(plan=plan, held_on=held_on, participants=participants, record=record)
        audit.record(actor, "emergency.drill.create", drill, plan=plan.pk, held_on=held_on.isoformat())
    return drill


def expiry_reminders(today: dt.date | None = None) -> int:
    """Tell each plan's owner (or its unit's contact) once, GONGZHI_EMERGENCY_PLAN_REMINDER_DAYS
    before the review date, that the plan is to be reviewed. Returns how many were told."""
    today = today or timezone.localdate()
    days = int(option("EMERGENCY_PLAN_REMINDER_DAYS", 30))
    told = 0
    for plan in Plan.objects.filter(review_on__lte=today + dt.timedelta(days=days)).select_related("unit", "owner"):
        if plan.reminded_on == plan.review_on:
            continue
        who = plan.owner or plan.unit.contact
        if who is not None:
            notify([who], "emergency.plan_review", _("预案“%(title)s”将于 %(date)s 到期，请及时修订复审") % {
                "title": plan.title, "date": plan.review_on.isoformat()}, "/emergency/coverage/")
            told += 1
        Plan.objects.filter(pk=plan.pk).update(reminded_on=plan.review_on)
    return told


# ---------------------------------------------------------------- task deadlines

def _task_overdue(task: IncidentTask) -> None:
    with transaction.atomic():
        record_event(task.incident, "task_overdue", None, from_status=task.incident.status,
                     **said(N_("任务超时：%(dept)s %(title)s"), dept=task.department.name, title=task.title))
        notify(_command_staff(task.incident.region) + list(handlers_of(task.department_id)), "emergency.task_overdue",
               _("应急任务超时：%(title)s") % {"title": task.title}, link(task.incident))


TASK_DEADLINES = DeadlinePolicy(
    open_cases=lambda: IncidentTask.objects.exclude(status=T.DONE).exclude(
        incident__status=Incident.Status.CLOSED).select_related("incident", "department", "incident__region"),
    due_soon_hours=lambda: float(option("EMERGENCY_TASK_DUE_SOON_HOURS", 0.5)),
    on_overdue=_task_overdue)


def sweep_task_deadlines(now=None) -> dict[str, int]:
    return sweep(TASK_DEADLINES, now)


def plan_types() -> list[PlanType]:
    return list(PlanType.objects.all())


def department_of(user) -> list[Department]:
    return list(Department.objects.filter(pk__in=scoping.department_ids(user, Role.HANDLER)))


PLAN_DOCUMENT_TYPES = (".pdf", ".doc", ".docx", ".odt", ".wps")


def save_plan(actor, *, unit: Unit | None, plan_type: PlanType | None, title: str, level: str, effective_on,
              review_on, document=None, owner=None, plan: Plan | None = None) -> Plan:
    """Register a plan or revise one: its level, owner (who is reminded before the review date;
    whoever registers it when none is chosen), dates and document (PDF or Word, within
    GONGZHI_ATTACHMENT_MAX_BYTES). Only the emergency office (or an administrator) keeps plans."""
    from gongzhi.core import audit

    _keeps_plan(actor, plan)
    errors = {}
    if unit is None:
        errors["unit"] = _("请选择单位")
    if plan_type is None:
        errors["plan_type"] = _("请选择预案类型")
    if not (title or "").strip():
        errors["title"] = _("请填写预案名称")
    if level not in Level.values:
        errors["level"] = _("响应级别应为 I、II、III 或 IV")
    if effective_on is None:
        errors["effective_on"] = _("请填写生效日期")
    if review_on is None:
        errors["review_on"] = _("请填写复审日期")
    elif effective_on is not None and review_on <= effective_on:
        errors["review_on"] = _("复审日期应晚于生效日期")
    if owner is not None and not (owner.is_active and owner.roles.exclude(role=Role.CITIZEN).exists()):
        errors["owner"] = _("请选择在职人员")
    if document is not None:
        if not document.name.lower().endswith(PLAN_DOCUMENT_TYPES):
            errors["document"] = _("预案文本应为 PDF 或 Word 文件")
        elif document.size > settings.GONGZHI["ATTACHMENT_MAX_BYTES"]:
            errors["document"] = _("文件过大")
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        plan = plan or Plan(unit=unit, plan_type=plan_type)
        plan.unit, plan.plan_type, plan.title, plan.level = unit, plan_type, title.strip()[:200], level
        plan.effective_on, plan.review_on, plan.owner = effective_on, review_on, owner or plan.owner or actor
        if plan.pk and plan.reminded_on != review_on:
            plan.reminded_on = None  # a new review date: remind again before it
        if document is not None:
            plan.document.save(document.name, document, save=False)
        created = plan.pk is None
        plan.save()
        audit.record(actor, f"emergency.plan.{'create' if created else 'update'}", plan, unit=unit.pk,
                     plan_type=plan_type.pk, owner=plan.owner_id, review_on=review_on.isoformat())
    return plan
