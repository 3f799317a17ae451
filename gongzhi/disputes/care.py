"""Care referrals (情绪疏导): opened, closed and viewed here only; every view is an audit entry."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from gongzhi.core import audit, messages, scoping
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.recipients import notify

from . import risk
from .care_models import CARE_ROLES, CareReferral


def may_see(user, referral: CareReferral | None = None) -> bool:
    """The roles that arrange care, and the worker the referral is for."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or scoping.has_role(user, *CARE_ROLES):
        return True
    return referral is not None and referral.worker_id == user.pk


def _case_field(case) -> str:
    label = case._meta.label_lower
    return {"disputes.dispute": "dispute", "disputes.petition": "petition", "appeals.appeal": "appeal"}[label]


def distressed(case) -> bool:
    """The case's text shows distress or threats: a dispute and a petition keep the flag from
    intake; an appeal's is read from its text with the same lexicon (triage's risk words)."""
    if hasattr(case, "distress"):
        return bool(case.distress)
    return risk.assess(f"{getattr(case, 'title', '')}。{getattr(case, 'content', '')}").distress


def workers():
    """Whom a referral may be opened for: the active holders of the care roles."""
    from gongzhi.core.models import User

    return User.objects.filter(roles__role__in=CARE_ROLES, is_active=True).distinct()


def section(case, user, action: str) -> dict:
    """The care section of a case's page (disputes/_care.html): only for whom may arrange care; it
    lists the case's referrals, never what they say."""
    if not may_see(user):
        return {"may_care": False}
    return {"may_care": True, "case": case, "care_action": action, "distressed": distressed(case),
            "care_referrals": list(case.care_referrals.all()), "care_workers": workers()}


def open_referral(case, actor, *, worker, reason: str, follow_up_on: dt.date | None) -> CareReferral:
    if not may_see(actor):
        raise ActionRefused(_("您的角色无权转介心理疏导"))
    errors = {}
    if worker is None:
        errors["worker"] = _("请选择疏导人员")
    if not (reason or "").strip():
        errors["reason"] = _("请填写转介原因")
    if follow_up_on is None or follow_up_on < timezone.localdate():
        errors["follow_up_on"] = _("回访日期不能早于今天")
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        referral = CareReferral.objects.create(**{_case_field(case): case}, worker=worker, reason=reason.strip(),
                                               follow_up_on=follow_up_on, created_by=actor)
        # A dispute's or petition's history says a referral exists, never what it says; an appeal's
        # history is read by every department it went to, so there only the audit log has it.
        if case._meta.app_label == "disputes":
            record_event(case, "care_referral", actor, from_status=getattr(case, "status", ""),
                         note=_("已转介心理疏导"))
        audit.record(actor, "open_care_referral", referral)
        notify([worker], "care_referral", messages.localised(N_("心理疏导转介，请于%(day)s前回访"), day=follow_up_on.isoformat()),
               f"/disputes/care/{referral.pk}/")
    return referral


def view(referral: CareReferral, user, request=None) -> CareReferral:
    """The referral in full, for whom may see it; audited each time."""
    if not may_see(user, referral):
        raise ActionRefused(_("您无权查看心理疏导记录"))
    audit.record(user, "view_care_referral", referral, request=request)
    return referral


def close_referral(referral: CareReferral, actor, *, outcome: str) -> CareReferral:
    if not may_see(actor, referral):
        raise ActionRefused(_("您无权查看心理疏导记录"))
    if not (outcome or "").strip():
        raise FieldErrors({"outcome": _("请填写疏导情况")})
    if referral.status == CareReferral.Status.CLOSED:
        raise ActionRefused(_("该转介已结束"))
    with transaction.atomic():
        referral.status, referral.outcome, referral.closed_at = CareReferral.Status.CLOSED, outcome.strip(), timezone.now()
        referral.save()
        audit.record(actor, "close_care_referral", referral)
    return referral
