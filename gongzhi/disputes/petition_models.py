"""Petitions (信访): registered with their own number, handled within the 信访工作条例's time limits.

Each stage has its own deadline field (accept_due, opinion_due, review_due, reexam_due, null until
the stage starts); `due_at` mirrors the one now running, so the core deadline sweep marks and
escalates a petition like any case.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import scoping
from gongzhi.core.deadlines import DueState
from gongzhi.core.events import CaseEvent
from gongzhi.core.fields import CodeField, SealedCodeField
from gongzhi.core.models import Region, Role
from gongzhi.core.scoping import RestrictedQuerySet

PETITION_ROLES = (Role.PETITION_OFFICER, Role.SUPERVISOR, Role.LEADER)
GROUP_SIZE = 5  # 五人以上: a group petition


class Petition(models.Model):
    class Channel(models.TextChoices):
        LETTER = "letter", _("来信")
        VISIT = "visit", _("走访")
        ONLINE = "online", _("网上信访")
        PHONE = "phone", _("电话")

    class Status(models.TextChoices):
        RECEIVED = "received", _("待受理")
        ACCEPTED = "accepted", _("办理中")
        NOT_ACCEPTED = "not_accepted", _("不予受理")
        ANSWERED = "answered", _("已出具处理意见")
        REVIEW_REQUESTED = "review_requested", _("复查中")
        REVIEWED = "reviewed", _("已出具复查意见")
        REEXAM_REQUESTED = "reexam_requested", _("复核中")
        CONCLUDED = "concluded", _("已终结")

    number = CodeField(_("信访编号"), max_length=32, unique=True)
    channel = models.CharField(_("信访形式"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(_("收到时间"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    petitioner_name = models.CharField(_("信访人"), max_length=64)
    petitioner_phone = SealedCodeField(_("联系电话"), max_length=32, blank=True)
    petitioner_id_number = SealedCodeField(_("身份证号"), max_length=32, blank=True)
    petitioner_address = models.CharField(_("住址"), max_length=200, blank=True)
    people_count = models.PositiveIntegerField(_("信访人数"), default=1)
    subject = models.CharField(_("信访事项"), max_length=200)
    content = models.TextField(_("主要内容"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区域"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED)

    accept_due = models.DateTimeField(_("受理期限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decision_note = models.TextField(_("受理意见"), blank=True)
    opinion_due = models.DateTimeField(_("处理意见期限"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("延长天数"), default=0)
    extension_reason = models.CharField(_("延长理由"), max_length=300, blank=True)
    extension_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                              on_delete=models.SET_NULL, related_name="+")
    opinion = models.TextField(_("处理意见"), blank=True)
    opinion_at = models.DateTimeField(_("出具处理意见时间"), null=True, blank=True)
    opinion_received_at = models.DateTimeField(_("信访人收到意见时间"), null=True, blank=True)
    review_requested_at = models.DateTimeField(_("请求复查时间"), null=True, blank=True)
    review_due = models.DateTimeField(_("复查期限"), null=True, blank=True)
    review_opinion = models.TextField(_("复查意见"), blank=True)
    review_at = models.DateTimeField(_("出具复查意见时间"), null=True, blank=True)
    reexam_requested_at = models.DateTimeField(_("请求复核时间"), null=True, blank=True)
    reexam_due = models.DateTimeField(_("复核期限"), null=True, blank=True)
    reexam_opinion = models.TextField(_("复核意见"), blank=True)
    reexam_at = models.DateTimeField(_("出具复核意见时间"), null=True, blank=True)

    due_at = models.DateTimeField(null=True, blank=True)  # the deadline now running (one of the four)
    due_state = models.CharField(max_length=16, choices=DueState.choices, default=DueState.ON_TRACK)

    is_group = models.BooleanField(_("集体访"), default=False)
    is_repeat = models.BooleanField(_("重复访"), default=False)
    repeat_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats",
                                  verbose_name=_("重复的信访件"))
    # A new petition on facts whose handling was concluded (复核 given): flagged, not handled again.
    on_concluded_matter = models.BooleanField(_("已终结事项再访"), default=False)
    distress = models.BooleanField(_("情绪异常"), default=False)  # distress or threat words in the content
    disputes = models.ManyToManyField("disputes.Dispute", blank=True, related_name="petitions")
    appeals = models.ManyToManyField("appeals.Appeal", blank=True, related_name="petitions")
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    PROTECTED_FIELDS = {"petitioner_name": "信访人", "petitioner_phone": "联系电话",
                        "petitioner_id_number": "身份证号", "petitioner_address": "住址"}
    REVEAL_REFUSAL = _("您的角色无权查看信访人的个人信息")
    REVEAL_ROLES = (Role.PETITION_OFFICER, Role.ADMIN)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("信访件")
        verbose_name_plural = _("信访件")
        indexes = [models.Index(fields=["status", "due_at"]),
                   models.Index(fields=["petitioner_id_number"], name="petition_id_number_idx"),
                   models.Index(fields=["petitioner_phone"], name="petition_phone_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @classmethod
    def scope_q(cls, user, action: str = "view"):
        return scoping.region_q(user, PETITION_ROLES + (Role.ADMIN,))

    def may_reveal(self, user) -> bool:
        return user is not None and (user.is_superuser or scoping.has_role(user, Role.PETITION_OFFICER, Role.ADMIN))


class PetitionEvent(CaseEvent):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="events")

    class Meta(CaseEvent.Meta):
        pass
