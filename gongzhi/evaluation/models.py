"""Evaluation: per-appeal facts, monthly rollups per unit, evaluation schemes, exclusions, follow-up calls."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.models import Appeal
from gongzhi.core import indicators

from . import kpis


class AppealFact(models.Model):
    """What one appeal contributes to its units' KPIs, kept in step with its events (services.flush_pending).

    The old fact is what lets an event subtract the appeal's previous contribution from the
    rollups before adding the new one, so rollups stay exact without re-reading a month."""

    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, primary_key=True, related_name="kpi_fact")
    month = models.DateField()
    department_id = models.BigIntegerField(null=True)
    subdistrict_id = models.BigIntegerField(null=True)
    community_id = models.BigIntegerField(null=True)
    grid_id = models.BigIntegerField(null=True)
    category_id = models.BigIntegerField(null=True)
    appeals = models.SmallIntegerField(default=0)
    excluded = models.SmallIntegerField(default=0)
    dispatched = models.SmallIntegerField(default=0)
    ack_on_time = models.SmallIntegerField(default=0)
    replied = models.SmallIntegerField(default=0)
    replied_on_time = models.SmallIntegerField(default=0)
    rated = models.SmallIntegerField(default=0)
    satisfied = models.SmallIntegerField(default=0)
    basic = models.SmallIntegerField(default=0)
    dissatisfied = models.SmallIntegerField(default=0)
    resolved = models.SmallIntegerField(default=0)
    returned = models.SmallIntegerField(default=0)
    repeated = models.SmallIntegerField(default=0)
    reopened = models.SmallIntegerField(default=0)
    closed = models.SmallIntegerField(default=0)
    open = models.SmallIntegerField(default=0)
    answered_at_intake = models.SmallIntegerField(default=0, db_default=0)
    handled_centi = models.IntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["department_id", "month"], name="evalfact_dept_month"),
            models.Index(fields=["subdistrict_id", "month"], name="evalfact_sub_month"),
            models.Index(fields=["community_id", "month"], name="evalfact_comm_month"),
            models.Index(fields=["month"], name="evalfact_month"),
        ]

    def to_fact(self) -> kpis.Fact:
        return kpis.Fact(month=self.month, department_id=self.department_id, subdistrict_id=self.subdistrict_id,
                         community_id=self.community_id, grid_id=self.grid_id, category_id=self.category_id,
                         flags=tuple(getattr(self, k) for k in kpis.FLAG_COUNTERS), handled_centi=self.handled_centi)


class PendingRefresh(models.Model):
    """An appeal whose fact (and so its units' rollups) may be stale: one row per appeal event,
    written by the event hook with a plain INSERT after the event's transaction commits.

    Intake and the lifecycle never touch a rollup row (the city's row would be one lock every
    request queued on); `services.flush_pending()` folds these rows into the facts and rollups in
    batches, from the worker every minute and before any figure is read. No foreign key: the insert
    takes no lock on the appeal, and an appeal deleted meanwhile just loses its fact."""

    id = models.BigAutoField(primary_key=True)
    appeal_id = models.BigIntegerField()


class KpiRollup(models.Model):
    """Additive counters of one unit (city, department, subdistrict, community, grid, root category)
    in one month, plus a histogram of handling times in tenths of a working day (for the p90)."""

    kind = models.CharField(max_length=16)
    unit_id = models.BigIntegerField()
    month = models.DateField()
    appeals = models.IntegerField(default=0)
    excluded = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    ack_on_time = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    replied_on_time = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basic = models.IntegerField(default=0)
    dissatisfied = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    repeated = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    answered_at_intake = models.IntegerField(default=0, db_default=0)
    handled_centi = models.BigIntegerField(default=0)
    hist = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "month", "unit_id"], name="unique_kpi_rollup")]

    def counts(self) -> dict:
        c = {k: getattr(self, k) for k in kpis.COUNTERS}
        c["hist"] = dict(self.hist or {})
        return c


class EvaluationScheme(models.Model):
    """How units are scored: KPI weights, the period and the kind of unit ranked."""

    class Period(models.TextChoices):
        MONTH = "month", _("月度")
        QUARTER = "quarter", _("季度")
        YEAR = "year", _("年度")

    class Scope(models.TextChoices):
        DEPARTMENT = "department", _("承办部门")
        SUBDISTRICT = "subdistrict", _("街道乡镇")
        COMMUNITY = "community", _("社区村")

    name = models.CharField(_("名称"), max_length=100)
    period = models.CharField(_("考评周期"), max_length=8, choices=Period.choices, default=Period.MONTH)
    scope_kind = models.CharField(_("考评对象"), max_length=16, choices=Scope.choices, default=Scope.DEPARTMENT)
    weights = models.JSONField(_("指标权重"), default=dict, blank=True)
    satisfied_weight = models.FloatField(_("满意计分"), default=1.0)
    basic_weight = models.FloatField(_("基本满意计分"), default=1.0)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scope_kind", "period", "name"]
        verbose_name = _("考评方案")
        verbose_name_plural = _("考评方案")

    def __str__(self) -> str:
        return self.name

    def kpi_weights(self) -> dict:
        """The appeals' KPIs' weights and other apps' rates' (core.indicators), as this scheme sets them."""
        known = set(kpis.RATES) | set(indicators.better())
        return {**kpis.DEFAULT_WEIGHTS, **indicators.default_weights(),
                **{k: float(v) for k, v in (self.weights or {}).items() if k in known}}

    def satisfaction_weights(self) -> dict:
        return {"satisfied": self.satisfied_weight, "basic": self.basic_weight}


class Exclusion(models.Model):
    """An appeal judged unreasonable (无理诉求) by a supervisor: left out of every KPI, with a reason.
    Creating and revoking are written to the audit log."""

    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="kpi_exclusion")
    reason = models.CharField(_("理由"), max_length=300)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("考评剔除")
        verbose_name_plural = _("考评剔除")


class FollowUpCall(models.Model):
    """An operator's phone follow-up attempt (the rating itself goes through appeals.services.follow_up)."""

    class Outcome(models.TextChoices):
        RATED = "rated", _("已评价")
        NO_ANSWER = "no_answer", _("无人接听")
        REFUSED = "refused", _("拒绝评价")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="follow_up_calls")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
