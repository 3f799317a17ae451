"""Every operation that changes incidents, informants, reports and leads: the one door for views,
commands and tasks. Each runs in one transaction and appends the IncidentEvent it causes; refused
actions raise ActionRefused (its message already in the reader's language) or FieldErrors and change nothing.

Informant identities are sealed: only ``reveal_informant`` returns them, for the informant handler
role, and it writes an audit entry each time. Nothing here logs a name or a phone number.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gongzhi.core.validation import normalise_phone, valid_phone
from gongzhi.core import audit, pii, scoping, throttle
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.geo import find_grid, valid_coordinates
from gongzhi.core.reveal import reveal_fields
from gongzhi.core.models import Region, Role

from .lifecycle import INCIDENT_LIFECYCLE
from .models import (
    EDIT_ROLES, INCIDENT_ROLES, Bulletin, IncidentStatus, IncidentType, Informant, InformantReport, Lead, PoliceIncident,
    Premises, ReportStatus, Source, SubmissionCode, handles_informants, in_region_scope, is_informant_handler,
)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_SUBMISSIONS_PER_HOUR = 20

# ---------------------------------------------------------------- helpers

def local_day_hour(moment: dt.datetime) -> tuple[dt.date, int]:
    """The local calendar date and hour an aware datetime falls on (naive = already local)."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.date(), moment.hour


def aware(moment: dt.datetime) -> dt.datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def locate(lat, lon, region: Region | None = None):
    """(grid, region) of a point: the grid's community wins over a region given by hand."""
    grid = find_grid(lat, lon) if lat is not None and lon is not None else None
    if grid is not None:
        return grid, grid.community
    return None, region


def can_edit(user, incident: PoliceIncident | None = None, region: Region | None = None) -> bool:
    region = incident.region if incident is not None else region
    return bool(user is not None and (getattr(user, "is_superuser", False) or scoping.has_role(user, *EDIT_ROLES))
                and in_region_scope(user, region, EDIT_ROLES))


def can_read(user) -> bool:
    return getattr(user, "is_superuser", False) or scoping.has_role(user, *INCIDENT_ROLES)


def _clean_point(lat, lon) -> tuple[float | None, float | None]:
    if lat in (None, "") and lon in (None, ""):
        return None, None
    if not valid_coordinates(lat, lon):
        raise FieldErrors({"lat": gettext("坐标无效")})
    return float(lat), float(lon)


# ---------------------------------------------------------------- incidents

def ensure_default_types() -> int:
    """Create the default taxonomy nodes that are missing (the data migration's list); returns how
    many were created. Existing nodes, renamed or not, are left alone."""
    import importlib

    defaults = importlib.import_module("gongzhi.safety.migrations.0002_default_incident_types").DEFAULT_TYPES
    by_code = {t.code: t for t in IncidentType.objects.all()}
    made = 0
    for code, name, parent, notable, near_repeat, order in defaults:
        if code not in by_code:
            by_code[code] = IncidentType.objects.create(code=code, name=name, parent=by_code.get(parent),
                                                        notable=notable, near_repeat=near_repeat, order=order)
            made += 1
    return made


def create_incident(actor, *, type: IncidentType, occurred_at: dt.datetime, lat=None, lon=None, address: str = "",
                    premises: str = Premises.UNKNOWN, summary: str = "", region: Region | None = None,
                    reported_at: dt.datetime | None = None, status: str = IncidentStatus.REPORTED,
                    source: str = Source.MANUAL, source_ref: str = "", area_name: str = "",
                    check_role: bool = True) -> PoliceIncident:
    """Record one incident (a person at the desk, an informant report turned incident, an import)."""
    errors = {}
    if type is None:
        errors["type"] = gettext("请选择警情类别")
    if occurred_at is None:
        errors["occurred_at"] = gettext("请填写发案时间")
    if premises not in Premises.values:
        errors["premises"] = gettext("发案部位无效")
    if status not in IncidentStatus.values:
        errors["status"] = gettext("状态无效")
    try:
        lat, lon = _clean_point(lat, lon)
    except FieldErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise FieldErrors(errors)
    occurred_at = aware(occurred_at)
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise FieldErrors({"occurred_at": gettext("发案时间不能晚于现在")})
    grid, region = locate(lat, lon, region)
    if check_role and not can_edit(actor, region=region):
        raise ActionRefused(gettext("您无权在该辖区录入警情"))
    day, hour = local_day_hour(occurred_at)
    with transaction.atomic():
        if source_ref and PoliceIncident.objects.filter(source=source, source_ref=source_ref).exists():
            raise ActionRefused(gettext("该来源编号的警情已存在"))
        incident = PoliceIncident.objects.create(
            type=type, summary=pii.scrub_text(summary)[:300], occurred_at=occurred_at, occurred_on=day,
            occurred_hour=hour, reported_at=reported_at or timezone.now(), lat=lat, lon=lon, address=address[:200],
            grid=grid, region=region, area_name=area_name[:100], premises=premises, status=status, source=source,
            source_ref=source_ref, created_by=actor if getattr(actor, "pk", None) else None)
        record_event(incident, "created", actor, to_status=status, type=type.code)
    return incident


EDITABLE = ("type", "summary", "occurred_at", "lat", "lon", "address", "premises", "region")


def update_incident(actor, incident: PoliceIncident, note: str = "", **changes) -> PoliceIncident:
    """Correct an incident's facts; the event keeps the old and the new value of each field."""
    if not can_edit(actor, incident):
        raise ActionRefused(gettext("您无权修改该警情"))
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise FieldErrors({k: gettext("不可修改") for k in unknown})
    with transaction.atomic():
        incident = PoliceIncident.objects.select_for_update().get(pk=incident.pk)
        diff = {}
        if "premises" in changes and changes["premises"] not in Premises.values:
            raise FieldErrors({"premises": gettext("发案部位无效")})
        if "lat" in changes or "lon" in changes:
            lat, lon = _clean_point(changes.get("lat", incident.lat), changes.get("lon", incident.lon))
            changes["lat"], changes["lon"] = lat, lon
        if "summary" in changes:
            changes["summary"] = pii.scrub_text(changes["summary"])[:300]
        for field, value in changes.items():
            old = getattr(incident, field)
            if field == "occurred_at":
                value = aware(value)
            if old != value:
                diff[field] = [_plain(old), _plain(value)]
                setattr(incident, field, value)
        if not diff:
            return incident
        if "occurred_at" in diff:
            incident.occurred_on, incident.occurred_hour = local_day_hour(incident.occurred_at)
        if "lat" in diff or "lon" in diff:
            incident.grid, located = locate(incident.lat, incident.lon, None)
            if located is not None:
                incident.region = located
        if not can_edit(actor, incident):
            raise ActionRefused(gettext("修改后的辖区不在您的权限范围内"))
        incident.save()
        record_event(incident, "updated", actor, from_status=incident.status, note=note, changes=diff)
    return incident


def _plain(value):
    if hasattr(value, "stored_name"):  # an incident type: its stored names, not the reader's translation
        return value.stored_name
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def change_status(actor, incident: PoliceIncident, status: str, note: str = "") -> PoliceIncident:
    if not can_edit(actor, incident):
        raise ActionRefused(gettext("您无权修改该警情"))
    with transaction.atomic():
        incident = PoliceIncident.objects.select_for_update().get(pk=incident.pk)
        if status not in IncidentStatus.values:
            raise ActionRefused(gettext("状态无效"))
        INCIDENT_LIFECYCLE.require_state(incident, status)  # the action is named by the status it leads to
        if incident.status == IncidentStatus.CLOSED and not note.strip():
            raise FieldErrors({"note": gettext("重新侦查须说明理由")})
        old = incident.status
        incident.status = status
        incident.save(update_fields=["status", "updated_at"])
        record_event(incident, "status", actor, from_status=old, to_status=status, note=note)
    return incident


# ---------------------------------------------------------------- informants (信息员)

def _require_handler(actor, region: Region | None = None) -> None:
    if not handles_informants(actor, region):
        raise ActionRefused(str(Informant.REVEAL_REFUSAL))


def register_informant(actor, *, name: str, phone: str = "", contact: str = "", region: Region | None = None) -> Informant:
    _require_handler(actor, region)
    errors = {}
    if not (name or "").strip():
        errors["name"] = gettext("请填写姓名")
    if phone and not valid_phone(phone):
        errors["phone"] = gettext("电话号码格式不正确")
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        n = Informant.objects.count() + 1
        alias = f"XXY-{n:04d}"
        while Informant.objects.filter(alias=alias).exists():
            n += 1
            alias = f"XXY-{n:04d}"
        informant = Informant.objects.create(alias=alias, name=name.strip(), phone=normalise_phone(phone),
                                             contact=contact.strip(), region=region, handler=actor)
        audit.record(actor, "informant.register", informant, alias=alias)
    return informant


def masked_identity(informant: Informant) -> dict:
    """What the handler's pages show until they ask to reveal: recognisable, not usable."""
    return {"alias": informant.alias, "name": pii.mask_name(informant.name),
            "phone": pii.mask_phone(informant.phone), "contact": "***" if informant.contact else ""}


def reveal_informant(actor, informant: Informant, request=None) -> dict:
    """The sealed identity in full, for the informant handler only; every call is audited."""
    return {"alias": informant.alias, **reveal_fields(informant, actor, Informant.PROTECTED_FIELDS, request=request)}


def _code_hash(code: str) -> str:
    normal = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return hmac.new(settings.SECRET_KEY.encode(), f"informant-code:{normal}".encode(), hashlib.sha256).hexdigest()


def issue_code(actor, informant: Informant, hours: int = 72) -> str:
    """A one-time code for the discreet submission form; only its hash is stored."""
    _require_handler(actor, informant.region)
    if not informant.active:
        raise ActionRefused(gettext("该信息员已停用"))
    code = "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(3))
    SubmissionCode.objects.create(informant=informant, code_hash=_code_hash(code), issued_by=actor,
                                  expires_at=timezone.now() + dt.timedelta(hours=hours))
    audit.record(actor, "informant.issue_code", informant, alias=informant.alias, hours=hours)
    return code


def submit_with_code(code: str, *, content: str, address: str = "", lat=None, lon=None,
                     occurred_at: dt.datetime | None = None, request=None) -> InformantReport:
    """The public-ish form: a valid, unused, unexpired code files one report and is then spent.
    Every failure gives the same message, so the form does not tell which codes exist."""
    ip = audit.client_ip(request) or "none"
    allowed, _ = throttle.hit(f"informant-code:{ip}", CODE_SUBMISSIONS_PER_HOUR, 3600)
    if not allowed:
        raise ActionRefused(gettext("提交过于频繁，请稍后再试"))
    if not (content or "").strip():
        raise FieldErrors({"content": gettext("请填写情况")})
    lat, lon = _clean_point(lat, lon)
    refused = ActionRefused(gettext("提交码无效或已使用"))
    with transaction.atomic():
        try:
            sub = SubmissionCode.objects.select_for_update().select_related("informant").get(code_hash=_code_hash(code))
        except SubmissionCode.DoesNotExist:
            raise refused from None
        if sub.used_at is not None or sub.expires_at <= timezone.now() or not sub.informant.active:
            raise refused
        sub.used_at = timezone.now()
        sub.save(update_fields=["used_at"])
        report = _new_report(sub.informant, content, address, lat, lon, occurred_at, channel="code", actor=None)
        audit.record(None, "informant.report_submitted", report, request=request,
                     actor_label=f"informant:{sub.informant.alias}")
    return report


def _new_report(informant, content, address, lat, lon, occurred_at, *, channel, actor) -> InformantReport:
    grid, region = locate(lat, lon, informant.region)
    return InformantReport.objects.create(
        informant=informant, content=content.strip(), address=(address or "")[:200], lat=lat, lon=lon,
        occurred_at=aware(occurred_at) if occurred_at else None, region=region, channel=channel,
        received_by=actor if getattr(actor, "pk", None) else None)


def record_report(actor, informant: Informant, *, content: str, address: str = "", lat=None, lon=None,
                  occurred_at: dt.datetime | None = None) -> InformantReport:
    """The handler writes down what an informant told them (a meeting, a call)."""
    _require_handler(actor, informant.region)
    if not (content or "").strip():
        raise FieldErrors({"content": gettext("请填写情况")})
    lat, lon = _clean_point(lat, lon)
    with transaction.atomic():
        report = _new_report(informant, content, address, lat, lon, occurred_at, channel="handler", actor=actor)
        audit.record(actor, "informant.report_recorded", report, alias=informant.alias)
    return report


def _open_report(actor, report: InformantReport) -> InformantReport:
    _require_handler(actor, report.region)
    report = InformantReport.objects.select_for_update().select_related("informant").get(pk=report.pk)
    if report.status != ReportStatus.NEW:
        raise ActionRefused(gettext("该报告已处理"))
    return report


def report_to_incident(actor, report: InformantReport, *, type: IncidentType, occurred_at: dt.datetime | None = None,
                       premises: str = Premises.UNKNOWN, note: str = "") -> PoliceIncident:
    """An informant report becomes an incident. The incident names the source only as "informant"."""
    with transaction.atomic():
        report = _open_report(actor, report)
        incident = create_incident(
            actor, type=type, occurred_at=occurred_at or report.occurred_at or report.received_at, lat=report.lat,
            lon=report.lon, address=report.address, premises=premises, summary=report.content,
            region=report.region, source=Source.INFORMANT, source_ref=f"R{report.pk}", check_role=False)
        report.status, report.incident, report.note = ReportStatus.INCIDENT, incident, note
        report.save(update_fields=["status", "incident", "note"])
        audit.record(actor, "informant.report_to_incident", report, incident=incident.pk)
    return incident


def report_to_lead(actor, report: InformantReport, *, type: IncidentType | None = None, summary: str = "",
                   note: str = "") -> Lead:
    """An informant report becomes a lead for analysts (scrubbed of phone and ID numbers)."""
    with transaction.atomic():
        report = _open_report(actor, report)
        lead = Lead.objects.create(summary=pii.scrub_text(summary or report.content), type=type, region=report.region,
                                   address=report.address, lat=report.lat, lon=report.lon, report=report,
                                   source_alias=report.informant.alias, created_by=actor)
        report.status, report.note = ReportStatus.LEAD, note
        report.save(update_fields=["status", "note"])
        audit.record(actor, "informant.report_to_lead", report, lead=lead.pk)
    return lead


def dismiss_report(actor, report: InformantReport, note: str) -> InformantReport:
    if not (note or "").strip():
        raise FieldErrors({"note": gettext("请说明不予采用的理由")})
    with transaction.atomic():
        report = _open_report(actor, report)
        report.status, report.note = ReportStatus.DISMISSED, note
        report.save(update_fields=["status", "note"])
        audit.record(actor, "informant.report_dismissed", report)
    return report


def set_lead_status(actor, lead: Lead, status: str, note: str = "") -> Lead:
    """An analyst (or the handler) marks a lead verified or closed; the audit log keeps who and why."""
    from .models import LeadStatus

    if status not in LeadStatus.values:
        raise FieldErrors({"status": gettext("状态无效")})
    allowed = (*EDIT_ROLES, Role.INFORMANT_HANDLER)
    if not (getattr(actor, "is_superuser", False) or scoping.has_role(actor, *allowed)) \
            or not in_region_scope(actor, lead.region, allowed):
        raise ActionRefused(gettext("您无权处理该线索"))
    with transaction.atomic():
        old = lead.status
        lead.status = status
        lead.save(update_fields=["status"])
        audit.record(actor, "safety.lead_status", lead, from_status=old, to_status=status, note=note[:300])
    return lead


# ---------------------------------------------------------------- daily bulletin (日通报)
# bulletin.py computes the figures, renders the .docx and delivers it; the rows are written here.

def _system(actor) -> dict:
    return {} if getattr(actor, "pk", None) else {"actor_label": "系统"}


def store_bulletin(day: dt.date, data: dict, actor=None) -> Bulletin:
    """Keep the figures of `day`'s bulletin: a new one, or the old one regenerated; audited."""
    with transaction.atomic():
        bulletin, _ = Bulletin.objects.update_or_create(
            day=day, defaults={"data": data, "generated_at": timezone.now(),
                               "generated_by": actor if getattr(actor, "pk", None) else None})
        audit.record(actor, "safety.bulletin_generated", bulletin, day=day.isoformat(), **_system(actor))
    return bulletin


def bulletin_sent(bulletin: Bulletin, *, notified: int, mailed: int, failed: int) -> Bulletin:
    """The bulletin went out (to `notified` users in the app, `mailed` addresses; `failed` mails)."""
    with transaction.atomic():
        bulletin.sent_at = timezone.now()
        bulletin.save(update_fields=["sent_at"])
        audit.record(None, "safety.bulletin_sent", bulletin, notified=notified, mailed=mailed, failed=failed,
                     **_system(None))
    return bulletin
