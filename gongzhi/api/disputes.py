"""/api/v1 operations for disputes (矛盾纠纷) and petitions (信访): a thin skin over
gongzhi.disputes' services, with the token, idempotency and error rules of the appeals' operations
(v1.py): 404 outside scope, 409 for a refused action, 422 naming the field for bad input."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from django.http import Http404
from django.utils.translation import gettext_lazy
from ninja import Field, Header, Query, Router, Schema
from ninja import Status as Answer
from pydantic import ConfigDict

from gongzhi.appeals.models import Appeal
from gongzhi.core import pii
from gongzhi.core.errors import FieldErrors
from gongzhi.core.models import Grid, Region, User
from gongzhi.core.reveal import reveal as audited_reveal
from gongzhi.disputes import services
from gongzhi.disputes.models import Dispute, DisputeKind, DisputeParty, RiskLevel

from .request_types import PK, Count, Id, In, Omittable, Phone, When, WhenBody, text
from .v1 import _aware, _errors, _user, idempotent

router = Router(tags=["disputes"])
MASKED = "masked; use the reveal action to see it in full (audited)"


# ---------------------------------------------------------------- disputes: schemas

class PartyOut(Schema):
    id: int
    kind: str
    side: str
    name: str = Field(description=MASKED)
    phone: str = Field(description=MASKED)
    id_number: str = Field(description=MASKED)
    address: str = Field(description=MASKED)


class DisputeOut(Schema):
    id: int
    number: str
    title: str
    facts: str = Field(description="phone and ID numbers in it are masked")
    kind: str = Field(description="dispute kind code")
    status: str
    source: str
    region_id: int
    grid_id: Optional[int]
    place: str
    people_involved: int
    amount: Optional[float]
    risk_level: str
    computed_risk_level: str
    risk_score: int
    risk_reasons: list[str]
    risk_override_reason: str
    distress: bool
    mediator_id: Optional[int]
    committee_id: Optional[int]
    appeal_id: Optional[int]
    alert_id: Optional[int]
    reported_at: dt.datetime
    accepted_at: Optional[dt.datetime]
    due_at: Optional[dt.datetime] = Field(description="the mediation time limit (null until accepted)")
    due_state: str
    concluded_at: Optional[dt.datetime]
    closed_at: Optional[dt.datetime]
    reopen_count: int
    agreement_terms: str
    performance: str
    signed_uploaded: bool
    parties: list[PartyOut]


class DisputePage(Schema):
    items: list[DisputeOut]
    count: int


def dispute_out(d: Dispute) -> dict:
    return {
        "id": d.pk, "number": d.number, "title": pii.mask_text(d.title), "facts": pii.mask_text(d.facts),
        "kind": d.kind.code, "status": d.status, "source": d.source, "region_id": d.region_id, "grid_id": d.grid_id,
        "place": pii.mask_text(d.place), "people_involved": d.people_involved,
        "amount": float(d.amount) if d.amount is not None else None, "risk_level": d.risk_level,
        "computed_risk_level": d.computed_risk_level, "risk_score": d.risk_score, "risk_reasons": d.risk_reasons,
        "risk_override_reason": d.risk_override_reason, "distress": d.distress, "mediator_id": d.mediator_id,
        "committee_id": d.committee_id, "appeal_id": d.appeal_id, "alert_id": d.alert_id,
        "reported_at": d.reported_at, "accepted_at": d.accepted_at, "due_at": d.due_at, "due_state": d.due_state,
        "concluded_at": d.concluded_at, "closed_at": d.closed_at, "reopen_count": d.reopen_count,
        "agreement_terms": d.agreement_terms, "performance": d.performance, "signed_uploaded": bool(d.signed_scan),
        "parties": [{"id": p.pk, "kind": p.kind, "side": p.side, "name": pii.mask_name(p.name),
                     "phone": pii.mask_phone(p.phone), "id_number": pii.mask_id_number(p.id_number),
                     "address": pii.mask_address(p.address)} for p in d.parties.all()],
    }


class PartyIn(In):
    name: text(100, 1, short=gettext_lazy("请填写当事人姓名或名称"))
    kind: Literal["person", "organisation"] = "person"
    side: Optional[Literal["applicant", "respondent", "other"]] = None
    phone: Phone = ""
    id_number: text(32) = ""
    address: text(200) = ""


class DisputeIn(In):
    model_config = ConfigDict(json_schema_extra={"anyOf": [  # where it is: a grid, or a community
        {"required": ["grid"], "properties": {"grid": {"type": "integer"}}},
        {"required": ["region"], "properties": {"region": {"type": "integer"}}}]})

    title: text(200, 1, short=gettext_lazy("请填写标题"))
    facts: text(5000, 1, short=gettext_lazy("请填写纠纷事实"))
    kind: text(32, 1, short=gettext_lazy("请选择纠纷类型")) = Field(description="dispute kind code")
    region: Optional[PK] = Field(None, description="community id (or give grid)")
    grid: Optional[PK] = None
    place: text(300) = ""
    people_involved: Count = Field(2, ge=1, le=1_000_000)
    amount: Optional[float] = Field(None, ge=0, le=services.AMOUNT_MAX)
    source: Literal["screening", "appeal", "alert", "walk_in", "referral"] = "walk_in"
    appeal: Optional[PK] = Field(None, description="the appeal it comes from (source appeal)")
    parties: list[PartyIn] = Field(min_length=2, max_length=50)


class DisputeFilters(Schema):
    status: Omittable[Literal[tuple(Dispute.Status.values)]] = None
    risk_level: Omittable[Literal[tuple(RiskLevel.values)]] = None
    kind: Omittable[text(32)] = Field(None, description="dispute kind code")
    region: Omittable[PK] = Field(None, description="region id (includes everything below it)")
    due_state: Omittable[Literal["on_track", "due_soon", "overdue"]] = None
    source: Omittable[text(16)] = None
    reported_after: Omittable[When] = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


def _dispute(request, dispute_id: int) -> Dispute:
    try:
        return Dispute.objects.restrict(_user(request)).select_related("kind").get(pk=dispute_id)
    except Dispute.DoesNotExist:
        raise Http404("dispute not found") from None


def _region_filter(qs, region_id, field="region"):
    region = Region.objects.filter(pk=region_id).first()
    return qs.filter(**{f"{field}__path__startswith": region.path}) if region else qs.none()


def _done(dispute: Dispute):
    return Answer(200, dispute_out(Dispute.objects.select_related("kind").get(pk=dispute.pk)))


DISPUTE_ACTION = {200: DisputeOut, **_errors(400, 404, 409)}


# ---------------------------------------------------------------- disputes: operations

@router.get("/disputes", response={200: DisputePage, **_errors()}, summary="List disputes in your scope")
def list_disputes(request, filters: Query[DisputeFilters]):
    f = filters
    qs = Dispute.objects.restrict(_user(request)).select_related("kind").prefetch_related("parties")
    for field in ("status", "risk_level", "due_state", "source"):
        if getattr(f, field):
            qs = qs.filter(**{field: getattr(f, field)})
    if f.kind:
        qs = qs.filter(kind__code=f.kind)
    if f.region is not None:
        qs = _region_filter(qs, f.region)
    if f.reported_after:
        qs = qs.filter(reported_at__gte=_aware(f.reported_after))
    rows = list(qs.order_by("-reported_at", "-pk")[f.offset: f.offset + f.limit])
    return Answer(200, {"items": [dispute_out(d) for d in rows], "count": qs.count()})


@router.get("/disputes/{dispute_id}", response={200: DisputeOut, **_errors(404)}, summary="One dispute")
def get_dispute(request, dispute_id: Id):
    return Answer(200, dispute_out(_dispute(request, dispute_id)))


@router.post("/disputes", response={201: DisputeOut, **_errors(400, 409)}, summary="Register a dispute",
             description="Risk is computed (with reasons); red and orange ones alert the region's supervisors. "
                         "`Idempotency-Key` makes retries safe, as for appeals.")
def create_dispute(request, payload: DisputeIn,
                   idempotency_key: Omittable[text(255)] = Header(None, alias="Idempotency-Key")):
    user, data = _user(request), payload.model_dump()

    def create():
        kind = DisputeKind.objects.filter(code=data["kind"], active=True).first()
        if kind is None:
            raise FieldErrors({"kind": "unknown dispute kind code"})
        grid = Grid.objects.filter(pk=data["grid"]).first() if data["grid"] else None
        region = Region.objects.filter(pk=data["region"]).first() if data["region"] else None
        if (data["grid"] and grid is None) or (data["region"] and region is None):
            raise FieldErrors({"grid" if data["grid"] and grid is None else "region": "unknown id"})
        appeal = None
        if data["appeal"]:
            appeal = Appeal.objects.restrict(user).filter(pk=data["appeal"]).first()
            if appeal is None:
                raise FieldErrors({"appeal": "unknown appeal"})
        dispute = services.report(actor=user, title=data["title"], facts=data["facts"], kind=kind, region=region,
                                  grid=grid, place=data["place"], people_involved=data["people_involved"],
                                  amount=data["amount"], source=data["source"], appeal=appeal,
                                  parties=data["parties"])
        return dispute_out(Dispute.objects.select_related("kind").get(pk=dispute.pk))

    return idempotent(request, idempotency_key, data, create, DisputeOut)


class AssignIn(In):
    mediator: PK = Field(description="user id of a mediator")


class SessionIn(In):
    held_at: WhenBody
    place: text(200, 1, short=gettext_lazy("必填"))
    participants: text(500, 1, short=gettext_lazy("必填"))
    record: text(10000, 1, short=gettext_lazy("必填"))


class SettleIn(In):
    outcome: text(2000) = ""
    terms: text(5000, 1, short=gettext_lazy("必填"))
    performance: text(2000, 1, short=gettext_lazy("必填"))


class OutcomeIn(In):
    outcome: text(2000, 1, short=gettext_lazy("请写明调解不成的原因"))


class VisitIn(In):
    kept: bool
    note: text(2000) = ""


class ReferIn(In):
    kind: Literal["court", "arbitration", "administrative"]
    body: text(100, 1, short=gettext_lazy("请填写接收单位"))
    note: text(2000) = ""


class ResultIn(In):
    result: text(2000, 1, short=gettext_lazy("请填写处理结果"))


class CloseIn(In):
    note: text(2000) = ""


class RiskIn(In):
    level: Literal["red", "orange", "yellow", "blue"]
    reason: text(300, 1, short=gettext_lazy("调整风险等级须说明理由"))


@router.post("/disputes/{dispute_id}/assign", response=DISPUTE_ACTION, summary="指派: give it to a mediator")
def assign(request, dispute_id: Id, payload: AssignIn):
    dispute = _dispute(request, dispute_id)
    mediator = User.objects.filter(pk=payload.mediator, is_active=True).first()
    if mediator is None:
        raise FieldErrors({"mediator": "unknown user"})
    return _done(services.assign(dispute, _user(request), mediator=mediator))


@router.post("/disputes/{dispute_id}/accept", response=DISPUTE_ACTION, summary="受理: the mediation time limit starts")
def accept(request, dispute_id: Id):
    return _done(services.accept(_dispute(request, dispute_id), _user(request)))


@router.post("/disputes/{dispute_id}/sessions", response=DISPUTE_ACTION, summary="Record a mediation session")
def session(request, dispute_id: Id, payload: SessionIn):
    dispute = _dispute(request, dispute_id)
    services.record_session(dispute, _user(request), held_at=_aware(payload.held_at), place=payload.place,
                            participants=payload.participants, record=payload.record)
    return _done(dispute)


@router.post("/disputes/{dispute_id}/settle", response=DISPUTE_ACTION, summary="调解成功: the agreement's terms")
def settle(request, dispute_id: Id, payload: SettleIn):
    return _done(services.settle(_dispute(request, dispute_id), _user(request), outcome=payload.outcome,
                                 terms=payload.terms, performance=payload.performance))


@router.post("/disputes/{dispute_id}/fail", response=DISPUTE_ACTION, summary="调解不成")
def fail(request, dispute_id: Id, payload: OutcomeIn):
    return _done(services.fail(_dispute(request, dispute_id), _user(request), outcome=payload.outcome))


@router.post("/disputes/{dispute_id}/follow-up", response=DISPUTE_ACTION,
             summary="回访: kept, or broken (the mediation reopens)")
def follow_up(request, dispute_id: Id, payload: VisitIn):
    return _done(services.follow_up(_dispute(request, dispute_id), _user(request), kept=payload.kept,
                                    note=payload.note))


@router.post("/disputes/{dispute_id}/refer", response=DISPUTE_ACTION, summary="诉调对接: refer a failed mediation")
def refer(request, dispute_id: Id, payload: ReferIn):
    dispute = _dispute(request, dispute_id)
    services.refer(dispute, _user(request), kind=payload.kind, body=payload.body, note=payload.note)
    return _done(dispute)


@router.post("/disputes/{dispute_id}/referral-result", response=DISPUTE_ACTION, summary="The referral's result")
def referral_result(request, dispute_id: Id, payload: ResultIn):
    return _done(services.referral_result(_dispute(request, dispute_id), _user(request), result=payload.result))


@router.post("/disputes/{dispute_id}/close", response=DISPUTE_ACTION, summary="结案")
def close(request, dispute_id: Id, payload: CloseIn):
    return _done(services.close(_dispute(request, dispute_id), _user(request), note=payload.note))


@router.post("/disputes/{dispute_id}/risk", response=DISPUTE_ACTION, summary="Override the risk level, with a reason")
def override_risk(request, dispute_id: Id, payload: RiskIn):
    return _done(services.override_risk(_dispute(request, dispute_id), _user(request), level=payload.level,
                                        reason=payload.reason))


class PartyRevealIn(In):
    party: PK
    field: Literal["name", "phone", "id_number", "address"]


class PartyRevealOut(Schema):
    field: str
    value: str


@router.post("/disputes/{dispute_id}/reveal", response={200: PartyRevealOut, **_errors(400, 404, 409)},
             summary="Show one party's field in full (written to the audit log)")
def reveal_party(request, dispute_id: Id, payload: PartyRevealIn):
    dispute = _dispute(request, dispute_id)
    party = DisputeParty.objects.filter(dispute=dispute, pk=payload.party).first()
    if party is None:
        raise Http404("party not found")
    return Answer(200, {"field": payload.field,
                        "value": audited_reveal(party, _user(request), payload.field, request=request)})


from .petitions import router as petitions_router  # noqa: E402  (the petitions' operations)

router.add_router("", petitions_router)
