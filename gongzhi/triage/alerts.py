"""Alerts (预警) as a case type: raised by triage, acknowledged, then converted into a case that
follows them up, or dismissed. Every write is here, in one transaction, with its AlertEvent.

What an alert may become is registered (`register_conversion`): today an appeal for the
dispatchers (triage registers it); a dispute, a petition or an emergency incident once those case
types exist and register themselves. The alert links to what it became (Alert.converted_to), and
the new case's history says which alert it came from.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from gongzhi.core import audit, messages
from gongzhi.core.errors import FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.lifecycle import Lifecycle, Transition, may_act
from gongzhi.core.models import Role
from gongzhi.core.reasons import translate as translate_reason
from gongzhi.core.recipients import notify, supervisors_of

from .models import Alert

OPEN, ACKNOWLEDGED, CONVERTED, DISMISSED = (Alert.State.OPEN, Alert.State.ACKNOWLEDGED, Alert.State.CONVERTED,
                                            Alert.State.DISMISSED)
# Who deals with alerts (inside the alerts' region scope, Alert.scope_q).
ALERT_ROLES = (Role.SUPERVISOR, Role.LEADER)

ALERT_LIFECYCLE = Lifecycle([
    Transition("acknowledge", (OPEN,), ALERT_ROLES, ACKNOWLEDGED, label=_("签收")),
    Transition("convert", (OPEN, ACKNOWLEDGED), ALERT_ROLES, CONVERTED, label=_("转办")),
    Transition("dismiss", (OPEN, ACKNOWLEDGED), ALERT_ROLES, DISMISSED, label=_("排除")),
], state_field="state", state_refusal=lambda alert, t: gettext("该预警已处理"))

EVENT_LABELS = {"raised": N_("预警"), "acknowledged": N_("签收"), "converted": N_("转办"), "dismissed": N_("排除")}


def may_deal_with(user) -> bool:
    """Holds a role that deals with alerts (the pages show the actions and accept them)."""
    return user is not None and may_act(user, ALERT_ROLES)


# ---------------------------------------------------------------- what an alert may become

@dataclass(frozen=True)
class Conversion:
    """`create(alert, actor, note)` makes the case, inside the conversion's transaction, and returns
    it; `link(case)` is its page."""

    key: str
    label: str
    create: Callable
    link: Callable


CONVERSIONS: dict[str, Conversion] = {}


def register_conversion(key: str, label, create: Callable, link: Callable) -> None:
    CONVERSIONS[key] = Conversion(key, label, create, link)


def conversion_of(alert: Alert) -> dict | None:
    """What the alert became, for its page: {"label", "case", "link"}. An alert converted before the
    link existed shows the kind it was converted into (kept in its history), with no case."""
    event = alert.events.filter(kind="converted").last()
    if event is None:
        return None
    conversion = CONVERSIONS.get(event.data.get("into", ""))
    case = alert.converted_to if alert.converted_id else None
    if case is not None and conversion is not None:
        return {"label": conversion.label, "case": case, "link": conversion.link(case)}
    return {"label": event.data.get("into_label") or (case._meta.verbose_name if case else ""), "case": case, "link": ""}


# ---------------------------------------------------------------- services

def _alert_line(title: str) -> str:
    return gettext("预警：%(title)s") % {"title": translate_reason(title)}


def raise_alert(kind, title, reasons, *, appeal=None, hot_issue=None, region=None, level=Alert.Level.YELLOW,
                same_title: bool = False) -> Alert:
    """One open alert per appeal or hot issue (a repeat updates its title and reasons); the
    supervisors of the region are told of a new one. `same_title`: one open alert per title too
    (a sensor's alarms: one alert per device, named in the title, however often it rings)."""
    existing = Alert.objects.filter(kind=kind, appeal=appeal, hot_issue=hot_issue, state=OPEN)
    if same_title:
        existing = existing.filter(title=title[:200])
    existing = existing.first()
    if existing:
        existing.reasons, existing.title = reasons, title[:200]
        existing.save(update_fields=["reasons", "title"])
        return existing
    with transaction.atomic():
        alert = Alert.objects.create(kind=kind, level=level, title=title[:200], reasons=reasons, appeal=appeal,
                                     hot_issue=hot_issue, region=region)
        record_event(alert, "raised", None, to_status=OPEN, note=alert.title, alert_kind=kind, level=level)
    where = appeal.region if appeal is not None else region
    text = messages.composed(_alert_line, alert.title)  # in each supervisor's own language
    transaction.on_commit(lambda: notify(supervisors_of(where), "alert", text, link(alert)))
    return alert


def link(alert: Alert) -> str:
    return f"/triage/alerts/{alert.pk}/"


def _locked(alert: Alert, user, action: str) -> Alert:
    ALERT_LIFECYCLE.require_role(user, action)
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    ALERT_LIFECYCLE.require_state(locked, action)
    return locked


def acknowledge_alert(alert: Alert, user, note: str = "") -> Alert:
    note = (note or "").strip()[:300]
    with transaction.atomic():
        alert = _locked(alert, user, "acknowledge")
        alert.state, alert.acknowledged_by, alert.acknowledged_at = ACKNOWLEDGED, user, timezone.now()
        alert.resolution = note
        alert.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "resolution"])
        record_event(alert, "acknowledged", user, from_status=OPEN, to_status=ACKNOWLEDGED, note=note)
        audit.record(user, "alert_acknowledged", alert, note=note)
    return alert


def close_alert(alert: Alert, user, outcome: str, note: str = "", *, into: str = "") -> Alert:
    """Dismiss the alert, or convert it `into` a new case of a registered kind (CONVERSIONS) that
    takes it from here (alert.converted_to)."""
    action = "convert" if outcome == CONVERTED else "dismiss"
    with transaction.atomic():
        alert = _locked(alert, user, action)
        if outcome not in (CONVERTED, DISMISSED):
            raise FieldErrors({"outcome": gettext("未知处置结果")})
        note = (note or "").strip()
        if not note:
            raise FieldErrors({"note": gettext("请填写处置说明")})
        if outcome == CONVERTED and into not in CONVERSIONS:
            raise FieldErrors({"target": gettext("请选择转为哪类事项")})
        before = alert.state
        alert.state = outcome
        alert.acknowledged_by = alert.acknowledged_by or user
        alert.acknowledged_at = alert.acknowledged_at or timezone.now()
        alert.resolution = note[:300]
        fields = ["state", "acknowledged_by", "acknowledged_at", "resolution"]
        case = None
        if outcome == CONVERTED:
            conversion = CONVERSIONS[into]
            case = conversion.create(alert, user, note)
            alert.converted_type = ContentType.objects.get_for_model(case)
            alert.converted_id = case.pk
            fields += ["converted_type", "converted_id"]
            record_event(case, "from_alert", user, from_status=str(getattr(case, "status", "")),
                         note=f"由预警转办：{alert.title}"[:300], alert=alert.pk)
        alert.save(update_fields=fields)
        record_event(alert, outcome, user, from_status=before, to_status=outcome, note=note[:300],
                     **({"into": into, "into_id": case.pk} if case is not None else {}))
        audit.record(user, f"alert_{outcome}", alert, note=note[:300], **({"into": into, "into_id": case.pk} if case else {}))
    return alert


def convert_alert(alert: Alert, user, into: str, note: str):
    """The alert becomes a case of kind `into` (see close_alert); returns that case."""
    return close_alert(alert, user, CONVERTED, note, into=into).converted_to


# ---------------------------------------------------------------- the appeal, what triage converts into

def appeal_from_alert(alert: Alert, actor, note: str):
    """A new appeal for the dispatchers, on the alert's region, with what the alert says."""
    from gongzhi.appeals import services as appeal_services
    from gongzhi.appeals.models import Channel, Urgency

    source = alert.appeal
    lines = [note, "预警依据：" + "；".join(str(r) for r in alert.reasons)]
    if source is not None:
        lines.append(f"相关诉求：{source.tracking_number}")
    if alert.hot_issue_id:
        lines.append(f"相关热点：{alert.hot_issue.title}")
    urgency = {Alert.Level.RED: Urgency.CRITICAL, Alert.Level.ORANGE: Urgency.URGENT}.get(alert.level, Urgency.NORMAL)
    appeal, _code = appeal_services.receive(
        channel=Channel.ALERT, title=alert.title, content="\n".join(lines)[:5000], actor=actor,
        category=source.category if source is not None else None, urgency=urgency, anonymous=True,
        region=alert.region or (source.region if source is not None else None), run_hooks=False)
    return appeal


def appeal_link(appeal) -> str:
    return f"/staff/appeals/{appeal.pk}/"
