"""Appeals (诉求): what people ask for, the departments' assignments, replies and the history."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import scoping
from gongzhi.core.deadlines import DueState
from gongzhi.core.events import CaseEvent
from gongzhi.core.fields import CodeField, SealedCodeField
from gongzhi.core import publication as publishing
from gongzhi.core.publication import Review
from gongzhi.core.models import Department, Grid, Region, Role


class Category(models.Model):
    """The subject tree (e.g. 城乡建设 > 物业管理), each node with its deadlines and routing."""

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("代码"), max_length=32, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    default_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="default_categories", verbose_name=_("默认承办部门"))
    ack_hours = models.PositiveIntegerField(_("签收时限(小时)"), default=24)
    handle_days = models.PositiveIntegerField(_("办理时限(工作日)"), default=15)
    urgent_ack_hours = models.PositiveIntegerField(_("紧急签收时限(小时)"), default=2)
    urgent_handle_days = models.PositiveIntegerField(_("紧急办理时限(工作日)"), default=3)
    auto_dispatch_threshold = models.FloatField(_("自动派单置信度阈值"), default=0.9)
    active = models.BooleanField(_("启用"), default=True)
    # 纪检监察 and the like: its appeals are never published (gongzhi.core.publication.may_publish).
    confidential = models.BooleanField(_("保密（不公开）"), default=False, db_default=False,
                                       help_text=_("该分类的诉求不进入开放数据和公开接口"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")

    def __str__(self) -> str:
        return f"{self.parent.name} > {self.name}" if self.parent_id else self.name

    @property
    def root(self) -> "Category":
        node = self
        while node.parent_id:
            node = node.parent
        return node


class Channel(models.TextChoices):
    WEB = "web", _("网站")
    PHONE = "phone", _("电话")
    API = "api", _("接口")
    LETTER = "letter", _("来信")
    VISIT = "visit", _("来访")
    MINI_PROGRAM = "mini_program", _("小程序")
    GRID = "grid", _("网格上报")
    IMPORT = "import", _("历史导入")
    ALERT = "alert", _("预警转办")  # an alert converted into an appeal (triage.alerts)


class Status(models.TextChoices):
    RECEIVED = "received", _("待派单")
    DISPATCHED = "dispatched", _("待签收")
    HANDLING = "handling", _("办理中")
    REPLIED = "replied", _("待回访")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已并单")


OPEN_STATUSES = (Status.RECEIVED, Status.DISPATCHED, Status.HANDLING, Status.REPLIED)


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class AppealQuerySet(scoping.RestrictedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def publishable(self, now=None):
        """The appeals the public may see now (gongzhi.core.publication's rule); merged ones never."""
        return self.exclude(status=Status.MERGED).filter(publishing.publishable_q(now))

    def awaiting_publication_review(self, now=None):
        """公开审核 queue: not reviewed, not yet published by the delay, and ever publishable (not
        merged, not of a confidential category); the soonest to be published first."""
        from django.utils import timezone

        cutoff = (now or timezone.now()) - publishing.delay()
        return (self.exclude(status=Status.MERGED).exclude(category__confidential=True)
                .filter(publication=Review.PENDING, received_at__gt=cutoff).order_by("received_at", "id"))


class Appeal(models.Model):
    tracking_number = CodeField(_("受理编号"), max_length=32)
    access_code_hash = models.CharField(max_length=64, editable=False)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, default=Channel.WEB)
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals",
                                 verbose_name=_("分类"))
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    due_state = models.CharField(_("时限状态"), max_length=16, choices=DueState.choices, default=DueState.ON_TRACK)

    location_text = models.CharField(_("地点"), max_length=300, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    # No index of its own: (region, received_at) below serves lookups by region.
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals",
                               verbose_name=_("所属社区"), db_index=False)
    # The keys most appeals leave empty (grid, user, recorder, merge) are indexed only where set
    # (Meta.indexes): lookups by key never ask for NULL, and a bulk load need not sort a million NULLs.
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals",
                             verbose_name=_("网格"), db_index=False)

    anonymous = models.BooleanField(_("匿名"), default=False)
    appellant_name = models.CharField(_("诉求人"), max_length=64, blank=True)
    appellant_phone = SealedCodeField(_("联系电话"), max_length=32, blank=True)
    appellant_id_number = SealedCodeField(_("身份证号"), max_length=32, blank=True)
    appellant_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="own_appeals", db_index=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="recorded_appeals", db_index=False)

    # No index of its own: (lead_department, status) below serves lookups by department.
    lead_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="led_appeals", verbose_name=_("主办单位"), db_index=False)
    received_at = models.DateTimeField(_("受理时间"), db_index=True)
    ack_due_at = models.DateTimeField(_("签收时限"), null=True, blank=True)
    # No index of its own: every deadline query asks for open statuses too, which (status, due_at) serves.
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    satisfaction = models.CharField(_("满意度"), max_length=16, choices=Satisfaction.choices, blank=True)
    resolved = models.BooleanField(_("已解决"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    supervised = models.BooleanField(_("督办"), default=False)
    # 直接答复: the operator answered it from the knowledge base while the caller was on the line
    # (services.answer_at_intake); evaluation counts these apart.
    answered_at_intake = models.BooleanField(_("受理时直接答复"), default=False, db_default=False)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged",
                                    db_index=False)
    risk_score = models.PositiveSmallIntegerField(_("风险分"), default=0)
    triage = models.JSONField(default=dict, blank=True)
    # 公开审核 (services.review_publication; the rule: gongzhi.core.publication.may_publish).
    publication = models.CharField(_("公开审核"), max_length=16, choices=Review.choices, default=Review.PENDING,
                                   db_default=Review.PENDING)
    publication_reviewed_at = models.DateTimeField(_("公开审核时间"), null=True, blank=True)
    publication_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                                on_delete=models.SET_NULL, related_name="+", db_index=False,
                                                verbose_name=_("公开审核人"))

    source_system = CodeField(max_length=32, blank=True)
    source_ref = CodeField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppealQuerySet.as_manager()

    # Shown masked everywhere, and in full only through core.reveal (audited), to whom may_reveal():
    # the appellant's personal fields, and the free text they wrote (phone and ID numbers in it are
    # masked for staff: pii.mask_text).
    PII_FIELDS = {"appellant_phone": "联系电话", "appellant_id_number": "身份证号", "appellant_name": "诉求人"}
    TEXT_FIELDS = {"title": "标题", "content": "内容", "location_text": "地点"}
    PROTECTED_FIELDS = {**PII_FIELDS, **TEXT_FIELDS}
    REVEAL_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.HANDLER)  # see may_reveal
    REVEAL_REFUSAL = _("您的角色无权查看该诉求人的个人信息")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        # Plain indexes, not db_index/unique on the fields: on PostgreSQL those add a second
        # "_like" index per text column that no query here uses, and every write pays for it.
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["appellant_phone"], name="appeal_phone_idx"),
            models.Index(fields=["lead_department", "status"]),
            models.Index(fields=["region", "received_at"]),
            models.Index(fields=["grid"], name="appeal_grid_idx", condition=models.Q(grid__isnull=False)),
            models.Index(fields=["appellant_user"], name="appeal_user_idx", condition=models.Q(appellant_user__isnull=False)),
            models.Index(fields=["created_by"], name="appeal_created_by_idx", condition=models.Q(created_by__isnull=False)),
            models.Index(fields=["merged_into"], name="appeal_merged_into_idx", condition=models.Q(merged_into__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tracking_number"], name="unique_tracking_number"),
            models.UniqueConstraint(fields=["source_system", "source_ref"], condition=~Q(source_ref=""),
                                    name="unique_imported_source_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.title}"

    def may_publish(self, now=None) -> bool:
        return self.status != Status.MERGED and publishing.may_publish(
            review=self.publication, received_at=self.received_at,
            confidential=bool(self.category_id and self.category.confidential), now=now)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def may_reveal(self, user) -> bool:
        """Roles that have to contact the appellant; a handler only for appeals of their department.
        Nobody, for an anonymous appeal."""
        if self.anonymous or user is None:
            return False
        if user.is_superuser:
            return True
        held = {r.role for r in scoping.roles_of(user)}
        if held & {Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}:
            return True
        if Role.HANDLER in held:
            depts = scoping.department_ids(user, Role.HANDLER)
            return self.assignments.filter(department_id__in=depts, state__in=Assignment.SCOPE_STATES).exists()
        return False

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        by_region = scoping.region_q(user, scoping.REGION_WIDE_ROLES)
        depts = scoping.department_ids(user, Role.HANDLER, Role.LEADER, Role.SUPERVISOR)
        # Only an assignment the department works on, or finished, grants scope: one it returned (退单)
        # or that was withdrawn from it does not.
        by_department = (
            Q(Exists(Assignment.objects.filter(appeal=OuterRef("pk"), department_id__in=depts,
                                               state__in=Assignment.SCOPE_STATES))) if depts else None
        )
        grids = {r.grid_id for r in scoping.assignments(user, Role.GRID_WORKER) if r.grid_id}
        regions = [r.region for r in scoping.assignments(user, Role.GRID_WORKER) if r.region_id]
        by_grid = None
        if grids or regions or scoping.has_role(user, Role.GRID_WORKER):
            by_grid = Q(created_by=user) | Q(grid_id__in=grids)
            for region in regions:
                by_grid |= Q(region__path__startswith=region.path)
        own = Q(appellant_user=user) if getattr(user, "is_authenticated", False) else None
        return scoping.union(by_region, by_department, by_grid, own)


class Assignment(models.Model):
    """An appeal (or part of it) given to a department: one lead (主办), any assisting (协办)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        ASSIST = "assist", _("协办")

    class State(models.TextChoices):
        PENDING = "pending", _("待签收")
        ACKNOWLEDGED = "acknowledged", _("已签收")
        RETURNED = "returned", _("已退单")
        DONE = "done", _("已完成")
        WITHDRAWN = "withdrawn", _("已撤回")

    # The states in which an assignment gives its department access to the appeal (Appeal.scope_q,
    # Appeal.may_reveal): working on it, or finished with it; not returned or withdrawn.
    SCOPE_STATES = (State.PENDING, State.ACKNOWLEDGED, State.DONE)

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="assignments")
    # No index of its own: (department, state) below serves lookups by department.
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="assignments", db_index=False)
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.LEAD)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dispatched_at = models.DateTimeField()
    ack_due_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(max_length=300, blank=True)
    instructions = models.CharField(_("派单意见"), max_length=300, blank=True)

    class Meta:
        ordering = ["dispatched_at", "id"]
        # A plain index on state (db_index would add a "_like" copy no query uses).
        indexes = [models.Index(fields=["department", "state"]),
                   models.Index(fields=["state"], name="assignment_state_idx")]

    def __str__(self) -> str:
        return f"{self.appeal.tracking_number} → {self.department} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.PENDING, self.State.ACKNOWLEDGED)


class Reply(models.Model):
    """The official answer to the appellant."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="replies")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("答复内容"))
    resolved = models.BooleanField(_("问题已解决"), default=True)
    quality = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]


class AppealEvent(CaseEvent):
    """One append-only entry in an appeal's history: who did what, when, from which state to which."""

    # No index of its own: (appeal, created_at) below serves lookups by appeal.
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events", db_index=False)
    # Indexed only where set (Meta.indexes): imported and system events have no actor.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              db_index=False)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # created_at has no index of its own: events are read per appeal, through (appeal, created_at).

    class Meta(CaseEvent.Meta):
        indexes = [models.Index(fields=["appeal", "created_at"]),
                   models.Index(fields=["actor"], name="event_actor_idx", condition=models.Q(actor__isnull=False))]


class Attachment(models.Model):
    """A file kept with an appeal: the appellant's at intake, or a department's with a reply or a note
    (photos before and after the work). Served only through views that check scope; a reply's photo
    marked public is shown to the appellant from `public_file`, a copy without the metadata."""

    class Stage(models.TextChoices):
        BEFORE = "before", _("处理前")
        AFTER = "after", _("处理后")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(AppealEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    stage = models.CharField(_("照片类型"), max_length=8, choices=Stage.choices, blank=True)
    public = models.BooleanField(_("向诉求人公开"), default=False)
    file = models.FileField(upload_to="attachments/%Y/%m/")
    public_file = models.FileField(upload_to="attachments/public/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class ExtensionRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        # Settled without a decision: the appeal was answered, closed or returned while it waited.
        LAPSED = "lapsed", _("已失效")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="extension_requests")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extension_requests")
    days = models.PositiveSmallIntegerField(_("延期工作日"))
    reason = models.CharField(_("理由"), max_length=300)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)


class KnowledgeEntry(models.Model):
    """知识库: a standard answer to a question callers often ask (公积金提取, 停水通知 …). The operator
    desk suggests the entries whose keywords the caller's words match, and an operator may answer
    from one on the spot (services.answer_at_intake). Changed only through appeals.knowledge."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="knowledge",
                                 verbose_name=_("分类"))
    question = models.CharField(_("问题"), max_length=200)
    answer = models.TextField(_("标准答复"))
    keywords = models.CharField(_("关键词"), max_length=300, blank=True,
                                help_text=_("以空格或逗号分隔，来电内容含其中的词时推荐本条"))
    active = models.BooleanField(_("启用"), default=True)
    used_count = models.PositiveIntegerField(_("直接答复次数"), default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-active", "question", "id"]
        verbose_name = _("知识库条目")
        verbose_name_plural = _("知识库")

    def __str__(self) -> str:
        return self.question

    @property
    def keyword_list(self) -> list[str]:
        import re

        return [k for k in re.split(r"[\s,，、;；]+", self.keywords or "") if k]
