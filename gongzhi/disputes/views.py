"""Staff pages of disputes (矛盾纠纷): the list and board, the case page with its actions, the
report form and the conversion of an appeal. Thin: rows come through ``restrict()`` (out of scope
is a 404), changes go through ``services``; a refusal is shown on the page and changes nothing."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.appeals.models import Appeal
from gongzhi.core import pii
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import report_refusal
from gongzhi.core.models import Grid, Region, User
from gongzhi.core.reveal import reveal
from gongzhi.core.scoping import get_visible_or_404

from . import care, map_data, pages, services, stats
from .lifecycle import DISPUTE_LIFECYCLE
from .models import Dispute, DisputeKind, DisputeParty, MediationCommittee, RiskLevel
from .petition_models import Petition

FILTERS = ("risk_level", "kind", "status", "due_state", "source")


def _dispute(request, pk: int) -> Dispute:
    return get_visible_or_404(Dispute.objects.select_related("kind", "region", "grid", "mediator", "committee",
                                                             "appeal", "alert"), request.user, pk=pk)


def _int(value):
    return int(value) if str(value or "").isdigit() else None


@pages.DISPUTES.guard
def dispute_list(request):
    qs = Dispute.objects.restrict(request.user).select_related("kind", "region", "mediator")
    chosen = {f: request.GET.get(f, "") for f in FILTERS}
    for field, value in chosen.items():
        if value:
            qs = qs.filter(**({"kind__code": value} if field == "kind" else {field: value}))
    region = Region.objects.filter(pk=_int(request.GET.get("region"))).first()
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    grid = Grid.objects.filter(pk=_int(request.GET.get("grid"))).first()
    if grid is not None:  # the map's drill-down: a grid's disputes
        qs = qs.filter(grid=grid)
    board = {(row["risk_level"], row["status"]): row["n"]
             for row in qs.values("risk_level", "status").annotate(n=Count("id"))}
    board_rows = [{"level": level, "label": label, "cells": [board.get((level, s), 0) for s in Dispute.Status.values]}
                  for level, label in RiskLevel.choices]
    by_kind = [{"kind__name": stats.kind_label(row["kind__code"], row["kind__name"]), "n": row["n"]}
               for row in qs.values("kind__name", "kind__code").annotate(n=Count("id")).order_by("-n")[:12]]
    results = {"region": stats.mediation_results(qs, "region"), "kind": stats.mediation_results(qs, "kind")}
    order = request.GET.get("order") or "due"
    qs = qs.order_by("due_at", "-reported_at") if order == "due" else qs.order_by("-reported_at")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in {**chosen, "region": region.pk if region else "",
                                               "grid": grid.pk if grid else ""}.items() if v)
    return render(request, "disputes/dispute_list.html", {
        "page": page, "chosen": chosen, "region": region, "query": query, "board_rows": board_rows,
        "statuses": Dispute.Status.choices, "by_kind": by_kind, "kinds": DisputeKind.objects.filter(active=True),
        "risk_levels": RiskLevel.choices, "sources": Dispute.Source.choices, "results": results,
        "regions": Region.objects.exclude(level=Region.Level.CITY), "grid": grid, "may_report": pages.may_report(request.user)})


@pages.MAP.guard
def dispute_map(request):
    """Open disputes per grid (coloured by the worst risk) and, what has only a community, at the
    community's centre, with open petitions for whom may see them; filtered by risk and kind."""
    disputes = Dispute.objects.restrict(request.user).filter(status__in=map_data.OPEN_DISPUTE)
    chosen = {"risk_level": request.GET.get("risk_level", ""), "kind": request.GET.get("kind", "")}
    if chosen["risk_level"]:
        disputes = disputes.filter(risk_level=chosen["risk_level"])
    if chosen["kind"]:
        disputes = disputes.filter(kind__code=chosen["kind"])
    show_petitions = pages.PETITIONS.permits(request.user) and not any(chosen.values())
    petitions = Petition.objects.restrict(request.user).filter(status__in=map_data.OPEN_PETITION)
    data = map_data.build(disputes, petitions, show_petitions=show_petitions)
    return render(request, "disputes/map.html", {
        "map_data": data, "chosen": chosen, "risk_levels": RiskLevel.choices,
        "kinds": DisputeKind.objects.filter(active=True), "show_petitions": show_petitions,
        "unplaced": [c for c in data["communities"] if c["lat"] is None]})


def _parties_from(post) -> list[dict]:
    rows = []
    for i in range(1, 5):
        name = post.get(f"party{i}_name", "").strip()
        if name:
            rows.append({"name": name, "kind": post.get(f"party{i}_kind") or "person",
                         "side": "applicant" if i == 1 else "respondent", "phone": post.get(f"party{i}_phone", ""),
                         "id_number": post.get(f"party{i}_id_number", ""), "address": post.get(f"party{i}_address", "")})
    return rows


@pages.REPORT.guard
def dispute_new(request):
    errors, values = {}, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        post = request.POST
        try:
            dispute = services.report(
                actor=request.user, title=post.get("title", ""), facts=post.get("facts", ""),
                kind=DisputeKind.objects.filter(pk=_int(post.get("kind"))).first(),
                region=Region.objects.filter(pk=_int(post.get("region"))).first(),
                grid=Grid.objects.filter(pk=_int(post.get("grid"))).first(), place=post.get("place", ""),
                people_involved=post.get("people_involved") or 2, amount=post.get("amount") or None,
                source=post.get("source") or Dispute.Source.WALK_IN, parties=_parties_from(post))
        except FieldErrors as exc:
            errors = exc.errors
        else:
            messages.success(request, _("纠纷已登记：%(number)s") % {"number": dispute.number})
            return redirect("disputes:dispute_detail", dispute.pk)
    return render(request, "disputes/dispute_form.html", {
        "errors": errors, "values": values, "kinds": DisputeKind.objects.filter(active=True),
        "grids": Grid.objects.select_related("community"), "sources": Dispute.Source.choices,
        "regions": Region.objects.filter(level=Region.Level.COMMUNITY)}, status=422 if errors else 200)


@pages.DISPUTES.guard
def dispute_detail(request, pk: int):
    dispute = _dispute(request, pk)
    parties = [{"party": p, "fields": [{"field": f, "label": label, "masked": _masked(f, getattr(p, f)),
                                        "empty": not getattr(p, f)} for f, label in DisputeParty.PROTECTED_FIELDS.items()]}
               for p in dispute.parties.all()]
    return render(request, "disputes/dispute_detail.html", {
        "dispute": dispute, **care.section(dispute, request.user, reverse("disputes:dispute_care", args=[dispute.pk])), "parties": parties, "may_reveal": dispute.may_reveal(request.user),
        "allowed": set(DISPUTE_LIFECYCLE.allowed(dispute, request.user)), "events": dispute.events.all(),
        "sessions": dispute.sessions.all(), "referrals": dispute.referrals.all(), "visits": dispute.visits.all(),
        "petitions": dispute.petitions.restrict(request.user), "risk_levels": RiskLevel.choices,
        "mediators": User.objects.filter(roles__role="mediator", is_active=True).distinct(),
        "committees": MediationCommittee.objects.all(), "referral_kinds": services.Referral.Kind.choices,
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})


def _masked(field: str, value: str) -> str:
    return {"name": pii.mask_name, "phone": pii.mask_phone, "id_number": pii.mask_id_number,
            "address": pii.mask_address}[field](value)


def _when(value: str) -> dt.datetime | None:
    parsed = parse_datetime(value or "")
    if parsed is None:
        raise FieldErrors({"held_at": _("请填写调解时间")})
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _user(value):
    return User.objects.filter(pk=_int(value), is_active=True).first()


ACTIONS = {
    "assign": lambda r, d: services.assign(d, r.user, mediator=_user(r.POST.get("mediator")),
                                           committee=MediationCommittee.objects.filter(
                                               pk=_int(r.POST.get("committee"))).first()),
    "accept": lambda r, d: services.accept(d, r.user),
    "session": lambda r, d: services.record_session(
        d, r.user, held_at=_when(r.POST.get("held_at")), place=r.POST.get("place", ""),
        participants=r.POST.get("participants", ""), record=r.POST.get("record", "")),
    "settle": lambda r, d: services.settle(d, r.user, outcome=r.POST.get("outcome", ""),
                                           terms=r.POST.get("terms", ""), performance=r.POST.get("performance", "")),
    "fail": lambda r, d: services.fail(d, r.user, outcome=r.POST.get("outcome", "")),
    "upload_signed": lambda r, d: services.upload_signed(d, r.user, r.FILES.get("signed_scan")),
    "follow_up": lambda r, d: services.follow_up(d, r.user, kept=r.POST.get("kept") == "yes",
                                                 note=r.POST.get("note", "")),
    "refer": lambda r, d: services.refer(d, r.user, kind=r.POST.get("kind", ""), body=r.POST.get("body", ""),
                                         note=r.POST.get("note", "")),
    "referral_result": lambda r, d: services.referral_result(d, r.user, result=r.POST.get("result", "")),
    "close": lambda r, d: services.close(d, r.user, note=r.POST.get("note", "")),
    "override_risk": lambda r, d: services.override_risk(d, r.user, level=r.POST.get("level", ""),
                                                         reason=r.POST.get("reason", "")),
}


@require_POST
@pages.DISPUTES.guard
def dispute_action(request, pk: int, action: str):
    dispute = _dispute(request, pk)
    if action not in ACTIONS:
        raise Http404("no such action")
    try:
        ACTIONS[action](request, dispute)
    except (FieldErrors, ActionRefused) as exc:
        report_refusal(request, exc)
    else:
        messages.success(request, _("已完成：%(action)s") % {"action": DISPUTE_LIFECYCLE[action].label})
    return redirect("disputes:dispute_detail", dispute.pk)


@pages.DISPUTES.guard
def agreement_docx(request, pk: int):
    dispute = _dispute(request, pk)
    try:
        data = services.agreement_document(dispute, request.user, request=request)
    except ActionRefused as exc:
        messages.error(request, str(exc))
        return redirect("disputes:dispute_detail", dispute.pk)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="agreement-{dispute.number}.docx"'
    return response


@require_POST
@pages.DISPUTES.guard
def reveal_party(request, pk: int, party_id: int, field: str):
    dispute = _dispute(request, pk)
    party = dispute.parties.filter(pk=party_id).first()
    if party is None:
        raise Http404("no such party")
    try:
        value = reveal(party, request.user, field, request=request)
    except (ActionRefused, FieldErrors) as exc:
        return HttpResponse(format_html('<span class="alert">{}</span>', str(exc)), status=403)
    return HttpResponse(format_html('<span id="{}" class="pii revealed">{}</span>', f"party-{party.pk}-{field}", value))


@require_POST
@pages.REPORT.guard
def from_appeal(request, appeal_id: int):
    """转为矛盾纠纷: the appeal's appellant is the applicant; the other party is named on the form."""
    appeal = get_visible_or_404(Appeal.objects.select_related("region", "grid"), request.user, pk=appeal_id)
    parties = [{"name": appeal.appellant_name or _("匿名诉求人"), "phone": appeal.appellant_phone,
                "id_number": appeal.appellant_id_number},
               {"name": request.POST.get("respondent", "").strip(), "side": "respondent"}]
    try:
        dispute = services.from_appeal(appeal, request.user, parties=parties,
                                       kind=DisputeKind.objects.filter(pk=_int(request.POST.get("kind"))).first())
    except (FieldErrors, ActionRefused) as exc:
        report_refusal(request, exc)
        return redirect("staff:appeal_detail", appeal.pk)
    messages.success(request, _("已转为矛盾纠纷：%(number)s") % {"number": dispute.number})
    return redirect("disputes:dispute_detail", dispute.pk)

