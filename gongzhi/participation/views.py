"""The public pages of participation: proposals (browse, filter, sort, map, submit, support, the
answer and the history), consultations (the draft by section, comments, the feedback report),
surveys (answer, results), phone verification, and an author's appeal against moderation.

What people wrote is shown as the public may read it (core.publication.public_text: phone, ID and
house numbers, names and hidden words scrubbed); a proposer or commenter appears as a masked name,
or as 匿名; supporters are only counted. Thin: changes go through the services."""
from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core import pii, publication
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import apply_field_errors, report_refusal

from . import consultations, moderation, pages, services, surveys, verification
from .forms import CodeForm, CommentForm, PhoneForm, ProposalForm
from .models import (Comment, Consultation, ConsultationSection, Moderation, Proposal, ProposalCategory, ProposalPhoto,
                     Survey)
from .verification import Voter

SESSION_KEY = "participation_phone_key"
SORTS = {"support": ("-support_count", "-created_at"), "recent": ("-created_at",)}


def voter_of(request) -> Voter:
    if request.user.is_authenticated:
        return Voter(user=request.user)
    return Voter(phone_key=request.session.get(SESSION_KEY, ""))


def author_label(item) -> str:
    """How the public sees who wrote it: never more than a masked name."""
    if item.anonymous or not item.author_id:
        return _("匿名")
    return pii.mask_name(item.author.display_name or item.author.username)


def public_proposal(p: Proposal) -> dict:
    return {"obj": p, "title": publication.public_text(p.title), "text": publication.public_text(p.text),
            "place": publication.public_text(p.place), "author": author_label(p),
            "lat": publication.public_coordinate(p.lat), "lon": publication.public_coordinate(p.lon)}


def _public_proposals():
    return Proposal.objects.filter(moderation.public_q()).select_related("category", "department", "author")


@pages.PROPOSALS.guard
def proposal_list(request):
    qs = _public_proposals()
    chosen = {"category": request.GET.get("category", ""), "status": request.GET.get("status", ""),
              "sort": request.GET.get("sort", "support") if request.GET.get("sort") in SORTS else "support",
              "q": request.GET.get("q", "").strip()[:50]}
    if chosen["category"]:
        qs = qs.filter(category__code=chosen["category"])
    if chosen["status"] in Proposal.Status.values:
        qs = qs.filter(status=chosen["status"])
    if chosen["q"]:
        qs = qs.filter(Q(title__icontains=chosen["q"]) | Q(text__icontains=chosen["q"]))
    qs = qs.order_by(*SORTS[chosen["sort"]])
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    rows = [public_proposal(p) for p in page]
    points = [{"id": r["obj"].pk, "title": r["title"], "lat": r["lat"], "lon": r["lon"],
               "url": reverse("participation:proposal_detail", args=[r["obj"].pk])}
              for r in (public_proposal(p) for p in qs.filter(lat__isnull=False)[:300])]
    query = "&".join(f"{k}={v}" for k, v in chosen.items() if v)
    return render(request, "participation/proposal_list.html", {
        "page": page, "rows": rows, "chosen": chosen, "query": query, "points_json": json.dumps(points, ensure_ascii=False),
        "categories": ProposalCategory.objects.filter(active=True), "statuses": Proposal.Status.choices,
        "consultations": Consultation.objects.filter(status=Consultation.Status.OPEN)[:3],
        "surveys": Survey.objects.filter(status=Survey.Status.OPEN)[:3]})


def _visible_proposal(request, pk: int) -> Proposal:
    """A public proposal, or the proposer's own (they see it while it waits for review)."""
    proposal = get_object_or_404(Proposal.objects.select_related("category", "department", "author"), pk=pk)
    mine = request.user.is_authenticated and proposal.author_id == request.user.pk
    if not (mine or moderation.is_public(proposal)):
        raise Http404("not found")
    return proposal


def proposal_detail(request, pk: int):
    proposal = _visible_proposal(request, pk)
    voter = voter_of(request)
    supported = False
    if voter.verified:
        who = {"user": voter.account} if voter.account else {"phone_key": voter.phone_key}
        supported = proposal.supports.filter(active=True, **who).exists()
    case = Moderation.objects.filter(item_kind=Moderation.Item.PROPOSAL, item_id=proposal.pk).first()
    mine = request.user.is_authenticated and proposal.author_id == request.user.pk
    events = [{"at": e.created_at, "label": EVENT_LABELS.get(e.kind, e.kind), "note": publication.public_text(e.note)
               if e.kind in ("answer", "progress", "complete") else ""}
              for e in proposal.events.filter(public=True)]
    return render(request, "participation/proposal_detail.html", {
        "p": public_proposal(proposal), "proposal": proposal, "events": events, "voter": voter, "supported": supported,
        "photos": list(proposal.photos.all()),
        "public": moderation.is_public(proposal), "mine": mine, "case": case if mine else None,
        "threshold": proposal.category.support_threshold(),
        "may_support": proposal.status in services.LIFECYCLE["support"].sources and not mine})


EVENT_LABELS = {"submitted": gettext_lazy("提交建议"), "threshold": gettext_lazy("达到支持数"),
                "assign": gettext_lazy("交办答复部门"), "answer": gettext_lazy("部门答复"),
                "progress": gettext_lazy("落实进展"), "complete": gettext_lazy("落实完成"),
                "overdue": gettext_lazy("答复超期"), "opened": gettext_lazy("公开征求意见"),
                "closed": gettext_lazy("征求意见截止"), "reported": gettext_lazy("公布意见采纳情况")}


def proposal_new(request):
    voter = voter_of(request)
    if not voter.verified:
        return redirect(f"{reverse('participation:verify')}?next={request.get_full_path()}")
    form = ProposalForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            proposal = services.submit(voter, title=d["title"], text=d["text"], category=d["category"],
                                       place=d["place"], lat=d["lat"], lon=d["lon"],
                                       photos=request.FILES.getlist("photos"),
                                       anonymous=d["anonymous"], phone=request.session.get("participation_phone", ""))
        except FieldErrors as e:
            apply_field_errors(form, e.errors)
        else:
            messages.success(request, _("建议已提交，编号 %(number)s。审核通过后公开，其他人可以支持。") % {
                "number": proposal.number})
            if voter.account:
                return redirect("participation:proposal_detail", proposal.pk)
            return redirect("participation:proposal_list")
    return render(request, "participation/proposal_form.html", {"form": form})


@require_POST
def proposal_support(request, pk: int):
    proposal = _visible_proposal(request, pk)
    voter = voter_of(request)
    if not voter.verified:
        return redirect(f"{reverse('participation:verify')}?next={reverse('participation:proposal_detail', args=[pk])}")
    try:
        if request.POST.get("withdraw"):
            services.withdraw_support(proposal, voter)
            messages.success(request, _("已撤回支持"))
        else:
            services.support(proposal, voter)
            messages.success(request, _("感谢您的支持"))
    except (ActionRefused, FieldErrors) as e:
        report_refusal(request, e)
    return redirect("participation:proposal_detail", pk)


def photo_response(photo: ProposalPhoto) -> FileResponse:
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"  # hidden with its proposal: not kept by shared caches
    return response


def proposal_photo(request, pk: int, photo_id: int):
    """A photo, shown exactly when its proposal is (to the public, or to the proposer while in review)."""
    proposal = _visible_proposal(request, pk)
    return photo_response(get_object_or_404(ProposalPhoto, pk=photo_id, proposal=proposal))


def verify(request):
    """Confirm a phone number with a one-time SMS code; the session then counts as that person."""
    next_url = request.POST.get("next") or request.GET.get("next") or reverse("participation:proposal_list")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = reverse("participation:proposal_list")
    phone_form, code_form = PhoneForm(), None
    if request.method == "POST" and "code" in request.POST:
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            try:
                voter = verification.confirm(code_form.cleaned_data["phone"], code_form.cleaned_data["code"])
            except FieldErrors as e:
                apply_field_errors(code_form, e.errors)
            else:
                request.session[SESSION_KEY] = voter.phone_key
                request.session["participation_phone"] = verification.normalise(code_form.cleaned_data["phone"])
                messages.success(request, _("手机号码已验证"))
                return redirect(next_url)
    elif request.method == "POST":
        phone_form = PhoneForm(request.POST)
        if phone_form.is_valid():
            try:
                verification.send_code(phone_form.cleaned_data["phone"], language=get_language() or "zh-hans")
            except FieldErrors as e:
                apply_field_errors(phone_form, e.errors)
            else:
                code_form = CodeForm(initial={"phone": phone_form.cleaned_data["phone"]})
    return render(request, "participation/verify.html", {"phone_form": phone_form, "code_form": code_form,
                                                          "next": next_url})


@require_POST
def moderation_appeal(request, pk: int):
    if not request.user.is_authenticated:
        raise Http404("not found")
    case = get_object_or_404(Moderation, pk=pk, author=request.user)
    try:
        moderation.appeal(case, request.user, request.POST.get("appeal_text", ""), request=request)
        messages.success(request, _("申诉已提交，将由其他工作人员复核"))
    except (ActionRefused, FieldErrors) as e:
        report_refusal(request, e)
    return redirect(moderation.link_of(case) or "participation:proposal_list")


# ---------------------------------------------------------------- consultations

@pages.CONSULTATIONS.guard
def consultation_list(request):
    rows = Consultation.objects.exclude(status=Consultation.Status.DRAFT).select_related("department")
    return render(request, "participation/consultation_list.html", {"rows": rows})


def _public_comment(c: Comment) -> dict:
    return {"obj": c, "text": publication.public_text(c.text), "author": author_label(c)}


def consultation_detail(request, pk: int):
    consultation = get_object_or_404(Consultation.objects.select_related("department")
                                     .exclude(status=Consultation.Status.DRAFT), pk=pk)
    voter = voter_of(request)
    now = timezone.now()
    shown = Comment.objects.filter(section__consultation=consultation).filter(moderation.public_q(now))
    mine = Comment.objects.none()
    if request.user.is_authenticated:
        mine = Comment.objects.filter(section__consultation=consultation, author=request.user)
    by_section: dict[int, list] = {}
    for c in (shown | mine).distinct().select_related("author").order_by("created_at", "id"):
        by_section.setdefault(c.section_id, []).append(_public_comment(c))
    sections = [{"obj": s, "comments": [c for c in by_section.get(s.pk, []) if not c["obj"].parent_id],
                 "replies": by_section.get(s.pk, [])} for s in consultation.sections.all()]
    report = consultations.report_figures(consultation) if consultation.status == Consultation.Status.REPORTED else None
    decided = []
    if report:
        # The report lists every received comment (a hidden one is not received) with its decision:
        # the drafters read each one when they decided on it.
        decided = [_public_comment(c) for c in consultations.received(consultation).exclude(decision="")
                   .select_related("author")]
    return render(request, "participation/consultation_detail.html", {
        "c": consultation, "sections": sections, "voter": voter, "form": CommentForm(), "report": report,
        "decided": decided, "open": consultation.status == Consultation.Status.OPEN and consultation.closes_at > now})


@require_POST
def consultation_comment(request, pk: int, section_id: int):
    section = get_object_or_404(ConsultationSection.objects.select_related("consultation"), pk=section_id,
                                consultation_id=pk)
    voter = voter_of(request)
    if not voter.verified:
        return redirect(f"{reverse('participation:verify')}?next={reverse('participation:consultation_detail', args=[pk])}")
    form = CommentForm(request.POST)
    parent = Comment.objects.filter(pk=request.POST.get("parent") or 0, section=section).first()
    if form.is_valid():
        try:
            consultations.comment(section, voter, form.cleaned_data["text"], parent=parent,
                                  anonymous=form.cleaned_data["anonymous"])
            messages.success(request, _("意见已提交，审核后公开"))
        except (ActionRefused, FieldErrors) as e:
            report_refusal(request, e)
    else:
        messages.error(request, _("请填写意见"))
    return redirect(f"{reverse('participation:consultation_detail', args=[pk])}#section-{section.pk}")


# ---------------------------------------------------------------- surveys

@pages.SURVEYS.guard
def survey_list(request):
    rows = Survey.objects.exclude(status=Survey.Status.DRAFT)
    return render(request, "participation/survey_list.html", {"rows": rows})


def survey_detail(request, pk: int):
    survey = get_object_or_404(Survey.objects.exclude(status=Survey.Status.DRAFT), pk=pk)
    voter = voter_of(request)
    errors = {}
    answered_key = f"participation_survey_{survey.pk}"
    if request.method == "POST":
        if survey.mode == Survey.Mode.VERIFIED and not voter.verified:
            return redirect(f"{reverse('participation:verify')}?next={request.path}")
        values = {}
        for q in survey.questions.all():
            key = f"q{q.pk}"
            values[key] = request.POST.getlist(key) if q.kind == "multiple" else request.POST.get(key, "")
        try:
            surveys.answer(survey, voter, values)
        except FieldErrors as e:
            errors = e.errors
            if "voter" in errors:
                report_refusal(request, e)
        except ActionRefused as e:
            report_refusal(request, e)
        else:
            request.session[answered_key] = True
            messages.success(request, _("感谢您的参与"))
            return redirect("participation:survey_results", survey.pk)
    closed = survey.status != Survey.Status.OPEN or survey.closes_at <= timezone.now()
    questions = [{"obj": q, "error": errors.get(f"q{q.pk}", ""), "scale": range(1, q.scale_max + 1),
                  "chosen": request.POST.getlist(f"q{q.pk}") if request.method == "POST" else []}
                 for q in survey.questions.all()]
    return render(request, "participation/survey_detail.html", {
        "survey": survey, "questions": questions, "closed": closed, "voter": voter,
        "answered": request.session.get(answered_key)})


def survey_results(request, pk: int):
    survey = get_object_or_404(Survey.objects.exclude(status=Survey.Status.DRAFT), pk=pk)
    items = surveys.results(survey)
    for item in items:
        item["pairs"] = list(zip(item.get("labels", []), item.get("counts", [])))
    charts = [{"id": i["id"], "labels": i["labels"], "counts": i["counts"]} for i in items if "labels" in i]
    return render(request, "participation/survey_results.html", {
        "survey": survey, "items": items, "charts_json": json.dumps(charts, ensure_ascii=False)})
