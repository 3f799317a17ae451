"""Every change to a dispute: one transaction each, with its DisputeEvent (core.events).

Views, the API, the demo and the alert conversion call these; nothing else writes disputes.
"""
from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from gongzhi.core import messages, scoping
from gongzhi.core.deadlines import DeadlinePolicy, sweep
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.models import Grid, Region, Role
from gongzhi.core.recipients import notify, supervisors_of
from gongzhi.core.reveal import reveal_fields
from gongzhi.core.workdays import WorkCalendar

from . import agreement
from . import risk as risk_rules
from .lifecycle import DISPUTE_LIFECYCLE as LIFECYCLE
from .models import (Dispute, DisputeKind, DisputeParty, FollowUpVisit, MediationCommittee, MediationSession,
                     Referral, RiskLevel)

S = Dispute.Status
ALARMING = (RiskLevel.RED, RiskLevel.ORANGE)  # the region's supervisors are told at once
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
AMOUNT_MAX = 99_999_999_999  # what Dispute.amount holds (14 digits, 2 after the point), in whole yuan
PARTY_FIELDS = ("kind", "side", "name", "phone", "id_number", "address")


def mediation_days() -> int:
    return settings.GONGZHI["DISPUTE_MEDIATION_DAYS"]


def link(dispute: Dispute) -> str:
    return f"/disputes/{dispute.pk}/"


def new_number(prefix: str, at: dt.datetime) -> str:
    suffix = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(5))
    return f"{prefix}{timezone.localtime(at):%Y%m%d}{suffix}"


def _now(at=None) -> dt.datetime:
    return at or timezone.now()


def _locked(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_for_update().get(pk=dispute.pk)


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise FieldErrors({"amount": _("涉及金额必须是数字")}) from None
    if amount < 0 or not amount.is_finite():
        raise FieldErrors({"amount": _("涉及金额不能为负数")})
    if amount > AMOUNT_MAX:
        raise FieldErrors({"amount": _("涉及金额过大")})
    return amount


def _clean_parties(parties) -> list[dict]:
    rows = []
    for i, raw in enumerate(parties or []):
        row = {k: (str(raw.get(k) or "").strip()) for k in PARTY_FIELDS}
        row["kind"] = row["kind"] or DisputeParty.Kind.PERSON
        row["side"] = row["side"] or (DisputeParty.Side.APPLICANT if i == 0 else DisputeParty.Side.RESPONDENT)
        if not row["name"]:
            raise FieldErrors({f"parties[{i}].name": _("请填写当事人姓名或名称")})
        if row["kind"] not in DisputeParty.Kind.values or row["side"] not in DisputeParty.Side.values:
            raise FieldErrors({f"parties[{i}]": _("当事人类别或身份无效")})
        rows.append(row)
    if len(rows) < 2:
        raise FieldErrors({"parties": _("纠纷至少要有两方当事人")})
    return rows


def repeat_parties(parties: list[dict], exclude_pk=None) -> int:
    """Earlier disputes one of these parties (same ID number or phone) was already in."""
    q = Q()
    for p in parties:
        if p.get("id_number"):
            q |= Q(id_number=p["id_number"])
        if p.get("phone"):
            q |= Q(phone=p["phone"])
    if not q:
        return 0
    rows = DisputeParty.objects.filter(q)
    if exclude_pk:
        rows = rows.exclude(dispute_id=exclude_pk)
    return rows.values("dispute_id").distinct().count()


def _assess(dispute: Dispute, parties: list[dict]) -> risk_rules.DisputeRisk:
    return risk_rules.assess(f"{dispute.title}。{dispute.facts}", people_involved=dispute.people_involved,
                             amount=dispute.amount, repeat_parties=repeat_parties(parties, dispute.pk),
                             kind_name=dispute.kind.name, kind_escalates=dispute.kind.escalation_prone)


def _alarm(dispute: Dispute, why: str) -> None:
    if dispute.risk_level in ALARMING:
        notify(supervisors_of(dispute.region), "dispute_risk",
               messages.localised(N_("%(level)s风险纠纷：%(title)s（%(why)s）"), level=RiskLevel(dispute.risk_level).label,
                                  title=dispute.title, why=why),
               link(dispute))


def report(*, actor, title: str, facts: str, kind: DisputeKind | None, region: Region | None, parties,
           grid: Grid | None = None, place: str = "", people_involved=2, amount=None,
           source: str = Dispute.Source.WALK_IN, appeal=None, alert=None, screening_task=None, at=None,
           note: str = "") -> Dispute:
    """Register a dispute: its risk is computed (reasons kept) and red/orange ones alarm the region."""
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("请填写标题")
    if not (facts or "").strip():
        errors["facts"] = _("请填写纠纷事实")
    if kind is None:
        errors["kind"] = _("请选择纠纷类型")
    if region is None and grid is None:
        errors["region"] = _("请选择所属社区或网格")
    if source not in Dispute.Source.values:
        errors["source"] = _("来源无效")
    try:
        people = int(people_involved)
        if people < 1:
            raise ValueError
    except (TypeError, ValueError):
        errors["people_involved"] = _("涉及人数必须是正整数")
        people = 0
    if errors:
        raise FieldErrors(errors)
    amount = _amount(amount)
    rows = _clean_parties(parties)
    at = _now(at)
    with transaction.atomic():
        dispute = Dispute(number=new_number("TJ", at), title=title.strip()[:200], facts=facts.strip(), kind=kind,
                          region=region or grid.community, grid=grid, place=place.strip()[:300],
                          people_involved=people, amount=amount, source=source, appeal=appeal, alert=alert,
                          screening_task=screening_task,
                          reported_by=actor if getattr(actor, "pk", None) else None, reported_at=at)
        assessed = _assess(dispute, rows)
        dispute.risk_score, dispute.risk_reasons, dispute.distress = assessed.score, assessed.reasons, assessed.distress
        dispute.risk_level = dispute.computed_risk_level = assessed.level
        dispute.save()
        DisputeParty.objects.bulk_create(DisputeParty(dispute=dispute, **row) for row in rows)
        record_event(dispute, "reported", actor, to_status=S.REPORTED, note=note or _("纠纷登记"), at=at,
                     source=source, risk=assessed.level)
        _alarm(dispute, _("新登记"))
    return dispute


def assign(dispute: Dispute, actor, *, mediator=None, committee: MediationCommittee | None = None) -> Dispute:
    LIFECYCLE.require_role(actor, "assign")
    if mediator is None and committee is None:
        raise FieldErrors({"mediator": _("请选择调解员或调解委员会")})
    if mediator is not None and not scoping.has_role(mediator, Role.MEDIATOR):
        raise FieldErrors({"mediator": _("所选人员不是调解员")})
    changes = {"mediator": mediator, "committee": committee or dispute.committee}
    done = LIFECYCLE.perform(dispute, "assign", actor, changes=changes, note=_("指派调解"),
                             mediator=str(mediator or ""), committee=str(committee or ""))
    if mediator is not None:
        notify([mediator], "dispute_assigned", messages.localised(N_("请调解纠纷：%(title)s"), title=done.title), link(done))
    return done


def accept(dispute: Dispute, actor, at=None) -> Dispute:
    """受理: the mediation time limit starts (calendar days from the next day, rest-day rule)."""
    at = _now(at)
    due = WorkCalendar.current().period_deadline(at, mediation_days())
    return LIFECYCLE.perform(dispute, "accept", actor, note=_("受理调解"), changes={
        "accepted_at": at, "due_at": due, "mediator": dispute.mediator or actor})


def record_session(dispute: Dispute, actor, *, held_at, place: str, participants: str, record: str) -> MediationSession:
    errors = {k: _("必填") for k, v in (("held_at", held_at), ("place", place), ("participants", participants),
                                        ("record", record)) if not v or (isinstance(v, str) and not v.strip())}
    if errors:
        raise FieldErrors(errors)
    if held_at > timezone.now() + dt.timedelta(minutes=5):
        raise FieldErrors({"held_at": _("调解时间不能晚于现在")})
    LIFECYCLE.require_role(actor, "session")
    with transaction.atomic():
        locked = _locked(dispute)
        LIFECYCLE.require_state(locked, "session")
        session = MediationSession.objects.create(dispute=locked, held_at=held_at, place=place.strip(),
                                                  participants=participants.strip(), record=record.strip(),
                                                  recorded_by=actor)
        record_event(locked, "session", actor, from_status=locked.status, note=place.strip(), session=session.pk)
    return session


def settle(dispute: Dispute, actor, *, outcome: str, terms: str, performance: str, at=None) -> Dispute:
    """调解成功: the agreement's terms and how they are performed, from which the .docx is made."""
    errors = {k: _("必填") for k, v in (("terms", terms), ("performance", performance)) if not (v or "").strip()}
    if errors:
        raise FieldErrors(errors)
    return LIFECYCLE.perform(dispute, "settle", actor, note=outcome or _("双方达成调解协议"), changes={
        "outcome": (outcome or "").strip(), "agreement_terms": terms.strip(), "performance": performance.strip(),
        "concluded_at": _now(at)})


def fail(dispute: Dispute, actor, *, outcome: str, at=None) -> Dispute:
    if not (outcome or "").strip():
        raise FieldErrors({"outcome": _("请写明调解不成的原因")})
    return LIFECYCLE.perform(dispute, "fail", actor, note=outcome.strip(),
                             changes={"outcome": outcome.strip(), "concluded_at": _now(at)})


def upload_signed(dispute: Dispute, actor, upload) -> Dispute:
    """The signed agreement's scan; the case keeps who uploaded it and when."""
    if upload is None or not getattr(upload, "size", 0):
        raise FieldErrors({"signed_scan": _("请选择签字协议的扫描件")})
    if upload.size > settings.GONGZHI["ATTACHMENT_MAX_BYTES"]:
        raise FieldErrors({"signed_scan": _("文件过大")})
    LIFECYCLE.require_role(actor, "upload_signed")
    with transaction.atomic():
        locked = _locked(dispute)
        LIFECYCLE.require_state(locked, "upload_signed")
        locked.signed_scan.save(upload.name, upload, save=False)
        locked.signed_uploaded_by, locked.signed_uploaded_at = actor, timezone.now()
        locked.save()
        record_event(locked, "upload_signed", actor, from_status=locked.status, note=_("上传签字协议"),
                     file=locked.signed_scan.name)
    return locked


def follow_up(dispute: Dispute, actor, *, kept: bool, note: str = "", at=None) -> Dispute:
    """回访. A broken agreement reopens the mediation, with a new time limit from today."""
    at = _now(at)
    LIFECYCLE.require_role(actor, "follow_up")
    with transaction.atomic():
        locked = _locked(dispute)
        LIFECYCLE.require_state(locked, "follow_up")
        FollowUpVisit.objects.create(dispute=locked, visited_at=at, kept=kept, note=note.strip(), visitor=actor)
        before = locked.status
        if kept:
            record_event(locked, "follow_up", actor, from_status=before, note=note or _("协议正常履行"), kept=True)
            return locked
        locked.status = S.MEDIATING
        locked.reopen_count += 1
        locked.concluded_at = None
        locked.due_at = WorkCalendar.current().period_deadline(at, mediation_days())
        locked.due_state = "on_track"
        locked.save()
        record_event(locked, "reopened", actor, from_status=before, to_status=S.MEDIATING,
                     note=note or _("协议未履行，重新调解"), kept=False)
        users = [locked.mediator] if locked.mediator else []
        notify([*users, *supervisors_of(locked.region)], "dispute_reopened",
               messages.localised(N_("调解协议未履行，纠纷重新调解：%(title)s"), title=locked.title), link(locked))
    return locked


def refer(dispute: Dispute, actor, *, kind: str, body: str, note: str = "", at=None) -> Referral:
    """诉调对接: to a court, an arbitration body or an administrative body."""
    errors = {}
    if kind not in Referral.Kind.values:
        errors["kind"] = _("请选择移交去向")
    if not (body or "").strip():
        errors["body"] = _("请填写接收单位")
    if errors:
        raise FieldErrors(errors)
    LIFECYCLE.require_role(actor, "refer")
    with transaction.atomic():
        locked = _locked(dispute)
        LIFECYCLE.require_state(locked, "refer")
        referral = Referral.objects.create(dispute=locked, kind=kind, body=body.strip(), note=note.strip(),
                                           referred_at=_now(at), referred_by=actor)
        locked.status = S.REFERRED
        locked.save()
        record_event(locked, "refer", actor, from_status=S.FAILED, to_status=S.REFERRED,
                     note=f"{referral.get_kind_display()}：{referral.body}", referral=referral.pk)
    return referral


def referral_result(dispute: Dispute, actor, *, result: str, at=None) -> Dispute:
    if not (result or "").strip():
        raise FieldErrors({"result": _("请填写处理结果")})
    at = _now(at)
    LIFECYCLE.require_role(actor, "referral_result")
    with transaction.atomic():
        locked = _locked(dispute)
        LIFECYCLE.require_state(locked, "referral_result")
        referral = locked.referrals.last()
        referral.result, referral.result_at = result.strip(), at
        referral.save()
        locked.status, locked.closed_at = S.CLOSED, at
        locked.save()
        record_event(locked, "referral_result", actor, from_status=S.REFERRED, to_status=S.CLOSED,
                     note=result.strip(), referral=referral.pk)
    return locked


def close(dispute: Dispute, actor, *, note: str = "", at=None) -> Dispute:
    return LIFECYCLE.perform(dispute, "close", actor, note=note or _("结案"), changes={"closed_at": _now(at)})


def override_risk(dispute: Dispute, actor, *, level: str, reason: str) -> Dispute:
    """A person's judgement over the computed level, with the reason kept; raising it to red or
    orange alarms the region as a computed one would."""
    errors = {}
    if level not in RiskLevel.values:
        errors["level"] = _("风险等级无效")
    if not (reason or "").strip():
        errors["reason"] = _("调整风险等级须说明理由")
    if errors:
        raise FieldErrors(errors)
    before = dispute.risk_level
    done = LIFECYCLE.perform(dispute, "override_risk", actor, note=reason.strip(), changes={
        "risk_level": level, "risk_override_reason": reason.strip()[:300]}, risk_from=before, risk_to=level)
    if level != before and level in ALARMING:
        _alarm(done, reason.strip())
    return done


def agreement_document(dispute: Dispute, actor, request=None) -> bytes:
    """The 人民调解协议书 .docx. It carries the parties' identities in full, so making it is an
    audited reveal of each party's protected fields, for whom may see them."""
    if dispute.status not in (S.AGREED, S.CLOSED) or not dispute.agreement_terms:
        raise ActionRefused(_("尚未达成调解协议"))
    for party in dispute.parties.all():
        reveal_fields(party, actor, DisputeParty.PROTECTED_FIELDS, request=request)
    return agreement.build(dispute)


# ---------------------------------------------------------------- from other cases

def from_appeal(appeal, actor, *, kind: DisputeKind, parties, note: str = "") -> Dispute:
    """One action turns an appeal into a dispute; the dispute keeps the appeal (appeal.disputes)."""
    if appeal.disputes.exists():
        raise ActionRefused(_("该诉求已转为矛盾纠纷"))
    return report(actor=actor, title=appeal.title, facts=appeal.content, kind=kind,
                  region=appeal.region or (appeal.grid.community if appeal.grid_id else None), grid=appeal.grid,
                  place=appeal.location_text, parties=parties, source=Dispute.Source.APPEAL, appeal=appeal,
                  note=note or _("由诉求 %(number)s 转入") % {"number": appeal.tracking_number})


def from_alert(alert, actor, note: str = "") -> Dispute:
    """The alert conversion (triage.alerts.register_conversion): a dispute to be screened, its
    parties still to be found (the alert names none), kind 其他 until a mediator says."""
    kind = DisputeKind.objects.filter(code="other").first() or DisputeKind.objects.first()
    region = alert.region or Region.objects.filter(parent__isnull=True).first()
    at = _now()
    facts = "\n".join(line for line in (note, _("预警依据：") + "；".join(str(r) for r in alert.reasons)) if line)
    dispute = Dispute(number=new_number("TJ", at), title=alert.title[:200], facts=facts, kind=kind, region=region,
                      source=Dispute.Source.ALERT, alert=alert, appeal=alert.appeal, reported_by=actor,
                      reported_at=at)
    assessed = _assess(dispute, [])
    dispute.risk_score, dispute.risk_reasons, dispute.distress = assessed.score, assessed.reasons, assessed.distress
    dispute.risk_level = dispute.computed_risk_level = assessed.level
    dispute.save()
    record_event(dispute, "reported", actor, to_status=S.REPORTED, note=_("由预警转入"), source="alert",
                 alert=alert.pk)
    _alarm(dispute, _("预警转入"))
    return dispute


# ---------------------------------------------------------------- deadlines

def _overdue(dispute: Dispute) -> None:
    with transaction.atomic():
        record_event(dispute, "overdue", None, from_status=dispute.status, note=_("调解超期"))
        users = [dispute.mediator] if dispute.mediator else []
        notify([*users, *supervisors_of(dispute.region)], "overdue",
               messages.localised(N_("纠纷调解超期：%(title)s"), title=dispute.title), link(dispute))


DEADLINES = DeadlinePolicy(open_cases=lambda: Dispute.objects.filter(status=S.MEDIATING).select_related("region"),
                           due_soon_hours=lambda: settings.GONGZHI["DUE_SOON_HOURS"], on_overdue=_overdue)


def sweep_deadlines(now=None) -> dict[str, int]:
    return sweep(DEADLINES, now)
