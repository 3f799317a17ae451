"""Staff pages: inbox per role, appeal page with the actions allowed now, desk, grid report, board,
search and export. Thin: reads go through scoping, every change through gongzhi.appeals.services."""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gongzhi.appeals import notifying, services
from gongzhi.appeals.labels import labelled, publication_state
from gongzhi.appeals.models import (
    OPEN_STATUSES, Appeal, Assignment, Category, Channel, Satisfaction, Status, Urgency,
)
from gongzhi.core.validation import normalise_phone, valid_phone
from gongzhi.core import audit, pii, recipients, scoping
from gongzhi.core.context import tile_url
from gongzhi.core.deadlines import DueState
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import apply_field_errors
from gongzhi.core.reveal import reveal as audited_reveal
from gongzhi.core.models import Department, Grid, Notification, Region, Role
from gongzhi.core.scoping import get_visible_or_404

from . import pages
from .access import allowed_actions, handler_departments, has_any, held_roles, staff_required
from .forms import AppealFilterForm, DeskForm, GridReportForm
from .queues import (
    assignment_return_annotations, bulk_choices, filtered_appeals, return_annotations, sort_links,
)

PAGE_SIZE = 30
BOARD_ROWS = 20
EXPORT_MAX_ROWS = 50_000
WORKING = (Status.DISPATCHED, Status.HANDLING)


def _visible(request):
    return Appeal.objects.restrict(request.user)


def _appeal_or_404(request, pk: int) -> Appeal:
    return get_visible_or_404(
        Appeal.objects.select_related("category", "category__parent", "region", "grid", "lead_department", "merged_into"),
        request.user, pk=pk,
    )


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# ---------------------------------------------------------------- inbox

class _Lookup:
    """Departments and categories by id, code or name, loaded once per page (small tables)."""

    def __init__(self):
        self._maps: dict = {}

    def get(self, model, value):
        if isinstance(value, dict):
            value = value.get("id") or value.get("pk") or value.get("code") or value.get("name")
        if value in (None, ""):
            return None
        if model not in self._maps:
            rows = list(model.objects.all())
            by = {("pk", str(r.pk)): r for r in rows}
            by.update({("code", r.code): r for r in rows})
            by.update({("name", r.name): r for r in rows})
            self._maps[model] = by
        by = self._maps[model]
        key = str(value)
        return by.get(("pk", key)) if key.isdigit() else (by.get(("code", key)) or by.get(("name", key)))


def triage_view(appeal: Appeal, user, lookup: _Lookup | None = None) -> dict:
    """Suggestions and duplicates from appeal.triage, resolved to rows the user may act on."""
    lookup = lookup or _Lookup()
    data = appeal.triage if isinstance(appeal.triage, dict) else {}
    suggestions = []
    for s in (data.get("suggestions") or [])[:3]:
        if not isinstance(s, dict):
            continue
        dept = lookup.get(Department, s.get("department"))
        cat = lookup.get(Category, s.get("category"))
        if dept is not None and not dept.active:
            dept = None
        try:
            probability = float(s.get("confidence", 0))
            # a probability short of 1 is never shown as certain (0.996 reads 99%, not 100%)
            confidence = min(round(probability * 100), 100 if probability >= 1 else 99)
        except (TypeError, ValueError):
            confidence = None
        if dept or cat:
            suggestions.append({"department": dept, "category": cat, "confidence": confidence})
    duplicates = []
    wanted = []
    for d in (data.get("duplicates") or [])[:3]:
        score, reason = None, ""
        if isinstance(d, dict):
            score, reason = d.get("score", d.get("similarity")), str(d.get("reason") or "")
            d = d.get("tracking_number") or d.get("appeal") or d.get("id") or d.get("pk")
        if d not in (None, ""):
            try:
                score = round(float(score) * 100) if score is not None else None
            except (TypeError, ValueError):
                score = None
            wanted.append((str(d), score, reason))
    if wanted:
        keys = [k for k, _s, _r in wanted]
        found = Appeal.objects.restrict(user).filter(
            Q(tracking_number__in=keys) | Q(pk__in=[int(k) for k in keys if k.isdigit()])).exclude(pk=appeal.pk)
        by_key = {}
        for other in found:
            by_key[other.tracking_number] = by_key[str(other.pk)] = other
        for key, score, reason in wanted:
            if key in by_key:  # a candidate that cannot take the merge (answered, closed) is marked
                duplicates.append({"appeal": by_key[key], "score": score, "reason": reason,
                                   "refusal": services.merge_refusal(by_key[key])})
    return {"suggestions": suggestions, "duplicates": duplicates}


@pages.INBOX.guard
def inbox(request):
    user = request.user
    held = held_roles(user)
    admin = Role.ADMIN in held
    now = timezone.now()
    ctx: dict = {"held": held, "now": now,
                 "unread": recipients.unread(user).count(),
                 "notifications": recipients.unread(user)[:5],
                 "dispatch_page": None, "department_rows": None, "board_counts": None, "phone_rows": None,
                 "grid_rows": None}
    visible = _visible(request)
    if admin or Role.DISPATCHER in held:
        queue = (visible.filter(status=Status.RECEIVED).select_related("category", "region")
                 .annotate(**return_annotations()).order_by("received_at", "id"))
        page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
        ctx["dispatch_page"] = page
        lookup = _Lookup()
        ctx["dispatch_rows"] = [(a, triage_view(a, user, lookup)) for a in page]
    depts = handler_departments(user)
    if depts:
        rows = (Assignment.objects.filter(department_id__in=depts,
                                          state__in=[Assignment.State.PENDING, Assignment.State.ACKNOWLEDGED])
                .select_related("appeal", "department").annotate(**assignment_return_annotations())
                .order_by("due_at", "dispatched_at"))
        ctx["department_rows"] = [
            {"assignment": a, "appeal": a.appeal,
             "ack_late": a.state == Assignment.State.PENDING and a.ack_due_at and a.ack_due_at < now,
             "return_reason": a.last_return_reason, "return_department": a.last_return_department,
             "state_class": _due_class(a, now)}
            for a in rows[:200]
        ]
    if admin or held & {Role.SUPERVISOR, Role.LEADER}:
        ctx["board_counts"] = _board_counts(visible, now)
    if admin or Role.OPERATOR in held:
        ctx["phone_rows"] = visible.filter(channel=Channel.PHONE).select_related("category").order_by("-received_at")[:15]
    if Role.GRID_WORKER in held:
        ctx["grid_rows"] = visible.filter(created_by=user).select_related("category").order_by("-received_at")[:30]
    return render(request, "staff/inbox.html", ctx)


def _due_class(assignment: Assignment, now) -> str:
    if assignment.appeal.due_state == DueState.OVERDUE or (assignment.due_at and assignment.due_at < now):
        return "overdue"
    if assignment.state == Assignment.State.PENDING and assignment.ack_due_at and assignment.ack_due_at < now:
        return "overdue"
    if assignment.appeal.due_state == DueState.DUE_SOON or (
            assignment.due_at and assignment.due_at < now + dt.timedelta(hours=settings.GONGZHI["DUE_SOON_HOURS"])):
        return "due_soon"
    return "on_track"


# ---------------------------------------------------------------- supervisor's board

def _board_sections(visible, now) -> dict:
    soon = now + dt.timedelta(hours=settings.GONGZHI["DUE_SOON_HOURS"])
    working = visible.filter(status__in=WORKING)
    overdue_q = Q(due_state=DueState.OVERDUE) | Q(due_at__lt=now)
    related = ("category", "lead_department", "region")
    return {
        "overdue": working.filter(overdue_q).select_related(*related).order_by("due_at"),
        "due_soon": working.exclude(overdue_q).filter(Q(due_state=DueState.DUE_SOON) | Q(due_at__lt=soon))
        .select_related(*related).order_by("due_at"),
        "supervised": visible.filter(status__in=OPEN_STATUSES, supervised=True).select_related(*related).order_by("due_at"),
        "dissatisfied": visible.filter(Q(satisfaction=Satisfaction.DISSATISFIED) | Q(reopen_count__gt=0))
        .select_related(*related).order_by("-updated_at"),
        "closed": visible.filter(status=Status.CLOSED, closed_at__gte=now - dt.timedelta(days=7))
        .select_related(*related).order_by("-closed_at"),
    }


def _board_counts(visible, now) -> dict:
    return {k: qs.count() for k, qs in _board_sections(visible, now).items()}


@pages.BOARD.guard
def board(request):
    now = timezone.now()
    sections = _board_sections(_visible(request), now)
    titles = {"overdue": _("已超期"), "due_soon": _("即将到期"), "supervised": _("督办中"),
              "dissatisfied": _("不满意 / 重办"), "closed": _("近7日办结")}
    may_act = has_any(request.user, Role.SUPERVISOR, Role.LEADER)
    more = {"overdue": "due_state=overdue", "due_soon": "due_state=due_soon", "closed": "status=closed"}
    blocks = [{"key": k, "title": titles[k], "count": qs.count(), "rows": list(qs[:BOARD_ROWS]), "more": more.get(k, "")}
              for k, qs in sections.items()]
    return render(request, "staff/board.html", {"blocks": blocks, "may_act": may_act, "now": now})


# ---------------------------------------------------------------- appeal page

PII_LABELS = [("appellant_name", gettext_lazy("诉求人"), pii.mask_name),
              ("appellant_phone", gettext_lazy("联系电话"), pii.mask_phone),
              ("appellant_id_number", gettext_lazy("身份证号"), pii.mask_id_number)]


def _detail_context(request, appeal: Appeal, **extra) -> dict:
    user = request.user
    assignments = list(appeal.assignments.select_related("department", "dispatched_by", "acknowledged_by"))
    allowed = allowed_actions(appeal, user, assignments)
    revealable = appeal.may_reveal(user)
    revealed = extra.pop("revealed", {})
    personal = []
    for field, label, mask in PII_LABELS:
        value = getattr(appeal, field)
        personal.append({"field": field, "label": label, "empty": not value,
                         "masked": revealed.get(field) or mask(value), "revealable": revealable and bool(value)
                         and field not in revealed})
    # The e-mail an appellant left (web, Open311, JSON API) is for the notifications: staff see it masked.
    email = "" if appeal.anonymous else notifying.contact_email(appeal)
    if email:
        personal.append({"field": "email", "label": gettext_lazy("电子邮箱"), "empty": False,
                         "masked": pii.mask_email(email), "revealable": False})
    # Title, content and place: numbers in them masked (services.shown_text), revealable like the fields.
    text = {}
    for field in Appeal.TEXT_FIELDS:
        value = getattr(appeal, field)
        shown = revealed[field] if field in revealed else services.shown_text(appeal, user, value)
        text[field] = {"field": field, "shown": shown, "revealable": revealable and shown != value}
    ctx = {
        "appeal": appeal,
        "assignments": assignments,
        "events": labelled(appeal.events.select_related("actor", "department")),
        "replies": appeal.replies.select_related("department", "author").prefetch_related("attachments"),
        "attachments": appeal.attachments.all(),
        "extensions": appeal.extension_requests.select_related("assignment__department", "requested_by"),
        "allowed": allowed["names"],
        "ack_assignments": allowed["ack"],
        "return_assignments": allowed["return"],
        "personal": personal,
        "text": text,
        "triage": triage_view(appeal, user) if "dispatch" in allowed["names"] or "merge" in allowed["names"] else None,
        "departments": Department.objects.filter(active=True),
        "categories": Category.objects.filter(active=True).select_related("parent"),
        "urgencies": Urgency.choices,
        "satisfactions": Satisfaction.choices,
        "merged_children": appeal.merged.all(),
        "publication": publication_state(appeal),
        "form_errors": {}, "posted": {}, "action_error": "",
    }
    ctx.update(extra)
    return ctx


@staff_required()
def appeal_detail(request, pk: int):
    appeal = _appeal_or_404(request, pk)
    return render(request, "staff/appeal_detail.html", _detail_context(request, appeal))


def _category_from(value, required: bool = True):
    cat = Category.objects.filter(pk=value, active=True).first() if str(value or "").isdigit() else None
    if cat is None and required:
        raise FieldErrors({"category": _("请选择分类")})
    return cat


def _department_from(value, field: str = "lead"):
    dept = Department.objects.filter(pk=value).first() if str(value or "").isdigit() else None
    if dept is None:
        raise FieldErrors({field: _("请选择承办单位")})
    return dept


def _assignment_from(appeal: Appeal, value) -> Assignment:
    if not str(value or "").isdigit():
        raise FieldErrors({"assignment": _("请选择派单")})
    try:
        return appeal.assignments.select_related("department").get(pk=int(value))
    except Assignment.DoesNotExist:
        raise Http404("not found") from None


def _act_recategorize(request, appeal):
    services.recategorize(appeal, request.user, _category_from(request.POST.get("category")),
                          request.POST.get("urgency") or None)
    return _("分类已修改")


def _act_dispatch(request, appeal):
    post = request.POST
    lead = _department_from(post.get("lead"))
    assisting = list(Department.objects.filter(pk__in=[v for v in post.getlist("assisting") if v.isdigit()]))
    category = _category_from(post.get("category"), required=False)
    services.dispatch(appeal, request.user, lead, assisting, category=category,
                      instructions=post.get("instructions", "").strip())
    return _("已派单至%(department)s") % {"department": lead.name}


def _act_acknowledge(request, appeal):
    a = _assignment_from(appeal, request.POST.get("assignment"))
    services.acknowledge(a, request.user)
    return _("%(department)s已签收") % {"department": a.department.name}


def _act_return(request, appeal):
    a = _assignment_from(appeal, request.POST.get("assignment"))
    services.return_assignment(a, request.user, request.POST.get("reason", ""))
    return _("已退单，诉求退回派单员")


def _photos(request) -> dict:
    return {"before": request.FILES.getlist("before"), "after": request.FILES.getlist("after")}


def _act_note(request, appeal):
    services.add_note(appeal, request.user, request.POST.get("note", ""), **_photos(request))
    return _("办理情况已记录")


def _act_extend(request, appeal):
    services.request_extension(appeal, request.user, request.POST.get("days"), request.POST.get("reason", ""))
    return _("延期申请已提交，等待督办员审批")


def _act_decide_extension(request, appeal):
    ext_id = request.POST.get("extension", "")
    ext = appeal.extension_requests.filter(pk=int(ext_id)).first() if ext_id.isdigit() else None
    if ext is None:
        raise Http404("not found")
    approve = request.POST.get("decision") == "approve"
    services.decide_extension(ext, request.user, approve, request.POST.get("note", ""))
    return _("已批准延期") if approve else _("已驳回延期申请")


def _act_reply(request, appeal):
    services.reply(appeal, request.user, request.POST.get("text", ""),
                   resolved=request.POST.get("resolved", "1") != "0", **_photos(request),
                   public_photos=request.POST.get("public_photos") == "1")
    return _("答复已提交，等待回访")


def _act_follow_up(request, appeal):
    resolved = {"1": True, "0": False}.get(request.POST.get("resolved", ""))
    services.follow_up(appeal, request.POST.get("satisfaction", ""), actor=request.user, via="phone",
                       comment=request.POST.get("comment", "").strip(), resolved=resolved)
    return _("回访结果已记录")


def _act_close(request, appeal):
    services.close(appeal, request.user, request.POST.get("reason", ""))
    return _("已办结")


def _act_reopen(request, appeal):
    services.reopen(appeal, request.user, request.POST.get("reason", ""))
    return _("已重办")


def _act_urge(request, appeal):
    services.urge(appeal, request.user, request.POST.get("note", "").strip())
    return _("已催办")


def _act_supervise(request, appeal):
    services.supervise(appeal, request.user, request.POST.get("note", ""))
    return _("已列入督办")


def _act_review_publication(request, appeal):
    decision = request.POST.get("decision", "")
    services.review_publication(appeal, request.user, decision, request.POST.get("note", ""))
    return _("已准予公开") if decision == "approved" else _("已设为不予公开")


def _act_merge(request, appeal):
    number = (request.POST.get("into") or "").strip().upper()
    target = _visible(request).filter(tracking_number=number).first() if number else None
    if target is None:
        raise FieldErrors({"into": _("未找到该受理编号的诉求")})
    services.merge(appeal, target, request.user, request.POST.get("reason", "").strip() or _("重复诉求"))
    return _("已并入%(number)s") % {"number": target.tracking_number}


ACTIONS: dict[str, Callable] = {
    "recategorize": _act_recategorize, "dispatch": _act_dispatch, "acknowledge": _act_acknowledge,
    "return": _act_return, "note": _act_note, "extend": _act_extend, "decide_extension": _act_decide_extension,
    "reply": _act_reply, "follow_up": _act_follow_up, "close": _act_close, "reopen": _act_reopen,
    "urge": _act_urge, "supervise": _act_supervise, "merge": _act_merge,
    "review_publication": _act_review_publication,
}


@require_POST
@staff_required()
def appeal_action(request, pk: int, action: str):
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("not found")
    appeal = _appeal_or_404(request, pk)
    try:
        message = handler(request, appeal)
    except ActionRefused as exc:
        fresh = _appeal_or_404(request, pk)
        ctx = _detail_context(request, fresh, action_error=str(exc), posted={action: request.POST})
        return render(request, "staff/appeal_detail.html", ctx, status=409)
    except FieldErrors as exc:
        fresh = _appeal_or_404(request, pk)
        ctx = _detail_context(request, fresh, form_errors={action: exc.errors}, posted={action: request.POST},
                              action_error=_("请检查填写的内容"))
        return render(request, "staff/appeal_detail.html", ctx, status=400)
    messages.success(request, message)
    return redirect(_safe_next(request, reverse("staff:appeal_detail", args=[pk])))


@never_cache
@require_POST
@staff_required()
def reveal(request, pk: int, field: str):
    appeal = _appeal_or_404(request, pk)
    try:
        value = audited_reveal(appeal, request.user, field, request=request)
    except ActionRefused as exc:
        if request.headers.get("HX-Request"):
            return HttpResponse(f'<span class="error">{exc}</span>', status=403)
        return render(request, "staff/appeal_detail.html",
                      _detail_context(request, appeal, action_error=str(exc)), status=403)
    except FieldErrors:
        raise Http404("not found") from None
    if request.headers.get("HX-Request"):
        return render(request, "staff/_revealed.html", {"value": value})
    return render(request, "staff/appeal_detail.html", _detail_context(request, appeal, revealed={field: value}))


@require_POST
@staff_required(Role.HANDLER)
def reply_check(request, pk: int):
    """Reply-quality hints while the handler writes (if the triage app provides them)."""
    appeal = _appeal_or_404(request, pk)
    return render(request, "staff/_reply_warnings.html",
                  {"warnings": reply_warnings(appeal, request.POST.get("text", ""))})


def reply_warnings(appeal: Appeal, reply_text: str) -> list[str]:
    if not reply_text.strip():
        return []
    try:
        from gongzhi.triage.reply_quality import warnings as quality_warnings
    except ImportError:
        return []
    try:
        try:
            found = quality_warnings(appeal.content, reply_text, appeal_title=appeal.title) or []
        except TypeError:  # an older signature without the title
            found = quality_warnings(f"{appeal.title}\n{appeal.content}", reply_text) or []
    except Exception:  # hints must never block the reply form
        return []
    out = []
    for w in found:
        if isinstance(w, dict):
            w = w.get("message") or w.get("text") or w.get("code") or ""
        if str(w).strip():
            out.append(str(w))
    return out


@staff_required()
def attachment(request, pk: int, attachment_id: int):
    appeal = _appeal_or_404(request, pk)
    att = appeal.attachments.filter(pk=attachment_id).first()
    if att is None:
        raise Http404("not found")
    inline = att.content_type.startswith("image/") or att.content_type == "application/pdf"
    return FileResponse(att.file.open("rb"), content_type=att.content_type, as_attachment=not inline,
                        filename=att.original_name)


# ---------------------------------------------------------------- search, filters, export

# The queue's filters, sorting and bulk actions live in queues.py (filtered_appeals is imported above).


@pages.APPEAL_LIST.guard
def appeal_list(request):
    form, qs = filtered_appeals(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    sort = form.cleaned_data.get("sort", "") if form.is_bound and form.is_valid() else ""
    return render(request, "staff/appeal_list.html", {
        "form": form, "page": page, "query": params.urlencode(), "total": page.paginator.count,
        "sorts": sort_links(request, sort), "bulk": bulk_choices(request.user),
        "departments": Department.objects.filter(active=True),
    })


EXPORT_COLUMNS = [gettext_lazy("受理编号"), gettext_lazy("受理时间"), gettext_lazy("渠道"), gettext_lazy("标题"),
                  gettext_lazy("分类"), gettext_lazy("紧急程度"), gettext_lazy("状态"), gettext_lazy("时限状态"),
                  gettext_lazy("主办单位"), gettext_lazy("所属区域"), gettext_lazy("诉求人"), gettext_lazy("联系电话"),
                  gettext_lazy("满意度"), gettext_lazy("办结时间")]


@never_cache
@staff_required()
def appeal_export(request):
    from openpyxl import Workbook

    from gongzhi.core import spreadsheet

    form, qs = filtered_appeals(request)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("诉求"))
    ws.append([str(c) for c in EXPORT_COLUMNS])
    rows = 0

    def local(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    for a in qs[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
        ws.append(spreadsheet.xlsx_row(ws, [  # formula-like titles stay text; stored control characters go
            a.tracking_number, local(a.received_at), a.get_channel_display(), pii.mask_text(a.title),
            str(a.category) if a.category_id else "", a.get_urgency_display(), a.get_status_display(),
            a.get_due_state_display(), a.lead_department.name if a.lead_department_id else "",
            a.region.name if a.region_id else "",
            _("匿名") if a.anonymous else pii.mask_name(a.appellant_name),
            "" if a.anonymous else pii.mask_phone(a.appellant_phone),
            a.get_satisfaction_display() if a.satisfaction else "", local(a.closed_at),
        ]))
        rows += 1
    buffer = io.BytesIO()
    wb.save(buffer)
    filters = {k: v for k, v in request.GET.items() if v and k != "page"}
    audit.record(request.user, "export", ("appeals.appeal", ""), request=request, rows=rows, filters=filters,
                 format="xlsx")
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="appeals-{stamp}.xlsx"'
    return response


# ---------------------------------------------------------------- operator desk

@pages.DESK.guard
def desk(request):
    form = DeskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            appeal, code = services.receive(
                channel=Channel.PHONE, actor=request.user, title=d["title"], content=d["content"],
                category=d["category"], urgency=d["urgency"] or Urgency.NORMAL, location_text=d["location_text"],
                lat=d["lat"], lon=d["lon"], region=d["region"], anonymous=d["anonymous"],
                appellant_name=d["appellant_name"], appellant_phone=d["appellant_phone"],
                appellant_id_number=d["appellant_id_number"], request=request,
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc.errors)
        else:
            messages.success(request, _("已受理。受理编号 %(number)s，查询码 %(code)s（请告知来电人并提醒妥善保存）")
                             % {"number": appeal.tracking_number, "code": code})
            return redirect("staff:appeal_detail", pk=appeal.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/desk.html", {"form": form}, status=status)


@never_cache
@require_POST
@staff_required(Role.OPERATOR)
def desk_history(request):
    """The caller's earlier appeals by phone number; every lookup is audited as personal data."""
    phone = normalise_phone(request.POST.get("appellant_phone", ""))
    complete = valid_phone(phone)  # only a whole number is looked up (and audited), not each keystroke
    rows = []
    if complete:
        rows = list(_visible(request).filter(appellant_phone=phone).select_related("category").order_by("-received_at")[:10])
        audit.record(request.user, "lookup_personal_data", ("appeals.appeal", ""), request=request, by="phone",
                     phone=pii.mask_phone(phone), found=len(rows))
    return render(request, "staff/_desk_history.html", {"rows": rows, "looked_up": complete})


# ---------------------------------------------------------------- grid worker report

def _grids_of(user) -> list[Grid]:
    roles = scoping.assignments(user, Role.GRID_WORKER)
    ids = {r.grid_id for r in roles if r.grid_id}
    q = Q(pk__in=ids)
    for r in roles:
        if r.region_id:
            q |= Q(community__path__startswith=r.region.path)
    return list(Grid.objects.filter(q).select_related("community")) if (ids or any(r.region_id for r in roles)) else []


@pages.GRID_REPORT.guard
def grid_report(request):
    grids = _grids_of(request.user)
    form = GridReportForm(request.POST or None, request.FILES or None, grids=grids)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        grid = form.grids.get(d["grid"]) if d["grid"] else (grids[0] if grids else None)
        photos = [request.FILES["photo"]] if request.FILES.get("photo") else []
        try:
            appeal, _code = services.receive(
                channel=Channel.GRID, actor=request.user, title=d["title"], content=d["content"],
                category=d["category"], urgency=d["urgency"] or Urgency.NORMAL,
                location_text=d["location_text"] or (grid.name if grid else ""), lat=d["lat"], lon=d["lon"],
                region=grid.community if grid else None, attachments=photos, request=request,
            )
        except FieldErrors as exc:
            apply_field_errors(form, {("photo" if k == "attachments" else k): v for k, v in exc.errors.items()})
        else:
            messages.success(request, _("已上报，编号 %(number)s") % {"number": appeal.tracking_number})
            return redirect("staff:appeal_detail", pk=appeal.pk)
    status = 400 if request.method == "POST" else 200
    grid_json = [{"id": g.pk, "name": g.name, "polygon": g.polygon} for g in grids]
    return render(request, "staff/grid_report.html", {"form": form, "grid_json": grid_json,
                                                      "tile_url": tile_url()},
                  status=status)


# ---------------------------------------------------------------- notifications

@staff_required()
def notifications(request):
    rows = Notification.objects.filter(user=request.user)[:100]
    return render(request, "staff/notifications.html", {"rows": rows})


@require_POST
@staff_required()
def notifications_read(request):
    recipients.mark_read(request.user)
    messages.info(request, _("已全部标为已读"))
    return redirect(_safe_next(request, reverse("staff:notifications")))
