"""Screening campaigns (矛盾纠纷排查): a period, the communities in scope and the dispute kinds to
look for; one task per grid worker (or per community, where no grid has one). A task is answered
with findings (each a dispute) or an explicit nothing-found (零报告): silence is not a report, and a
task still silent when the campaign ends is late and escalated like an overdue case."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import scoping
from gongzhi.core.deadlines import DueState
from gongzhi.core.events import CaseEvent
from gongzhi.core.models import Grid, Region, Role
from gongzhi.core.scoping import RestrictedQuerySet

CAMPAIGN_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.MEDIATOR, Role.ADMIN)


class Campaign(models.Model):
    title = models.CharField(_("排查名称"), max_length=200)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("截止日期"))
    regions = models.ManyToManyField(Region, related_name="+", verbose_name=_("排查范围"))
    kinds = models.ManyToManyField("disputes.DisputeKind", related_name="+", verbose_name=_("排查重点"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("排查活动")
        verbose_name_plural = _("排查活动")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        """Those who run campaigns see the ones touching their region; a grid worker the ones with a task."""
        by_region = scoping.region_q(user, CAMPAIGN_ROLES, field="regions")
        mine = models.Q(tasks__assignee=user) if scoping.has_role(user, Role.GRID_WORKER) else None
        return scoping.union(by_region, mine)


class ScreeningTask(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待报告")
        FOUND = "found", _("已报告（有发现）")
        NOTHING = "nothing", _("零报告")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("网格"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="screening_tasks", verbose_name=_("网格员"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    found_count = models.PositiveIntegerField(_("发现数"), default=0)
    note = models.TextField(_("报告说明"), blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    due_at = models.DateTimeField(_("报告期限"))
    due_state = models.CharField(max_length=16, choices=DueState.choices, default=DueState.ON_TRACK)

    class Meta:
        ordering = ["campaign", "community", "grid", "id"]
        verbose_name = _("排查任务")
        verbose_name_plural = _("排查任务")

    def __str__(self) -> str:
        return f"{self.campaign} · {self.grid or self.community}"

    @property
    def unit(self):
        return self.grid or self.community

    @property
    def late(self) -> bool:
        return self.status == self.Status.PENDING and self.due_state == DueState.OVERDUE


class ScreeningTaskEvent(CaseEvent):
    task = models.ForeignKey(ScreeningTask, on_delete=models.CASCADE, related_name="events")

    class Meta(CaseEvent.Meta):
        pass
