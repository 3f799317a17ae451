"""/api/v1 operations for public participation (gongzhi.participation): proposals (金点子), their
supports and answers, consultations (征求意见) with comments and the feedback report, surveys with
answers and results, and the moderation queue. A thin skin over the participation services with
the appeals' token and error rules (v1.py): 404 for what the caller may not see, 409 for a refused
action, 422 naming the field for bad input.

Everything a citizen wrote comes out as the public may read it (core.publication.public_text) to
every caller but the staff who work on it, who read it with phone and ID numbers masked; an author
appears as a masked name or as anonymous; supporters are only counted."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional, Union

from django.http import Http404
from django.utils.translation import gettext_lazy
from ninja import Field, File, Header, Query, Router, Schema, UploadedFile
from ninja import Status as Answer

from gongzhi.core import pii, publication, scoping
from gongzhi.core.errors import FieldErrors
from gongzhi.core.models import Department
from gongzhi.participation import consultations, moderation, services, surveys
from gongzhi.participation.models import (Comment, Consultation, ConsultationSection, Moderation, Proposal,
                                          ProposalCategory, Survey)
from gongzhi.participation.pages import may_moderate
from gongzhi.participation.verification import Voter

from .request_types import PK, Count, Id, In, Omittable, WhenBody, text
from .v1 import Forbidden, _aware, _errors, _user, idempotent

router = Router(tags=["participation"])
PUBLIC_TEXT = "as the public may read it: phone, ID and house numbers, names and hidden words scrubbed"


# ---------------------------------------------------------------- proposals

class ProposalOut(Schema):
    id: int
    number: str
    title: str = Field(description=PUBLIC_TEXT)
    text: str = Field(description=PUBLIC_TEXT)
    category: str = Field(description="proposal category code")
    status: str = Field(description="open, qualified, assigned, adopted, partly_adopted, not_adopted, done")
    author: str = Field(description="a masked name, or 匿名 (anonymous)")
    place: str
    lat: Optional[float] = Field(description="rounded to about 100 m")
    lon: Optional[float]
    support_count: int
    support_threshold: int
    publication: str = Field(description="pending, approved or withheld (core.publication)")
    created_at: dt.datetime
    department_id: Optional[int]
    due_at: Optional[dt.datetime] = Field(description="the answer deadline (working days from assignment)")
    due_state: str
    answer: str
    answered_at: Optional[dt.datetime]
    answered_late: bool
    photos: list[str] = Field(description="the photos' addresses (re-encoded when uploaded: no EXIF position); "
                                          "shown exactly when the proposal is")


class ProposalPage(Schema):
    items: list[ProposalOut]
    count: int


class ProposalEventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    note: str
    created_at: dt.datetime


def _author(item) -> str:
    if item.anonymous or not item.author_id:
        return "匿名"
    return pii.mask_name(item.author.display_name or item.author.username)


def proposal_out(p: Proposal) -> dict:
    return {
        "id": p.pk, "number": p.number, "title": publication.public_text(p.title),
        "text": publication.public_text(p.text), "category": p.category.code, "status": p.status,
        "author": _author(p), "place": publication.public_text(p.place),
        "lat": publication.public_coordinate(p.lat), "lon": publication.public_coordinate(p.lon),
        "support_count": p.support_count, "support_threshold": p.category.support_threshold(),
        "publication": p.publication, "created_at": p.created_at, "department_id": p.department_id,
        "due_at": p.due_at, "due_state": p.due_state, "answer": p.answer, "answered_at": p.answered_at,
        "answered_late": p.answered_late,
        "photos": [f"/participation/proposals/{p.pk}/photos/{ph.pk}/" for ph in p.photos.all()],
    }


def _proposals(request):
    """Public proposals, plus the caller's own and (for staff) those in their scope."""
    user = _user(request)
    base = Proposal.objects.select_related("category", "author")
    visible = base.filter(moderation.public_q()) | base.filter(author=user)
    if scoping.is_staff_member(user):
        visible = visible | base.restrict(user)
    return visible.distinct().prefetch_related("photos")


def _proposal(request, proposal_id: int) -> Proposal:
    found = _proposals(request).filter(pk=proposal_id).first()
    if found is None:
        raise Http404("proposal not found")
    return found


class ProposalFilters(Schema):
    category: Omittable[text(32)] = None
    status: Omittable[Literal["open", "qualified", "assigned", "adopted", "partly_adopted", "not_adopted", "done"]] = None
    sort: Literal["support", "recent"] = "support"
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10**9)


@router.get("/proposals", response={200: ProposalPage, **_errors()}, summary="List proposals (金点子)")
def list_proposals(request, filters: Query[ProposalFilters]):
    qs = _proposals(request)
    if filters.category:
        qs = qs.filter(category__code=filters.category)
    if filters.status:
        qs = qs.filter(status=filters.status)
    qs = qs.order_by(*(("-support_count", "-created_at") if filters.sort == "support" else ("-created_at",)), "-id")
    rows = list(qs[filters.offset:filters.offset + filters.limit])
    return {"items": [proposal_out(p) for p in rows], "count": qs.count()}


@router.get("/proposals/{proposal_id}", response={200: ProposalOut, **_errors(404)}, summary="One proposal")
def get_proposal(request, proposal_id: Id):
    return proposal_out(_proposal(request, proposal_id))


@router.get("/proposals/{proposal_id}/events", response={200: list[ProposalEventOut], **_errors(404)},
            summary="A proposal's public history (submitted, assigned, answered, progress, overdue …)")
def proposal_events(request, proposal_id: Id):
    p = _proposal(request, proposal_id)
    return [{"kind": e.kind, "from_status": e.from_status, "to_status": e.to_status,
             "note": publication.public_text(e.note) if e.kind in ("answer", "progress", "complete") else "",
             "created_at": e.created_at} for e in p.events.filter(public=True)]


class ProposalIn(In):
    title: text(services.TITLE_MAX, 1, short=gettext_lazy("请填写标题"))
    text: text(services.TEXT_MAX, 10, short=gettext_lazy("请把建议写清楚（至少 10 个字）"))
    category: text(32, 1, short=gettext_lazy("请选择类别")) = Field(description="proposal category code")
    place: text(200) = ""
    lat: Optional[float] = Field(None, ge=-90, le=90)
    lon: Optional[float] = Field(None, ge=-180, le=180)
    anonymous: bool = False


@router.post("/proposals", response={201: ProposalOut, **_errors(400, 409)},
             summary="Submit a proposal as the token's user (public once moderation allows)",
             description="`Idempotency-Key` makes retries safe, as for appeals.")
def create_proposal(request, payload: ProposalIn,
                    idempotency_key: Omittable[text(255)] = Header(None, alias="Idempotency-Key")):
    user, data = _user(request), payload.model_dump()

    def create():
        category = ProposalCategory.objects.filter(code=data["category"], active=True).first()
        if category is None:
            raise FieldErrors({"category": "unknown proposal category code"})
        p = services.submit(Voter(user=user), title=data["title"], text=data["text"], category=category,
                            place=data["place"], lat=data["lat"], lon=data["lon"], anonymous=data["anonymous"])
        return _fresh(p)

    return idempotent(request, idempotency_key, data, create, ProposalOut)


PROPOSAL_ACTION = {200: ProposalOut, **_errors(400, 404, 409)}


def _fresh(p: Proposal) -> dict:
    return proposal_out(Proposal.objects.select_related("category", "author").prefetch_related("photos").get(pk=p.pk))


@router.post("/proposals/{proposal_id}/photos", response=PROPOSAL_ACTION,
             summary="Add photos to your proposal while it waits for review (multipart/form-data, field `photos`)",
             description=f"At most {services.MAX_PHOTOS} photos a proposal, JPEG, PNG or GIF, checked by their content "
                         "and size like every upload (400 names `photos`); each is re-encoded from its pixels, so "
                         "no EXIF position, camera or time is kept. 409 once the proposal has been reviewed, or "
                         "for someone else's proposal.")
def add_photos(request, proposal_id: Id, photos: list[UploadedFile] = File(..., min_length=1)):
    return _fresh(services.add_photos(_proposal(request, proposal_id), Voter(user=_user(request)), photos))


@router.post("/proposals/{proposal_id}/support", response=PROPOSAL_ACTION,
             summary="Support it (once per person; 409 if already supported)")
def support(request, proposal_id: Id):
    return _fresh(services.support(_proposal(request, proposal_id), Voter(user=_user(request))))


@router.delete("/proposals/{proposal_id}/support", response=PROPOSAL_ACTION, summary="Withdraw your support")
def withdraw_support(request, proposal_id: Id):
    return _fresh(services.withdraw_support(_proposal(request, proposal_id), Voter(user=_user(request))))


class ProposalAssignIn(In):
    department: PK = Field(description="department id")
    note: text(500) = ""


@router.post("/proposals/{proposal_id}/assign", response=PROPOSAL_ACTION,
             summary="交办: give it to a department, which must answer within the deadline")
def assign(request, proposal_id: Id, payload: ProposalAssignIn):
    department = Department.objects.filter(pk=payload.department).first()
    if department is None:
        raise FieldErrors({"department": "unknown department"})
    return _fresh(services.assign(_proposal(request, proposal_id), _user(request), department, note=payload.note))


class ProposalAnswerIn(In):
    outcome: Literal["adopted", "partly_adopted", "not_adopted"]
    text: text(5000, services.ANSWER_MIN, short=gettext_lazy("请写明答复意见和理由（至少 10 个字）"))


@router.post("/proposals/{proposal_id}/answer", response=PROPOSAL_ACTION,
             summary="The department's public answer, with its reasons")
def answer(request, proposal_id: Id, payload: ProposalAnswerIn):
    return _fresh(services.answer(_proposal(request, proposal_id), _user(request), outcome=payload.outcome,
                                  text=payload.text))


class ProposalProgressIn(In):
    text: text(2000, 1, short=gettext_lazy("请填写进展情况"))


@router.post("/proposals/{proposal_id}/progress", response=PROPOSAL_ACTION, summary="Report progress on an adopted one")
def progress(request, proposal_id: Id, payload: ProposalProgressIn):
    return _fresh(services.report_progress(_proposal(request, proposal_id), _user(request), payload.text))


@router.post("/proposals/{proposal_id}/complete", response=PROPOSAL_ACTION, summary="落实完成")
def complete(request, proposal_id: Id, payload: ProposalProgressIn):
    return _fresh(services.complete(_proposal(request, proposal_id), _user(request), payload.text))


# ---------------------------------------------------------------- consultations

class ConsultationCommentOut(Schema):
    id: int
    section_id: int
    parent_id: Optional[int]
    author: str
    text: str = Field(description=PUBLIC_TEXT)
    created_at: dt.datetime
    decision: str = Field(description="'' (undecided), adopted, partly, not_adopted")
    reason: str


class ConsultationSectionOut(Schema):
    id: int
    heading: str
    text: str


class ConsultationOut(Schema):
    id: int
    title: str
    introduction: str
    department_id: int
    status: str = Field(description="draft, open, closed, reported")
    opens_at: Optional[dt.datetime]
    closes_at: dt.datetime
    summary: str
    sections: list[ConsultationSectionOut]
    comments: list[ConsultationCommentOut] = Field(description="public comments (and, in the report, every decided one)")
    figures: Optional[dict] = Field(description="the feedback report's counts, once reported")


def _comment_out(c: Comment) -> dict:
    return {"id": c.pk, "section_id": c.section_id, "parent_id": c.parent_id, "author": _author(c),
            "text": publication.public_text(c.text), "created_at": c.created_at, "decision": c.decision,
            "reason": c.reason}


def consultation_out(c: Consultation) -> dict:
    reported = c.status == Consultation.Status.REPORTED
    comments = (consultations.received(c) if reported
                else Comment.objects.filter(section__consultation=c).filter(moderation.public_q()))
    figures = consultations.report_figures(c) if reported else None
    if figures:
        figures = {k: v for k, v in figures.items() if k != "by_section"}
    return {"id": c.pk, "title": c.title, "introduction": c.introduction, "department_id": c.department_id,
            "status": c.status, "opens_at": c.opens_at, "closes_at": c.closes_at, "summary": c.summary,
            "sections": [{"id": s.pk, "heading": s.heading, "text": s.text} for s in c.sections.all()],
            "comments": [_comment_out(x) for x in comments.select_related("author").order_by("created_at", "id")],
            "figures": figures}


def _consultation(consultation_id: int) -> Consultation:
    c = Consultation.objects.exclude(status=Consultation.Status.DRAFT).filter(pk=consultation_id).first()
    if c is None:
        raise Http404("consultation not found")
    return c


@router.get("/consultations", response={200: list[ConsultationOut], **_errors()}, summary="Consultations (征求意见)")
def list_consultations(request):
    return [consultation_out(c) for c in Consultation.objects.exclude(status=Consultation.Status.DRAFT)[:100]]


@router.get("/consultations/{consultation_id}", response={200: ConsultationOut, **_errors(404)},
            summary="One consultation with its sections, comments and report")
def get_consultation(request, consultation_id: Id):
    return consultation_out(_consultation(consultation_id))


class ConsultationSectionIn(In):
    heading: text(200, 1, short=gettext_lazy("请填写条目"))
    text: text(20000, 1, short=gettext_lazy("请填写内容"))


class ConsultationIn(In):
    title: text(200, 1, short=gettext_lazy("请填写标题"))
    introduction: text(5000) = ""
    department: PK
    closes_at: WhenBody
    sections: list[ConsultationSectionIn] = Field(min_length=1, max_length=200)


@router.post("/consultations", response={201: ConsultationOut, **_errors(400, 409)},
             summary="Publish a draft for comment (the drafting department's handlers)")
def create_consultation(request, payload: ConsultationIn):
    department = Department.objects.filter(pk=payload.department).first()
    if department is None:
        raise FieldErrors({"department": "unknown department"})
    c = consultations.create(_user(request), title=payload.title, department=department,
                             closes_at=_aware(payload.closes_at), introduction=payload.introduction,
                             sections=[s.model_dump() for s in payload.sections])
    return Answer(201, consultation_out(c))


class ConsultationCommentIn(In):
    text: text(consultations.COMMENT_MAX, 2, short=gettext_lazy("请填写意见"))
    parent: Optional[PK] = None
    anonymous: bool = False


@router.post("/consultations/{consultation_id}/sections/{section_id}/comments",
             response={201: ConsultationCommentOut, **_errors(400, 404, 409)}, summary="Comment on a section (or reply)")
def comment(request, consultation_id: Id, section_id: Id, payload: ConsultationCommentIn):
    section = ConsultationSection.objects.filter(pk=section_id, consultation=_consultation(consultation_id)).first()
    if section is None:
        raise Http404("section not found")
    parent = None
    if payload.parent:
        parent = Comment.objects.filter(pk=payload.parent).first()
        if parent is None:
            raise FieldErrors({"parent": "unknown comment"})
    row = consultations.comment(section, Voter(user=_user(request)), payload.text, parent=parent,
                                anonymous=payload.anonymous)
    return Answer(201, _comment_out(row))


@router.post("/consultations/{consultation_id}/close", response={200: ConsultationOut, **_errors(400, 404, 409)},
             summary="End the comment period early")
def close_consultation(request, consultation_id: Id):
    return consultation_out(consultations.close(_consultation(consultation_id), _user(request)))


class CommentDecisionIn(In):
    decision: Literal["adopted", "partly", "not_adopted"]
    reason: text(2000) = ""


@router.post("/consultations/{consultation_id}/comments/{comment_id}/decision",
             response={200: ConsultationCommentOut, **_errors(400, 404, 409)}, summary="The drafters' decision on a comment")
def decide(request, consultation_id: Id, comment_id: Id, payload: CommentDecisionIn):
    row = Comment.objects.filter(pk=comment_id, section__consultation=_consultation(consultation_id)).first()
    if row is None:
        raise Http404("comment not found")
    return _comment_out(consultations.decide(row, _user(request), payload.decision, payload.reason))


class ConsultationReportIn(In):
    summary: text(20000, 1, short=gettext_lazy("请填写意见采纳情况说明"))


@router.post("/consultations/{consultation_id}/report", response={200: ConsultationOut, **_errors(400, 404, 409)},
             summary="Publish the feedback report (after the period, every comment decided)")
def report(request, consultation_id: Id, payload: ConsultationReportIn):
    return consultation_out(consultations.publish_report(_consultation(consultation_id), _user(request),
                                                         payload.summary))


# ---------------------------------------------------------------- surveys

class SurveyQuestionOut(Schema):
    id: int
    kind: str = Field(description="single, multiple, scale, text")
    text: str
    options: list[str]
    scale_max: int
    required: bool


class SurveyOut(Schema):
    id: int
    title: str
    description: str
    mode: str = Field(description="anonymous (no identity kept) or verified (one answer per person)")
    status: str
    closes_at: dt.datetime
    response_count: int
    questions: list[SurveyQuestionOut]


def survey_out(s: Survey) -> dict:
    return {"id": s.pk, "title": s.title, "description": s.description, "mode": s.mode, "status": s.status,
            "closes_at": s.closes_at, "response_count": s.response_count,
            "questions": [{"id": q.pk, "kind": q.kind, "text": q.text, "options": q.options, "scale_max": q.scale_max,
                           "required": q.required} for q in s.questions.all()]}


def _survey(survey_id: int) -> Survey:
    s = Survey.objects.exclude(status=Survey.Status.DRAFT).filter(pk=survey_id).first()
    if s is None:
        raise Http404("survey not found")
    return s


@router.get("/surveys", response={200: list[SurveyOut], **_errors()}, summary="Surveys and polls (问卷)")
def list_surveys(request):
    return [survey_out(s) for s in Survey.objects.exclude(status=Survey.Status.DRAFT)[:100]]


@router.get("/surveys/{survey_id}", response={200: SurveyOut, **_errors(404)}, summary="One survey")
def get_survey(request, survey_id: Id):
    return survey_out(_survey(survey_id))


class SurveyQuestionIn(In):
    kind: Literal["single", "multiple", "scale", "text"]
    text: text(300, 1, short=gettext_lazy("请填写题目"))
    options: list[text(200)] = Field(default_factory=list, max_length=50)
    scale_max: Count = Field(5, ge=2, le=10)
    required: bool = True


class SurveyIn(In):
    title: text(200, 1, short=gettext_lazy("请填写标题"))
    description: text(5000) = ""
    mode: Literal["anonymous", "verified"] = "verified"
    closes_at: WhenBody
    department: Optional[PK] = None
    questions: list[SurveyQuestionIn] = Field(min_length=1, max_length=100)


@router.post("/surveys", response={201: SurveyOut, **_errors(400, 409)}, summary="Publish a survey")
def create_survey(request, payload: SurveyIn):
    department = None
    if payload.department:
        department = Department.objects.filter(pk=payload.department).first()
        if department is None:
            raise FieldErrors({"department": "unknown department"})
    s = surveys.create(_user(request), title=payload.title, description=payload.description, mode=payload.mode,
                       closes_at=_aware(payload.closes_at), department=department,
                       questions=[q.model_dump() for q in payload.questions])
    return Answer(201, survey_out(s))


class SurveyResponseIn(In):
    answers: dict[str, Union[int, list[int], str]] = Field(
        description='question id -> an option index (single), a list of them (multiple), a score (scale) or text')


class SurveyReceipt(Schema):
    id: int
    created_at: dt.datetime


@router.post("/surveys/{survey_id}/responses", response={201: SurveyReceipt, **_errors(400, 404, 409)},
             summary="Answer a survey (verified mode: once per person, 409 the second time)")
def respond(request, survey_id: Id, payload: SurveyResponseIn):
    row = surveys.answer(_survey(survey_id), Voter(user=_user(request)), payload.answers)
    return Answer(201, {"id": row.pk, "created_at": row.created_at})


class SurveyResultOut(Schema):
    id: int
    kind: str
    text: str
    answered: int
    labels: list[str] = []
    counts: list[int] = []
    mean: Optional[float] = None
    texts: list[str] = Field([], description=PUBLIC_TEXT)


@router.get("/surveys/{survey_id}/results", response={200: list[SurveyResultOut], **_errors(404)},
            summary="Results per question")
def results(request, survey_id: Id):
    return surveys.results(_survey(survey_id))


# ---------------------------------------------------------------- moderation

class ModerationOut(Schema):
    id: int
    item_kind: str = Field(description="proposal or comment")
    item_id: int
    status: str = Field(description="pending, approved, hidden, appealed, upheld")
    flagged_words: list[str]
    reason: str
    appeal_text: str
    text: str = Field(description="the item's text, phone and ID numbers masked")
    created_at: dt.datetime


def _moderation_out(c: Moderation) -> dict:
    item = c.item()
    body = "" if item is None else (f"{item.title}\n{item.text}" if c.item_kind == "proposal" else item.text)
    return {"id": c.pk, "item_kind": c.item_kind, "item_id": c.item_id, "status": c.status,
            "flagged_words": c.flagged_words, "reason": c.reason, "appeal_text": pii.mask_text(c.appeal_text),
            "text": pii.mask_text(body), "created_at": c.created_at}


def _require_moderator(request) -> None:
    if not may_moderate(_user(request)):
        raise Forbidden("this operation needs a moderator's role")


@router.get("/moderation", response={200: list[ModerationOut], **_errors(403)},
            summary="The moderation queue (appeals, then texts with hidden words, then the rest)")
def moderation_queue(request):
    _require_moderator(request)
    return [_moderation_out(c) for c in moderation.queue()[:200]]


class ModerationDecisionIn(In):
    action: Literal["approve", "hide", "overturn", "uphold"]
    reason: text(300) = Field("", description="required to hide, overturn or uphold")


@router.post("/moderation/{moderation_id}/decision", response={200: ModerationOut, **_errors(400, 403, 404, 409)},
             summary="approve or hide an item (a reason to hide); overturn or uphold an appeal (with a reason)")
def moderate(request, moderation_id: Id, payload: ModerationDecisionIn):
    _require_moderator(request)
    case = Moderation.objects.filter(pk=moderation_id).first()
    if case is None:
        raise Http404("moderation case not found")
    act = {"approve": moderation.approve, "hide": moderation.hide, "overturn": moderation.overturn,
           "uphold": moderation.uphold}[payload.action]
    return _moderation_out(act(case, _user(request), payload.reason, request=request))


class ModerationAppealIn(In):
    appeal_text: text(2000, 1, short=gettext_lazy("请说明申诉理由"))


@router.post("/moderation/{moderation_id}/appeal", response={200: ModerationOut, **_errors(400, 404, 409)},
             summary="The author appeals a hide")
def appeal(request, moderation_id: Id, payload: ModerationAppealIn):
    case = Moderation.objects.filter(pk=moderation_id, author=_user(request)).first()
    if case is None:
        raise Http404("moderation case not found")
    return _moderation_out(moderation.appeal(case, _user(request), payload.appeal_text, request=request))
