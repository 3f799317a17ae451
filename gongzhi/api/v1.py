"""The JSON API (/api/v1): a thin skin over appeals.services, scoped by the token's user.

Every status code an operation can answer with is declared in its `response=` map, so the OpenAPI
schema at /api/v1/openapi.json is the whole truth (schemathesis checks this in the test suite).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Annotated, Literal, Optional, Union

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from ninja import Field, Header, NinjaAPI, Query, Router, Schema
from ninja import Status as Answer
from ninja.responses import NinjaJSONEncoder
from ninja.errors import ValidationError
from ninja.security import HttpBearer
from pydantic import BeforeValidator, ConfigDict, StringConstraints

from gongzhi.appeals import notifying, services
from gongzhi.appeals.models import Appeal, Assignment, Category, ExtensionRequest
from gongzhi.core import validation as limits
from gongzhi.core import pii, scoping
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core import geo
from gongzhi.core.models import Department, Grid, Region, Role
from gongzhi.core.reveal import reveal as audited_reveal

from . import security, webhooks
from .docs import OfflineSwagger
from .links import LinkedNinjaAPI
from .models import IdempotencyRecord, WebhookDelivery, WebhookSubscription

IDEMPOTENCY_TTL = dt.timedelta(hours=24)
from .request_types import (  # noqa: F401  (the request types this module declares its operations with)
    Email, Id, In, MONTH_PATTERN, Omittable, PK, Phone, Text, When, _integral, text,
)


# ---------------------------------------------------------------- auth and errors

class BearerToken(HttpBearer):
    """Authorization: Bearer <token>. The per-IP limit applies before the token is even looked at."""

    def __call__(self, request):
        security.check_ip(request)
        return super().__call__(request)

    def authenticate(self, request, token):
        return security.token_user(request, token)


api = LinkedNinjaAPI(
    title="Gongzhi API",
    version="1",
    description="Appeals, their lifecycle actions and the organisation, scoped by the token's user. "
                "Authenticate with `Authorization: Bearer <token>` (`gongzhi apitoken USERNAME`).",
    urls_namespace="api-v1",
    auth=BearerToken(),
    docs_url="/docs",
    docs=OfflineSwagger(),  # from the platform's static files: works offline, within the CSP
)


class Message(Schema):
    detail: str


class ErrorItem(Schema):
    loc: list[Union[int, str]]
    msg: str
    type: str


class ValidationErrors(Schema):
    detail: list[ErrorItem]


def _errors(*codes: int) -> dict:
    """The error responses every authenticated operation may give, plus the ones named."""
    # 400 is a body that is not JSON at all; 422 a JSON body or parameter that breaks the schema.
    out: dict = {401: Message, 422: ValidationErrors, 429: Message}
    for code in codes:
        out[code] = Message
    return out


@api.exception_handler(ActionRefused)
def _refused(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(FieldErrors)
def _field_errors(request, exc):
    detail = [{"loc": ["body", field], "msg": str(msg), "type": "value_error"} for field, msg in exc.errors.items()]
    return api.create_response(request, {"detail": detail}, status=422)


def _error_item(e: dict) -> dict:
    loc = [str(p) if not isinstance(p, int) else p for p in e.get("loc", [])]
    if loc[:2] == ["body", "payload"]:
        del loc[1]  # every body parameter is called `payload` here: the client knows it as the body
    msg, kind = str(e.get("msg", "invalid")), str(e.get("type", "value_error"))
    if kind == "model_type":
        msg = "must be a JSON object"
    return {"loc": loc, "msg": msg, "type": kind}


@api.exception_handler(ValidationError)
def _validation(request, exc):
    return api.create_response(request, {"detail": [_error_item(e) for e in exc.errors]}, status=422)


@api.exception_handler(security.RateLimited)
def _rate_limited(request, exc):
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _user(request):
    return request.auth.user


def _require_staff(request) -> None:
    if not scoping.is_staff_member(_user(request)):
        raise Forbidden("this operation needs a staff role")


class Forbidden(Exception):
    pass


@api.exception_handler(Forbidden)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=403)


# ---------------------------------------------------------------- schemas

StatusName = Literal["received", "dispatched", "handling", "replied", "closed", "merged"]
UrgencyName = Literal["normal", "urgent", "critical"]


_MASKED_TEXT = ("phone and ID numbers in it are masked (138****5678) unless you are the appellant; "
                "the reveal action shows the field in full (audited)")


class AssignmentOut(Schema):
    id: int
    department_id: int
    department: str
    role: str
    state: str
    dispatched_at: dt.datetime
    ack_due_at: Optional[dt.datetime]
    due_at: Optional[dt.datetime]
    acknowledged_at: Optional[dt.datetime]
    finished_at: Optional[dt.datetime]


class ReplyOut(Schema):
    id: int
    department_id: Optional[int]
    text: str = Field(description="phone and ID numbers in it are masked unless you are the appellant")
    resolved: bool
    created_at: dt.datetime


class AppealOut(Schema):
    id: int
    tracking_number: str
    channel: str
    title: str = Field(description=_MASKED_TEXT)
    content: str = Field(description=_MASKED_TEXT)
    category: Optional[str] = Field(None, description="category code")
    urgency: str
    status: str
    open311_status: Literal["open", "closed"]
    due_state: str
    location_text: str = Field(description=_MASKED_TEXT)
    lat: Optional[float]
    lon: Optional[float]
    region_id: Optional[int]
    grid_id: Optional[int]
    lead_department_id: Optional[int]
    received_at: dt.datetime
    ack_due_at: Optional[dt.datetime]
    due_at: Optional[dt.datetime]
    dispatched_at: Optional[dt.datetime]
    acknowledged_at: Optional[dt.datetime]
    replied_at: Optional[dt.datetime]
    closed_at: Optional[dt.datetime]
    satisfaction: str
    resolved: Optional[bool]
    reopen_count: int
    return_count: int
    urge_count: int
    supervised: bool
    merged_into_id: Optional[int]
    anonymous: bool
    appellant_name: str = Field(description="masked; use the reveal action to see it in full (audited)")
    appellant_phone: str = Field(description="masked")
    source_system: str
    source_ref: str
    updated_at: dt.datetime


class AppealDetail(AppealOut):
    appellant_email: str = Field("", description="masked: the address the appellant left for notifications "
                                 "(empty if none or anonymous); never revealed")
    assignments: list[AssignmentOut]
    replies: list[ReplyOut]


class AppealCreated(AppealOut):
    access_code: str = Field(description="the appellant's code for public tracking; shown once")


class AppealPage(Schema):
    items: list[AppealOut]
    next_cursor: Optional[str] = Field(None, description="pass as `cursor` for the next page; null on the last")


class EventOut(Schema):
    id: int
    kind: str
    actor: str
    department_id: Optional[int]
    from_status: str
    to_status: str
    note: str = Field(description="phone and ID numbers in it are masked unless you are the appellant")
    public: bool
    created_at: dt.datetime


# lat and lon come together or not at all, and not as the placeholder point (services.receive).
_COORDINATES_RULE = {"anyOf": [
    {"properties": {"lat": {"type": "null"}, "lon": {"type": "null"}}},
    {"required": ["lat", "lon"], "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
     "not": {"properties": {"lat": {"const": geo.PLACEHOLDER[0]}, "lon": {"const": geo.PLACEHOLDER[1]}}}},
]}


class AppealIn(In):
    model_config = ConfigDict(json_schema_extra=_COORDINATES_RULE)

    title: text(limits.TITLE_MAX, 1, intake=True, short=gettext_lazy("请填写标题"))
    content: text(limits.CONTENT_MAX, 1, intake=True, short=gettext_lazy("请填写诉求内容"))
    category: Optional[text(32)] = Field(None, description="category code")
    urgency: UrgencyName = "normal"
    location_text: text(limits.LOCATION_MAX, intake=True) = ""
    lat: Optional[float] = Field(None, ge=geo.LAT_MIN, le=geo.LAT_MAX, description="WGS84, with lon")
    lon: Optional[float] = Field(None, ge=geo.LON_MIN, le=geo.LON_MAX, description="WGS84, with lat")
    anonymous: bool = False
    appellant_name: text(limits.NAME_MAX, intake=True) = ""
    appellant_phone: Phone = ""
    appellant_email: Email = Field("", description="the appellant is told of every step at this address too "
                                                    "(as a web intake); kept as personal data, never returned")


def appeal_out(a: Appeal, user=None) -> dict:
    """An appeal as `user` may read it: personal fields masked, and phone and ID numbers in the free
    text masked unless the user is its appellant (services.shown_text; the reveal action shows them)."""
    def text(value: str) -> str:
        return services.shown_text(a, user, value)

    def when(value):  # in UTC, as a row read from the database has it (intake answers with its instance)
        return value.astimezone(dt.timezone.utc) if value is not None else None

    return {
        "id": a.pk, "tracking_number": a.tracking_number, "channel": a.channel, "title": text(a.title),
        "content": text(a.content), "category": a.category.code if a.category_id else None, "urgency": a.urgency,
        "status": a.status, "open311_status": "open" if a.is_open else "closed", "due_state": a.due_state,
        "location_text": text(a.location_text), "lat": a.lat, "lon": a.lon, "region_id": a.region_id,
        "grid_id": a.grid_id, "lead_department_id": a.lead_department_id, "received_at": when(a.received_at),
        "ack_due_at": when(a.ack_due_at), "due_at": when(a.due_at), "dispatched_at": when(a.dispatched_at),
        "acknowledged_at": when(a.acknowledged_at), "replied_at": when(a.replied_at), "closed_at": when(a.closed_at),
        "satisfaction": a.satisfaction, "resolved": a.resolved, "reopen_count": a.reopen_count,
        "return_count": a.return_count, "urge_count": a.urge_count, "supervised": a.supervised,
        "merged_into_id": a.merged_into_id, "anonymous": a.anonymous,
        "appellant_name": pii.mask_name(a.appellant_name), "appellant_phone": pii.mask_phone(a.appellant_phone),
        "source_system": a.source_system, "source_ref": a.source_ref, "updated_at": when(a.updated_at),
    }


def appeal_detail(a: Appeal, user=None) -> dict:
    out = appeal_out(a, user)
    out["appellant_email"] = "" if a.anonymous else pii.mask_email(notifying.contact_email(a))
    out["assignments"] = [
        {"id": s.pk, "department_id": s.department_id, "department": s.department.name, "role": s.role,
         "state": s.state, "dispatched_at": s.dispatched_at, "ack_due_at": s.ack_due_at, "due_at": s.due_at,
         "acknowledged_at": s.acknowledged_at, "finished_at": s.finished_at}
        for s in a.assignments.select_related("department")
    ]
    out["replies"] = [{"id": r.pk, "department_id": r.department_id, "text": services.shown_text(a, user, r.text),
                       "resolved": r.resolved,
                       "created_at": r.created_at} for r in a.replies.all()]
    return out


def _visible(request, appeal_id: int) -> Appeal:
    qs = Appeal.objects.restrict(_user(request)).select_related("category")
    try:
        return qs.get(pk=appeal_id)
    except Appeal.DoesNotExist:
        raise Http404("appeal not found") from None


# ---------------------------------------------------------------- appeals: list, detail, create

appeals = Router(tags=["appeals"])
ORDERINGS = Literal["-received_at", "received_at", "-updated_at", "updated_at", "-id", "id"]


class AppealFilters(Schema):
    status: Omittable[StatusName] = None
    category: Omittable[text(32)] = Field(None, description="category code (includes its children)")
    department: Omittable[PK] = Field(None, description="lead department id")
    region: Omittable[PK] = Field(None, description="region id (includes everything below it)")
    channel: Omittable[text(16)] = None
    supervised: Omittable[bool] = None
    due_state: Omittable[Literal["on_track", "due_soon", "overdue"]] = None
    received_after: Omittable[When] = None
    received_before: Omittable[When] = None
    q: Omittable[text(100)] = Field(None, description="words in the title")
    ordering: ORDERINGS = "-received_at"
    limit: int = Field(50, ge=1, le=200)
    cursor: Omittable[Annotated[str, StringConstraints(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]] = Field(
        None, description="the `next_cursor` of the page before")


def _aware(value: dt.datetime) -> dt.datetime:
    """In UTC: the schema allows any offset up to 23:59, PostgreSQL's timestamptz only up to 15:59."""
    value = value if timezone.is_aware(value) else timezone.make_aware(value)
    return value.astimezone(dt.timezone.utc)


def _encode_cursor(value, pk: int) -> str:
    raw = json.dumps([value.isoformat() if isinstance(value, dt.datetime) else value, pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, field: str):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        pk = int(pk)
        if field == "id":
            value = int(value)
        else:
            value = dt.datetime.fromisoformat(value)
            if timezone.is_naive(value):
                raise ValueError
        return value, pk
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError([{"loc": ("query", "cursor"), "msg": "invalid cursor", "type": "value_error"}]) from None


@appeals.get("/appeals", response={200: AppealPage, **_errors()}, summary="List appeals in your scope")
def list_appeals(request, filters: Query[AppealFilters]):
    """Keyset (cursor) pagination: stable under inserts, constant cost per page."""
    qs = Appeal.objects.restrict(_user(request)).select_related("category")
    f = filters
    if f.status:
        qs = qs.filter(status=f.status)
    if f.category:
        qs = qs.filter(Q(category__code=f.category) | Q(category__parent__code=f.category))
    if f.department is not None:
        qs = qs.filter(lead_department_id=f.department)
    if f.region is not None:
        region = Region.objects.filter(pk=f.region).first()
        qs = qs.filter(region__path__startswith=region.path) if region else qs.none()
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.supervised is not None:
        qs = qs.filter(supervised=f.supervised)
    if f.due_state:
        qs = qs.filter(due_state=f.due_state)
    if f.received_after:
        qs = qs.filter(received_at__gte=_aware(f.received_after))
    if f.received_before:
        qs = qs.filter(received_at__lt=_aware(f.received_before))
    if f.q:
        qs = qs.filter(title__icontains=f.q)
    field = f.ordering.lstrip("-")
    descending = f.ordering.startswith("-")
    if f.cursor:
        value, pk = _decode_cursor(f.cursor, field)
        op = "lt" if descending else "gt"
        qs = qs.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk}))
    sign = "-" if descending else ""
    rows = list(qs.order_by(f"{sign}{field}", f"{sign}pk")[: f.limit + 1])
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    next_cursor = _encode_cursor(getattr(rows[-1], field), rows[-1].pk) if more and rows else None
    user = _user(request)
    return Answer(200, {"items": [appeal_out(a, user) for a in rows], "next_cursor": next_cursor})


@appeals.get("/appeals/{appeal_id}", response={200: AppealDetail, **_errors(404)}, summary="One appeal")
def get_appeal(request, appeal_id: Id):
    return Answer(200, appeal_detail(_visible(request, appeal_id), _user(request)))


@appeals.get("/appeals/{appeal_id}/events", response={200: list[EventOut], **_errors(404)},
             summary="The appeal's history")
def appeal_events(request, appeal_id: Id):
    appeal, user = _visible(request, appeal_id), _user(request)
    return Answer(200, [{"id": e.pk, "kind": e.kind, "actor": e.actor_label, "department_id": e.department_id,
                         "from_status": e.from_status, "to_status": e.to_status,
                         "note": services.shown_text(appeal, user, e.note), "public": e.public,
                         "created_at": e.created_at} for e in appeal.events.all()])


def _request_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@appeals.post("/appeals", response={201: AppealCreated, **_errors(400, 409)}, summary="Receive a new appeal",
              description="Send an `Idempotency-Key` header to make retries safe: a retry with the same key and "
                          "body returns the first answer and creates nothing; the same key with another body is 409.")
def create_appeal(request, payload: AppealIn,
                  idempotency_key: Omittable[text(255)] = Header(None, alias="Idempotency-Key")):
    user = _user(request)
    data = payload.model_dump()
    return idempotent(request, idempotency_key, data, lambda: _receive(user, data), AppealCreated)


def idempotent(request, idempotency_key: str | None, data: dict, create, schema, status: int = 201):
    """Answer a create once per Idempotency-Key: `create()` returns the body (as `schema`), stored
    with the key; a retry with the same key and body replays it and creates nothing, the same key
    with another body is a 409. Every create of the API goes through here."""
    user = _user(request)
    key = (idempotency_key or "").strip()
    if key:
        with transaction.atomic():
            IdempotencyRecord.objects.filter(user=user, key=key,
                                             created_at__lt=timezone.now() - IDEMPOTENCY_TTL).delete()
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is not None:
            return _replay(request, record, data)
    else:
        # Nothing to keep with the create: its service's own transaction is the whole of it, and
        # what runs once that commits (intake's triage, holding a hot issue's row) runs after it.
        return Answer(status, create())
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(user=user, key=key, request_hash=_request_hash(data))
            body = create()
            stored = json.dumps(schema.model_validate(body).model_dump(), cls=NinjaJSONEncoder)
            record.status_code, record.response = status, json.loads(stored)
            record.save(update_fields=["status_code", "response"])
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer as it did.
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is None:
            raise
        return _replay(request, record, data)
    return Answer(status, body)


def _replay(request, record: IdempotencyRecord, data: dict):
    if record.request_hash != _request_hash(data):
        raise ActionRefused("Idempotency-Key was already used with a different request body")
    if not record.status_code:
        raise ActionRefused("a request with this Idempotency-Key is still being processed")
    response = api.create_response(request, record.response, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def _receive(user, data: dict) -> dict:
    category = None
    if data.get("category"):
        category = Category.objects.filter(code=data["category"], active=True).first()
        if category is None:
            raise FieldErrors({"category": "unknown category code"})
    citizen_only = not scoping.is_staff_member(user)
    appeal, code = services.receive(
        channel="api", actor=user, title=data["title"], content=data["content"], category=category,
        urgency=data["urgency"], location_text=data["location_text"], lat=data["lat"], lon=data["lon"],
        anonymous=data["anonymous"], appellant_name=data["appellant_name"],
        appellant_phone=data["appellant_phone"], appellant_user=user if citizen_only else None,
        with_appeal=notifying.keeps_email(data.get("appellant_email", ""), get_language()),
    )
    return {**appeal_out(appeal, user), "access_code": code}  # as receive read it again after triage


# ---------------------------------------------------------------- lifecycle actions

Reason = text(limits.REASON_MAX, limits.REASON_MIN, short=gettext_lazy("请填写理由"))


class ReasonIn(In):
    reason: Reason


class NoteIn(In):
    note: text(limits.NOTE_MAX, limits.REASON_MIN, short=gettext_lazy("请填写理由"))


class SuperviseIn(In):
    note: Reason


class OptionalNoteIn(In):
    note: text(limits.REASON_MAX) = ""


class RecategorizeIn(In):
    category: text(32, 1, short=gettext_lazy("请选择分类")) = Field(description="category code")
    urgency: Optional[UrgencyName] = None


class DispatchIn(In):
    lead_department: PK
    assisting_departments: list[PK] = Field(default_factory=list, max_length=20)
    category: Optional[text(32)] = Field(None, description="category code; empty or null keeps the one it has")
    instructions: text(limits.REASON_MAX) = ""


class AssignmentPick(In):
    assignment: Optional[PK] = Field(None, description="the assignment id; default: your department's one")


class ReturnIn(AssignmentPick):
    reason: Reason


class ReplyIn(In):
    text: text(limits.REPLY_MAX, limits.REPLY_MIN, short=gettext_lazy("答复内容过短，请说明核查情况、处理措施和结果"))
    resolved: bool = True


class FollowUpIn(In):
    satisfaction: Literal["satisfied", "basic", "dissatisfied"]
    comment: text(limits.COMMENT_MAX) = ""
    resolved: Optional[bool] = None


class ExtensionIn(In):
    days: Annotated[int, Field(ge=limits.EXTENSION_DAYS_MIN, le=limits.EXTENSION_DAYS_MAX),
                    BeforeValidator(_integral)] = Field(description="working days")
    reason: Reason


class ExtensionOut(Schema):
    id: int
    days: int
    reason: Text
    state: str
    requested_at: dt.datetime
    decided_at: Optional[dt.datetime]


class DecisionIn(In):
    approve: bool
    note: text(limits.REASON_MAX) = ""


class MergeIn(In):
    into: PK = Field(description="id of the appeal this one repeats")
    reason: text(limits.REASON_MAX) = "重复诉求"


class RevealIn(In):
    field: Literal["appellant_name", "appellant_phone", "appellant_id_number", "title", "content", "location_text"] = (
        Field(description="a personal field, or a free-text one whose phone and ID numbers are masked elsewhere"))


class RevealOut(Schema):
    field: str
    value: str


ACTION_RESPONSES = {200: AppealDetail, **_errors(400, 404, 409)}


def _done(request, appeal: Appeal):
    return Answer(200, appeal_detail(Appeal.objects.select_related("category").get(pk=appeal.pk), _user(request)))


def _department(pk: int, field: str) -> Department:
    dept = Department.objects.filter(pk=pk).first()
    if dept is None:
        raise FieldErrors({field: "unknown department"})
    return dept


def _category(code: str, field: str = "category") -> Category:
    category = Category.objects.filter(code=code).first()
    if category is None:
        raise FieldErrors({field: "unknown category code"})
    return category


def _assignment(request, appeal: Appeal, pk: int | None, states) -> Assignment:
    qs = appeal.assignments.filter(state__in=states).select_related("department", "appeal")
    if pk is not None:
        found = qs.filter(pk=pk).first() or appeal.assignments.filter(pk=pk).select_related("department", "appeal").first()
        if found is None:
            raise Http404("assignment not found")
        return found
    user = _user(request)
    if not user.is_superuser:
        qs = qs.filter(department_id__in=scoping.department_ids(user, Role.HANDLER))
    found = qs.order_by("-role", "id").first()  # "lead" sorts after "assist": lead first with -role
    if found is None:
        raise ActionRefused("您所在部门没有该诉求的待处理派单")
    return found


@appeals.post("/appeals/{appeal_id}/recategorize", response=ACTION_RESPONSES, summary="Change the category (待派单 only)")
def recategorize(request, appeal_id: Id, payload: RecategorizeIn):
    appeal = _visible(request, appeal_id)
    return _done(request, services.recategorize(appeal, _user(request), _category(payload.category), payload.urgency))


@appeals.post("/appeals/{appeal_id}/dispatch", response=ACTION_RESPONSES, summary="派单: give it to departments")
def dispatch(request, appeal_id: Id, payload: DispatchIn):
    appeal = _visible(request, appeal_id)
    lead = _department(payload.lead_department, "lead_department")
    assisting = [_department(pk, "assisting_departments") for pk in payload.assisting_departments]
    category = _category(payload.category) if payload.category else None
    return _done(request, services.dispatch(appeal, _user(request), lead, assisting, category=category,
                                   instructions=payload.instructions))


@appeals.post("/appeals/{appeal_id}/acknowledge", response=ACTION_RESPONSES, summary="签收: your department takes it")
def acknowledge(request, appeal_id: Id, payload: AssignmentPick):
    appeal = _visible(request, appeal_id)
    assignment = _assignment(request, appeal, payload.assignment, [Assignment.State.PENDING])
    services.acknowledge(assignment, _user(request))
    return _done(request, appeal)


@appeals.post("/appeals/{appeal_id}/return", response=ACTION_RESPONSES, summary="退单: send a wrong dispatch back")
def return_assignment(request, appeal_id: Id, payload: ReturnIn):
    appeal = _visible(request, appeal_id)
    assignment = _assignment(request, appeal, payload.assignment,
                             [Assignment.State.PENDING, Assignment.State.ACKNOWLEDGED])
    services.return_assignment(assignment, _user(request), payload.reason)
    return _done(request, appeal)


@appeals.post("/appeals/{appeal_id}/notes", response=ACTION_RESPONSES, summary="办理: add a progress note")
def add_note(request, appeal_id: Id, payload: NoteIn):
    appeal = _visible(request, appeal_id)
    services.add_note(appeal, _user(request), payload.note)
    return _done(request, appeal)


@appeals.post("/appeals/{appeal_id}/reply", response=ACTION_RESPONSES, summary="答复: the official answer")
def reply(request, appeal_id: Id, payload: ReplyIn):
    appeal = _visible(request, appeal_id)
    services.reply(appeal, _user(request), payload.text, resolved=payload.resolved)
    return _done(request, appeal)


@appeals.post("/appeals/{appeal_id}/follow-up", response=ACTION_RESPONSES, summary="回访: record the rating")
def follow_up(request, appeal_id: Id, payload: FollowUpIn):
    appeal = _visible(request, appeal_id)
    user = _user(request)
    own = appeal.appellant_user_id == user.pk and not scoping.is_staff_member(user)
    services.follow_up(appeal, payload.satisfaction, actor=None if own else user, via="api",
                       comment=payload.comment, resolved=payload.resolved)
    return _done(request, appeal)


@appeals.post("/appeals/{appeal_id}/close", response=ACTION_RESPONSES, summary="办结 without rating, or 不予受理")
def close(request, appeal_id: Id, payload: ReasonIn):
    appeal = _visible(request, appeal_id)
    return _done(request, services.close(appeal, _user(request), payload.reason))


@appeals.post("/appeals/{appeal_id}/reopen", response=ACTION_RESPONSES, summary="重办")
def reopen(request, appeal_id: Id, payload: ReasonIn):
    appeal = _visible(request, appeal_id)
    return _done(request, services.reopen(appeal, _user(request), payload.reason))


@appeals.post("/appeals/{appeal_id}/urge", response=ACTION_RESPONSES, summary="催办")
def urge(request, appeal_id: Id, payload: OptionalNoteIn):
    appeal = _visible(request, appeal_id)
    return _done(request, services.urge(appeal, _user(request), payload.note))


@appeals.post("/appeals/{appeal_id}/supervise", response=ACTION_RESPONSES, summary="督办")
def supervise(request, appeal_id: Id, payload: SuperviseIn):
    appeal = _visible(request, appeal_id)
    return _done(request, services.supervise(appeal, _user(request), payload.note))


@appeals.post("/appeals/{appeal_id}/merge", response=ACTION_RESPONSES, summary="并单 into the appeal it repeats")
def merge(request, appeal_id: Id, payload: MergeIn):
    appeal = _visible(request, appeal_id)
    into = _visible(request, payload.into)
    services.merge(appeal, into, _user(request), payload.reason)
    return _done(request, appeal)


@appeals.post("/appeals/{appeal_id}/extensions", response={201: ExtensionOut, **_errors(400, 404, 409)},
              summary="延期: ask for more working days")
def request_extension(request, appeal_id: Id, payload: ExtensionIn):
    appeal = _visible(request, appeal_id)
    ext = services.request_extension(appeal, _user(request), payload.days, payload.reason)
    return Answer(201, _extension_out(ext))


@appeals.post("/appeals/{appeal_id}/extensions/{extension_id}/decision",
              response={200: ExtensionOut, **_errors(400, 404, 409)}, summary="Approve or reject an extension")
def decide_extension(request, appeal_id: Id, extension_id: Id, payload: DecisionIn):
    appeal = _visible(request, appeal_id)
    ext = ExtensionRequest.objects.filter(pk=extension_id, appeal=appeal).first()
    if ext is None:
        raise Http404("extension request not found")
    ext = services.decide_extension(ext, _user(request), payload.approve, payload.note)
    return Answer(200, _extension_out(ext))


def _extension_out(ext: ExtensionRequest) -> dict:
    return {"id": ext.pk, "days": ext.days, "reason": ext.reason, "state": ext.state,
            "requested_at": ext.requested_at, "decided_at": ext.decided_at}


@appeals.post("/appeals/{appeal_id}/reveal", response={200: RevealOut, **_errors(400, 404, 409)},
              summary="Show one personal field in full (written to the audit log)")
def reveal(request, appeal_id: Id, payload: RevealIn):
    appeal = _visible(request, appeal_id)
    value = audited_reveal(appeal, _user(request), payload.field, request=request)
    return Answer(200, {"field": payload.field, "value": value})


# ---------------------------------------------------------------- organisation

org = Router(tags=["organisation"])


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: Optional[int]
    default_department_id: Optional[int]
    handle_days: int
    active: bool


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region_id: Optional[int]
    active: bool


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent_id: Optional[int]


class GridOut(Schema):
    id: int
    code: str
    name: str
    community_id: int
    polygon: list[list[float]] = Field(description="[[lon, lat], ...] closed ring, WGS84")


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    token_name: str


@org.get("/categories", response={200: list[CategoryOut], 401: Message, 429: Message})
def categories(request):
    return Answer(200, list(Category.objects.all()))


@org.get("/departments", response={200: list[DepartmentOut], 401: Message, 429: Message})
def departments(request):
    return Answer(200, list(Department.objects.all()))


@org.get("/regions", response={200: list[RegionOut], 401: Message, 429: Message})
def regions(request):
    return Answer(200, list(Region.objects.all()))


@org.get("/grids", response={200: list[GridOut], 401: Message, 429: Message})
def grids(request):
    return Answer(200, list(Grid.objects.all()))


@org.get("/me", response={200: MeOut, 401: Message, 429: Message}, summary="Who the token acts as")
def me(request):
    user = _user(request)
    return Answer(200, {"username": user.username, "display_name": user.display_name,
                        "roles": sorted({r.role for r in scoping.roles_of(user)}), "token_name": request.auth.name})


class RankedOut(Schema):
    unit_id: int
    name: str
    score: Optional[float]
    rank: Optional[int]
    previous_rank: Optional[int]
    movement: Optional[int]
    values: dict[str, Optional[float]] = Field(description="KPI values (rates 0..1, days, counts); null = no data")


class RankingOut(Schema):
    kind: str
    period: str
    months: list[dt.date]
    rows: list[RankedOut]


@org.get("/kpis/ranking", response={200: RankingOut, **_errors(403)}, tags=["kpis"],
         summary="KPI ranking of departments, subdistricts or communities for a period",
         description="The table of the rankings dashboard (/evaluation/rankings/), for the same roles: "
                     "leader, supervisor or administrator; anyone else gets 403.")
def kpi_ranking(request, kind: Literal["department", "subdistrict", "community"] = "department",
                period: Literal["month", "quarter", "year"] = "month",
                month: Omittable[Annotated[str, StringConstraints(pattern=MONTH_PATTERN)]] = Query(
                    None, description="YYYY-MM, a month in the period; default: this month")):
    if not scoping.oversees(_user(request)):
        raise Forbidden("the KPI ranking needs a leader, supervisor or administrator role")
    from gongzhi.evaluation import services as evaluation

    table = evaluation.ranking(kind, evaluation.parse_month(month), period=period)
    return Answer(200, {
        "kind": table["kind"], "period": table["period"], "months": table["months"],
        "rows": [{"unit_id": r.unit_id, "name": r.name, "score": r.score, "rank": r.rank,
                  "previous_rank": r.previous_rank, "movement": r.movement,
                  "values": {k: (float(v) if v is not None else None) for k, v in r.values.items()}}
                 for r in table["rows"]],
    })


# ---------------------------------------------------------------- webhooks

hooks = Router(tags=["webhooks"])


class WebhookIn(In):
    url: Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s/$.?#\u0000][^\s\u0000]*$")]
    secret: text(128) = Field(min_length=16, description="shared secret for the HMAC-SHA256 signature")
    events: list[text(32)] = Field(default_factory=list, max_length=50,
                              description="event kinds to send (received, dispatched, replied, closed, ...); empty = all")


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    active: bool
    consecutive_failures: int
    disabled_at: Optional[dt.datetime]
    disabled_reason: str
    created_at: dt.datetime


class DeliveryOut(Schema):
    id: int
    kind: str
    event_id: Optional[int]
    state: str
    attempts: int
    last_status_code: Optional[int]
    last_error: str
    next_attempt_at: Optional[dt.datetime]
    delivered_at: Optional[dt.datetime]
    created_at: dt.datetime


def _subscription(request, webhook_id: int) -> WebhookSubscription:
    sub = WebhookSubscription.objects.filter(pk=webhook_id, owner=_user(request)).first()
    if sub is None:
        raise Http404("webhook not found")
    return sub


@hooks.get("/webhooks", response={200: list[WebhookOut], 401: Message, 429: Message}, summary="Your subscriptions")
def list_webhooks(request):
    return Answer(200, list(WebhookSubscription.objects.filter(owner=_user(request))))


@hooks.post("/webhooks", response={201: WebhookOut, **_errors(400, 403)}, summary="Subscribe a URL to appeal events",
            description="Needs the administrator role (it connects outside systems). The URL must be https "
                        "and resolve to public addresses only; it is checked again before every delivery.")
def create_webhook(request, payload: WebhookIn):
    if not scoping.has_role(_user(request), Role.ADMIN):
        raise Forbidden("subscribing webhooks needs the administrator role")
    return Answer(201, webhooks.subscribe(_user(request), payload.url, payload.secret, payload.events))


@hooks.delete("/webhooks/{webhook_id}", response={204: None, **_errors(404)}, summary="Unsubscribe")
def delete_webhook(request, webhook_id: Id):
    webhooks.unsubscribe(_subscription(request, webhook_id))
    return Answer(204, None)


@hooks.post("/webhooks/{webhook_id}/enable", response={200: WebhookOut, **_errors(404)},
            summary="Re-enable a subscription disabled after repeated failures")
def enable_webhook(request, webhook_id: Id):
    sub = _subscription(request, webhook_id)
    webhooks.reactivate(sub)
    sub.refresh_from_db()
    return Answer(200, sub)


@hooks.get("/webhooks/{webhook_id}/deliveries", response={200: list[DeliveryOut], **_errors(404)},
           summary="The delivery log (latest 100)")
def deliveries(request, webhook_id: Id):
    sub = _subscription(request, webhook_id)
    return Answer(200, list(WebhookDelivery.objects.filter(subscription=sub)[:100]))


api.add_router("", appeals)
api.add_router("", org)
api.add_router("", hooks)

# Disputes and petitions (gongzhi.disputes) have their operations in their own module, on this API.
from . import disputes as _disputes  # noqa: E402

api.add_router("", _disputes.router)

# Emergencies (gongzhi.emergency): incidents, and the public warnings as CAP 1.2 and Atom.
from . import emergency as _emergency  # noqa: E402

api.add_router("", _emergency.router)

# Public participation (gongzhi.participation): proposals, consultations, surveys, moderation.
from . import participation as _participation  # noqa: E402

api.add_router("", _participation.router)

# Grid and community (gongzhi.grid): the grids, grid reports, the community tasks and their catalogue.
from . import grid as _grid  # noqa: E402

api.add_router("", _grid.router)
