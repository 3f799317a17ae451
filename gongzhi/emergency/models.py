"""Emergency management (应急管理): units and their plans, incidents and their command, supplies,
teams and sensors.

An incident is a case type on the core kernel: its history (IncidentEvent, core.events), its
lifecycle (lifecycle.INCIDENT_LIFECYCLE), its tasks' deadlines (core.deadlines over IncidentTask),
its confirmed notifications (core.confirmations, keyed by `recipients.ref_of(incident)`).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import scoping
from gongzhi.core.deadlines import DueState
from gongzhi.core.events import CaseEvent
from gongzhi.core.models import Department, Grid, Region, Role
from gongzhi.core.scoping import RestrictedQuerySet

User = settings.AUTH_USER_MODEL
# Who works in emergency management across their region.
COMMAND_ROLES = (Role.EMERGENCY, Role.LEADER, Role.SUPERVISOR, Role.ADMIN)


def _region_scope(user, field: str = "region"):
    return scoping.region_q(user, COMMAND_ROLES, field)


class Category(models.TextChoices):
    """The four categories of 突发事件 (《突发事件应对法》)."""

    NATURAL = "natural", _("自然灾害")
    ACCIDENT = "accident", _("事故灾难")
    HEALTH = "health", _("公共卫生")
    SECURITY = "security", _("社会安全")


class Level(models.TextChoices):
    """Response level: I is the most severe."""

    I = "I", _("I级（特别重大）")  # noqa: E741
    II = "II", _("II级（重大）")
    III = "III", _("III级（较大）")
    IV = "IV", _("IV级（一般）")


class Unit(models.Model):
    """A unit that must hold plans: a department, community, school, enterprise or venue."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("部门")
        COMMUNITY = "community", _("社区")
        SCHOOL = "school", _("学校")
        ENTERPRISE = "enterprise", _("企业")
        VENUE = "venue", _("场所")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("单位类型"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区域"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("对应部门"))
    contact = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("负责人"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("应急单位")
        verbose_name_plural = _("应急单位")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return _region_scope(user)


class PlanType(models.Model):
    """A type of plan (a category and a sub-type: 自然灾害 > 防汛)."""

    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    name = models.CharField(_("名称"), max_length=60)
    code = models.SlugField(_("代码"), max_length=32, unique=True)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("预案类型")
        verbose_name_plural = _("预案类型")

    def __str__(self) -> str:
        from django.utils.translation import gettext

        return f"{gettext(self.get_category_display())} · {gettext(self.name)}"


class CoverageRule(models.Model):
    """Every unit of `unit_kind` must hold a plan of `plan_type` (各单位全覆盖)."""

    unit_kind = models.CharField(_("单位类型"), max_length=16, choices=Unit.Kind.choices)
    plan_type = models.ForeignKey(PlanType, on_delete=models.CASCADE, related_name="rules",
                                  verbose_name=_("须有预案"))

    class Meta:
        verbose_name = _("预案覆盖规则")
        verbose_name_plural = _("预案覆盖规则")
        constraints = [models.UniqueConstraint(fields=["unit_kind", "plan_type"], name="emergency_rule_once")]


class Plan(models.Model):
    """应急预案: a unit's plan of one type, valid from its effective date until its review date."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="plans", verbose_name=_("单位"))
    plan_type = models.ForeignKey(PlanType, on_delete=models.PROTECT, related_name="plans", verbose_name=_("预案类型"))
    title = models.CharField(_("预案名称"), max_length=200)
    level = models.CharField(_("预案级别"), max_length=4, choices=Level.choices, default=Level.IV)
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("责任人"))
    document = models.FileField(_("预案文本"), upload_to="emergency/plans/%Y/", blank=True)
    effective_on = models.DateField(_("生效日期"))
    review_on = models.DateField(_("复审日期"))
    reminded_on = models.DateField(null=True, blank=True)  # the expiry reminder went out (once per review date)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "plan_type"]
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return _region_scope(user, "unit__region")

    @property
    def last_drill(self):
        return self.drills.order_by("-held_on").first()


class TaskTemplate(models.Model):
    """What activating a plan asks of a department, and how many hours it has."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="task_templates")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("部门"))
    title = models.CharField(_("任务"), max_length=200)
    hours = models.PositiveIntegerField(_("时限（小时）"), default=2)

    class Meta:
        ordering = ["plan", "id"]


class Drill(models.Model):
    """演练: an exercise of a plan, with its record."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="drills")
    held_on = models.DateField(_("演练日期"))
    participants = models.PositiveIntegerField(_("参演人数"), default=0)
    record = models.TextField(_("演练记录"), blank=True)

    class Meta:
        ordering = ["-held_on"]


class Incident(models.Model):
    """突发事件: reported, raised from an alert or a sensor, or converted from an appeal; commanded
    on one board until it is closed with its after-action review (复盘)."""

    class Status(models.TextChoices):
        REPORTED = "reported", _("已报告")
        RESPONDING = "responding", _("响应中")
        CLOSED = "closed", _("已结束")

    class Source(models.TextChoices):
        STAFF = "staff", _("工作人员报告")
        GRID = "grid", _("网格员上报")
        ALERT = "alert", _("预警转入")
        SENSOR = "sensor", _("传感器报警")
        APPEAL = "appeal", _("诉求转入")

    number = models.CharField(_("事件编号"), max_length=32, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("情况"), blank=True)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    plan_type = models.ForeignKey(PlanType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("事件类型"))
    level = models.CharField(_("响应级别"), max_length=4, choices=Level.choices, default=Level.IV)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.STAFF)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区域"))
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    place = models.CharField(_("地点"), max_length=300, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    people_affected = models.PositiveIntegerField(_("影响人数"), default=0)
    alert = models.ForeignKey("triage.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    appeal = models.ForeignKey("appeals.Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    device = models.ForeignKey("emergency.Device", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="incidents")
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="activations",
                             verbose_name=_("启动预案"))
    reported_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reported_at = models.DateTimeField(_("报告时间"))
    closed_at = models.DateTimeField(null=True, blank=True)
    review = models.TextField(_("复盘"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("突发事件")
        verbose_name_plural = _("突发事件")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        """Command roles see their region; a department's handler the incidents it has tasks in; a
        grid worker what they reported."""
        wide = _region_scope(user)
        dept = scoping.department_ids(user, Role.HANDLER)
        tasks = Q(tasks__department_id__in=dept) if dept else None
        grid = Q(reported_by=user) if scoping.has_role(user, Role.GRID_WORKER) else None
        return scoping.union(wide, tasks, grid)


class IncidentEvent(CaseEvent):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")


class IncidentTask(models.Model):
    """A task of an activated plan for one department, with its deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处置")
        IN_PROGRESS = "in_progress", _("处置中")
        DONE = "done", _("已完成")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("部门"))
    title = models.CharField(_("任务"), max_length=200)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(_("进展"), max_length=300, blank=True)
    due_at = models.DateTimeField(_("期限"))
    due_state = models.CharField(max_length=16, choices=DueState.choices, default=DueState.ON_TRACK)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]


class Statement(models.Model):
    """舆情导控: what was released, when, by whom, on which channel."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="statements")
    channel = models.CharField(_("发布渠道"), max_length=60)
    text = models.TextField(_("发布内容"))
    released_at = models.DateTimeField(_("发布时间"))
    released_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["released_at", "id"]


class PublicWarning(models.Model):
    """A public warning, published as CAP 1.2 and in the Atom feed while it is current."""

    class Severity(models.TextChoices):
        EXTREME = "Extreme", _("特别严重")
        SEVERE = "Severe", _("严重")
        MODERATE = "Moderate", _("较重")
        MINOR = "Minor", _("一般")

    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="warnings")
    identifier = models.CharField(max_length=64, unique=True)
    headline = models.CharField(_("标题"), max_length=160)
    description = models.TextField(_("内容"))
    instruction = models.TextField(_("防范指引"), blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices, default=Severity.MODERATE)
    area = models.CharField(_("影响区域"), max_length=200)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    radius_km = models.FloatField(default=1.0)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    cancelled = models.BooleanField(default=False)
    issued_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-sent_at", "-id"]


# ---------------------------------------------------------------- supplies and teams

class Warehouse(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return _region_scope(user)


class Item(models.Model):
    name = models.CharField(_("物资"), max_length=100, unique=True)
    unit = models.CharField(_("计量单位"), max_length=16, default="件")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """What a warehouse holds of an item. `quantity` never goes below zero: the database says so too."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="stock")
    quantity = models.IntegerField(default=0)

    class Meta:
        ordering = ["warehouse", "item"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "item"], name="emergency_stock_once"),
                       models.CheckConstraint(condition=Q(quantity__gte=0), name="emergency_stock_not_negative")]


class Movement(models.Model):
    class Kind(models.TextChoices):
        IN = "in", _("入库")
        OUT = "out", _("出库")
        TRANSFER = "transfer", _("调拨")
        COUNT = "count", _("盘点")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    to_warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.IntegerField()  # signed change at `warehouse` (a count: the difference found)
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="movements")
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]


class SupplyRequest(models.Model):
    """A request for supplies for an incident, dispatched from one warehouse (never below zero)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待调拨")
        DISPATCHED = "dispatched", _("已出库")
        REFUSED = "refused", _("库存不足")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="supply_requests")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    warehouse = models.ForeignKey(Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class Team(models.Model):
    """救援队伍: members with skills, on duty by roster; the roster drives notification escalation."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    specialty = models.CharField(_("专业"), max_length=60, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return _region_scope(user)


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    skills = models.CharField(_("技能"), max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="emergency_member_once")]


class DutyShift(models.Model):
    """One person on duty for a team from `starts_at` to `ends_at`; `order` is their place in the
    escalation (0 first)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="shifts")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "order"]


class Deployment(models.Model):
    """A team sent to an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="deployments")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")


# ---------------------------------------------------------------- sensors

class Device(models.Model):
    """A sensor (smoke, water level, gas, manhole cover, crowd density …)."""

    class Kind(models.TextChoices):
        SMOKE = "smoke", _("烟感")
        WATER = "water_level", _("水位")
        GAS = "gas", _("燃气")
        MANHOLE = "manhole", _("井盖")
        CROWD = "crowd", _("人流密度")

    class OnAlarm(models.TextChoices):
        ALERT = "alert", _("生成预警")
        INCIDENT = "incident", _("开立突发事件")

    code = models.SlugField(_("设备编码"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    owner = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(_("报警阈值"), null=True, blank=True)  # a reading at or above it is an alarm
    on_alarm = models.CharField(_("报警处置"), max_length=16, choices=OnAlarm.choices, default=OnAlarm.ALERT)
    last_seen = models.DateTimeField(null=True, blank=True)
    battery = models.FloatField(null=True, blank=True)
    online = models.BooleanField(default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return _region_scope(user)


class SensorEvent(models.Model):
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16)
    value = models.FloatField(null=True, blank=True)
    at = models.DateTimeField()
    message = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    alarm = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["device", "kind", "at"], name="emergency_sensor_event_once")]


class DeadLetter(models.Model):
    """A message the subscriber could not take, kept with why."""

    topic = models.CharField(max_length=200)
    device_code = models.CharField(max_length=64, blank=True)
    payload = models.TextField()
    error = models.CharField(max_length=300)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
