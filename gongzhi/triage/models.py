"""Triage state kept in the database: model versions, hot issues and the alerts they raise."""
from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import scoping
from gongzhi.core.events import CaseEvent
from gongzhi.core.models import Region, Role


class ClassifierVersion(models.Model):
    """A trained classifier on disk (DATA_DIR/models/<version>/) with its evaluation report."""

    version = models.CharField(max_length=64, unique=True)
    path = models.CharField(max_length=500)
    source = models.CharField(max_length=32, default="database")  # database | csv
    trained_on = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.version


class HotIssueQuerySet(scoping.RestrictedQuerySet):
    pass


class HotIssue(models.Model):
    """Many appeals about one problem at one place in one period (热点问题)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("持续中")
        CLOSED = "closed", _("已平息")

    key = models.PositiveBigIntegerField(db_index=True)  # id of the issue's first appeal: stable across rebuilds
    title = models.CharField(max_length=200)
    place = models.CharField(max_length=100, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    start = models.DateTimeField(null=True)
    end = models.DateTimeField(null=True)
    size = models.PositiveIntegerField(default=0)
    distinct_people = models.PositiveIntegerField(default=0)
    heat = models.FloatField(default=0, db_index=True)
    terms = models.JSONField(default=list)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    appeals = models.ManyToManyField("appeals.Appeal", related_name="hot_issues", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HotIssueQuerySet.as_manager()

    class Meta:
        ordering = ["-heat"]
        constraints = [
            # One active row per issue: intake and the rebuild, in any process, meet on it.
            models.UniqueConstraint(fields=["key"], condition=Q(state="active"), name="triage_hot_issue_active_key"),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_q(cls, user, action="view"):
        roles = (Role.ADMIN, Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.MEDIATOR, Role.EMERGENCY, Role.ANALYST)
        by_region = scoping.region_q(user, roles)
        if by_region is None:
            return None
        if not by_region:
            return Q()
        return by_region | Q(region__isnull=True)


class AlertQuerySet(scoping.RestrictedQuerySet):
    pass


class Alert(models.Model):
    """A warning raised for people to act on (预警), acknowledged and followed through."""

    class Kind(models.TextChoices):
        HOT_ISSUE = "hot_issue", _("热点升温")
        GROUP_SIGNAL = "group_signal", _("群体性风险信号")
        HIGH_RISK = "high_risk", _("高风险诉求")
        SENSOR = "sensor", _("传感器报警")

    class Level(models.TextChoices):
        RED = "red", _("红色")
        ORANGE = "orange", _("橙色")
        YELLOW = "yellow", _("黄色")
        BLUE = "blue", _("蓝色")

    class State(models.TextChoices):
        OPEN = "open", _("待处置")
        ACKNOWLEDGED = "acknowledged", _("已签收")
        CONVERTED = "converted", _("已转办")
        DISMISSED = "dismissed", _("已排除")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.YELLOW)
    title = models.CharField(max_length=200)
    reasons = models.JSONField(default=list)
    appeal = models.ForeignKey("appeals.Appeal", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    hot_issue = models.ForeignKey(HotIssue, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN, db_index=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True)
    # What the alert became (an appeal today; a dispute, a petition or an emergency incident when
    # those case types register as conversion targets: triage.alerts.register_conversion).
    converted_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    converted_id = models.PositiveBigIntegerField(null=True, blank=True)
    converted_to = GenericForeignKey("converted_type", "converted_id")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["converted_type", "converted_id"], name="alert_converted_idx",
                                condition=Q(converted_id__isnull=False))]

    def __str__(self) -> str:
        return self.title

    scope_q = HotIssue.scope_q


class AlertEvent(CaseEvent):
    """One entry in an alert's history: raised, acknowledged, converted, dismissed (triage.alerts)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")

    class Meta(CaseEvent.Meta):
        pass


class PlaceName(models.Model):
    """地名: a road, compound or landmark of the territory, for the operator desk's gazetteer
    (triage/gazetteer.py) beside the regions and grids themselves. Where it lies is its community
    (or subdistrict) and, when it is inside one, its grid; a point when one is known."""

    class Kind(models.TextChoices):
        ROAD = "road", _("道路")
        COMPOUND = "compound", _("小区")
        LANDMARK = "landmark", _("地标")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.ROAD)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("所属区划"))
    grid = models.ForeignKey("core.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("网格"))
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("地名")
        verbose_name_plural = _("地名")
        constraints = [models.UniqueConstraint(fields=["name", "region"], name="unique_place_name_per_region")]

    def __str__(self) -> str:
        return self.name
