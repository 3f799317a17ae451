"""/api/v1 operations for petitions (信访): registration and every state change, each response
carrying the stage deadlines (accept_due, opinion_due, review_due, reexam_due; null until started)."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext_lazy
from ninja import Field, Header, Query, Router, Schema
from ninja import Status as Answer
from pydantic import ConfigDict

from gongzhi.appeals.models import Appeal
from gongzhi.core import pii
from gongzhi.core.errors import FieldErrors
from gongzhi.core.models import Region, User
from gongzhi.core.reveal import reveal as audited_reveal
from gongzhi.disputes import petition_services as petitions
from gongzhi.disputes.models import Dispute
from gongzhi.disputes.petition_models import Petition

from .request_types import PK, Count, Id, In, Omittable, Phone, When, WhenBody, text
from .v1 import _aware, _errors, _user, idempotent

router = Router(tags=["petitions"])
MASKED = "masked; use the reveal action to see it in full (audited)"


class PetitionOut(Schema):
    """Times in UTC, as everywhere in the API: a period ends at the end of a local day (23:59:59 in
    the installation's time zone, 15:59:59Z in China)."""

    id: int
    number: str
    channel: str
    status: str
    received_at: dt.datetime
    petitioner_name: str = Field(description=MASKED)
    petitioner_phone: str = Field(description=MASKED)
    people_count: int
    subject: str
    content: str = Field(description="phone and ID numbers in it are masked")
    region_id: int
    accept_due: Optional[dt.datetime] = Field(description="受理 decision due (15 days from receipt)")
    opinion_due: Optional[dt.datetime] = Field(description="处理意见 due (60 days from acceptance, + extension)")
    review_due: Optional[dt.datetime] = Field(description="复查 opinion due (30 days from the request)")
    reexam_due: Optional[dt.datetime] = Field(description="复核 opinion due (30 days from the request)")
    review_request_by: Optional[dt.datetime] = Field(description="last moment the petitioner may ask for 复查")
    reexam_request_by: Optional[dt.datetime] = Field(description="last moment the petitioner may ask for 复核")
    due_state: str
    accepted_at: Optional[dt.datetime]
    extension_days: int
    extension_reason: str
    opinion_at: Optional[dt.datetime]
    review_at: Optional[dt.datetime]
    reexam_at: Optional[dt.datetime]
    opinion_late: bool = Field(description="the 处理意见 was given after opinion_due")
    review_late: bool = Field(description="the 复查 opinion was given after review_due")
    reexam_late: bool = Field(description="the 复核 opinion was given after reexam_due")
    is_group: bool
    is_repeat: bool
    repeat_of_id: Optional[int]
    on_concluded_matter: bool
    dispute_ids: list[int]
    appeal_ids: list[int]


class PetitionPage(Schema):
    items: list[PetitionOut]
    count: int


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.timezone.utc) if value is not None else None


def petition_out(p: Petition) -> dict:
    return {
        "id": p.pk, "number": p.number, "channel": p.channel, "status": p.status, "received_at": p.received_at,
        "petitioner_name": pii.mask_name(p.petitioner_name), "petitioner_phone": pii.mask_phone(p.petitioner_phone),
        "people_count": p.people_count, "subject": pii.mask_text(p.subject), "content": pii.mask_text(p.content),
        "region_id": p.region_id, "accept_due": p.accept_due, "opinion_due": p.opinion_due,
        "review_due": p.review_due, "reexam_due": p.reexam_due,
        "review_request_by": _utc(petitions.review_request_by(p)), "reexam_request_by": _utc(petitions.reexam_request_by(p)),
        "due_state": p.due_state, "accepted_at": p.accepted_at, "extension_days": p.extension_days,
        "extension_reason": p.extension_reason, "opinion_at": p.opinion_at, "review_at": p.review_at,
        "reexam_at": p.reexam_at, **{f"{k}_late": v for k, v in petitions.late_opinions(p).items()},
        "is_group": p.is_group, "is_repeat": p.is_repeat, "repeat_of_id": p.repeat_of_id,
        "on_concluded_matter": p.on_concluded_matter,
        "dispute_ids": sorted(d.pk for d in p.disputes.all()), "appeal_ids": sorted(a.pk for a in p.appeals.all()),
    }


class PetitionIn(In):
    channel: Literal["letter", "visit", "online", "phone"]
    received_at: WhenBody = Field(description="when the letter, visit, message or call came in; not in the future")
    petitioner_name: text(64, 1, short=gettext_lazy("请填写信访人"))
    petitioner_phone: Phone = ""
    petitioner_id_number: text(32) = ""
    petitioner_address: text(200) = ""
    people_count: Count = Field(1, ge=1, le=100_000, description="5 or more: a group petition")
    subject: text(200, 1, short=gettext_lazy("请填写信访事项"))
    content: text(10000, 1, short=gettext_lazy("请填写主要内容"))
    region: PK
    same_matter_as: Optional[PK] = Field(None, description="an earlier petition on the same matter")


class PetitionFilters(Schema):
    status: Omittable[Literal[tuple(Petition.Status.values)]] = None
    channel: Omittable[Literal[tuple(Petition.Channel.values)]] = None
    region: Omittable[PK] = None
    due_state: Omittable[Literal["on_track", "due_soon", "overdue"]] = None
    is_group: Omittable[bool] = None
    is_repeat: Omittable[bool] = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


def _petition(request, petition_id: int) -> Petition:
    try:
        return Petition.objects.restrict(_user(request)).get(pk=petition_id)
    except Petition.DoesNotExist:
        raise Http404("petition not found") from None


def _done(petition: Petition):
    return Answer(200, petition_out(Petition.objects.get(pk=petition.pk)))


ACTION = {200: PetitionOut, **_errors(400, 404, 409)}


@router.get("/petitions", response={200: PetitionPage, **_errors()}, summary="List petitions in your scope")
def list_petitions(request, filters: Query[PetitionFilters]):
    f = filters
    qs = Petition.objects.restrict(_user(request)).prefetch_related("disputes", "appeals")
    for field in ("status", "channel", "due_state", "is_group", "is_repeat"):
        if getattr(f, field) is not None:
            qs = qs.filter(**{field: getattr(f, field)})
    if f.region is not None:
        region = Region.objects.filter(pk=f.region).first()
        qs = qs.filter(region__path__startswith=region.path) if region else qs.none()
    rows = list(qs.order_by("-received_at", "-pk")[f.offset: f.offset + f.limit])
    return Answer(200, {"items": [petition_out(p) for p in rows], "count": qs.count()})


@router.get("/petitions/{petition_id}", response={200: PetitionOut, **_errors(404)}, summary="One petition")
def get_petition(request, petition_id: Id):
    return Answer(200, petition_out(_petition(request, petition_id)))


@router.post("/petitions", response={201: PetitionOut, **_errors(400, 409)}, summary="Register a petition",
             description="The acceptance period starts (15 calendar days from the day after receipt; a last day "
                         "on a rest day moves to the next working day). `Idempotency-Key` as for appeals.")
def create_petition(request, payload: PetitionIn,
                    idempotency_key: Omittable[text(255)] = Header(None, alias="Idempotency-Key")):
    user, data = _user(request), payload.model_dump()

    def create():
        region = Region.objects.filter(pk=data["region"]).first()
        if region is None:
            raise FieldErrors({"region": "unknown region"})
        same = None
        if data["same_matter_as"]:
            same = Petition.objects.restrict(user).filter(pk=data["same_matter_as"]).first()
            if same is None:
                raise FieldErrors({"same_matter_as": "unknown petition"})
        petition = petitions.register(
            actor=user, channel=data["channel"], received_at=_aware(data["received_at"]),
            petitioner_name=data["petitioner_name"], petitioner_phone=data["petitioner_phone"],
            petitioner_id_number=data["petitioner_id_number"], petitioner_address=data["petitioner_address"],
            people_count=data["people_count"], subject=data["subject"], content=data["content"], region=region,
            same_matter_as=same)
        return petition_out(Petition.objects.get(pk=petition.pk))  # as stored: times in UTC

    return idempotent(request, idempotency_key, data, create, PetitionOut)


class AtIn(In):
    at: Optional[WhenBody] = Field(None, description="when it happened (default now); not in the future")


class AcceptIn(AtIn):
    note: text(2000) = ""


class DeclineIn(In):
    reason: text(2000, 1, short=gettext_lazy("请写明不予受理的理由"))


class ExtendIn(In):
    extra_days: Count = Field(ge=1, le=settings.GONGZHI["PETITION_EXTENSION_MAX_DAYS"],
                            description="at most PETITION_EXTENSION_MAX_DAYS (30 by default)")
    reason: text(300, 1, short=gettext_lazy("延长须说明理由（告知信访人）"))
    approved_by: PK = Field(description="user id of the superior (leader or supervisor) who approved it")


class OpinionIn(AtIn):
    opinion: text(10000, 1, short=gettext_lazy("必填"))


class AnswerIn(OpinionIn):
    received_at: Optional[WhenBody] = Field(None, description="when the petitioner received it (default: at)")


class LinkIn(In):
    model_config = ConfigDict(json_schema_extra={"anyOf": [  # at least one case to link (the service says so too)
        {"required": ["disputes"], "properties": {"disputes": {"minItems": 1}}},
        {"required": ["appeals"], "properties": {"appeals": {"minItems": 1}}}]})

    disputes: list[PK] = Field(default_factory=list, max_length=50)
    appeals: list[PK] = Field(default_factory=list, max_length=50)


def _at(payload) -> dt.datetime | None:
    return _aware(payload.at) if payload.at else None


@router.post("/petitions/{petition_id}/accept", response=ACTION, summary="受理: the opinion period starts")
def accept(request, petition_id: Id, payload: AcceptIn):
    return _done(petitions.accept(_petition(request, petition_id), _user(request), note=payload.note,
                                  at=_at(payload)))


@router.post("/petitions/{petition_id}/decline", response=ACTION, summary="不予受理")
def decline(request, petition_id: Id, payload: DeclineIn):
    return _done(petitions.decline(_petition(request, petition_id), _user(request), reason=payload.reason))


@router.post("/petitions/{petition_id}/extend", response=ACTION,
             summary="Extend the opinion period once (approved, with the reason told)")
def extend(request, petition_id: Id, payload: ExtendIn):
    petition = _petition(request, petition_id)
    approver = User.objects.filter(pk=payload.approved_by, is_active=True).first()
    return _done(petitions.extend(petition, _user(request), extra_days=payload.extra_days, reason=payload.reason,
                                  approved_by=approver))


@router.post("/petitions/{petition_id}/answer", response=ACTION, summary="处理意见")
def answer(request, petition_id: Id, payload: AnswerIn):
    received = _aware(payload.received_at) if payload.received_at else None
    return _done(petitions.answer(_petition(request, petition_id), _user(request), opinion=payload.opinion,
                                  received_at=received, at=_at(payload)))


@router.post("/petitions/{petition_id}/request-review", response=ACTION,
             summary="复查 asked (within 30 days of receiving the opinion)")
def request_review(request, petition_id: Id, payload: AtIn):
    return _done(petitions.request_review(_petition(request, petition_id), _user(request), at=_at(payload)))


@router.post("/petitions/{petition_id}/review", response=ACTION, summary="复查意见")
def review(request, petition_id: Id, payload: OpinionIn):
    return _done(petitions.review(_petition(request, petition_id), _user(request), opinion=payload.opinion,
                                  at=_at(payload)))


@router.post("/petitions/{petition_id}/request-reexam", response=ACTION,
             summary="复核 asked (within 30 days of the review opinion)")
def request_reexam(request, petition_id: Id, payload: AtIn):
    return _done(petitions.request_reexam(_petition(request, petition_id), _user(request), at=_at(payload)))


@router.post("/petitions/{petition_id}/reexamine", response=ACTION, summary="复核意见: the matter is concluded (终结)")
def reexamine(request, petition_id: Id, payload: OpinionIn):
    return _done(petitions.reexamine(_petition(request, petition_id), _user(request), opinion=payload.opinion,
                                     at=_at(payload)))


@router.post("/petitions/{petition_id}/link", response=ACTION, summary="Link disputes and appeals on the same matter")
def link(request, petition_id: Id, payload: LinkIn):
    petition, user = _petition(request, petition_id), _user(request)
    disputes = list(Dispute.objects.restrict(user).filter(pk__in=payload.disputes))
    appeals = list(Appeal.objects.restrict(user).filter(pk__in=payload.appeals))
    if len(disputes) != len(set(payload.disputes)) or len(appeals) != len(set(payload.appeals)):
        raise FieldErrors({"disputes": "unknown dispute or appeal"})
    return _done(petitions.link_cases(petition, user, disputes=disputes, appeals=appeals))


class PetitionerRevealIn(In):
    field: Literal["petitioner_name", "petitioner_phone", "petitioner_id_number", "petitioner_address"]


class PetitionerRevealOut(Schema):
    field: str
    value: str


@router.post("/petitions/{petition_id}/reveal", response={200: PetitionerRevealOut, **_errors(400, 404, 409)},
             summary="Show one of the petitioner's fields in full (written to the audit log)")
def reveal(request, petition_id: Id, payload: PetitionerRevealIn):
    petition = _petition(request, petition_id)
    return Answer(200, {"field": payload.field,
                        "value": audited_reveal(petition, _user(request), payload.field, request=request)})
