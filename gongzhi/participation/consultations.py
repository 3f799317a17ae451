"""Consultations on drafts (征求意见): a draft in sections, published for a comment period; comments
per section and replies; after the period the drafters decide on each comment (adopted, partly,
not adopted, with reasons) and publish the feedback report: what was received, what was adopted,
and why not. Comments pass moderation as proposals do."""
from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import scoping
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.models import Role

from . import moderation
from .models import Comment, Consultation, ConsultationSection, Moderation
from .verification import Voter

C = Consultation.Status
COMMENT_MAX = 3000
DRAFTERS = (Role.HANDLER,)  # of the consultation's department (or an admin)


def link(consultation: Consultation) -> str:
    return f"/participation/consultations/{consultation.pk}/"


def may_manage(user, consultation: Consultation | None = None, department_id: int | None = None) -> bool:
    if user is None or getattr(user, "is_superuser", False) or scoping.has_role(user, Role.ADMIN):
        return user is not None
    dept = consultation.department_id if consultation is not None else department_id
    return dept in scoping.department_ids(user, *DRAFTERS)


def _require(user, consultation=None, department_id=None) -> None:
    if not may_manage(user, consultation, department_id):
        raise ActionRefused(_("只有起草部门可以管理本次征求意见"))


def _checked(*, title, department, closes_at, sections, at) -> list[dict]:
    """The draft's fields as the services keep them, or FieldErrors naming each wrong one."""
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("请填写标题")
    elif len(title.strip()) > 200:
        errors["title"] = _("标题不能超过200字")
    if department is None:
        errors["department"] = _("请选择起草部门")
    if closes_at is None or closes_at <= at:
        errors["closes_at"] = _("截止时间须晚于现在")
    rows = [s for s in sections or [] if (s.get("heading") or "").strip() or (s.get("text") or "").strip()]
    if any(not (s.get("heading") or "").strip() or not (s.get("text") or "").strip() for s in rows):
        errors["sections"] = _("每个条目都要有标题和内容")
    elif not rows:
        errors["sections"] = _("至少要有一个条目（标题和内容）")
    if errors:
        raise FieldErrors(errors)
    return rows


def _sections(consultation: Consultation, rows: list[dict]) -> None:
    ConsultationSection.objects.bulk_create(
        ConsultationSection(consultation=consultation, order=i, heading=s["heading"].strip()[:200],
                            text=s["text"].strip())
        for i, s in enumerate(rows))


def create(actor, *, title: str, department, closes_at, sections: list[dict], introduction: str = "",
           publish: bool = True, at=None) -> Consultation:
    """A draft with its sections ([{heading, text}]); published at once unless `publish` is False."""
    at = at or timezone.now()
    rows = _checked(title=title, department=department, closes_at=closes_at, sections=sections, at=at)
    _require(actor, department_id=department.pk)
    with transaction.atomic():
        c = Consultation.objects.create(title=title.strip()[:200], introduction=(introduction or "").strip(),
                                        department=department, closes_at=closes_at, created_by=actor,
                                        status=C.OPEN if publish else C.DRAFT, opens_at=at if publish else None)
        _sections(c, rows)
        record_event(c, "opened" if publish else "drafted", actor, to_status=c.status, public=publish, at=at,
                     note=_("公开征求意见") if publish else _("起草"))
    return c


def update_draft(actor, consultation: Consultation, *, title: str, department, closes_at, sections: list[dict],
                 introduction: str = "", at=None) -> Consultation:
    """Rewrites a draft not yet published (its sections replaced: nobody has commented on them); the
    drafters of its department (and of the new one, when it moves) only."""
    at = at or timezone.now()
    _require(actor, consultation)
    rows = _checked(title=title, department=department, closes_at=closes_at, sections=sections, at=at)
    _require(actor, department_id=department.pk)
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if locked.status != C.DRAFT:
            raise ActionRefused(_("已发布的征求意见不能再修改正文"))
        locked.title, locked.introduction = title.strip()[:200], (introduction or "").strip()
        locked.department, locked.closes_at = department, closes_at
        locked.save()
        locked.sections.all().delete()
        _sections(locked, rows)
        record_event(locked, "edited", actor, from_status=C.DRAFT, to_status=C.DRAFT, at=at, note=_("修改草稿"))
    return locked


def publish(actor, consultation: Consultation, at=None) -> Consultation:
    """A draft goes out for comment from now until its closing time (which must still be ahead)."""
    _require(actor, consultation)
    at = at or timezone.now()
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if locked.status != C.DRAFT:
            raise ActionRefused(_("征求意见已发布"))
        if locked.closes_at <= at:
            raise FieldErrors({"closes_at": _("截止时间须晚于现在")})
        if not locked.sections.exists():
            raise FieldErrors({"sections": _("至少要有一个条目（标题和内容）")})
        locked.status, locked.opens_at = C.OPEN, at
        locked.save()
        record_event(locked, "opened", actor, from_status=C.DRAFT, to_status=C.OPEN, public=True, at=at,
                     note=_("公开征求意见"))
    return locked


def comment(section: ConsultationSection, voter: Voter, text: str, *, parent: Comment | None = None,
            anonymous: bool = False, at=None) -> Comment:
    at = at or timezone.now()
    text = (text or "").strip()
    errors = {}
    if not voter.verified:
        errors["voter"] = _("请先登录或验证手机号码")
    if len(text) < 2:
        errors["text"] = _("请填写意见")
    elif len(text) > COMMENT_MAX:
        errors["text"] = _("意见不能超过 %(n)s 个字") % {"n": COMMENT_MAX}
    if parent is not None and parent.section_id != section.pk:
        errors["parent"] = _("回复的意见不在本条目下")
    if errors:
        raise FieldErrors(errors)
    consultation = section.consultation
    if consultation.status != C.OPEN or consultation.closes_at <= at:
        raise ActionRefused(_("征求意见已截止"))
    with transaction.atomic():
        row = Comment.objects.create(section=section, parent=parent, author=voter.account,
                                     phone_key="" if voter.account else voter.phone_key, anonymous=bool(anonymous),
                                     text=text, created_at=at)
        moderation.open_case(Moderation.Item.COMMENT, row, voter.account, text, at=at)
    return row


def close(consultation: Consultation, actor=None, at=None) -> Consultation:
    """The comment period ends (the sweep, at closes_at; or the drafters earlier)."""
    if actor is not None:
        _require(actor, consultation)
    at = at or timezone.now()
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if locked.status != C.OPEN:
            raise ActionRefused(_("征求意见不在进行中"))
        locked.status = C.CLOSED
        if locked.closes_at > at:
            locked.closes_at = at
        locked.save()
        record_event(locked, "closed", actor, from_status=C.OPEN, to_status=C.CLOSED, public=True, at=at,
                     note=_("征求意见截止"))
    return locked


def decide(row: Comment, actor, decision: str, reason: str = "") -> Comment:
    """The drafters' decision on one comment; "not adopted" and "partly" need the reason."""
    consultation = row.section.consultation
    _require(actor, consultation)
    if consultation.status == C.REPORTED:
        raise ActionRefused(_("反馈报告已公布，不能再修改"))
    reason = (reason or "").strip()
    if decision not in (Comment.Decision.ADOPTED, Comment.Decision.PARTLY, Comment.Decision.NOT_ADOPTED):
        raise FieldErrors({"decision": _("请选择采纳情况")})
    if decision != Comment.Decision.ADOPTED and not reason:
        raise FieldErrors({"reason": _("未采纳或部分采纳须说明理由")})
    with transaction.atomic():
        Comment.objects.filter(pk=row.pk).update(decision=decision, reason=reason, decided_by=actor)
        record_event(consultation, "decided", actor, from_status=consultation.status, comment=row.pk,
                     decision=decision)
    row.refresh_from_db()
    return row


def received(consultation: Consultation):
    """The comments that count: every one that is not hidden (a pending one too: it was received)."""
    return (Comment.objects.filter(section__consultation=consultation)
            .exclude(publication=moderation.Review.WITHHELD).select_related("section"))


def report_figures(consultation: Consultation) -> dict:
    rows = list(received(consultation))
    decisions = Counter(r.decision for r in rows)
    by_section = Counter(r.section_id for r in rows)
    return {"received": len(rows), "people": len({r.author_id or r.phone_key for r in rows}),
            "adopted": decisions[Comment.Decision.ADOPTED], "partly": decisions[Comment.Decision.PARTLY],
            "not_adopted": decisions[Comment.Decision.NOT_ADOPTED], "undecided": decisions[""],
            "by_section": [{"section": s, "count": by_section[s.pk]} for s in consultation.sections.all()]}


def publish_report(consultation: Consultation, actor, summary: str, at=None) -> Consultation:
    """The feedback report: only after the period, with every received comment decided."""
    _require(actor, consultation)
    summary = (summary or "").strip()
    if not summary:
        raise FieldErrors({"summary": _("请填写意见采纳情况说明")})
    at = at or timezone.now()
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if locked.status != C.CLOSED:
            raise ActionRefused(_("征求意见截止后才能公布反馈"))
        undecided = received(locked).filter(decision="").count()
        if undecided:
            raise ActionRefused(_("还有 %(n)s 条意见未研究处理") % {"n": undecided})
        locked.status, locked.summary, locked.reported_at = C.REPORTED, summary, at
        locked.save()
        figures = report_figures(locked)
        record_event(locked, "reported", actor, from_status=C.CLOSED, to_status=C.REPORTED, public=True, at=at,
                     note=_("公布意见采纳情况"), received=figures["received"], adopted=figures["adopted"])
    return locked


def close_due(now=None) -> int:
    now = now or timezone.now()
    done = 0
    for c in Consultation.objects.filter(status=C.OPEN, closes_at__lte=now):
        close(c, None, at=now)
        done += 1
    return done
