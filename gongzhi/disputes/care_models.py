"""情绪疏导: a care referral for a person in distress (the dispute's, petition's or appeal's text shows
distress or threats), opened for a trained worker with a follow-up date. Who may see one is narrow
(CARE_ROLES and the worker), and every view of it is audited (care.view)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import Role

CARE_ROLES = (Role.MEDIATOR, Role.PETITION_OFFICER, Role.SUPERVISOR)


class CareReferral(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("疏导中")
        CLOSED = "closed", _("已结束")

    dispute = models.ForeignKey("disputes.Dispute", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="care_referrals")
    petition = models.ForeignKey("disputes.Petition", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="care_referrals")
    appeal = models.ForeignKey("appeals.Appeal", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="care_referrals")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_referrals",
                               verbose_name=_("疏导人员"))
    reason = models.TextField(_("转介原因"))
    follow_up_on = models.DateField(_("回访日期"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(_("疏导情况"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("心理疏导转介")
        verbose_name_plural = _("心理疏导转介")
        constraints = [models.CheckConstraint(
            condition=models.Q(dispute__isnull=False) | models.Q(petition__isnull=False) | models.Q(appeal__isnull=False),
            name="care_referral_has_a_case")]

    @property
    def case(self):
        return self.dispute or self.petition or self.appeal
