"""Public participation (公众参与): proposals (金点子) with a duty to answer, consultations on drafts
(征求意见), surveys and polls (问卷), and the moderation of what people write in public.

A proposal is a case type on the core kernel: its history (ProposalEvent), its lifecycle
(lifecycle.PROPOSAL_LIFECYCLE), its answer deadline (working days, swept by core.deadlines) and the
proposer's protected contact. Everything people write in public (a proposal, a comment) passes the
kernel's publication rule (core.publication: scrubbing, hidden words, the review and its delay)
and has a Moderation row with its own history when a moderator or the word list acts on it.
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
from gongzhi.core.models import Department, Region, Role
from gongzhi.core.publication import Review
from gongzhi.core.scoping import RestrictedQuerySet

# Who sees every proposal in their region on the staff pages (a handler: their department's).
OVERSIGHT_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.OPERATOR, Role.ADMIN)


class ProposalCategory(models.Model):
    """A subject of proposals (城市建设, 交通出行 …), with the support that makes a proposal due for an
    answer and the department that answers it by default."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = CodeField(_("代码"), max_length=32, unique=True)
    threshold = models.PositiveIntegerField(_("支持数门槛"), null=True, blank=True,
                                            help_text=_("空：使用系统默认值（GONGZHI_PROPOSAL_THRESHOLD）"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("默认答复部门"))
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("建议类别")
        verbose_name_plural = _("建议类别")

    def __str__(self) -> str:
        from django.utils.translation import gettext

        from .categories import DEFAULT_NAMES

        return gettext(self.name) if DEFAULT_NAMES.get(self.code) == self.name else self.name

    def support_threshold(self) -> int:
        return self.threshold or int(settings.GONGZHI.get("PROPOSAL_THRESHOLD", 50))


class Proposal(models.Model):
    """金点子: a citizen's idea, supported by others and answered in public by a department."""

    class Status(models.TextChoices):
        OPEN = "open", _("征集支持")
        QUALIFIED = "qualified", _("待交办")
        ASSIGNED = "assigned", _("待答复")
        ADOPTED = "adopted", _("采纳")
        PARTLY = "partly_adopted", _("部分采纳")
        REJECTED = "not_adopted", _("未采纳")
        DONE = "done", _("已落实")

    number = CodeField(_("建议编号"), max_length=32, unique=True)
    title = models.CharField(_("标题"), max_length=120)
    text = models.TextField(_("建议内容"))
    category = models.ForeignKey(ProposalCategory, on_delete=models.PROTECT, related_name="proposals",
                                 verbose_name=_("类别"))
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("所在区域"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)

    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="proposals")
    author_phone = SealedCodeField(_("联系电话"), max_length=32, blank=True)  # a phone-verified proposer
    anonymous = models.BooleanField(_("匿名公开"), default=False)

    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    support_count = models.PositiveIntegerField(_("支持数"), default=0)
    publication = models.CharField(_("公开审核"), max_length=16, choices=Review.choices, default=Review.PENDING)
    created_at = models.DateTimeField(_("提交时间"))

    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="proposals", verbose_name=_("答复部门"))
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("答复期限"), null=True, blank=True)
    due_state = models.CharField(max_length=16, choices=DueState.choices, default=DueState.ON_TRACK)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_late = models.BooleanField(_("超期答复"), default=False)
    answer = models.TextField(_("答复意见"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    done_at = models.DateTimeField(_("落实时间"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    PROTECTED_FIELDS = {"author_phone": "联系电话"}
    REVEAL_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)  # see may_reveal; core.twofactor
    REVEAL_REFUSAL = _("您的角色无权查看建议人的联系方式")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("金点子")
        verbose_name_plural = _("金点子")
        indexes = [models.Index(fields=["status", "due_at"]), models.Index(fields=["-support_count"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    ANSWERED = (Status.ADOPTED, Status.PARTLY, Status.REJECTED, Status.DONE)

    @property
    def is_answered(self) -> bool:
        return self.status in self.ANSWERED

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        """Staff of a region see its proposals (and those without a place); a handler their department's."""
        wide = scoping.region_q(user, OVERSIGHT_ROLES)
        if wide is not None and wide:
            wide = wide | Q(region__isnull=True)
        departments = scoping.department_ids(user, Role.HANDLER)
        own = Q(department_id__in=departments) if departments else None
        return scoping.union(wide, own)

    def may_reveal(self, user) -> bool:
        return user is not None and (user.is_superuser or scoping.has_role(user, Role.DISPATCHER, Role.SUPERVISOR,
                                                                              Role.ADMIN))


class ProposalPhoto(models.Model):
    """A photo of a proposal, as the public sees it: re-encoded from its pixels when it was uploaded
    (core.uploads.public_copy), so no EXIF position, camera or time survives, under a name of its own
    (never the uploader's file name). It is shown exactly when its proposal is."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to="participation/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("建议照片")
        verbose_name_plural = _("建议照片")


class ProposalSupport(models.Model):
    """One verified person's support (a signed-in account, or a phone confirmed by a one-time code,
    kept only as a keyed hash). A withdrawn support keeps its row (active=False) and can be given again."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    phone_key = models.CharField(max_length=64, blank=True)  # HMAC of the phone (verification.phone_key)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], condition=Q(user__isnull=False),
                                    name="one_support_per_account"),
            models.UniqueConstraint(fields=["proposal", "phone_key"], condition=~Q(phone_key=""),
                                    name="one_support_per_phone"),
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(phone_key=""), name="support_has_person"),
        ]


class ProposalEvent(CaseEvent):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events")

    class Meta(CaseEvent.Meta):
        pass


# ---------------------------------------------------------------- consultations (征求意见)

class Consultation(models.Model):
    """A draft (policy, plan, rule) put out for public comment, section by section, for a period;
    afterwards a published report: what was received, what was adopted, and why not."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("未发布")
        OPEN = "open", _("征求意见中")
        CLOSED = "closed", _("已截止")
        REPORTED = "reported", _("已公布反馈")

    title = models.CharField(_("标题"), max_length=200)
    introduction = models.TextField(_("说明"), blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="consultations",
                                   verbose_name=_("起草部门"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"))
    summary = models.TextField(_("意见采纳情况说明"), blank=True)
    reported_at = models.DateTimeField(_("反馈公布时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-closes_at", "-id"]
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")

    def __str__(self) -> str:
        return self.title


class ConsultationSection(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(default=0)
    heading = models.CharField(_("条目"), max_length=200)
    text = models.TextField(_("内容"))

    class Meta:
        ordering = ["order", "id"]


class ConsultationEvent(CaseEvent):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="events")

    class Meta(CaseEvent.Meta):
        pass


class Comment(models.Model):
    """An opinion on one section (or a reply to another comment), with the drafters' decision."""

    class Decision(models.TextChoices):
        PENDING = "", _("待研究")
        ADOPTED = "adopted", _("采纳")
        PARTLY = "partly", _("部分采纳")
        NOT_ADOPTED = "not_adopted", _("未采纳")

    section = models.ForeignKey(ConsultationSection, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    phone_key = models.CharField(max_length=64, blank=True)
    anonymous = models.BooleanField(default=False)
    text = models.TextField(_("意见"))
    publication = models.CharField(_("公开审核"), max_length=16, choices=Review.choices, default=Review.PENDING)
    created_at = models.DateTimeField()
    decision = models.CharField(_("采纳情况"), max_length=16, choices=Decision.choices, blank=True, default="")
    reason = models.TextField(_("理由"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["created_at", "id"]


# ---------------------------------------------------------------- surveys and polls (问卷)

class Survey(models.Model):
    class Mode(models.TextChoices):
        ANONYMOUS = "anonymous", _("匿名")
        VERIFIED = "verified", _("实名验证（每人一次）")

    class Status(models.TextChoices):
        DRAFT = "draft", _("未发布")
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    mode = models.CharField(_("答卷方式"), max_length=16, choices=Mode.choices, default=Mode.VERIFIED)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    closes_at = models.DateTimeField(_("截止时间"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("发起部门"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    response_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-closes_at", "-id"]
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("单选")
        MULTIPLE = "multiple", _("多选")
        SCALE = "scale", _("评分")
        TEXT = "text", _("文字")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.CharField(_("题目"), max_length=300)
    options = models.JSONField(default=list, blank=True)  # single/multiple: the choices' labels
    scale_max = models.PositiveSmallIntegerField(default=5)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]


class SurveyResponse(models.Model):
    """One answer sheet. Verified mode: `voter_key` (the account or the phone's keyed hash) is unique
    per survey; anonymous mode keeps nobody's identity (voter_key empty)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    voter_key = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "voter_key"], condition=~Q(voter_key=""),
                                               name="one_response_per_verified_person")]


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choices = models.JSONField(default=list, blank=True)  # option indexes, or [score]
    text = models.TextField(blank=True)


# ---------------------------------------------------------------- moderation (审核)

class Moderation(models.Model):
    """The moderation case of one public item (a proposal or a comment): why it is held or hidden,
    the appeal against it, and (ModerationEvent) every action on it. The item itself keeps its text;
    its `publication` follows this row (core.publication.Review)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("准予公开")
        HIDDEN = "hidden", _("已隐藏")
        APPEALED = "appealed", _("申诉中")
        UPHELD = "upheld", _("申诉驳回")

    class Item(models.TextChoices):
        PROPOSAL = "proposal", _("金点子")
        COMMENT = "comment", _("意见")

    item_kind = models.CharField(max_length=16, choices=Item.choices)
    item_id = models.PositiveIntegerField()
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    flagged_words = models.JSONField(_("命中敏感词"), default=list, blank=True)
    flagged = models.BooleanField(_("含敏感词"), default=False)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    appeal_text = models.TextField(_("申诉理由"), blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["item_kind", "item_id"], name="one_moderation_per_item")]
        verbose_name = _("审核")
        verbose_name_plural = _("审核")

    def item(self):
        model = Proposal if self.item_kind == self.Item.PROPOSAL else Comment
        return model.objects.filter(pk=self.item_id).first()


class ModerationEvent(CaseEvent):
    moderation = models.ForeignKey(Moderation, on_delete=models.CASCADE, related_name="events")

    class Meta(CaseEvent.Meta):
        pass


class SensitiveWord(models.Model):
    """A word no public text carries (shown as ＊＊) and that holds a new text for a moderator; the
    administrator edits the list in the admin, beside GONGZHI_PUBLICATION_HIDDEN_WORDS."""

    word = models.CharField(_("敏感词"), max_length=50, unique=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")

    def __str__(self) -> str:
        return self.word


class PhoneCheck(models.Model):
    """A one-time code sent by SMS to confirm a phone number (only hashes are kept)."""

    phone_key = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
