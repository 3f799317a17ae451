"""Public safety: police incidents (警情) with their history, sealed informant identities, leads,
daily bulletins and their distribution list.

State changes go through ``services.py`` (incidents, informants) and ``bulletin.py`` (bulletins);
the maths lives in ``analysis.py`` and takes plain data.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from gongzhi.core import scoping
from gongzhi.core.events import CaseEvent
from gongzhi.core.fields import SealedCodeField
from gongzhi.core.models import Grid, Region, Role

# Who reads incident data: analysts, leaders and admins, each inside their region scope.
INCIDENT_ROLES = (Role.ANALYST, Role.LEADER, Role.ADMIN)
# Who records and corrects incidents (inside their region scope: services.can_edit).
EDIT_ROLES = (Role.ANALYST, Role.ADMIN)


# The built-in taxonomy's names (migration 0002's DEFAULT_TYPES), marked for the catalogue: they are
# the platform's words and shown in the reader's language; a name an administrator gave stays as typed.
BUILTIN_TYPE_NAMES = frozenset((
    gettext_noop("刑事"), gettext_noop("盗窃"), gettext_noop("入室盗窃"), gettext_noop("盗窃机动车"), gettext_noop("抢劫"),
    gettext_noop("诈骗"), gettext_noop("伤害"), gettext_noop("其他刑事"), gettext_noop("治安"), gettext_noop("打架斗殴"),
    gettext_noop("毁坏财物"), gettext_noop("涉毒"), gettext_noop("其他治安"), gettext_noop("交通"), gettext_noop("纠纷"),
    gettext_noop("求助"),
))


def type_label(name: str) -> str:
    """An incident type's name as the reader sees it (built-in names translated, others as stored)."""
    return gettext(name) if name in BUILTIN_TYPE_NAMES else name


class IncidentType(models.Model):
    """A node of the configurable incident taxonomy (刑事 > 盗窃, 入室盗窃, 抢劫 ...; 治安; 交通 ...)."""

    name = models.CharField(_("名称"), max_length=60)
    code = models.CharField(_("代码"), max_length=32, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Listed among the bulletin's notable incidents (robbery, assault, ...).
    notable = models.BooleanField(_("重点警情"), default=False)
    # A break-in of this type flags the surrounding area for the near-repeat window.
    near_repeat = models.BooleanField(_("触发近重复预警"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("警情类别")
        verbose_name_plural = _("警情类别")

    def __str__(self) -> str:
        return f"{self.parent.label} > {self.label}" if self.parent_id else self.label

    @property
    def label(self) -> str:
        return type_label(self.name)

    @property
    def stored_name(self) -> str:
        """The names as stored, whatever the reader's language (what an incident's history records)."""
        return f"{self.parent.name} > {self.name}" if self.parent_id else self.name

    @property
    def root(self) -> "IncidentType":
        node = self
        while node.parent_id:
            node = node.parent
        return node

    def descendant_ids(self) -> list[int]:
        """This node and everything below it (the tree is shallow: a loop over levels is enough)."""
        ids, frontier = [self.pk], [self.pk]
        while frontier:
            frontier = list(IncidentType.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids += frontier
        return ids


class Premises(models.TextChoices):
    HOUSE = "house", _("住宅(独栋)")
    APARTMENT = "apartment", _("住宅(楼房)")
    COMMERCIAL = "commercial", _("商业场所")
    OUTSIDE = "outside", _("室外/街面")
    TRANSIT = "transit", _("公共交通")
    EDUCATIONAL = "educational", _("学校")
    VEHICLE = "vehicle", _("车辆")
    OTHER = "other", _("其他")
    UNKNOWN = "unknown", _("不详")


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("已报警")
    INVESTIGATING = "investigating", _("侦查中")
    SOLVED = "solved", _("已破案")
    CLOSED = "closed", _("已结案")


class Source(models.TextChoices):
    MANUAL = "manual", _("人工录入")
    INFORMANT = "informant", _("信息员")
    TORONTO = "toronto", _("导入(多伦多)")
    SF = "sf", _("导入(旧金山)")
    CSV = "csv", _("导入(CSV)")


class IncidentQuerySet(scoping.RestrictedQuerySet):
    pass


class PoliceIncident(models.Model):
    """One reported crime or public-order event, with time and place."""

    type = models.ForeignKey(IncidentType, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("类别"))
    summary = models.CharField(_("简要案情"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("发案时间"))
    # Local calendar date and hour of occurred_at, kept in step so counting by day/hour is a plain
    # indexed query on every database.
    occurred_on = models.DateField(_("发案日期"), db_index=True, editable=False)
    occurred_hour = models.PositiveSmallIntegerField(_("发案时段"), editable=False)
    reported_at = models.DateTimeField(_("报警时间"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("辖区"))
    area_name = models.CharField(_("片区"), max_length=100, blank=True)  # e.g. an imported neighbourhood
    premises = models.CharField(_("发案部位"), max_length=16, choices=Premises.choices, default=Premises.UNKNOWN)
    status = models.CharField(_("状态"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    source_ref = models.CharField(_("来源编号"), max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("警情")
        verbose_name_plural = _("警情")
        constraints = [
            models.UniqueConstraint(fields=["source", "source_ref"], condition=~Q(source_ref=""),
                                    name="safety_incident_unique_source_ref"),
        ]
        indexes = [
            models.Index(fields=["type", "occurred_on"]),
            models.Index(fields=["region", "occurred_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.type.label}"

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return scoping.region_q(user, INCIDENT_ROLES)


class IncidentEvent(CaseEvent):
    """One append-only entry in an incident's history."""

    incident = models.ForeignKey(PoliceIncident, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(db_index=True)

    class Meta(CaseEvent.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind}"


def in_region_scope(user, region: Region | None, roles) -> bool:
    """True if ``user`` holds one of ``roles`` over ``region`` (None = needs a jurisdiction-wide role)."""
    if user is None or getattr(user, "is_superuser", False):
        return True  # None is the system (imports, tasks)
    held = scoping.assignments(user, *roles)
    if any(r.region_id is None or r.region.parent_id is None for r in held):
        return True
    if region is None:
        return False
    return any(region.path.startswith(r.region.path) for r in held if r.region_id)


def is_informant_handler(user) -> bool:
    """Only the role itself: a superuser does not see sealed identities without holding it."""
    return scoping.has_role(user, Role.INFORMANT_HANDLER)


def handles_informants(user, region: Region | None = None) -> bool:
    """The informant handler role, over `region`."""
    return is_informant_handler(user) and in_region_scope(user, region, (Role.INFORMANT_HANDLER,))


# ------------------------------------------------------------------ informants (信息员)

class Informant(models.Model):
    """The sealed identity of an informant. Only the informant handler role ever reads these
    fields, through ``services.reveal_informant`` (core.reveal, audited); everywhere else shows ``alias``."""

    PROTECTED_FIELDS = {"name": "姓名", "phone": "电话", "contact": "其他联系方式"}
    REVEAL_ROLES = (Role.INFORMANT_HANDLER,)
    REVEAL_REFUSAL = _("仅信息员管理员可以操作")
    REVEAL_AUDIT_ACTION = "informant.reveal"

    alias = models.CharField(_("代号"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=64)
    phone = SealedCodeField(_("电话"), max_length=32, blank=True)
    contact = SealedCodeField(_("其他联系方式"), max_length=200, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoping.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["alias"]
        verbose_name = _("信息员")
        verbose_name_plural = _("信息员")

    def __str__(self) -> str:  # never the name: str() ends up in logs and templates
        return self.alias

    def may_reveal(self, user) -> bool:
        return handles_informants(user, self.region)

    def reveal_audit_detail(self) -> dict:
        return {"alias": self.alias}  # never the identity itself

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return scoping.region_q(user, (Role.INFORMANT_HANDLER,))


class SubmissionCode(models.Model):
    """A one-time code an informant uses on the discreet submission form. Only its hash is kept."""

    informant = models.ForeignKey(Informant, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


class ReportStatus(models.TextChoices):
    NEW = "new", _("待研判")
    INCIDENT = "incident", _("已立警情")
    LEAD = "lead", _("已转线索")
    DISMISSED = "dismissed", _("不予采用")


class InformantReport(models.Model):
    """What an informant reported. It carries the alias only; the identity stays in Informant."""

    informant = models.ForeignKey(Informant, on_delete=models.PROTECT, related_name="reports")
    content = models.TextField(_("情况"))
    address = models.CharField(_("地点"), max_length=200, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, default="handler")  # handler (recorded) | code (self-submitted)
    status = models.CharField(_("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.NEW)
    incident = models.ForeignKey(PoliceIncident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(_("研判意见"), blank=True)

    objects = scoping.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("信息员报告")
        verbose_name_plural = _("信息员报告")

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return scoping.region_q(user, (Role.INFORMANT_HANDLER,))


class LeadStatus(models.TextChoices):
    OPEN = "open", _("待核查")
    VERIFIED = "verified", _("已核实")
    CLOSED = "closed", _("已关闭")


class Lead(models.Model):
    """A lead (线索) for analysts: information worth checking that is not (yet) an incident.
    It names no informant; ``source_alias`` is the informant's alias at most."""

    summary = models.TextField(_("线索内容"))
    type = models.ForeignKey(IncidentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地点"), max_length=200, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.OPEN)
    report = models.OneToOneField(InformantReport, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="lead")
    source_alias = models.CharField(max_length=32, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoping.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("线索")
        verbose_name_plural = _("线索")

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return scoping.region_q(user, INCIDENT_ROLES + (Role.INFORMANT_HANDLER,))


# ------------------------------------------------------------------ daily bulletin (日通报)

class Bulletin(models.Model):
    """A stored daily bulletin: everything the page and the .docx show is in ``data``, so a bulletin
    reads the same later even if incidents are corrected afterwards."""

    day = models.DateField(_("通报日期"), unique=True)  # the day the figures are about (yesterday)
    data = models.JSONField(default=dict)
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = scoping.RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-day"]
        verbose_name = _("日通报")
        verbose_name_plural = _("日通报")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 日通报"

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        """The bulletin covers the whole jurisdiction: jurisdiction-wide readers only."""
        q = scoping.region_q(user, INCIDENT_ROLES)
        return Q() if q is not None and not q else None


class BulletinRecipient(models.Model):
    """One entry of the distribution list: a user (in-app notification, and e-mail if they have
    one) or a bare e-mail address."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    email = models.EmailField(_("邮箱"), blank=True)
    label = models.CharField(_("名称"), max_length=100, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("通报接收人")
        verbose_name_plural = _("通报接收人")
        constraints = [models.CheckConstraint(condition=~Q(user=None) | ~Q(email=""), name="safety_recipient_target")]

    def __str__(self) -> str:
        return self.label or (str(self.user) if self.user_id else self.email)
