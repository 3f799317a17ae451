"""The shared kernel: the organisation tree, people and their scoped roles, the audit trail."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import SealedCodeField


class Region(models.Model):
    """A node of the territorial tree: district > subdistrict > community."""

    class Level(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区县")
        SUBDISTRICT = "subdistrict", _("街道/乡镇")
        COMMUNITY = "community", _("社区/村")

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("区划代码"), max_length=32, unique=True)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Materialised path ("/1/4/12/") so a scope is one indexed prefix match.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["path"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:
            self.path = path
            Region.objects.filter(pk=self.pk).update(path=path)

    def descendants(self, include_self: bool = True):
        qs = Region.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def ancestors(self):
        ids = [int(x) for x in self.path.strip("/").split("/") if x]
        return Region.objects.filter(pk__in=ids).order_by("path")


class Grid(models.Model):
    """The smallest territorial unit: a polygon inside a community, served by grid workers."""

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("网格编码"), max_length=32, unique=True)
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="grids")
    # [[lon, lat], ...] closed ring, WGS84.
    polygon = models.JSONField(_("边界"), default=list)
    min_lat = models.FloatField(default=0)
    max_lat = models.FloatField(default=0)
    min_lon = models.FloatField(default=0)
    max_lon = models.FloatField(default=0)

    class Meta:
        ordering = ["code"]
        verbose_name = _("网格")
        verbose_name_plural = _("网格")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.polygon:
            lons = [p[0] for p in self.polygon]
            lats = [p[1] for p in self.polygon]
            self.min_lon, self.max_lon, self.min_lat, self.max_lat = min(lons), max(lons), min(lats), max(lats)
        super().save(*args, **kwargs)


class Department(models.Model):
    """A unit that handles work: bureau, office, company, police station, subdistrict office."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("职能部门")
        SUBDISTRICT = "subdistrict", _("街道乡镇")
        COMPANY = "company", _("公共企事业单位")
        POLICE = "police", _("派出所")
        OFFICE = "office", _("办公室")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.CharField(_("代码"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.BUREAU)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="departments")
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = SealedCodeField(_("手机号"), max_length=32, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    CITIZEN = "citizen", _("群众")
    OPERATOR = "operator", _("受理员")
    DISPATCHER = "dispatcher", _("派单员")
    HANDLER = "handler", _("承办人")
    SUPERVISOR = "supervisor", _("督办员")
    LEADER = "leader", _("领导")
    GRID_WORKER = "grid_worker", _("网格员")
    MEDIATOR = "mediator", _("调解员")
    PETITION_OFFICER = "petition_officer", _("信访工作人员")
    ANALYST = "analyst", _("治安研判员")
    INFORMANT_HANDLER = "informant_handler", _("信息员管理员")
    EMERGENCY = "emergency", _("应急办")
    ADMIN = "admin", _("系统管理员")


class RoleAssignment(models.Model):
    """A role held *in* a scope: a region (and everything below it) or a department."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE, related_name="members")
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.CASCADE, related_name="workers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region", "department", "grid"], name="unique_role_scope")
        ]

    def __str__(self) -> str:
        scope = self.department or self.grid or self.region or "—"
        return f"{self.user} · {self.get_role_display()} @ {scope}"


class AuditTampering(Exception):
    """An audit entry was to be changed or removed: the trail is append-only (core.audit)."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTampering("audit entries are never changed")

    def delete(self):
        raise AuditTampering("audit entries are removed only by `gongzhi audit purge`, past the retention")


class AuditEntry(models.Model):
    """Append-only audit trail: logins, reveals of personal data, permission changes, exports.

    Each entry is chained to the one before it (core.audit): `seq` is its place in the chain,
    `prev_hash` the hash of entry seq-1 and `hash` a SHA-256 over prev_hash and this entry's
    content, so `gongzhi audit verify` finds a changed, removed or out-of-order row. Rows are never
    updated or deleted through the ORM; the database refuses it too (a trigger, migration 0005),
    except `gongzhi audit purge` of entries older than the retention (at least 180 days)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)  # hashed: set once
    seq = models.BigIntegerField(null=True, unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AuditTampering("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTampering("audit entries are removed only by `gongzhi audit purge`, past the retention")


class CalendarOverride(models.Model):
    """An admin's correction of the working-day calendar (years chinese-calendar does not know)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'}"


class Notification(models.Model):
    """An in-app message to one person (deadline warnings, alerts, supervision orders)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]


class PeriodicRun(models.Model):
    """The claim of one periodic task for one time slot (see gongzhi.core.periodic.enqueue_due):
    written before the run is queued, unique per (task, slot), so of several schedulers running at
    once exactly one queues each run."""

    task = models.CharField(max_length=200)
    slot = models.DateTimeField()  # the start of the interval this run is for
    claimed_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=100, blank=True)  # host:pid of the scheduler

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "slot"], name="core_periodic_run_once")]

    def __str__(self) -> str:
        return f"{self.task} @ {self.slot:%Y-%m-%d %H:%M}"


class MessageTemplate(models.Model):
    """An administrator's wording of one message (an event key) in one language, and for one channel
    or all ("" = every channel that has no wording of its own). What is not here is taken from the
    defaults the apps ship in code (gongzhi.core.messages)."""

    key = models.CharField(_("事件"), max_length=64)
    language = models.CharField(_("语言"), max_length=8, choices=settings.LANGUAGES)
    channel = models.CharField(_("渠道"), max_length=16, blank=True,
                               help_text=_("留空表示所有渠道；短信可单独写一条较短的"))
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    body = models.TextField(_("正文"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key", "language", "channel"]
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        constraints = [models.UniqueConstraint(fields=["key", "language", "channel"], name="core_message_template_once")]

    def __str__(self) -> str:
        return f"{self.key} · {self.language}{' · ' + self.channel if self.channel else ''}"


class NotificationPreference(models.Model):
    """The channels a staff member wants each kind of notification on (kind -> list of channel codes;
    a kind not listed goes in-app only), and their webhook address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference")
    channels = models.JSONField(default=dict, blank=True)
    webhook_url = models.URLField(_("Webhook 地址"), max_length=500, blank=True)
    # The language this person's notifications are written in (in-app, e-mail, SMS, webhook), whoever
    # sends them; empty: the site's (LANGUAGE_CODE).
    language = models.CharField(_("通知语言"), max_length=8, blank=True, default="", db_default="",
                                choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")


class Delivery(models.Model):
    """One message to one address on one channel, and what became of it (gongzhi.core.delivery).

    A row is claimed before it is sent (status SENDING, with who and when) and marked sent or failed
    in the same step as the send's result, so a worker that dies in between leaves a claimed row no
    other worker sends again until the claim is old (CLAIM_TIMEOUT), and then only if it was not sent.
    The context (which may hold an access code) is erased once the row is sent or given up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        SKIPPED = "skipped", _("未发送")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("接收人"))
    channel = models.CharField(_("渠道"), max_length=16)
    address = models.CharField(_("地址"), max_length=500)
    template = models.CharField(_("模板"), max_length=64)
    language = models.CharField(_("语言"), max_length=8, default="zh-hans")
    context = models.JSONField(default=dict, blank=True)
    ref = models.CharField(_("关联"), max_length=64, blank=True, db_index=True)  # e.g. appeals.appeal:12
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("消息投递")
        verbose_name_plural = _("消息投递")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="core_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.template} → {self.channel}"


class CaseContact(models.Model):
    """How a party to a case who has no account wants to be told of it (a citizen's e-mail, in
    their language), and whether they asked not to be (opted out, at submission or by the
    unsubscribe link). `ref` names the case ("appeals.appeal:12"). Personal data: never shown."""

    ref = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="zh-hans")
    opted_out_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.ref


class Confirmation(models.Model):
    """A message that asks its recipient to confirm receipt (gongzhi.core.confirmations): by the
    signed link it carries, by replying with its code, or on the page it links to. Unconfirmed when
    `escalate_at` comes, it escalates: the next person of `chain` (user ids, in order) is asked in
    turn, with the rest of the chain, and this row says it was escalated and to whom."""

    class State(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        ESCALATED = "escalated", _("未确认，已升级")
        UNANSWERED = "unanswered", _("未确认，无人可升级")

    ref = models.CharField(_("关联"), max_length=64, db_index=True)  # the case: "emergency.incident:3"
    kind = models.CharField(_("类型"), max_length=64)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("接收人"))
    text = models.CharField(_("内容"), max_length=300)
    link = models.CharField(max_length=300, blank=True)
    code = models.CharField(_("回复码"), max_length=8)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    sent_at = models.DateTimeField(_("发出时间"))
    escalate_after = models.PositiveIntegerField(_("升级时限（分钟）"), null=True, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True, db_index=True)
    chain = models.JSONField(default=list, blank=True)
    escalated_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    escalated_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_via = models.CharField(_("确认方式"), max_length=16, blank=True)  # link, reply, page

    class Meta:
        ordering = ["sent_at", "id"]
        verbose_name = _("确认通知")
        verbose_name_plural = _("确认通知")

    def __str__(self) -> str:
        return f"{self.ref} → {self.recipient}: {self.state}"


class PasswordHistory(models.Model):
    """The hash of a password a user had (gongzhi.core.passwords.HistoryValidator): a new password
    may not be one of the last settings.PASSWORD_HISTORY. Hashes only, as the user's own."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
