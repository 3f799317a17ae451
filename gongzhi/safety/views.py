"""Safety pages: incidents, patterns (发案规律), near-repeat warnings, forecasts and patrol plans,
daily bulletins, informants (信息员) and leads. Thin: querysets come through ``restrict()``, changes
go through ``services``/``bulletin``, the maths through ``analysis``. Charts and maps get their data
through ``json_script`` and are drawn by static/js/safety.js (the CSP forbids inline scripts).
"""
from __future__ import annotations

import datetime as dt
from functools import wraps

import numpy as np
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from gongzhi.core import audit
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import apply_field_errors
from gongzhi.core.scoping import get_visible_or_404, has_role

from . import analysis, bulletin as bl, forms, pages, services
from .models import (
    Bulletin, IncidentStatus, Informant, InformantReport, Lead, LeadStatus, PoliceIncident, Premises, ReportStatus,
    type_label,
)

PREMISES_LABELS = dict(Premises.choices)
EVENT_LABELS = {"created": gettext_lazy("录入"), "imported": gettext_lazy("导入"), "updated": gettext_lazy("更正"),
                "status": gettext_lazy("状态变更")}


def _requires(allowed, doc: str):
    """A view decorator: signed in, and `allowed(user)`, else 403."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)
        return wrapped
    decorator.__doc__ = doc
    return decorator


reader_required = _requires(lambda user: services.can_read(user),
                            "Analysts, leaders and admins (in their region scope); everyone else is refused.")
handler_required = _requires(lambda user: services.is_informant_handler(user),
                             "The informant handler role only (sealed identities).")


def _may_edit(user) -> bool:
    return getattr(user, "is_superuser", False) or has_role(user, *services.EDIT_ROLES)


def _errors_to_form(form, exc: FieldErrors) -> None:
    apply_field_errors(form, exc.errors)


def _filtered(request, qs, form_class=forms.IncidentFilter, default_days: int | None = 365):
    """Apply the type/region/status/period filters; the default period ends at the latest
    incident in scope (historic imports would otherwise show an empty 'last year')."""
    form = form_class(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("type"):
        qs = qs.filter(type_id__in=data["type"].descendant_ids())
    if data.get("region"):
        qs = qs.filter(region__path__startswith=data["region"].path)
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    end, start = data.get("end"), data.get("start")
    if default_days is not None and end is None:
        end = qs.aggregate(m=Max("occurred_on"))["m"] or timezone.localdate()
    if default_days is not None and start is None and end is not None:
        start = end - dt.timedelta(days=default_days - 1)
    if start:
        qs = qs.filter(occurred_on__gte=start)
    if end:
        qs = qs.filter(occurred_on__lte=end)
    return form, qs, start, end


# ---------------------------------------------------------------- overview and incidents

@pages.HOME.guard
def home(request):
    qs = PoliceIncident.objects.restrict(request.user)
    latest = qs.aggregate(m=Max("occurred_on"))["m"]
    kpis = {}
    if latest:
        week = qs.filter(occurred_on__gt=latest - dt.timedelta(days=7), occurred_on__lte=latest)
        prev = qs.filter(occurred_on__gt=latest - dt.timedelta(days=14), occurred_on__lte=latest - dt.timedelta(days=7))
        kpis = {"latest": latest, "week": week.count(), "prev": prev.count(),
                "notable": week.filter(type__notable=True).count(),
                "by_type": [{**t, "type__name": type_label(t["type__name"])}
                            for t in week.values("type__name").annotate(n=Count("id")).order_by("-n")[:8]]}
    return render(request, "safety/home.html", {
        "kpis": kpis, "bulletin": Bulletin.objects.restrict(request.user).first(),
        "recent": qs.select_related("type", "region")[:10], "may_edit": _may_edit(request.user)})


@pages.INCIDENTS.guard
def incident_list(request):
    form, qs, start, end = _filtered(request, PoliceIncident.objects.restrict(request.user), default_days=None)
    page = Paginator(qs.select_related("type", "type__parent", "region"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "safety/incident_list.html", {"form": form, "page": page, "query": query.urlencode(),
                                                         "may_edit": _may_edit(request.user)})


@reader_required
def incident_new(request):
    if not _may_edit(request.user):
        raise PermissionDenied
    form = forms.IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            incident = services.create_incident(request.user, type=d["type"], occurred_at=d["occurred_at"], lat=d["lat"],
                                                lon=d["lon"], address=d["address"], premises=d["premises"],
                                                summary=d["summary"], region=d["region"])
        except FieldErrors as exc:
            _errors_to_form(form, exc)
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("警情已录入"))
            return redirect("safety:incident_detail", pk=incident.pk)
    return render(request, "safety/incident_form.html", {"form": form, "title": _("录入警情")})


@reader_required
def incident_detail(request, pk: int):
    incident = get_visible_or_404(PoliceIncident.objects.select_related("type", "region", "grid"), request.user, pk=pk)
    statuses = dict(IncidentStatus.choices)
    events = [{"e": e, "kind": EVENT_LABELS.get(e.kind, e.kind), "from": statuses.get(e.from_status, e.from_status),
               "to": statuses.get(e.to_status, e.to_status)} for e in incident.events.all()]
    return render(request, "safety/incident_detail.html", {
        "incident": incident, "events": events, "status_form": forms.StatusForm(),
        "may_edit": services.can_edit(request.user, incident),
        "point": {"lat": incident.lat, "lon": incident.lon, "label": incident.type.label} if incident.lat is not None else None})


@reader_required
def incident_edit(request, pk: int):
    incident = get_visible_or_404(PoliceIncident.objects.all(), request.user, pk=pk)
    if not services.can_edit(request.user, incident):
        raise PermissionDenied
    initial = {"type": incident.type, "occurred_at": timezone.localtime(incident.occurred_at), "address": incident.address,
               "lat": incident.lat, "lon": incident.lon, "premises": incident.premises, "region": incident.region,
               "summary": incident.summary}
    form = forms.IncidentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k in services.EDITABLE}
        if form.cleaned_data.get("region") is None:
            changes.pop("region", None)
        try:
            services.update_incident(request.user, incident, note=request.POST.get("note", ""), **changes)
        except FieldErrors as exc:
            _errors_to_form(form, exc)
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存"))
            return redirect("safety:incident_detail", pk=incident.pk)
    return render(request, "safety/incident_form.html", {"form": form, "title": _("修改警情"), "incident": incident})


@require_POST
@reader_required
def incident_status(request, pk: int):
    incident = get_visible_or_404(PoliceIncident.objects.all(), request.user, pk=pk)
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(request.user, incident, form.cleaned_data["status"], form.cleaned_data["note"])
            messages.success(request, _("状态已更新"))
        except (ActionRefused, FieldErrors) as exc:
            messages.error(request, "; ".join(exc.errors.values()) if hasattr(exc, "errors") else str(exc))
    else:
        messages.error(request, _("状态无效"))
    return redirect("safety:incident_detail", pk=incident.pk)


# ---------------------------------------------------------------- patterns (发案规律)

def pattern_data(qs, map_cells: int = 400) -> dict:
    """Everything the patterns page draws, from the filtered incidents."""
    rows = list(qs.values_list("occurred_on", "occurred_hour", "type__name", "premises", "lat", "lon"))
    if not rows:
        return {"total": 0}
    dates, hours, types, prem, lats, lons = zip(*rows)
    names = {name: type_label(name) for name in set(types)}  # the built-in types in the reader's language
    types = [names[t] for t in types]
    dates = np.array(dates, dtype="datetime64[D]")  # the analysis fast path (no per-row parsing)
    located = [(a, b) for a, b in zip(lats, lons) if a is not None and b is not None]
    heat = analysis.hour_weekday_matrix(dates, hours, types)
    trend = analysis.monthly_trend(dates, types)
    labels = {code: str(label) for code, label in PREMISES_LABELS.items()}  # translate once, not per row
    premises = analysis.premises_breakdown([labels.get(p, p) for p in prem], types)
    density = analysis.density_grid(*zip(*located), cell_m=250.0) if located else {"cells": [], "cell_m": 250.0}
    hour_totals = [sum(col) for col in zip(*heat["all"])]
    return {"total": len(rows), "located": len(located), "heat": heat, "trend": trend,
            "premises": [{**p, "share": round(p["share"], 4)} for p in premises],
            "density": {"cell_m": density["cell_m"], "cells": density["cells"][:map_cells],
                        "n_cells": len(density["cells"])},
            "peak_hour": max(range(24), key=lambda h: hour_totals[h]),
            "types": [t for t in heat if t != "all"]}


@pages.PATTERNS.guard
def patterns(request):
    form, qs, start, end = _filtered(request, PoliceIncident.objects.restrict(request.user))
    data = pattern_data(qs)
    weekdays = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]
    heat_rows = list(zip(weekdays, data["heat"]["all"])) if data["total"] else []
    return render(request, "safety/patterns.html", {"form": form, "data": data, "start": start, "end": end,
                                                     "heat_rows": heat_rows})


@pages.NEAR_REPEAT.guard
def near_repeat(request):
    rules = getattr(settings, "GONGZHI", {})
    defaults = {"radius_m": int(rules.get("NEAR_REPEAT_RADIUS_M", 200)), "window_days": int(rules.get("NEAR_REPEAT_DAYS", 14))}
    form = forms.NearRepeatForm(request.GET or None, initial=defaults)
    d = form.cleaned_data if form.is_bound and form.is_valid() else {}
    radius = d.get("radius_m") or defaults["radius_m"]
    window = d.get("window_days") or defaults["window_days"]
    qs = PoliceIncident.objects.restrict(request.user).filter(type__near_repeat=True, lat__isnull=False, lon__isnull=False)
    if d.get("region"):
        qs = qs.filter(region__path__startswith=d["region"].path)
    day = d.get("at") or qs.aggregate(m=Max("occurred_on"))["m"] or timezone.localdate()
    at = dt.datetime.combine(day, dt.time(23, 59, 59))
    rows = list(qs.filter(occurred_on__gte=day - dt.timedelta(days=window), occurred_on__lte=day)
                .select_related("type").order_by("occurred_at"))
    flags = []
    if rows:
        times = [timezone.localtime(r.occurred_at).replace(tzinfo=None) for r in rows]
        flags = analysis.near_repeat_areas([r.lat for r in rows], [r.lon for r in rows], times, at, types=None,
                                           trigger_types=None, radius_m=float(radius), window_days=float(window))
        for f in flags:
            r = rows[f["source"]]
            f.update({"id": r.pk, "type": r.type.label, "address": r.address or r.area_name,
                      "time": timezone.localtime(r.occurred_at).strftime("%Y-%m-%d %H:%M"),
                      "until": f["end"][:16].replace("T", " ")})
        flags.sort(key=lambda f: (-f["triggers"], f["end"]))
    return render(request, "safety/near_repeat.html", {"form": form, "flags": flags, "day": day, "radius": radius,
                                                       "window": window})


# ---------------------------------------------------------------- forecast and patrol plan

def _forecast(request):
    form = forms.ForecastForm(request.GET or None)
    d = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = PoliceIncident.objects.restrict(request.user).filter(lat__isnull=False, lon__isnull=False)
    if d.get("type"):
        qs = qs.filter(type_id__in=d["type"].descendant_ids())
    if d.get("region"):
        qs = qs.filter(region__path__startswith=d["region"].path)
    until = d.get("until")
    if until is None:
        latest = qs.aggregate(m=Max("occurred_on"))["m"]
        until = latest + dt.timedelta(days=1) if latest else timezone.localdate()
    history = list(qs.filter(occurred_on__lt=until, occurred_on__gte=until - dt.timedelta(days=bl.HISTORY_DAYS))
                   .values_list("lat", "lon", "occurred_on", "occurred_hour"))
    cells = []
    past = {"hours": [], "lats": [], "lons": []}
    if history:
        lats, lons, dates, hours = zip(*history)
        cells = analysis.forecast_hotspots(lats, lons, dates, until.isoformat(), days=7)
        past = {"hours": list(hours), "lats": list(lats), "lons": list(lons)}
    return form, until, cells, past, d.get("cells") or 50


def _patrol(request, cells, past):
    """The roster; each cell's own hour profile (from the incidents in and near it) spreads its
    expectation over the day."""
    pform = forms.PatrolForm(request.GET if "units" in request.GET else None)
    plan = None
    if pform.is_bound and pform.is_valid() and cells:
        p = pform.cleaned_data
        plan = analysis.patrol_plan_from_forecast(cells, past["hours"], p["units"], p["shifts"], p["windows"],
                                                  lats=past["lats"], lons=past["lons"])
        for r in plan["roster"]:
            r["expected"] = round(r["expected"], 3)
    return pform, plan


@pages.FORECAST.guard
def forecast(request):
    form, until, cells, past, n = _forecast(request)
    pform, plan = _patrol(request, cells, past)
    shown = cells[:n]
    week_total = sum(c["score"] for c in cells)
    return render(request, "safety/forecast.html", {
        "form": form, "pform": pform, "until": until, "to": until + dt.timedelta(days=6), "cells": shown,
        "map_data": {"cells": shown, "roster": plan["roster"] if plan else []}, "plan": plan,
        "share": round(sum(c["score"] for c in shown) / week_total, 3) if week_total else 0,
        "query": request.GET.urlencode()})


@reader_required
def roster_print(request):
    form, until, cells, past, n = _forecast(request)
    pform, plan = _patrol(request, cells, past)
    if plan is None:
        raise Http404("no patrol plan")
    return render(request, "safety/roster_print.html", {"plan": plan, "until": until, "pform": pform,
                                                        "printed_at": timezone.localtime()})


# ---------------------------------------------------------------- bulletins (日通报)

def _bulletin_or_404(request, day: str) -> Bulletin:
    try:
        when = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404("bad date") from None
    return get_visible_or_404(Bulletin.objects.all(), request.user, day=when)


@pages.BULLETINS.guard
def bulletin_list(request):
    visible = Bulletin.objects.restrict(request.user)
    form = forms.BulletinForm(request.POST or None, initial={"day": bl.yesterday()})
    may_generate = _may_edit(request.user) and Bulletin.scope_q(request.user) is not None
    if request.method == "POST":
        if not may_generate:
            raise PermissionDenied
        if form.is_valid():
            b = bl.generate_bulletin(form.cleaned_data["day"], actor=request.user,
                                     regenerate=form.cleaned_data["regenerate"])
            messages.success(request, _("通报已生成"))
            return redirect("safety:bulletin_detail", day=b.day.isoformat())
    page = Paginator(visible.defer("data"), 30).get_page(request.GET.get("page"))
    return render(request, "safety/bulletin_list.html", {"page": page, "form": form, "may_generate": may_generate})


BULLETIN_FLAGS = {"up": gettext_lazy("显著上升"), "down": gettext_lazy("显著下降")}


bulletin_headline = bl.headline  # in the reader's language


def bulletin_for_reader(data: dict) -> dict:
    """The stored bulletin's labels (total row, significance, premises, status) in the reader's
    language; the built-in incident types too (models.type_label), names an administrator gave stay as stored."""
    def flagged(row):
        named = {"name": type_label(row["name"])} if row.get("name") else {}
        return {**row, **named, "flag_label": str(BULLETIN_FLAGS.get(row.get("flag"), row.get("flag_label", "")))}

    out = {**data, "rows": [flagged(r) for r in data.get("rows", [])],
           "notable": [{**n, "premises": _(n["premises"]) if n.get("premises") else "",
                        "type": type_label(n["type"]) if n.get("type") else "",
                        "status": _(n["status"]) if n.get("status") else ""} for n in data.get("notable", [])]}
    if "total" in data:
        out["total"] = {**flagged(data["total"]), "name": _("合计")}
    return out


@reader_required
def bulletin_detail(request, day: str):
    b = _bulletin_or_404(request, day)
    data = bulletin_for_reader(b.data)
    return render(request, "safety/bulletin_detail.html", {
        "bulletin": b, "data": data, "headline": bulletin_headline(b.data),
        "map_data": {"cells": data.get("hotspots", {}).get("cells", []),
                     "points": [n for n in data.get("notable", []) if n.get("lat") is not None]},
        "may_send": _may_edit(request.user)})


@reader_required
def bulletin_docx(request, day: str):
    b = _bulletin_or_404(request, day)
    audit.record(request.user, "safety.bulletin_download", b, request=request)
    response = HttpResponse(bl.render_docx(b),
                            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="{bl.docx_name(b)}"'
    return response


@require_POST
@reader_required
def bulletin_send(request, day: str):
    b = _bulletin_or_404(request, day)
    if not _may_edit(request.user):
        raise PermissionDenied
    result = bl.send_bulletin(b)
    messages.success(request, _("已发送：站内通知 %(n)d 人，邮件 %(m)d 封") % {"n": result["notified"], "m": result["mailed"]})
    return redirect("safety:bulletin_detail", day=b.day.isoformat())


# ---------------------------------------------------------------- informants (信息员)

@sensitive_post_parameters("name", "phone", "contact")  # kept out of error reports
@pages.INFORMANTS.guard
def informants(request):
    form = forms.InformantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            inf = services.register_informant(request.user, name=d["name"], phone=d["phone"], contact=d["contact"],
                                              region=d["region"])
        except FieldErrors as exc:
            _errors_to_form(form, exc)
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记信息员 %(alias)s") % {"alias": inf.alias})
            return redirect("safety:informant_detail", pk=inf.pk)
    people = [(i, services.masked_identity(i)) for i in Informant.objects.restrict(request.user).annotate(n=Count("reports"))]
    reports = InformantReport.objects.restrict(request.user).select_related("informant").filter(status=ReportStatus.NEW)[:50]
    return render(request, "safety/informants.html", {"form": form, "people": people, "reports": reports})


@handler_required
def informant_detail(request, pk: int):
    inf = get_visible_or_404(Informant.objects.all(), request.user, pk=pk)
    revealed = None
    code = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "reveal":
                revealed = services.reveal_informant(request.user, inf, request=request)
            elif action == "code":
                code = services.issue_code(request.user, inf)
        except ActionRefused as exc:
            messages.error(request, str(exc))
    else:
        audit.record(request.user, "informant.view", inf, request=request, alias=inf.alias)
    rform = forms.ReportForm()
    response = render(request, "safety/informant_detail.html", {
        "informant": inf, "masked": services.masked_identity(inf), "revealed": revealed, "code": code,
        "reports": inf.reports.all()[:50], "rform": rform})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@handler_required
def informant_report(request, pk: int):
    inf = get_visible_or_404(Informant.objects.all(), request.user, pk=pk)
    form = forms.ReportForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            report = services.record_report(request.user, inf, content=d["content"], address=d["address"], lat=d["lat"],
                                            lon=d["lon"], occurred_at=d["occurred_at"])
        except (FieldErrors, ActionRefused) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已记录"))
            return redirect("safety:report_detail", pk=report.pk)
    else:
        messages.error(request, _("请填写情况"))
    return redirect("safety:informant_detail", pk=inf.pk)


@handler_required
def report_detail(request, pk: int):
    report = get_visible_or_404(InformantReport.objects.select_related("informant", "incident"), request.user, pk=pk)
    form = forms.ConvertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["action"] == "incident":
                incident = services.report_to_incident(request.user, report, type=d["type"],
                                                       premises=d["premises"] or Premises.UNKNOWN, note=d["note"])
                messages.success(request, _("已立为警情 #%(n)d") % {"n": incident.pk})
            elif d["action"] == "lead":
                services.report_to_lead(request.user, report, type=d["type"], note=d["note"])
                messages.success(request, _("已转为线索"))
            else:
                services.dismiss_report(request.user, report, d["note"])
                messages.success(request, _("已标记为不予采用"))
        except FieldErrors as exc:
            _errors_to_form(form, exc)
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("safety:report_detail", pk=report.pk)
    return render(request, "safety/report_detail.html", {"report": report, "form": form})


@sensitive_post_parameters("code")
def submit(request):
    """The discreet channel: no login, a one-time code from the handler. The page says nothing
    about which codes exist and keeps no trace of the informant beyond the report."""
    form = forms.CodeReportForm(request.POST or None)
    done = False
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.submit_with_code(d["code"], content=d["content"], address=d["address"], lat=d["lat"],
                                      lon=d["lon"], occurred_at=d["occurred_at"], request=request)
        except FieldErrors as exc:
            _errors_to_form(form, exc)
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            done = True
            form = forms.CodeReportForm()
    response = render(request, "safety/submit.html", {"form": form, "done": done})
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@pages.LEADS.guard
def leads(request):
    qs = Lead.objects.restrict(request.user).select_related("type", "region")
    if request.method == "POST":
        lead = get_visible_or_404(Lead.objects.all(), request.user, pk=request.POST.get("lead") or 0)
        try:
            services.set_lead_status(request.user, lead, request.POST.get("status", ""), request.POST.get("note", ""))
            messages.success(request, _("线索状态已更新"))
        except (ActionRefused, FieldErrors) as exc:
            messages.error(request, str(exc))
        return redirect("safety:leads")
    return render(request, "safety/leads.html", {"page": Paginator(qs, 50).get_page(request.GET.get("page")),
                                                 "statuses": LeadStatus.choices})
