"""Grid and community (网格与社区): who works in the grids, who lives there, the community's
organisations and volunteers, and the catalogue of tasks departments may give communities.

Grid workers are core role assignments: the grid worker role held in a grid (网格员) or in a
community (the community's staff, 社区工作者, who see all of its grids). Residents are strictly
need-to-know (Resident.scope_q): only those two see them, names, ID and phone numbers are masked
and shown in full only through core.reveal, and every view of a person is an audit entry.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import scoping
from gongzhi.core.deadlines import DueState
from gongzhi.core.events import CaseEvent
from gongzhi.core.fields import CodeField, SealedCodeField
from gongzhi.core.models import Department, Grid, Region, Role
from gongzhi.core.scoping import RestrictedQuerySet


def worker_q(user, grid_field: str, community_field: str) -> Q | None:
    """Rows of the grids `user` works in as a grid worker, or of the communities they staff."""
    parts = []
    for r in scoping.assignments(user, Role.GRID_WORKER):
        if r.grid_id:
            parts.append(Q(**{f"{grid_field}_id": r.grid_id}))
        elif r.region_id:
            parts.append(Q(**{f"{community_field}__path__startswith": r.region.path}))
    q = None
    for p in parts:
        q = p if q is None else q | p
    return q


def community_q(user, field: str) -> Q | None:
    """Rows of the communities `user` works in as a grid worker (their grid's) or staffs."""
    grids = [r.grid for r in scoping.assignments(user, Role.GRID_WORKER) if r.grid_id]
    q = Q(**{f"{field}_id__in": {g.community_id for g in grids}}) if grids else None
    for r in scoping.assignments(user, Role.GRID_WORKER):
        if r.region_id and not r.grid_id:
            part = Q(**{f"{field}__path__startswith": r.region.path})
            q = part if q is None else q | part
    return q


class CommunityBoundary(models.Model):
    """A community's outline (from `gongzhi grid import`), against which the gaps between grids are found."""

    community = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="boundary",
                                     verbose_name=_("社区"))
    polygon = models.JSONField(_("边界"), default=list)  # [[lon, lat], ...] closed ring, WGS84
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("社区边界")
        verbose_name_plural = _("社区边界")

    def __str__(self) -> str:
        return str(self.community)


class CareCategory(models.Model):
    """重点关爱对象的类别 (独居老人, 残疾人 …): configurable, seeded by the data migration."""

    code = CodeField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    visit_every_days = models.PositiveSmallIntegerField(_("走访周期（天）"), default=30)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("关爱类别")
        verbose_name_plural = _("关爱类别")

    def __str__(self) -> str:
        from django.utils.translation import gettext

        from .seeds import CARE_CATEGORIES

        return gettext(self.name) if CARE_CATEGORIES.get(self.code, (None,))[0] == self.name else self.name


class Building(models.Model):
    """楼栋: a building in a grid."""

    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("网格"))
    name = models.CharField(_("楼栋"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["grid", "name"]
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        constraints = [models.UniqueConstraint(fields=["grid", "name"], name="grid_building_once")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return worker_q(user, "grid", "grid__community")


class NeedToKnowQuerySet(RestrictedQuerySet):
    """Like every scoped list, but a superuser is no exception: residents are seen by their grid's
    workers and their community's staff only (an administrator exports them, audited)."""

    def restrict(self, user, action: str = "view"):
        q = self.model.scope_q(user, action)
        return self.none() if q is None else self.filter(q)


class Household(models.Model):
    """户: the people living at one address of a building."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="households", verbose_name=_("楼栋"))
    room = models.CharField(_("门牌/房号"), max_length=50)
    care_categories = models.ManyToManyField(CareCategory, blank=True, related_name="households",
                                             verbose_name=_("关爱类别"))
    last_visited_at = models.DateTimeField(_("最近走访"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NeedToKnowQuerySet.as_manager()

    class Meta:
        ordering = ["building", "room"]
        verbose_name = _("户")
        verbose_name_plural = _("户")
        constraints = [models.UniqueConstraint(fields=["building", "room"], name="grid_household_once")]

    def __str__(self) -> str:
        return f"{self.building.name} {self.room}"

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return worker_q(user, "building__grid", "building__grid__community")


class Resident(models.Model):
    """实有人口: a person living in a household. Need-to-know only; name, ID and phone protected."""

    class Gender(models.TextChoices):
        MALE = "m", _("男")
        FEMALE = "f", _("女")
        UNKNOWN = "", _("未填")

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("户"))
    name = models.CharField(_("姓名"), max_length=64)
    id_number = SealedCodeField(_("身份证号"), max_length=32, blank=True)
    phone = SealedCodeField(_("联系电话"), max_length=32, blank=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True, default="")
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    relation = models.CharField(_("与户主关系"), max_length=20, blank=True)
    care_categories = models.ManyToManyField(CareCategory, blank=True, related_name="residents",
                                             verbose_name=_("关爱类别"))
    note = models.CharField(_("备注"), max_length=300, blank=True)
    # 迁出: a person who moved away is kept (visits and history name them), off the active lists.
    moved_out_on = models.DateField(_("迁出日期"), null=True, blank=True)
    moved_out_reason = models.CharField(_("迁出原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NeedToKnowQuerySet.as_manager()

    PROTECTED_FIELDS = {"name": _("姓名"), "id_number": _("身份证号"), "phone": _("联系电话")}
    REVEAL_ROLES = (Role.GRID_WORKER,)  # the grid's workers and the community's staff; core.twofactor
    REVEAL_REFUSAL = _("只有本网格的网格员和本社区工作人员可以查看居民信息")
    REVEAL_AUDIT_ACTION = "reveal_resident"

    class Meta:
        ordering = ["household", "id"]
        verbose_name = _("实有人口")
        verbose_name_plural = _("实有人口")
        indexes = [models.Index(fields=["id_number"], name="grid_resident_id_number")]

    def __str__(self) -> str:
        from gongzhi.core import pii

        return pii.mask_name(self.name)

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return worker_q(user, "household__building__grid", "household__building__grid__community")

    def may_reveal(self, user) -> bool:
        return Resident.objects.restrict(user).filter(pk=self.pk).exists()


class Patrol(models.Model):
    """巡查打卡: a grid worker's check-in on the street, with where they were."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("网格"))
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    in_grid = models.BooleanField(_("在网格内"), default=False)
    note = models.CharField(_("巡查情况"), max_length=300, blank=True)
    checked_at = models.DateTimeField(_("打卡时间"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-checked_at"]
        verbose_name = _("巡查打卡")
        verbose_name_plural = _("巡查打卡")

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return scoping.union(worker_q(user, "grid", "grid__community"),
                             scoping.region_q(user, (Role.SUPERVISOR, Role.LEADER, Role.ADMIN), "grid__community"))


class HomeVisit(models.Model):
    """走访记录: a grid worker's visit to a household that needs care."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits", verbose_name=_("户"))
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="home_visits")
    visited_at = models.DateTimeField(_("走访时间"))
    note = models.TextField(_("走访情况"))
    needs_help = models.BooleanField(_("需要帮扶"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NeedToKnowQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_at"]
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return worker_q(user, "household__building__grid", "household__building__grid__community")


class VisitPhoto(models.Model):
    visit = models.ForeignKey(HomeVisit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="grid/visits/%Y/%m/")
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)


class FieldSubmission(models.Model):
    """What a phone sent, by its idempotency key: a report or a visit made offline arrives once, however
    often the phone sends it again (the key is the phone's, made when the record was written there)."""

    class Kind(models.TextChoices):
        REPORT = "report", _("问题上报")
        VISIT = "visit", _("走访记录")
        PATROL = "patrol", _("巡查打卡")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = CodeField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(max_length=64, blank=True)  # the appeal's tracking number, for the answer
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="grid_submission_once")]


# ---------------------------------------------------------------- organisations and volunteers

class Organisation(models.Model):
    """社会组织 / 群众组织 of a community."""

    class Kind(models.TextChoices):
        SOCIAL = "social", _("社会组织")
        MASS = "mass", _("群众组织")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.SOCIAL)
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属社区"))
    field = models.CharField(_("服务领域"), max_length=100, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = SealedCodeField(_("联系电话"), max_length=32, blank=True)
    registered_on = models.DateField(_("登记日期"), null=True, blank=True)
    active = models.BooleanField(_("活跃"), default=True)

    objects = RestrictedQuerySet.as_manager()

    PROTECTED_FIELDS = {"contact_name": _("联系人"), "contact_phone": _("联系电话")}
    REVEAL_ROLES = (Role.GRID_WORKER, Role.ADMIN)  # the community's workers and staff; administrators
    REVEAL_REFUSAL = _("只有本社区的工作人员可以查看联系人信息")
    REVEAL_AUDIT_ACTION = "reveal_organisation_contact"

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("社区组织")
        verbose_name_plural = _("社区组织")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="grid_organisation_once")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return scoping.union(community_q(user, "community"),
                             scoping.region_q(user, (Role.SUPERVISOR, Role.LEADER, Role.ADMIN), "community"))

    def may_reveal(self, user) -> bool:
        return may_register_in(user, self.community)


def may_register_in(user, community: Region) -> bool:
    """`user` works in `community` (a grid worker of one of its grids, or its staff), or administers."""
    if scoping.has_role(user, Role.ADMIN):
        return True
    for r in scoping.assignments(user, Role.GRID_WORKER):
        if r.grid_id and r.grid.community_id == community.pk:
            return True
        if r.region_id and not r.grid_id and community.path.startswith(r.region.path):
            return True
    return False


class Volunteer(models.Model):
    name = models.CharField(_("姓名"), max_length=64)
    phone = SealedCodeField(_("联系电话"), max_length=32, blank=True)
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属社区"))
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="volunteers",
                                           verbose_name=_("所属组织"))
    joined_on = models.DateField(_("加入日期"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["community", "id"]
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")

    PROTECTED_FIELDS = {"name": _("姓名"), "phone": _("联系电话")}
    REVEAL_ROLES = (Role.GRID_WORKER, Role.ADMIN)
    REVEAL_REFUSAL = _("只有本社区的工作人员可以查看志愿者信息")
    REVEAL_AUDIT_ACTION = "reveal_volunteer"

    def __str__(self) -> str:
        from gongzhi.core import pii

        return pii.mask_name(self.name)

    scope_q = Organisation.scope_q

    def may_reveal(self, user) -> bool:
        return may_register_in(user, self.community)


class Activity(models.Model):
    """An organisation's activity, where its volunteers' hours are logged."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="activities",
                                     verbose_name=_("组织"))
    title = models.CharField(_("活动"), max_length=200)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    participants = models.PositiveIntegerField(_("服务人次"), default=0)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("组织活动")
        verbose_name_plural = _("组织活动")

    def __str__(self) -> str:
        return self.title


class VolunteerHours(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="hours")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="hours")
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=5, decimal_places=1)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    logged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务时长")
        verbose_name_plural = _("志愿服务时长")
        constraints = [models.UniqueConstraint(fields=["volunteer", "activity"], name="grid_hours_once")]


# ---------------------------------------------------------------- the community task catalogue

class CatalogueItem(models.Model):
    """社区协助办理事项清单: one approved item a department may ask communities to do."""

    code = CodeField(_("事项编码"), max_length=32, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    # Departments that may ask for it; none listed means any department.
    departments = models.ManyToManyField(Department, blank=True, related_name="catalogue_items",
                                         verbose_name=_("可派发部门"))
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    active = models.BooleanField(_("有效"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("社区协助办理事项")
        verbose_name_plural = _("社区协助办理事项清单")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CommunityTask(models.Model):
    """A department's task to a community, accepted only for an item on the catalogue."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("待办理")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已撤回")

    number = CodeField(_("任务编号"), max_length=32, unique=True)
    item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("事项"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="community_tasks",
                                   verbose_name=_("派发部门"))
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    title = models.CharField(_("任务"), max_length=200)
    detail = models.TextField(_("要求"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("派发时间"))
    due_at = models.DateTimeField(_("完成期限"), null=True, blank=True)
    due_state = models.CharField(max_length=16, choices=DueState.choices, default=DueState.ON_TRACK)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ASSIGNED)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    minutes_spent = models.PositiveIntegerField(_("用时（分钟）"), default=0)
    result = models.TextField(_("办理情况"), blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("社区协助任务")
        verbose_name_plural = _("社区协助任务")
        indexes = [models.Index(fields=["community", "requested_at"]), models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        departments = scoping.department_ids(user, Role.HANDLER)
        return scoping.union(
            community_q(user, "community"),
            Q(department_id__in=departments) if departments else None,
            scoping.region_q(user, (Role.SUPERVISOR, Role.LEADER, Role.ADMIN), "community"))


class CommunityTaskEvent(CaseEvent):
    task = models.ForeignKey(CommunityTask, on_delete=models.CASCADE, related_name="events")

    class Meta(CaseEvent.Meta):
        verbose_name = _("社区任务记录")


class GridWorkerEvent(CaseEvent):
    """A grid's history of who works in it: a grid worker assigned to it or taken off it
    (kind "worker_assigned" / "worker_unassigned"), by whom and when."""

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="events")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(CaseEvent.Meta):
        verbose_name = _("网格员分配记录")
        verbose_name_plural = _("网格员分配记录")
