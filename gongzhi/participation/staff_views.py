"""Staff pages of participation: the proposals to give out and to answer (with their deadlines and
the departments' on-time figures), the moderation queue with appeals, and the drafters' pages of a
consultation (decide on each comment, close, publish the report) and of a survey (results, .xlsx).
Thin: rows through ``restrict()`` (out of scope is a 404), changes through the services."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import pii, scoping
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import apply_field_errors, report_refusal
from gongzhi.core.models import Department, Role
from gongzhi.core.reveal import reveal
from gongzhi.core.scoping import get_visible_or_404

from . import consultations, moderation, pages, services, stats, surveys
from .forms import AnswerForm, ConsultationForm, SurveyForm, posted_rows
from .lifecycle import PROPOSAL_LIFECYCLE
from .models import Comment, Consultation, Moderation, Proposal, ProposalPhoto, Question, Survey

STAFF_ACTIONS = ("assign", "answer", "progress", "complete")


def _events(events, author_id) -> list:
    """A history for staff: the citizen who wrote the item appears as a masked name."""
    rows = list(events)
    for e in rows:
        e.who = pii.mask_name(e.actor_label) if author_id and e.actor_id == author_id else e.actor_label
    return rows


@pages.STAFF_PROPOSALS.guard
def proposal_queue(request):
    qs = Proposal.objects.restrict(request.user).select_related("category", "department", "region")
    status = request.GET.get("status", "")
    department = request.GET.get("department", "")
    late = bool(request.GET.get("late"))
    if department.isdigit():
        qs = qs.filter(department_id=int(department))
    if late:  # what the evaluation's 超期答复 counts (its drill-down link)
        qs = qs.filter(stats.late_q())
    if status in Proposal.Status.values:
        qs = qs.filter(status=status)
    elif not (request.GET.get("all") or late):
        qs = qs.filter(status__in=(Proposal.Status.QUALIFIED, Proposal.Status.ASSIGNED,
                                   Proposal.Status.ADOPTED, Proposal.Status.PARTLY))
    page = Paginator(qs.order_by("due_at", "-support_count", "-created_at"), 30).get_page(request.GET.get("page"))
    figures = stats.answer_stats(departments=None if scoping.oversees(request.user) or request.user.is_superuser
                                 else list(scoping.department_ids(request.user, Role.HANDLER)))
    return render(request, "participation/staff_proposals.html", {
        "page": page, "status": status, "statuses": Proposal.Status.choices, "figures": figures, "late": late})


def _proposal(request, pk: int) -> Proposal:
    return get_visible_or_404(Proposal.objects.select_related("category", "department", "region", "author"),
                              request.user, pk=pk)


@pages.STAFF_PROPOSALS.guard
def proposal_page(request, pk: int):
    proposal = _proposal(request, pk)
    allowed = [a for a in PROPOSAL_LIFECYCLE.allowed(proposal, request.user, STAFF_ACTIONS)
               if a == "assign" or request.user.is_superuser or scoping.has_role(request.user, Role.ADMIN)
               or proposal.department_id in scoping.department_ids(request.user, Role.HANDLER)]
    return render(request, "participation/staff_proposal.html", {
        "proposal": proposal, "allowed": allowed, "events": _events(proposal.events.all(), proposal.author_id),
        "answer_form": AnswerForm(),
        "author_name": pii.mask_name(proposal.author.display_name or proposal.author.username) if proposal.author else "",
        "departments": Department.objects.order_by("name"), "text": pii.mask_text(proposal.text),
        "author_phone": pii.mask_phone(proposal.author_phone),
        "case": Moderation.objects.filter(item_kind=Moderation.Item.PROPOSAL, item_id=proposal.pk).first(),
        "photos": [reverse("participation:staff_proposal_photo", args=[proposal.pk, ph.pk])
                   for ph in proposal.photos.all()]})


@pages.STAFF_PROPOSALS.guard
@require_POST
def proposal_action(request, pk: int, action: str):
    proposal = _proposal(request, pk)
    if action not in STAFF_ACTIONS:
        raise Http404("no such action")
    post = request.POST
    try:
        if action == "assign":
            department = Department.objects.filter(pk=post.get("department") or 0).first()
            services.assign(proposal, request.user, department, note=post.get("note", ""))
        elif action == "answer":
            services.answer(proposal, request.user, outcome=post.get("outcome", ""), text=post.get("text", ""))
        elif action == "progress":
            services.report_progress(proposal, request.user, post.get("text", ""))
        else:
            services.complete(proposal, request.user, post.get("text", ""))
        messages.success(request, _("已%(action)s") % {"action": PROPOSAL_LIFECYCLE[action].label})
    except (ActionRefused, FieldErrors) as e:
        report_refusal(request, e)
    return redirect("participation:staff_proposal", pk)


@pages.STAFF_PROPOSALS.guard
@require_POST
def proposal_reveal(request, pk: int):
    proposal = _proposal(request, pk)
    try:
        value = reveal(proposal, request.user, "author_phone", request=request)
    except (ActionRefused, FieldErrors) as e:
        report_refusal(request, e)
        return redirect("participation:staff_proposal", pk)
    return HttpResponse(value or "—", content_type="text/plain; charset=utf-8")


@login_required
def proposal_photo(request, pk: int, photo_id: int):
    """A photo for the staff who work on the proposal or moderate it (in review or hidden too)."""
    visible = Proposal.objects.restrict(request.user).filter(pk=pk).exists()
    if not (visible or pages.may_moderate(request.user)):
        raise Http404("not found")
    from .views import photo_response

    return photo_response(get_object_or_404(ProposalPhoto, pk=photo_id, proposal_id=pk))


# ---------------------------------------------------------------- moderation

def _item_photos(case: Moderation) -> list[str]:
    if case.item_kind != Moderation.Item.PROPOSAL:
        return []
    return [reverse("participation:staff_proposal_photo", args=[case.item_id, pk])
            for pk in ProposalPhoto.objects.filter(proposal_id=case.item_id).values_list("pk", flat=True)]


def _item_text(case: Moderation) -> str:
    item = case.item()
    if item is None:
        return ""
    text = f"{item.title}\n{item.text}" if case.item_kind == Moderation.Item.PROPOSAL else item.text
    return pii.mask_text(text)


@pages.MODERATION.guard
def moderation_queue(request):
    show = request.GET.get("show", "queue")
    qs = moderation.queue() if show == "queue" else Moderation.objects.all()
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    rows = [{"case": c, "text": _item_text(c), "link": moderation.link_of(c), "photos": _item_photos(c)} for c in page]
    return render(request, "participation/moderation.html", {"page": page, "rows": rows, "show": show})


@pages.MODERATION.guard
@require_POST
def moderation_action(request, pk: int, action: str):
    case = get_object_or_404(Moderation, pk=pk)
    act = {"approve": moderation.approve, "hide": moderation.hide, "overturn": moderation.overturn,
           "uphold": moderation.uphold}.get(action)
    if act is None:
        raise Http404("no such action")
    try:
        act(case, request.user, request.POST.get("reason", ""), request=request)
        messages.success(request, _("已处理"))
    except (ActionRefused, FieldErrors) as e:
        report_refusal(request, e)
    return redirect(request.POST.get("back") if str(request.POST.get("back", "")).startswith("/participation/")
                    else "participation:moderation")


@pages.MODERATION.guard
def moderation_case(request, pk: int):
    case = get_object_or_404(Moderation, pk=pk)
    return render(request, "participation/moderation_case.html", {
        "case": case, "text": _item_text(case), "events": _events(case.events.all(), case.author_id),
        "photos": _item_photos(case),
        "link": moderation.link_of(case)})


# ---------------------------------------------------------------- consultations and surveys

@pages.STAFF_CONSULTATIONS.guard
def consultation_admin_list(request):
    mine = [c for c in Consultation.objects.select_related("department") if consultations.may_manage(request.user, c)]
    my_surveys = [s for s in Survey.objects.all() if surveys.may_manage(request.user, s)]
    return render(request, "participation/staff_consultations.html", {"rows": mine, "surveys": my_surveys})


def _managed(request, pk: int) -> Consultation:
    c = get_object_or_404(Consultation.objects.select_related("department"), pk=pk)
    if not consultations.may_manage(request.user, c):
        raise Http404("not found")
    return c


def _drafting_departments(user):
    """The departments `user` drafts consultations and surveys for (an administrator: all)."""
    if getattr(user, "is_superuser", False) or scoping.has_role(user, Role.ADMIN):
        return Department.objects.order_by("name")
    return Department.objects.filter(pk__in=scoping.department_ids(user, *consultations.DRAFTERS)).order_by("name")


def _is_admin(user) -> bool:
    return getattr(user, "is_superuser", False) or scoping.has_role(user, Role.ADMIN)


SECTION_FIELDS = ("heading", "text")
QUESTION_FIELDS = ("kind", "text", "options", "scale_max")


def _blank_rows(rows: list[dict], names, n: int) -> list[dict]:
    return rows + [dict.fromkeys(names, "") for _i in range(n)]


def _row_errors(errors: dict, prefix: str) -> dict[int, list[str]]:
    """A service's errors on rows ("questions[2].text") by row, for the page to show beside each."""
    by_row: dict[int, list[str]] = {}
    for key, message in errors.items():
        if key.startswith(f"{prefix}[") and "]" in key:
            index = key[len(prefix) + 1:key.index("]")]
            if index.isdigit():
                by_row.setdefault(int(index), []).append(str(message))
    return by_row


def _consultation_page(request, c: Consultation | None):
    if c is not None and c.status != Consultation.Status.DRAFT:
        messages.error(request, _("已发布的征求意见不能再修改正文"))
        return redirect("participation:staff_consultation", c.pk)
    departments = _drafting_departments(request.user)
    if request.method == "POST":
        form = ConsultationForm(request.POST, departments=departments)
        rows = posted_rows(request.POST, "s", SECTION_FIELDS)
        if "add" in request.POST:
            return _consultation_form(request, c, form, _blank_rows(rows, SECTION_FIELDS, 1), {})
        if form.is_valid():
            d = form.cleaned_data
            values = {"title": d["title"], "department": d["department"], "closes_at": d["closes_at"],
                      "introduction": d["introduction"], "sections": rows}
            publish = "publish" in request.POST
            try:
                if c is None:
                    c = consultations.create(request.user, publish=publish, **values)
                else:
                    c = consultations.update_draft(request.user, c, **values)
                    if publish:
                        c = consultations.publish(request.user, c)
            except FieldErrors as e:
                apply_field_errors(form, e.errors)
            except ActionRefused as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("已公开征求意见") if publish else _("草稿已保存"))
                return redirect("participation:staff_consultation", c.pk)
        return _consultation_form(request, c, form, rows or _blank_rows([], SECTION_FIELDS, 1), {})
    if c is None:
        form = ConsultationForm(departments=departments,
                                initial={"closes_at": timezone.localtime() + dt.timedelta(days=30)})
        rows = _blank_rows([], SECTION_FIELDS, 3)
    else:
        form = ConsultationForm(departments=departments, initial={
            "title": c.title, "department": c.department_id, "introduction": c.introduction,
            "closes_at": timezone.localtime(c.closes_at)})
        rows = [{"heading": s.heading, "text": s.text} for s in c.sections.all()]
    return _consultation_form(request, c, form, rows, {})


def _consultation_form(request, c, form, rows, row_errors):
    return render(request, "participation/staff_consultation_form.html",
                  {"c": c, "form": form, "rows": rows, "row_errors": row_errors})


@pages.STAFF_CONSULTATIONS.guard
def consultation_new(request):
    """起草 a consultation: its fields and sections, kept as a draft or published at once."""
    return _consultation_page(request, None)


@pages.STAFF_CONSULTATIONS.guard
def consultation_edit(request, pk: int):
    """A draft's fields and sections, until it is published."""
    return _consultation_page(request, _managed(request, pk))


@pages.STAFF_CONSULTATIONS.guard
def consultation_admin(request, pk: int):
    c = _managed(request, pk)
    rows = [{"obj": r, "text": pii.mask_text(r.text)}
            for r in consultations.received(c).select_related("section").order_by("section__order", "created_at")]
    return render(request, "participation/staff_consultation.html", {
        "c": c, "rows": rows, "figures": consultations.report_figures(c), "decisions": Comment.Decision.choices[1:]})


@pages.STAFF_CONSULTATIONS.guard
@require_POST
def consultation_action(request, pk: int, action: str):
    c = _managed(request, pk)
    try:
        if action == "publish":
            consultations.publish(request.user, c)
        elif action == "close":
            consultations.close(c, request.user)
        elif action == "decide":
            row = get_object_or_404(Comment, pk=request.POST.get("comment") or 0, section__consultation=c)
            consultations.decide(row, request.user, request.POST.get("decision", ""), request.POST.get("reason", ""))
        elif action == "report":
            consultations.publish_report(c, request.user, request.POST.get("summary", ""))
        else:
            raise Http404("no such action")
        messages.success(request, _("已保存"))
    except (ActionRefused, FieldErrors) as e:
        report_refusal(request, e)
    return redirect("participation:staff_consultation", pk)


def _managed_survey(request, pk: int) -> Survey:
    survey = get_object_or_404(Survey, pk=pk)
    if not surveys.may_manage(request.user, survey):
        raise Http404("not found")
    return survey


def _question_rows(data) -> list[dict]:
    """The posted questions as the service takes them (options one per line)."""
    out = []
    for row in posted_rows(data, "q", QUESTION_FIELDS, checks=("required",)):
        if not any(row[name].strip() for name in ("text", "options")):
            continue  # a blank row the page offered
        out.append({**row, "options": [o for o in row["options"].splitlines() if o.strip()]})
    return out


def _survey_page(request, survey: Survey | None):
    if survey is not None and survey.status != Survey.Status.DRAFT:
        messages.error(request, _("已发布的问卷不能再修改题目"))
        return redirect("participation:staff_consultations")
    departments = _drafting_departments(request.user)
    admin = _is_admin(request.user)
    blank = {"kind": "single", "text": "", "options": "", "scale_max": "5", "required": True}
    if request.method == "POST":
        form = SurveyForm(request.POST, departments=departments, department_required=not admin)
        posted = posted_rows(request.POST, "q", QUESTION_FIELDS, checks=("required",))
        if "add" in request.POST:
            return _survey_form(request, survey, form, [*posted, blank], {})
        questions = _question_rows(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            values = {"title": d["title"], "description": d["description"], "mode": d["mode"],
                      "department": d["department"], "closes_at": d["closes_at"], "questions": questions}
            publish = "publish" in request.POST
            try:
                if survey is None:
                    survey = surveys.create(request.user, publish=publish, **values)
                else:
                    survey = surveys.update_draft(request.user, survey, **values)
                    if publish:
                        survey = surveys.publish(request.user, survey)
            except FieldErrors as e:
                apply_field_errors(form, {k: v for k, v in e.errors.items() if not k.startswith("questions[")})
                by_row = _row_errors(e.errors, "questions")
                return _survey_form(request, survey, form, [{**q, "options": "\n".join(q["options"])}
                                                            for q in questions] or [blank], by_row)
            except ActionRefused as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("问卷已发布") if publish else _("草稿已保存"))
                return redirect("participation:staff_consultations")
        return _survey_form(request, survey, form, [{**q, "options": "\n".join(q["options"])} for q in questions]
                            or [blank], {})
    if survey is None:
        form = SurveyForm(departments=departments, department_required=not admin, initial={
            "mode": Survey.Mode.VERIFIED, "closes_at": timezone.localtime() + dt.timedelta(days=14),
            "department": departments.first().pk if departments.exists() and not admin else None})
        rows = [dict(blank), dict(blank)]
    else:
        form = SurveyForm(departments=departments, department_required=not admin, initial={
            "title": survey.title, "description": survey.description, "mode": survey.mode,
            "department": survey.department_id, "closes_at": timezone.localtime(survey.closes_at)})
        rows = [{"kind": q.kind, "text": q.text, "options": "\n".join(q.options), "scale_max": str(q.scale_max),
                 "required": q.required} for q in survey.questions.all()]
    return _survey_form(request, survey, form, rows, {})


def _survey_form(request, survey, form, rows, row_errors):
    rows = [{**r, "errors": row_errors.get(i, [])} for i, r in enumerate(rows)]
    return render(request, "participation/staff_survey_form.html", {
        "survey": survey, "form": form, "rows": rows, "kinds": Question.Kind.choices,
        "row_errors": bool(row_errors)})


@pages.STAFF_CONSULTATIONS.guard
def survey_new(request):
    """发起 a survey: its questions (single, multiple, scale, text), kept as a draft or published."""
    return _survey_page(request, None)


@pages.STAFF_CONSULTATIONS.guard
def survey_edit(request, pk: int):
    """A draft survey's fields and questions, until it is published."""
    return _survey_page(request, _managed_survey(request, pk))


@pages.STAFF_CONSULTATIONS.guard
@require_POST
def survey_action(request, pk: int, action: str):
    survey = _managed_survey(request, pk)
    try:
        if action == "publish":
            surveys.publish(request.user, survey)
            messages.success(request, _("问卷已发布"))
        elif action == "close":
            surveys.close(request.user, survey)
            messages.success(request, _("问卷已结束"))
        else:
            raise Http404("no such action")
    except (ActionRefused, FieldErrors) as e:
        report_refusal(request, e)
    return redirect("participation:staff_consultations")


@pages.STAFF_CONSULTATIONS.guard
def survey_export(request, pk: int):
    survey = _managed_survey(request, pk)
    response = HttpResponse(surveys.export_xlsx(survey),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}.xlsx"'
    return response
