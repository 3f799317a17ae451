"""Disputes (矛盾纠纷) and their mediation; petitions (信访) are in petition_models.

A dispute is a case type on the core kernel: its history (DisputeEvent), its lifecycle
(lifecycle.DISPUTE_LIFECYCLE), its deadline (the mediation time limit, swept by core.deadlines)
and its parties' protected fields (shown through core.reveal, audited).
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
from gongzhi.core.models import Grid, Region, Role
from gongzhi.core.scoping import RestrictedQuerySet

# Who may see the parties' phone, ID number and address in full (audited): those who contact them.
REVEAL_ROLES = (Role.MEDIATOR, Role.SUPERVISOR, Role.PETITION_OFFICER, Role.ADMIN)


class RiskLevel(models.TextChoices):
    RED = "red", _("红色")
    ORANGE = "orange", _("橙色")
    YELLOW = "yellow", _("黄色")
    BLUE = "blue", _("蓝色")


class DisputeKind(models.Model):
    """A kind of dispute (婚姻家庭, 邻里纠纷 …): configurable, seeded by the data migration."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = CodeField(_("代码"), max_length=32, unique=True)
    # Kinds that have escalated into group incidents before (征地拆迁, 劳动争议/欠薪) weigh in the risk.
    escalation_prone = models.BooleanField(_("易激化"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("纠纷类型")
        verbose_name_plural = _("纠纷类型")

    def __str__(self) -> str:
        """A built-in kind reads in the reader's language; a kind an admin renamed or added stays as typed."""
        from django.utils.translation import gettext

        from .kinds import DEFAULT_NAMES

        return gettext(self.name) if DEFAULT_NAMES.get(self.code) == self.name else self.name


class MediationCommittee(models.Model):
    """人民调解委员会: mediators are its members (each also holds the mediator role)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区域"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mediation_committees",
                                     verbose_name=_("调解员"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("人民调解委员会")
        verbose_name_plural = _("人民调解委员会")

    def __str__(self) -> str:
        return self.name


class Dispute(models.Model):
    """矛盾纠纷: parties in conflict, mediated within a time limit from acceptance."""

    class Status(models.TextChoices):
        REPORTED = "reported", _("已登记")
        MEDIATING = "mediating", _("调解中")
        AGREED = "agreed", _("已达成协议")
        FAILED = "failed", _("调解不成")
        REFERRED = "referred", _("已移交")
        CLOSED = "closed", _("已结案")

    class Source(models.TextChoices):
        SCREENING = "screening", _("排查发现")
        APPEAL = "appeal", _("诉求转入")
        ALERT = "alert", _("热点预警")
        WALK_IN = "walk_in", _("来访")
        REFERRAL = "referral", _("部门移交")

    number = CodeField(_("纠纷编号"), max_length=32, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    facts = models.TextField(_("纠纷事实"))
    kind = models.ForeignKey(DisputeKind, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("类型"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属社区"))
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("网格"))
    place = models.CharField(_("发生地点"), max_length=300, blank=True)
    people_involved = models.PositiveIntegerField(_("涉及人数"), default=2)
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.WALK_IN)
    # The case it came from, kept both ways (the appeal's page and the alert's page show the dispute).
    appeal = models.ForeignKey("appeals.Appeal", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="disputes", verbose_name=_("来源诉求"))
    alert = models.ForeignKey("triage.Alert", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="disputes", verbose_name=_("来源预警"))
    screening_task = models.ForeignKey("disputes.ScreeningTask", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="findings", verbose_name=_("排查任务"))

    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.BLUE)
    risk_score = models.PositiveSmallIntegerField(_("风险分"), default=0)
    risk_reasons = models.JSONField(_("风险依据"), default=list, blank=True)
    computed_risk_level = models.CharField(max_length=8, choices=RiskLevel.choices, default=RiskLevel.BLUE)
    risk_override_reason = models.CharField(_("调整理由"), max_length=300, blank=True)
    distress = models.BooleanField(_("情绪异常"), default=False)  # distress or threat words in the facts

    committee = models.ForeignKey(MediationCommittee, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="disputes", verbose_name=_("调解组织"))
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="mediated_disputes", verbose_name=_("调解员"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reported_at = models.DateTimeField(_("登记时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("调解期限"), null=True, blank=True)
    due_state = models.CharField(max_length=16, choices=DueState.choices, default=DueState.ON_TRACK)
    concluded_at = models.DateTimeField(_("调解终结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新调解次数"), default=0)

    outcome = models.TextField(_("调解结果"), blank=True)
    agreement_terms = models.TextField(_("协议内容"), blank=True)
    performance = models.TextField(_("履行方式及期限"), blank=True)
    signed_scan = models.FileField(_("签字协议扫描件"), upload_to="disputes/agreements/%Y/%m/", blank=True)
    signed_uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name=_("上传人"))
    signed_uploaded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        indexes = [models.Index(fields=["status", "due_at"]), models.Index(fields=["risk_level", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def risk_overridden(self) -> bool:
        return bool(self.risk_override_reason)

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        """Region-wide roles see their region; a mediator their own cases (and, to take them on, the
        unassigned ones in their region); a grid worker their grid's and what they reported."""
        wide = scoping.region_q(user, scoping.REGION_WIDE_ROLES - {Role.MEDIATOR})
        mediator = None
        if scoping.has_role(user, Role.MEDIATOR):
            mediator = Q(mediator=user) | Q(committee__members=user)
            unassigned = scoping.region_q(user, (Role.MEDIATOR,))
            if unassigned is not None:
                mediator |= Q(unassigned, mediator__isnull=True, status=cls.Status.REPORTED)
        grid = None
        grid_ids = {r.grid_id for r in scoping.assignments(user, Role.GRID_WORKER) if r.grid_id}
        if grid_ids or scoping.has_role(user, Role.GRID_WORKER):
            grid = Q(grid_id__in=grid_ids) | Q(reported_by=user)
            by_region = scoping.region_q(user, (Role.GRID_WORKER,))
            if by_region:  # a grid worker held for a whole community
                grid |= by_region
        return scoping.union(wide, mediator, grid)

    def may_reveal(self, user) -> bool:
        return user is not None and (user.is_superuser or scoping.has_role(user, *REVEAL_ROLES))


class DisputeParty(models.Model):
    """A party (a person or an organisation); name, phone, ID number and address are protected as an
    appellant's are (masked everywhere, revealed one at a time through core.reveal)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("自然人")
        ORGANISATION = "organisation", _("法人或其他组织")

    class Side(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")
        OTHER = "other", _("其他当事人")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.PERSON)
    side = models.CharField(_("身份"), max_length=16, choices=Side.choices, default=Side.APPLICANT)
    name = models.CharField(_("姓名或名称"), max_length=100)
    phone = SealedCodeField(_("联系电话"), max_length=32, blank=True)
    id_number = SealedCodeField(_("证件号码"), max_length=32, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)

    PROTECTED_FIELDS = {"name": "姓名或名称", "phone": "联系电话", "id_number": "证件号码", "address": "住址"}
    REVEAL_ROLES = REVEAL_ROLES
    REVEAL_REFUSAL = _("您的角色无权查看当事人的个人信息")

    class Meta:
        ordering = ["id"]
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")

    def __str__(self) -> str:
        return self.name

    def may_reveal(self, user) -> bool:
        return self.dispute.may_reveal(user)

    def reveal_audit_detail(self) -> dict:
        return {"dispute": self.dispute.number}


class DisputeEvent(CaseEvent):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")

    class Meta(CaseEvent.Meta):
        pass


class MediationSession(models.Model):
    """One mediation meeting: when, where, who took part, and its record."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("调解地点"), max_length=200)
    participants = models.CharField(_("参加人员"), max_length=500)
    record = models.TextField(_("调解记录"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["held_at", "id"]
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")


class Referral(models.Model):
    """诉调对接: a failed mediation handed to a court, an arbitration body or an administrative body."""

    class Kind(models.TextChoices):
        COURT = "court", _("人民法院")
        ARBITRATION = "arbitration", _("仲裁机构")
        ADMINISTRATIVE = "administrative", _("行政机关")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(_("移交去向"), max_length=16, choices=Kind.choices)
    body = models.CharField(_("接收单位"), max_length=100)
    referred_at = models.DateTimeField(_("移交时间"))
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("移交说明"), blank=True)
    result = models.TextField(_("处理结果"), blank=True)
    result_at = models.DateTimeField(_("结果时间"), null=True, blank=True)

    class Meta:
        ordering = ["referred_at", "id"]
        verbose_name = _("移交")
        verbose_name_plural = _("移交")


class FollowUpVisit(models.Model):
    """回访: whether the agreement is being kept."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="visits")
    visited_at = models.DateTimeField(_("回访时间"))
    kept = models.BooleanField(_("协议履行"))
    note = models.TextField(_("回访情况"), blank=True)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["visited_at", "id"]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")


from .petition_models import Petition, PetitionEvent  # noqa: E402,F401  (one models module for Django)
from .screening_models import Campaign, ScreeningTask, ScreeningTaskEvent  # noqa: E402,F401
from .care_models import CareReferral  # noqa: E402,F401
from .reception_models import ReceptionCase, ReceptionDay  # noqa: E402,F401
