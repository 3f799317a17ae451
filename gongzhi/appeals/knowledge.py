"""The knowledge base's services (知识库): the only code that writes KnowledgeEntry rows.

Supervisors and administrators keep the standard answers; operators read them on the desk and
answer from them (services.answer_at_intake). Every change is audited.
"""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import audit, scoping
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.models import Role
from gongzhi.core.validation import REPLY_MAX, REPLY_MIN, control_character_errors

from .models import Category, KnowledgeEntry

EDITORS = (Role.SUPERVISOR, Role.ADMIN)
READERS = (Role.OPERATOR, *EDITORS)
QUESTION_MAX, KEYWORDS_MAX = 200, 300


def may_edit(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or scoping.has_role(user, *EDITORS))


def may_read(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or scoping.has_role(user, *READERS))


def _require_editor(actor) -> None:
    if not may_edit(actor):
        raise ActionRefused(_("只有督办员或系统管理员可以维护知识库"))


def save_entry(actor, *, question: str, answer: str, keywords: str = "", category: Category | None = None,
               active: bool = True, entry: KnowledgeEntry | None = None, request=None) -> KnowledgeEntry:
    """Create an entry, or change `entry`; bad input raises FieldErrors and changes nothing."""
    _require_editor(actor)
    question, answer, keywords = (question or "").strip(), (answer or "").strip(), (keywords or "").strip()
    errors: dict[str, str] = {}
    if not question:
        errors["question"] = _("请填写问题")
    elif len(question) > QUESTION_MAX:
        errors["question"] = _("问题不能超过200字")
    if len(answer) < REPLY_MIN:
        errors["answer"] = _("标准答复过短，请写明办理依据、途径和时限")
    elif len(answer) > REPLY_MAX:
        errors["answer"] = _("答复内容过长")
    if len(keywords) > KEYWORDS_MAX:
        errors["keywords"] = _("关键词不能超过300字")
    if category is not None and not category.active:
        errors["category"] = _("该分类已停用")
    for field, message in control_character_errors(question=question, answer=answer, keywords=keywords).items():
        errors.setdefault(field, message)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        if entry is None:
            entry = KnowledgeEntry(updated_by=actor if getattr(actor, "pk", None) else None)
        else:
            entry = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
        created = entry.pk is None
        entry.question, entry.answer, entry.keywords = question, answer, keywords
        entry.category, entry.active = category, bool(active)
        entry.updated_by = actor if getattr(actor, "pk", None) else None
        entry.save()
        audit.record(actor, "knowledge_created" if created else "knowledge_changed",
                     ("appeals.knowledgeentry", entry.pk), request=request, active=entry.active)
    return entry


def set_active(actor, entry: KnowledgeEntry, active: bool, request=None) -> KnowledgeEntry:
    """Withdraw an entry (it is no longer suggested) or bring it back; entries are never deleted."""
    _require_editor(actor)
    with transaction.atomic():
        entry = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
        entry.active = bool(active)
        entry.updated_by = actor if getattr(actor, "pk", None) else None
        entry.save(update_fields=["active", "updated_by", "updated_at"])
        audit.record(actor, "knowledge_changed", ("appeals.knowledgeentry", entry.pk), request=request,
                     active=entry.active)
    return entry
