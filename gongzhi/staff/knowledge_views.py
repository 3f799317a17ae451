"""知识库: the standard answers, read by operators and kept by supervisors and administrators.
Thin: gongzhi.appeals.knowledge checks and writes every change."""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.appeals import knowledge
from gongzhi.appeals.models import KnowledgeEntry
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import apply_field_errors

from . import pages
from .access import staff_required
from .forms import KnowledgeForm


def _entry_or_404(pk: int) -> KnowledgeEntry:
    entry = KnowledgeEntry.objects.select_related("category", "category__parent").filter(pk=pk).first()
    if entry is None:
        raise Http404("not found")
    return entry


def _reader_required(view):
    """Operators, supervisors and administrators (the menu entry's own rule); everyone else gets 404."""
    return pages.KNOWLEDGE.guard(staff_required(*knowledge.READERS)(view))


def _editor_required(view):
    return staff_required(*knowledge.EDITORS)(view)


@_reader_required
def knowledge_list(request):
    term = (request.GET.get("q") or "").strip()[:100]
    rows = KnowledgeEntry.objects.select_related("category", "category__parent")
    if term:
        rows = rows.filter(Q(question__icontains=term) | Q(keywords__icontains=term) | Q(answer__icontains=term))
    if not knowledge.may_edit(request.user):
        rows = rows.filter(active=True)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "staff/knowledge_list.html",
                  {"page": page, "q": term, "may_edit": knowledge.may_edit(request.user)})


@_editor_required
def knowledge_edit(request, pk: int | None = None):
    entry = _entry_or_404(pk) if pk else None
    initial = ({"question": entry.question, "answer": entry.answer, "keywords": entry.keywords,
                "category": entry.category_id, "active": entry.active} if entry else {"active": True})
    form = KnowledgeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved = knowledge.save_entry(request.user, question=d["question"], answer=d["answer"],
                                         keywords=d["keywords"], category=d["category"], active=d["active"],
                                         entry=entry, request=request)
        except FieldErrors as exc:
            apply_field_errors(form, exc.errors)
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("知识库条目“%(question)s”已保存") % {"question": saved.question})
            return redirect("staff:knowledge_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/knowledge_form.html", {"form": form, "entry": entry}, status=status)


@require_POST
@_editor_required
def knowledge_toggle(request, pk: int):
    entry = _entry_or_404(pk)
    entry = knowledge.set_active(request.user, entry, not entry.active, request=request)
    messages.success(request, _("已启用") if entry.active else _("已停用，不再推荐"))
    return redirect("staff:knowledge_list")
