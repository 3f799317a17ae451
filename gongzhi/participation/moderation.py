"""Moderation (审核) of what people write in public: proposals and consultation comments.

Every such item opens a Moderation case when it is written (pending; the words of the hidden list
it contains are noted, and such items come first in the queue). Whether the item is public is the
kernel's rule (core.publication.may_publish / publishable_q on its `publication` field): a pending
item appears once the publication delay has passed, an approved one at once, a hidden one never.
A moderator approves or hides with a reason; the author may appeal a hide; a supervisor (not the
moderator who hid it) overturns or upholds. Nothing is deleted: a hidden item keeps its text and
its history (ModerationEvent), and every action is also an audit entry (core.audit).
"""
from __future__ import annotations

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit, publication
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.events import record_event
from gongzhi.core.publication import Review
from gongzhi.core.recipients import notify

from .lifecycle import MODERATION_LIFECYCLE as LIFECYCLE
from .models import Comment, Moderation, ModerationEvent, Proposal, SensitiveWord  # noqa: F401

M = Moderation.Status
WORDS_KEY = "gz-participation-sensitive-words"
# What the item's `publication` becomes with each moderation state.
REVIEW_OF = {M.PENDING: Review.PENDING, M.APPROVED: Review.APPROVED, M.HIDDEN: Review.WITHHELD,
             M.APPEALED: Review.WITHHELD, M.UPHELD: Review.WITHHELD}
MODELS = {Moderation.Item.PROPOSAL: Proposal, Moderation.Item.COMMENT: Comment}


def sensitive_words() -> list[str]:
    """The administrator's list (SensitiveWord, in the admin), cached until it changes."""
    words = cache.get(WORDS_KEY)
    if words is None:
        try:
            words = list(SensitiveWord.objects.values_list("word", flat=True))
        except DatabaseError:  # a database not migrated yet: the setting's words still apply
            return []
        cache.set(WORDS_KEY, words, 300)
    return words


def forget_words(**_signal) -> None:
    cache.delete(WORDS_KEY)


def public_q(now=None):
    """The items the public may see now (the kernel's rule, on participation's field names)."""
    return publication.publishable_q(now, review="publication", received_at="created_at", confidential=None)


def is_public(item, now=None) -> bool:
    return publication.may_publish(review=item.publication, received_at=item.created_at, confidential=False,
                                   now=now)


def open_case(kind: str, item, author, text: str, at=None) -> Moderation:
    """The moderation case of a new item (inside the caller's transaction)."""
    at = at or timezone.now()
    words = publication.hidden_words_in(text)
    case = Moderation.objects.create(item_kind=kind, item_id=item.pk, author=author, flagged_words=words, flagged=bool(words),
                                     created_at=at, updated_at=at)
    record_event(case, "opened", None, to_status=M.PENDING, at=at,
                 note=_("含敏感词，待审核") if words else _("待审核"), words=len(words))
    return case


def case_of(kind: str, item_id: int) -> Moderation:
    case = Moderation.objects.filter(item_kind=kind, item_id=item_id).first()
    if case is None:
        raise ActionRefused(_("没有这条内容的审核记录"))
    return case


def queue():
    """What moderators are to look at: pending items (those with hidden words first) and appeals."""
    return (Moderation.objects.filter(status__in=(M.PENDING, M.APPEALED))
            .annotate(rank=Case(When(status=M.APPEALED, then=Value(0)), When(flagged=True, then=Value(1)),
                                default=Value(2), output_field=IntegerField()))
            .order_by("rank", "created_at", "id"))


def _act(case: Moderation, action: str, actor, *, reason: str = "", changes: dict | None = None,
         request=None) -> Moderation:
    with transaction.atomic():
        done = LIFECYCLE.perform(case, action, actor, note=reason, changes={"updated_at": timezone.now(),
                                                                              **(changes or {})})
        model = MODELS[done.item_kind]
        model.objects.filter(pk=done.item_id).update(publication=REVIEW_OF[done.status])
        audit.record(actor, f"moderation.{action}", (model._meta.label_lower, done.item_id), request=request,
                     reason=reason[:300], status=done.status)
    return done


def approve(case: Moderation, actor, reason: str = "", request=None) -> Moderation:
    return _act(case, "approve", actor, reason=reason.strip(), changes={"decided_by": actor, "reason": reason.strip()},
                request=request)


def hide(case: Moderation, actor, reason: str, request=None) -> Moderation:
    reason = (reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": _("隐藏须说明理由")})
    done = _act(case, "hide", actor, reason=reason, changes={"decided_by": actor, "reason": reason[:300]},
                request=request)
    if done.author_id:
        notify([done.author], "participation.hidden",
               _("您发表的内容已被隐藏：%(reason)s。如有异议可以申诉。") % {"reason": reason}, link_of(done))
    return done


def appeal(case: Moderation, author, text: str, request=None) -> Moderation:
    """The author asks for a hidden item to be shown again."""
    text = (text or "").strip()
    if not text:
        raise FieldErrors({"appeal_text": _("请说明申诉理由")})
    if not getattr(author, "pk", None) or case.author_id != author.pk:
        raise ActionRefused(_("只有发表人可以申诉"))
    return _act(case, "appeal", author, reason=text, changes={"appeal_text": text}, request=request)


def _judge(case: Moderation, action: str, actor, reason: str, request=None) -> Moderation:
    reason = (reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": _("请说明申诉处理理由")})
    if getattr(actor, "pk", None) and case.decided_by_id == actor.pk:
        raise ActionRefused(_("申诉须由作出隐藏决定以外的人员处理"))
    done = _act(case, action, actor, reason=reason, request=request)
    if done.author_id:
        notify([done.author], "participation.appeal_decided",
               _("您的申诉已处理（%(result)s）：%(reason)s") % {"result": done.get_status_display(), "reason": reason},
               link_of(done))
    return done


def overturn(case: Moderation, actor, reason: str, request=None) -> Moderation:
    return _judge(case, "overturn", actor, reason, request)


def uphold(case: Moderation, actor, reason: str, request=None) -> Moderation:
    return _judge(case, "uphold", actor, reason, request)


def link_of(case: Moderation) -> str:
    if case.item_kind == Moderation.Item.PROPOSAL:
        return f"/participation/proposals/{case.item_id}/"
    comment = Comment.objects.filter(pk=case.item_id).select_related("section").first()
    return f"/participation/consultations/{comment.section.consultation_id}/" if comment else ""
