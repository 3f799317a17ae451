"""Every change to a petition (信访件), within the 信访工作条例's time limits.

Periods are calendar days counted from the day after the triggering event; a period whose last day
is a rest day ends on the next working day (core.workdays.WorkCalendar.period_deadline). Each
period is configurable (settings.GONGZHI["PETITION_*"]). An extension of the opinion period adds its
days to the 60 and the rest-day rule is applied once, to the new last day.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from gongzhi.core import messages, scoping
from gongzhi.core.deadlines import DeadlinePolicy, DueState, sweep
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.models import Region, Role
from gongzhi.core.recipients import holders_of, notify, supervisors_of
from gongzhi.core.workdays import WorkCalendar

from . import risk as risk_rules
from .lifecycle import PETITION_LIFECYCLE as LIFECYCLE
from .petition_models import GROUP_SIZE, Petition
from .services import new_number

P = Petition.Status
RUNNING = (P.RECEIVED, P.ACCEPTED, P.REVIEW_REQUESTED, P.REEXAM_REQUESTED)
APPROVERS = (Role.LEADER, Role.SUPERVISOR)  # a superior approves an extension


def days(name: str) -> int:
    return settings.GONGZHI[f"PETITION_{name}_DAYS"]


def deadline(trigger: dt.datetime, period: int) -> dt.datetime:
    return WorkCalendar.current().period_deadline(trigger, period)


def link(petition: Petition) -> str:
    return f"/disputes/petitions/{petition.pk}/"


def _now(at=None) -> dt.datetime:
    return at or timezone.now()


def _not_future(field: str, at: dt.datetime, message: str) -> None:
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise FieldErrors({field: message})


def review_request_by(petition: Petition) -> dt.datetime | None:
    """The last moment a review (复查) may be asked: 30 days from receiving the opinion."""
    if petition.opinion_received_at is None:
        return None
    return deadline(petition.opinion_received_at, days("REVIEW_REQUEST"))


def reexam_request_by(petition: Petition) -> dt.datetime | None:
    if petition.review_at is None:
        return None
    return deadline(petition.review_at, days("REEXAM_REQUEST"))


def late_opinions(petition: Petition) -> dict[str, bool]:
    """Which opinions were given after their due day ("opinion", "review", "reexam")."""
    pairs = {"opinion": (petition.opinion_at, petition.opinion_due), "review": (petition.review_at, petition.review_due),
             "reexam": (petition.reexam_at, petition.reexam_due)}
    return {stage: bool(given and due and given > due) for stage, (given, due) in pairs.items()}


def _earlier_on_same(petitioner_id: str, phone: str, same_matter_as: Petition | None):
    """Earlier petitions by the same petitioner (ID number or phone), and the named same matter."""
    q = Q(pk__in=[]) if same_matter_as is None else Q(pk=same_matter_as.pk)
    if petitioner_id:
        q |= Q(petitioner_id_number=petitioner_id)
    if phone:
        q |= Q(petitioner_phone=phone)
    return Petition.objects.filter(q).order_by("-received_at")


def register(*, actor, channel: str, received_at: dt.datetime, petitioner_name: str, subject: str, content: str,
             region: Region | None, petitioner_phone: str = "", petitioner_id_number: str = "",
             petitioner_address: str = "", people_count=1, same_matter_as: Petition | None = None,
             disputes=(), appeals=()) -> Petition:
    """Register a petition with its own number; the acceptance period starts. Group (5+ people) and
    repeat (same petitioner or same matter) are flagged; a petition on a matter concluded by 复核 is
    flagged as such."""
    errors = {}
    if channel not in Petition.Channel.values:
        errors["channel"] = _("请选择信访形式（来信、走访、网上、电话）")
    if received_at is None:
        errors["received_at"] = _("请填写收到时间")
    elif received_at > timezone.now() + dt.timedelta(minutes=5):
        errors["received_at"] = _("收到时间不能晚于现在")
    for field, value, message in (("petitioner_name", petitioner_name, _("请填写信访人")),
                                  ("subject", subject, _("请填写信访事项")), ("content", content, _("请填写主要内容"))):
        if not (value or "").strip():
            errors[field] = message
    if region is None:
        errors["region"] = _("请选择所属区域")
    try:
        people = int(people_count)
        if people < 1:
            raise ValueError
    except (TypeError, ValueError):
        errors["people_count"] = _("信访人数必须是正整数")
        people = 1
    if errors:
        raise FieldErrors(errors)
    pid, phone = (petitioner_id_number or "").strip(), (petitioner_phone or "").strip()
    earlier = list(_earlier_on_same(pid, phone, same_matter_as)[:20])
    concluded = [p for p in earlier if p.status == P.CONCLUDED and (
        p == same_matter_as or p.subject.strip() == subject.strip())]
    with transaction.atomic():
        petition = Petition.objects.create(
            number=new_number("XF", received_at), channel=channel, received_at=received_at, registered_by=actor,
            petitioner_name=petitioner_name.strip(), petitioner_phone=phone, petitioner_id_number=pid,
            petitioner_address=(petitioner_address or "").strip(), people_count=people, subject=subject.strip()[:200],
            content=content.strip(), region=region, accept_due=deadline(received_at, days("ACCEPT")),
            is_group=people >= GROUP_SIZE, is_repeat=bool(earlier), repeat_of=(same_matter_as or
                                                                              (earlier[0] if earlier else None)),
            on_concluded_matter=bool(concluded),
            distress=risk_rules.assess(f"{subject}。{content}", people_involved=people).distress)
        petition.due_at = petition.accept_due
        petition.save(update_fields=["due_at"])
        petition.disputes.set(disputes)
        petition.appeals.set(appeals)
        flags = [name for name, on in (("group", petition.is_group), ("repeat", petition.is_repeat),
                                       ("concluded_matter", petition.on_concluded_matter)) if on]
        # The history starts when the petition arrived; when it was typed in is kept beside.
        record_event(petition, "registered", actor, to_status=P.RECEIVED, note=petition.get_channel_display(),
                     at=received_at, flags=flags, registered_at=timezone.now().isoformat())
        if petition.is_group or petition.on_concluded_matter:
            notify(supervisors_of(region), "petition_flagged",
                   _("需关注的信访件：%(subject)s（%(flags)s）") % {"subject": petition.subject, "flags": "、".join(
                       label for label, on in ((_("集体访"), petition.is_group),
                                               (_("已终结事项再访"), petition.on_concluded_matter)) if on)},
                   link(petition))
    return petition


def _move(petition: Petition, action: str, actor, *, note: str = "", at=None, check=None, data=None,
          **changes) -> Petition:
    """Lock, require, check (a function of the locked row that may refuse), change, record."""
    LIFECYCLE.require_role(actor, action)
    with transaction.atomic():
        locked = Petition.objects.select_for_update().get(pk=petition.pk)
        LIFECYCLE.require_state(locked, action)
        if check is not None:
            changes.update(check(locked) or {})
        before = locked.status
        target = LIFECYCLE[action].target
        if target is not None:
            locked.status = target
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.due_at = current_due(locked)
        if locked.due_at is None or locked.due_at > timezone.now():
            locked.due_state = DueState.ON_TRACK
        locked.save()
        record_event(locked, action, actor, from_status=before, to_status=locked.status, note=note, at=at,
                     public=action != "link", **(data or {}))
    return locked


def current_due(petition: Petition) -> dt.datetime | None:
    """The deadline running in the petition's state (None when nothing is awaited of the office)."""
    return {P.RECEIVED: petition.accept_due, P.ACCEPTED: petition.opinion_due,
            P.REVIEW_REQUESTED: petition.review_due, P.REEXAM_REQUESTED: petition.reexam_due}.get(petition.status)


def _after(field_value, at: dt.datetime, field: str, message: str) -> None:
    if field_value is not None and at < field_value:
        raise FieldErrors({field: message})


def accept(petition: Petition, actor, *, note: str = "", at=None) -> Petition:
    """受理: the 60-day opinion period starts."""
    at = _now(at)
    _not_future("accepted_at", at, _("受理时间不能晚于现在"))
    _after(petition.received_at, at, "accepted_at", _("受理时间不能早于收到时间"))
    return _move(petition, "accept", actor, note=note or _("予以受理"), at=at, accepted_at=at, decision_note=note,
                 opinion_due=deadline(at, days("OPINION")))


def decline(petition: Petition, actor, *, reason: str, at=None) -> Petition:
    if not (reason or "").strip():
        raise FieldErrors({"reason": _("请写明不予受理的理由")})
    return _move(petition, "decline", actor, note=reason.strip(), at=_now(at), decision_note=reason.strip())


def extend(petition: Petition, actor, *, extra_days, reason: str, approved_by) -> Petition:
    """Extend the opinion period once, by at most 30 days, with a superior's approval; the reason is
    in the petitioner's timeline (a public event)."""
    limit = settings.GONGZHI["PETITION_EXTENSION_MAX_DAYS"]
    errors = {}
    try:
        extra = int(extra_days)
        if not 1 <= extra <= limit:
            raise ValueError
    except (TypeError, ValueError):
        errors["extra_days"] = _("延长天数须为1至%(limit)d天") % {"limit": limit}
        extra = 0
    if not (reason or "").strip():
        errors["reason"] = _("延长须说明理由（告知信访人）")
    if approved_by is None or not (approved_by.is_superuser or scoping.has_role(approved_by, *APPROVERS)):
        errors["approved_by"] = _("延长须经上级（领导或督办员）批准")
    if errors:
        raise FieldErrors(errors)

    def check(locked):
        return {"opinion_due": deadline(locked.accepted_at, days("OPINION") + extra)}

    return _move(petition, "extend", actor, note=_("办理期限延长%(days)d日，理由：%(reason)s") % {
        "days": extra, "reason": reason.strip()}, check=check, extension_days=extra,
        extension_reason=reason.strip()[:300], extension_approved_by=approved_by)


def _opinion_check(at: dt.datetime, started_field: str, due_field: str, refusal: str, data: dict):
    """An opinion answers a request (or an acceptance): it cannot be dated before it, and one given
    after its due day is taken but flagged late (its event says so; the page and API show it)."""
    def check(locked):
        started, due = getattr(locked, started_field), getattr(locked, due_field)
        if started is not None and at < started:
            raise FieldErrors({"at": refusal})
        if due is not None and at > due:
            data["late"] = True
        return {}
    return check


def answer(petition: Petition, actor, *, opinion: str, received_at=None, at=None) -> Petition:
    """处理意见; `received_at`: when the petitioner received it (the review window counts from it)."""
    if not (opinion or "").strip():
        raise FieldErrors({"opinion": _("请填写处理意见")})
    at = _now(at)
    _not_future("at", at, _("出具时间不能晚于现在"))
    received = received_at or at
    _not_future("received_at", received, _("收到意见时间不能晚于现在"))
    _after(at, received, "received_at", _("收到意见时间不能早于出具时间"))
    data: dict = {}
    return _move(petition, "answer", actor, note=_("出具处理意见"), at=at, data=data,
                 check=_opinion_check(at, "accepted_at", "opinion_due", _("处理意见时间不能早于受理时间"), data),
                 opinion=opinion.strip(), opinion_at=at, opinion_received_at=received)


def request_review(petition: Petition, actor, *, at=None) -> Petition:
    """复查请求: within 30 days of receiving the opinion; the review is due 30 days after it."""
    at = _now(at)
    _not_future("requested_at", at, _("请求时间不能晚于现在"))

    def check(locked):
        by = review_request_by(locked)
        if at < locked.opinion_received_at:
            raise FieldErrors({"requested_at": _("请求时间不能早于收到处理意见的时间")})
        if at > by:
            raise ActionRefused(_("已超过复查请求期限（收到处理意见之日起%(days)d日内，截至%(by)s）") % {
                "days": days("REVIEW_REQUEST"), "by": timezone.localtime(by).date().isoformat()})
        return {"review_requested_at": at, "review_due": deadline(at, days("REVIEW"))}

    return _move(petition, "request_review", actor, note=_("信访人请求复查"), at=at, check=check)


def review(petition: Petition, actor, *, opinion: str, at=None) -> Petition:
    if not (opinion or "").strip():
        raise FieldErrors({"opinion": _("请填写复查意见")})
    at = _now(at)
    _not_future("at", at, _("复查意见时间不能晚于现在"))
    data: dict = {}
    return _move(petition, "review", actor, note=_("出具复查意见"), at=at, data=data,
                 check=_opinion_check(at, "review_requested_at", "review_due", _("复查意见时间不能早于复查请求时间"),
                                      data),
                 review_opinion=opinion.strip(), review_at=at)


def request_reexam(petition: Petition, actor, *, at=None) -> Petition:
    """复核请求: within 30 days of the review opinion; the re-examination is due 30 days after it."""
    at = _now(at)
    _not_future("requested_at", at, _("请求时间不能晚于现在"))

    def check(locked):
        by = reexam_request_by(locked)
        if at < locked.review_at:
            raise FieldErrors({"requested_at": _("请求时间不能早于复查意见的时间")})
        if at > by:
            raise ActionRefused(_("已超过复核请求期限（复查意见之日起%(days)d日内，截至%(by)s）") % {
                "days": days("REEXAM_REQUEST"), "by": timezone.localtime(by).date().isoformat()})
        return {"reexam_requested_at": at, "reexam_due": deadline(at, days("REEXAM"))}

    return _move(petition, "request_reexam", actor, note=_("信访人请求复核"), at=at, check=check)


def reexamine(petition: Petition, actor, *, opinion: str, at=None) -> Petition:
    """复核意见: the matter is concluded (终结); a new petition on it is flagged, not handled again."""
    if not (opinion or "").strip():
        raise FieldErrors({"opinion": _("请填写复核意见")})
    at = _now(at)
    _not_future("at", at, _("复核意见时间不能晚于现在"))
    data: dict = {}
    return _move(petition, "reexamine", actor, note=_("出具复核意见，信访事项终结"), at=at, data=data,
                 check=_opinion_check(at, "reexam_requested_at", "reexam_due", _("复核意见时间不能早于复核请求时间"),
                                      data),
                 reexam_opinion=opinion.strip(), reexam_at=at)


def link_cases(petition: Petition, actor, *, disputes=(), appeals=()) -> Petition:
    """Link disputes and appeals about the same matter (each shows the petition)."""
    if not disputes and not appeals:
        raise FieldErrors({"disputes": _("请选择要关联的纠纷或诉求")})
    done = _move(petition, "link", actor, note=_("关联案件"), data={
        "disputes": [d.number for d in disputes], "appeals": [a.tracking_number for a in appeals]})
    done.disputes.add(*disputes)
    done.appeals.add(*appeals)
    return done


# ---------------------------------------------------------------- deadlines

# Lazy: an overdue notice names the stage in each reader's language (core.messages.Localised).
STAGE_LABELS = {P.RECEIVED: gettext_lazy("受理"), P.ACCEPTED: gettext_lazy("处理意见"),
                P.REVIEW_REQUESTED: gettext_lazy("复查"), P.REEXAM_REQUESTED: gettext_lazy("复核")}


def _overdue(petition: Petition) -> None:
    with transaction.atomic():
        stage = STAGE_LABELS.get(petition.status, "")
        record_event(petition, "overdue", None, from_status=petition.status, note=_("%(stage)s超期") % {"stage": stage})
        notify(holders_of(petition.region, Role.SUPERVISOR, Role.PETITION_OFFICER), "overdue",
               messages.localised(N_("信访件%(stage)s超期：%(subject)s"), stage=stage, subject=petition.subject), link(petition))


DEADLINES = DeadlinePolicy(open_cases=lambda: Petition.objects.filter(status__in=RUNNING).select_related("region"),
                           due_soon_hours=lambda: settings.GONGZHI["DUE_SOON_HOURS"], on_overdue=_overdue)


def sweep_deadlines(now=None) -> dict[str, int]:
    return sweep(DEADLINES, now)
