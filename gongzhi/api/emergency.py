"""/api/v1 operations for emergencies (gongzhi.emergency): public warnings as CAP 1.2 and an Atom
feed (no token: they are public), and incidents in the token user's scope (list, one, report, a
task's progress), a thin skin over gongzhi.emergency's services with the API's error rules."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer

from gongzhi.core.errors import FieldErrors
from gongzhi.core.models import Region
from gongzhi.core.recipients import absolute
from gongzhi.emergency import cap, services
from gongzhi.emergency.models import Category, Incident, IncidentTask, Level, PlanType, PublicWarning

from .request_types import PK, Count, Id, In, Omittable, text
from .v1 import _errors, _user

router = Router(tags=["emergency"])


def _cap_url(warning: PublicWarning) -> str:
    return absolute(f"/api/v1/emergency/warnings/{warning.pk}.cap")


@router.get("/emergency/warnings/{warning_id}.cap", auth=None, include_in_schema=False)
def warning_cap(request, warning_id: int):
    """One public warning as a CAP 1.2 document (application/cap+xml)."""
    warning = PublicWarning.objects.filter(pk=warning_id).first()
    if warning is None:
        raise Http404
    return HttpResponse(cap.alert_xml(warning, absolute(f"/emergency/warnings/{warning.pk}/")),
                        content_type="application/cap+xml; charset=utf-8")


@router.get("/emergency/warnings.atom", auth=None, include_in_schema=False)
def warnings_feed(request):
    """The current public warnings as an Atom feed, each entry linking its CAP document."""
    return HttpResponse(cap.feed_xml(cap.current().order_by("-sent_at")[:100],
                                     absolute("/api/v1/emergency/warnings.atom"), _cap_url),
                        content_type="application/atom+xml; charset=utf-8")


class IncidentTaskOut(Schema):
    id: int
    department: str
    title: str
    status: str
    note: str
    due_at: dt.datetime
    due_state: str


class IncidentOut(Schema):
    id: int
    number: str
    title: str
    category: str
    plan_type: Optional[str] = Field(description="the incident type's code (事件类型, e.g. flood), or null")
    level: str
    status: str
    source: str
    region: str
    place: str
    lat: Optional[float]
    lon: Optional[float]
    people_affected: int
    reported_at: dt.datetime
    tasks: list[IncidentTaskOut]


def incident_out(incident: Incident) -> dict:
    return {"id": incident.pk, "number": incident.number, "title": incident.title, "category": incident.category,
            "plan_type": incident.plan_type.code if incident.plan_type_id else None, "level": incident.level,
            "status": incident.status, "source": incident.source,
            "region": incident.region.name, "place": incident.place, "lat": incident.lat, "lon": incident.lon,
            "people_affected": incident.people_affected, "reported_at": incident.reported_at,
            "tasks": [{"id": t.pk, "department": t.department.name, "title": t.title, "status": t.status,
                       "note": t.note, "due_at": t.due_at, "due_state": t.due_state}
                      for t in incident.tasks.select_related("department")]}


class IncidentIn(In):
    title: text(200, 1, short=gettext_lazy("请填写事件标题"))
    category: Literal["natural", "accident", "health", "security"]
    plan_type: Optional[text(32)] = Field(None, description="the incident type's code (事件类型), one of the "
                                          "category's: its plans come first on the command board")
    level: Literal["I", "II", "III", "IV"]
    region: PK
    place: text(300) = ""
    lat: Optional[float] = Field(None, ge=-90, le=90)
    lon: Optional[float] = Field(None, ge=-180, le=180)
    people_affected: Count = Field(0, ge=0)
    description: text(4000) = ""


class IncidentTaskUpdate(In):
    status: Literal["open", "in_progress", "done"]
    note: text(300) = ""


def _incident(request, incident_id: int) -> Incident:
    incident = Incident.objects.restrict(_user(request)).select_related("region").filter(pk=incident_id).first()
    if incident is None:
        raise Http404
    return incident


class IncidentFilters(Schema):
    status: Omittable[Literal[tuple(Incident.Status.values)]] = None


@router.get("/emergency/incidents", response={200: list[IncidentOut], **_errors()},
            summary="Incidents in your scope (latest 100)")
def list_incidents(request, filters: Query[IncidentFilters]):
    qs = Incident.objects.restrict(_user(request)).select_related("region").distinct()
    if filters.status:
        qs = qs.filter(status=filters.status)
    return Answer(200, [incident_out(i) for i in qs[:100]])


@router.get("/emergency/incidents/{incident_id}", response={200: IncidentOut, **_errors(404)},
            summary="One incident with its tasks")
def get_incident(request, incident_id: Id):
    return Answer(200, incident_out(_incident(request, incident_id)))


@router.post("/emergency/incidents", response={201: IncidentOut, **_errors(400, 404, 409)},
             summary="Report an incident", description="The emergency office is told at once, and must confirm; "
             "unconfirmed messages escalate along the duty roster.")
def report_incident(request, payload: IncidentIn):
    region = Region.objects.filter(pk=payload.region).first()
    if region is None:
        raise FieldErrors({"region": "no such region"})
    data = payload.model_dump()
    data["region"] = region
    if payload.plan_type:
        data["plan_type"] = PlanType.objects.filter(code=payload.plan_type).first()
        if data["plan_type"] is None:
            raise FieldErrors({"plan_type": "no such incident type"})
    data.setdefault("category", Category.ACCIDENT)
    data.setdefault("level", Level.IV)
    incident = services.report(_user(request), **data)
    return Answer(201, incident_out(incident))


@router.post("/emergency/tasks/{task_id}", response={200: IncidentTaskOut, **_errors(400, 404, 409)},
             summary="Report a task's progress (its department's handlers, or the emergency office)")
def update_task(request, task_id: Id, payload: IncidentTaskUpdate):
    task = IncidentTask.objects.select_related("incident", "department").filter(pk=task_id).first()
    if task is None or not Incident.objects.restrict(_user(request)).filter(pk=task.incident_id).exists():
        raise Http404
    task = services.update_task(task, _user(request), payload.status, payload.note)
    return Answer(200, {"id": task.pk, "department": task.department.name, "title": task.title,
                        "status": task.status, "note": task.note, "due_at": task.due_at, "due_state": task.due_state})


