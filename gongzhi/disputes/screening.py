"""Every change to a screening campaign and its tasks, in one transaction each, with the task's
history (ScreeningTaskEvent); findings become disputes through services.report."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from gongzhi.core import messages, scoping
from gongzhi.core.deadlines import DeadlinePolicy, sweep
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.lifecycle import may_act
from gongzhi.core.models import Region, Role, RoleAssignment
from gongzhi.core.recipients import notify, supervisors_of

from . import services
from .models import Dispute
from .screening_models import Campaign, ScreeningTask

LAUNCH_ROLES = (Role.SUPERVISOR, Role.LEADER)
T = ScreeningTask.Status


def link(campaign: Campaign) -> str:
    return f"/disputes/screening/{campaign.pk}/"


def task_link(task: ScreeningTask) -> str:
    return f"/disputes/screening/tasks/{task.pk}/"


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def launch(*, actor, title: str, starts_on: dt.date | None, ends_on: dt.date | None, regions, kinds) -> Campaign:
    """A campaign over `regions` (and everything below them): a task for each grid worker of each
    grid in scope, and one for each community none of whose grids has a worker."""
    if not may_act(actor, LAUNCH_ROLES):
        raise ActionRefused(_("您的角色无权发起排查"))
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("请填写排查名称")
    if starts_on is None or ends_on is None:
        errors["ends_on"] = _("请填写排查期间")
    elif ends_on < starts_on:
        errors["ends_on"] = _("截止日期不能早于开始日期")
    if not regions:
        errors["regions"] = _("请选择排查范围")
    if not kinds:
        errors["kinds"] = _("请选择排查重点")
    if errors:
        raise FieldErrors(errors)
    communities = Region.objects.none()
    for region in regions:
        communities |= region.descendants().filter(level=Region.Level.COMMUNITY)
    due = _end_of(ends_on)
    with transaction.atomic():
        campaign = Campaign.objects.create(title=title.strip()[:200], starts_on=starts_on, ends_on=ends_on,
                                           created_by=actor)
        campaign.regions.set(regions)
        campaign.kinds.set(kinds)
        tasks = []
        for community in communities.distinct().order_by("path"):
            workers = list(RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid__community=community,
                                                         user__is_active=True).select_related("grid", "user"))
            if workers:
                tasks += [ScreeningTask(campaign=campaign, community=community, grid=w.grid, assignee=w.user,
                                        due_at=due) for w in workers]
            else:
                tasks.append(ScreeningTask(campaign=campaign, community=community, due_at=due))
        ScreeningTask.objects.bulk_create(tasks)
        for task in campaign.tasks.all():
            record_event(task, "assigned", actor, to_status=T.PENDING, note=campaign.title)
        notify([t.assignee for t in tasks if t.assignee], "screening_task",
               messages.localised(N_("排查任务：%(title)s，请于%(day)s前报告（无发现也须零报告）"),
                                  title=campaign.title, day=ends_on.isoformat()), link(campaign))
    return campaign


COMMUNITY_REPORTERS = (Role.GRID_WORKER, Role.SUPERVISOR, Role.MEDIATOR)


def _covers(actor, region: Region) -> bool:
    """`actor` holds a reporting role over `region` (in it, above it, or jurisdiction-wide)."""
    for r in scoping.roles_of(actor):
        if r.role not in COMMUNITY_REPORTERS or r.department_id or r.grid_id:
            continue
        if r.region_id is None or region.path.startswith(r.region.path):
            return True
    return False


def may_report(task: ScreeningTask, actor) -> bool:
    """The task's grid worker; a community's task (no grid worker), whoever works over that community."""
    if actor is None or getattr(actor, "is_superuser", False) or task.assignee_id == actor.pk:
        return True
    return task.assignee_id is None and _covers(actor, task.community)


def _answer(task: ScreeningTask, actor, status: str, note: str, findings=()) -> ScreeningTask:
    if not may_report(task, actor):
        raise ActionRefused(_("这不是您的排查任务"))
    with transaction.atomic():
        locked = ScreeningTask.objects.select_for_update().select_related("campaign").get(pk=task.pk)
        if locked.status != T.PENDING:
            raise ActionRefused(_("该排查任务已报告"))
        made = [services.report(actor=actor, source=Dispute.Source.SCREENING, grid=locked.grid,
                                region=None if locked.grid_id else locked.community, screening_task=locked,
                                **finding) for finding in findings]
        locked.status, locked.found_count, locked.note = status, len(made), (note or "").strip()
        locked.reported_at, locked.reported_by = timezone.now(), actor
        locked.save()
        record_event(locked, status, actor, from_status=T.PENDING, to_status=status,
                     note=locked.note, late=locked.due_at < locked.reported_at, disputes=[d.number for d in made])
    return locked


def report_findings(task: ScreeningTask, actor, findings: list[dict], note: str = "") -> ScreeningTask:
    """Findings: each a dispute (title, facts, kind, parties, …) registered from the task's grid."""
    if not findings:
        raise FieldErrors({"findings": _("请至少填写一条发现的纠纷，没有发现请作零报告")})
    return _answer(task, actor, T.FOUND, note, findings)


def report_nothing(task: ScreeningTask, actor, note: str = "") -> ScreeningTask:
    """零报告: explicitly nothing found."""
    return _answer(task, actor, T.NOTHING, note or _("经排查，未发现矛盾纠纷"))


def coverage(campaign: Campaign) -> dict:
    """Per unit: who, reported (with findings or zero), or still pending, and late; the totals."""
    rows = list(campaign.tasks.select_related("community", "grid", "assignee"))
    totals = {"units": len(rows), "reported": sum(r.status != T.PENDING for r in rows),
              "found": sum(r.status == T.FOUND for r in rows), "nothing": sum(r.status == T.NOTHING for r in rows),
              "late": sum(r.status == T.PENDING and r.due_at < timezone.now() for r in rows),
              "disputes": sum(r.found_count for r in rows)}
    return {"rows": rows, "totals": totals}


def _late(task: ScreeningTask) -> None:
    with transaction.atomic():
        record_event(task, "overdue", None, from_status=task.status, note=_("排查任务逾期未报告"))
        users = [task.assignee] if task.assignee else []
        notify([*users, *supervisors_of(task.community)], "overdue",
               messages.localised(N_("排查逾期未报告：%(unit)s（%(title)s）"), unit=task.unit, title=task.campaign.title),
               link(task.campaign))


DEADLINES = DeadlinePolicy(
    open_cases=lambda: ScreeningTask.objects.filter(status=T.PENDING).select_related("campaign", "community", "grid"),
    due_soon_hours=lambda: settings.GONGZHI["DUE_SOON_HOURS"], on_overdue=_late)


def sweep_deadlines(now=None) -> dict[str, int]:
    return sweep(DEADLINES, now)
