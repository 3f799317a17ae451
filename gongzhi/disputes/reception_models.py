"""领导接访日: a leader's reception day (schedule and place), the petitions to be heard, and the
outcome recorded per case."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReceptionDay(models.Model):
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reception_days",
                               verbose_name=_("接访领导"))
    day = models.DateField(_("接访日期"))
    place = models.CharField(_("接访地点"), max_length=200)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区域"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-day", "id"]
        verbose_name = _("领导接访日")
        verbose_name_plural = _("领导接访日")


class ReceptionCase(models.Model):
    reception = models.ForeignKey(ReceptionDay, on_delete=models.CASCADE, related_name="cases")
    petition = models.ForeignKey("disputes.Petition", on_delete=models.CASCADE, related_name="receptions")
    outcome = models.TextField(_("接访结果"), blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["reception", "petition"], name="reception_case_once")]
