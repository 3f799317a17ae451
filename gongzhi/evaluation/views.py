"""Pages of the evaluation app: dashboards, rankings, KPI panels with drill-down, reports,
follow-up, exclusions, public statistics and the open-data download page."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext
from django.utils.html import escape
from django.views.decorators.cache import cache_page, never_cache
from django.views.decorators.http import require_POST

from gongzhi.appeals.models import Appeal, Satisfaction
from gongzhi.core import dashboards, pii, scoping
from gongzhi.core.reveal import reveal
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.models import Department, Grid, Role

from . import kpis, opendata, pages, periods, reports, services
from .models import EvaluationScheme, Exclusion, FollowUpCall, KpiRollup

OVERSIGHT_ROLES = scoping.OVERSIGHT_ROLES
KIND_LABELS = reports.KIND_LABELS
PERIOD_LABELS = {"month": gettext_lazy("当月"), "quarter": gettext_lazy("所在季度"), "year": gettext_lazy("所在年度")}
COUNTER_LABELS = {
    "appeals": gettext_lazy("受理诉求"), "dispatched": gettext_lazy("已派单"), "ack_on_time": gettext_lazy("按时签收"),
    "ack_late": gettext_lazy("未按时签收"), "replied": gettext_lazy("已答复"), "replied_on_time": gettext_lazy("按时答复"),
    "replied_late": gettext_lazy("超时答复"), "rated": gettext_lazy("已评价"), "satisfied": gettext_lazy("满意"),
    "basic": gettext_lazy("基本满意"), "dissatisfied": gettext_lazy("不满意"), "resolved": gettext_lazy("已解决"),
    "unresolved": gettext_lazy("未解决"), "returned": gettext_lazy("有退单"), "repeated": gettext_lazy("有重复诉求"),
    "reopened": gettext_lazy("有重办"), "closed": gettext_lazy("已办结"), "open": gettext_lazy("办理中"),
    "excluded": gettext_lazy("已剔除考评"), "today": gettext_lazy("今日受理"), "overdue": gettext_lazy("已超期"),
    "due_soon": gettext_lazy("即将到期"), "awaiting_ack": gettext_lazy("待签收"),
    "answered_at_intake": gettext_lazy("受理时直接答复"),
}
# The messages evaluation.services raises (in Chinese): marked here so the catalogue has them and
# _refusal() can show them in the reader's language.
SERVICE_MESSAGES = (
    gettext_noop("请填写剔除理由（至少4个字）"), gettext_noop("只有督办员可以剔除考评"),
    gettext_noop("该诉求不在您的管辖范围内"), gettext_noop("该诉求已剔除考评"),
    gettext_noop("只有督办员可以撤销剔除"), gettext_noop("请选择回访结果"), gettext_noop("您的角色无权执行此操作"),
)
THREE = ("response_rate", "resolution_rate", "satisfaction_rate")


# ---------------------------------------------------------------- access

def _oversight(user) -> bool:
    return scoping.oversees(user)


def _require_oversight(user):
    if not _oversight(user):
        raise Http404("not found")


def _may_see_unit(user, kind: str, unit_id: int) -> bool:
    if _oversight(user):
        return True
    return kind == "department" and unit_id in scoping.department_ids(user, Role.HANDLER, Role.LEADER, Role.SUPERVISOR)


# ---------------------------------------------------------------- helpers

def _refusal(exc: Exception) -> str:
    """A refused action's message in the reader's language (FieldErrors joined field by field)."""
    def tr(message: str) -> str:
        return _(message) if message else message  # gettext("") would return the catalogue's header

    errors = getattr(exc, "errors", None)
    if errors:
        return _("；").join(tr(str(v)) for v in errors.values())
    return tr(str(exc))


def _month_label(m: dt.date) -> str:
    return f"{m.year}-{m.month:02d}"


def _cell(v, percent: bool, counts: bool) -> str:
    if v is None:
        return "—"
    if percent:
        return f"{v:.1f}%"
    return _("%(n)s件") % {"n": f"{v:g}"} if counts else f"{v:g}"


def chart(chart_id: str, title: str, kind: str, categories: list, series: list[dict], *, percent: bool = False,
          counts: bool = False, partial: int | None = None) -> dict:
    """One chart's spec for evaluation.js, with the same numbers as table rows for <details class=sr-table>.
    `counts`: the values are numbers of appeals (the table says so in the reader's language);
    `partial`: the position of a month still running, drawn shaded and labelled, not as a fall."""
    rows = []
    for i, c in enumerate(categories):
        cells = []
        for s in series:
            v = s["data"][i] if i < len(s["data"]) else None
            cells.append(_cell(v, percent, counts))
        rows.append({"label": c, "cells": cells})
    return {"id": chart_id, "title": title, "type": kind, "categories": categories, "series": series,
            "percent": percent, "headers": [s["name"] for s in series], "rows": rows,
            "partial": partial, "partial_label": _("未完结") if partial is not None else ""}


def _pct(v):
    return None if v is None else round(v * 100, 1)


def drill_url(kind: str, unit_id, month: dt.date, counter: str = "appeals", period: str = "month") -> str:
    q = {"kind": kind, "month": _month_label(month), "counter": counter, "period": period}
    if unit_id is not None:
        q["unit"] = unit_id
    return reverse("evaluation:drill") + "?" + urlencode(q)


def kpi_panel(kind: str, unit_id: int, months: list[dt.date], scheme: EvaluationScheme | None = None,
              period: str = "month") -> tuple[list[dict], dict, dict]:
    """The KPI rows of one unit: value, numerator and denominator, each linking to its appeals."""
    scheme = scheme or services.default_scheme(kind if kind in kpis.RANKED_KINDS else "department")
    counts = services.unit_counts(kind, unit_id, months)
    values = kpis.kpis(counts, scheme.satisfaction_weights())
    m = months[0]
    uid = None if kind == "city" else unit_id

    def link(counter):
        return drill_url(kind, uid, m, counter, period)

    rows = []
    for name, (num, den, better) in kpis.RATES.items():
        row = {"name": name, "label": reports.kpi_label(name), "value": values[name], "better": better,
               "den": counts.get(den, 0), "den_url": link(den)}
        if name == "satisfaction_rate":
            row["num_parts"] = [(_("满意"), counts["satisfied"], link("satisfied")),
                                (_("基本满意"), counts["basic"], link("basic"))]
            row["num"] = counts["satisfied"] + counts["basic"]
            row["num_url"] = None
        else:
            row["num"], row["num_url"] = counts.get(num, 0), link(num)
        rows.append(row)
    rows.append({"name": "mean_days", "label": reports.kpi_label("mean_days"), "days": values["mean_days"],
                 "den": counts["replied"], "den_url": link("replied")})
    rows.append({"name": "p90_days", "label": reports.kpi_label("p90_days"), "days": values["p90_days"],
                 "den": counts["replied"], "den_url": link("replied")})
    if kind != "department":  # answered at intake (直接答复): no department takes part
        rows.append({"name": "intake_answer_rate", "label": reports.kpi_label("intake_answer_rate"),
                     "value": values["intake_answer_rate"], "better": True,
                     "num": counts.get("answered_at_intake", 0), "num_url": link("answered_at_intake"),
                     "den": counts.get("appeals", 0), "den_url": link("appeals")})
    return rows, counts, values


def _period_args(request):
    return periods.period_args(request)


# ---------------------------------------------------------------- leader dashboard

def _leader_context(request):
    """The dashboard of the reader's jurisdiction: the whole city for a district leader, one subdistrict's
    figures for that subdistrict's supervisor (the drill-downs are scoped the same way by restrict())."""
    now = timezone.now()
    where = services.jurisdiction_of(request.user)
    this, _period, _months = periods.period_args(request)  # the month shown: the last complete one by default
    last = services.add_months(this, -1)
    current = services.month_start()
    first = services.add_months(max(this, current), -11)
    series = services.jurisdiction_series(where, first, max(this, current))
    if last < first:  # an older month asked for: its own figures beside the last twelve months' trend
        series = {**services.jurisdiction_series(where, last, this), **series}
    vals = {m: kpis.kpis(c) for m, c in series.items()}
    months = [m for m in series if m >= first]
    labels, partial = periods.series_labels(months)
    three = []
    for name in THREE:
        num, den = kpis.RATES[name][:2]
        counts = series[this]
        three.append({"label": reports.kpi_label(name), "now": vals[this][name], "before": vals[last][name],
                      "num": (counts.get("satisfied", 0) + counts.get("basic", 0)) if num is None else counts.get(num, 0),
                      "den": counts.get(den, 0), "before_den": series[last].get(den, 0),
                      "delta": (None if vals[this][name] is None or vals[last][name] is None
                                else vals[this][name] - vals[last][name]),
                      "url": drill_url("city", None, this, den)})
    trend = chart("trend", _("近12个月三率趋势"), "line", labels,
                  [{"name": reports.kpi_label(n), "data": [_pct(vals[m][n]) for m in months]} for n in THREE],
                  percent=True, partial=partial)
    volume = chart("volume", _("近12个月诉求量"), "bar", labels,
                   [{"name": _("受理量"), "data": [vals[m]["appeals"] for m in months]}], counts=True, partial=partial)
    cat_counts = services.jurisdiction_categories(where, this)
    cat_names = services.unit_names("category", cat_counts)
    cats = sorted(((cat_names.get(uid, f"#{uid}"), n) for uid, n in cat_counts.items()), key=lambda x: -x[1])
    categories = chart("categories", _("分类构成（%(month)s）") % {"month": _month_label(this)}, "pie",
                       [c[0] for c in cats], [{"name": _("诉求量"), "data": [c[1] for c in cats]}], counts=True)
    grid_counts = {r.unit_id: r.appeals for r in KpiRollup.objects.filter(kind="grid", month=this)}
    grids = [{"name": g.name, "count": grid_counts.get(g.pk, 0), "polygon": g.polygon,
              "url": drill_url("grid", g.pk, this),
              "tip": ngettext("%(name)s：%(count)s 件", "%(name)s：%(count)s 件", grid_counts.get(g.pk, 0))
              % {"name": g.name, "count": grid_counts.get(g.pk, 0)}}
             for g in services.jurisdiction_grids(where)]
    ranking = services.jurisdiction_ranking(where, this)
    best, worst = kpis.top_and_bottom(ranking["rows"], 10)
    hot = _hot_issues(where)
    return {
        "where": where, "worst_kind": ranking["kind"],
        "health": services.jurisdiction_health(where, now=now), "three": three, "this_month": this, "last_month": last,
        "charts": [trend, volume, categories], "grids": grids,
        "grid_table": sorted(grids, key=lambda g: -g["count"]),
        "best": best, "worst": worst, "ranked_lists": _ranked_lists(ranking["kind"], this, best, worst), "unranked": sum(1 for r in ranking["rows"] if r.too_few),
        "min_cases": services.ranking_minimum(), "hot": hot, "now": now, "this_label": _month_label(this),
        "period_note": periods.period_note(request, this, "month"),
    }


def _ranked_lists(kind: str, month: dt.date, best, worst) -> list[tuple[str, list]]:
    """The leader's best and worst units of the month (kpis.top_and_bottom: never one unit in both)."""
    label = {"month": _month_label(month)}
    if kind == "community":
        return [(_("排名靠前的社区（%(month)s）") % label, best), (_("排名靠后的社区（%(month)s）") % label, worst)]
    return [(_("排名靠前的部门（%(month)s）") % label, best), (_("排名靠后的部门（%(month)s）") % label, worst)]


def _hot_issues(where: services.Jurisdiction):
    try:
        from gongzhi.triage.models import HotIssue
    except ImportError:  # triage not installed: no hot-issue layer
        return []
    try:
        issues = HotIssue.objects.filter(state="active")
        if not where.whole_city:
            issues = issues.filter(where.region_q())
        return list(issues.select_related("region").order_by("-heat")[:10])
    except Exception:  # table missing in a half-migrated install
        return []


def _hot_markers(hot) -> list[dict]:
    """Hot issues placed at the centre of their community's grids (they carry a region, not a point)."""
    region_ids = {h.region_id for h in hot if h.region_id}
    centres: dict[int, tuple] = {}
    for g in Grid.objects.filter(community_id__in=region_ids):
        centres.setdefault(g.community_id, ((g.min_lat + g.max_lat) / 2, (g.min_lon + g.max_lon) / 2))
    return [{"title": h.title, "size": h.size, "lat": centres[h.region_id][0], "lon": centres[h.region_id][1],
             "tip": ngettext("热点：%(title)s（%(size)s 件）", "热点：%(title)s（%(size)s 件）", h.size)
             % {"title": h.title, "size": h.size}}
            for h in hot if h.region_id in centres]


@pages.LEADER.guard
def leader(request):
    ctx = _leader_context(request)
    ctx["map_data"] = {"grids": ctx["grids"], "hot": _hot_markers(ctx["hot"])}
    ctx["chart_data"] = ctx["charts"]
    ctx["panels"] = dashboards.panels_for(request.user)  # other apps' figures (disputes' mediation …)
    return render(request, "evaluation/leader.html", ctx)


@login_required
def leader_live(request):
    """htmx fragment: the live queue tiles, refreshed every minute."""
    _require_oversight(request.user)
    where = services.jurisdiction_of(request.user)
    return render(request, "evaluation/_health.html", {"health": services.jurisdiction_health(where),
                                                       "now": timezone.now()})


# ---------------------------------------------------------------- department dashboard

@pages.MY_DEPARTMENT.guard
def my_department(request):
    own = sorted(scoping.department_ids(request.user, Role.HANDLER, Role.LEADER, Role.SUPERVISOR))
    return redirect("evaluation:department", pk=own[0])


@login_required
def department(request, pk: int):
    if not _may_see_unit(request.user, "department", pk):
        raise Http404("not found")
    dept = Department.objects.filter(pk=pk).first()
    if dept is None:
        raise Http404("not found")
    month, period, months = _period_args(request)
    rows, counts, values = kpi_panel("department", pk, months, period=period)
    first = services.add_months(month, -5)
    series = services.monthly_series("department", pk, first, month)
    vals = {m: kpis.kpis(c) for m, c in series.items()}
    labels, partial = periods.series_labels(list(series))
    trend = chart("dept-trend", _("近6个月指标"), "line", labels,
                  [{"name": reports.kpi_label(n), "data": [_pct(vals[m][n]) for m in series]}
                   for n in ("response_rate", "on_time_rate", "resolution_rate", "satisfaction_rate")], percent=True,
                  partial=partial)
    now = timezone.now()
    queue = (Appeal.objects.restrict(request.user).filter(lead_department=dept, status__in=["dispatched", "handling"])
             .order_by("due_at")[:20])
    ranking = services.ranking("department", month, period=period)
    position = next((r for r in ranking["rows"] if r.unit_id == pk), None)
    return render(request, "evaluation/department.html", {
        "dept": dept, "rows": rows, "counts": counts, "values": values, "month": month, "period": period,
        "health": services.queue_health(dept, now=now), "chart_data": [trend], "charts": [trend], "queue": queue,
        "position": position, "ranked": len([r for r in ranking["rows"] if r.rank]), "now": now,
        "others": services.unit_indicators("department", pk, months),
        "month_label": _month_label(month), "period_note": periods.period_note(request, month, period),
        "report_url": reverse("evaluation:report", args=["department", pk]) + f"?month={_month_label(month)}",
    })


# ---------------------------------------------------------------- rankings and unit panels

def _indicator_cell(indicator, figure, kind: str, unit_id: int, months) -> dict:
    """One ranking cell of another app's figure (core.indicators): a rate with its cases, or a count."""
    since, until = services.period_bounds(months)
    value = figure.value if figure is not None else (None if indicator.rate else 0)
    return {"rate": indicator.rate, "value": value, "cases": figure.cases if figure is not None else 0,
            "url": indicator.link(kind, unit_id, since, until) if indicator.link else ""}


@pages.RANKINGS.guard
def rankings(request):
    month, period, _months = _period_args(request)
    kind = request.GET.get("kind", "department")
    if kind not in kpis.RANKED_KINDS:
        kind = "department"
    scheme = None
    if request.GET.get("scheme"):
        scheme = EvaluationScheme.objects.filter(pk=request.GET["scheme"]).first()
        if scheme is not None:
            kind, period = scheme.scope_kind, scheme.period
    result = services.ranking(kind, month, scheme, period)
    for r in result["rows"]:
        r.url = reverse("evaluation:unit", args=[kind, r.unit_id]) + f"?month={_month_label(month)}&period={period}"
        r.drill = drill_url(kind, r.unit_id, month, "appeals", period)
        r.cells = [(r.values[n], r.values.get(den) or 0) for n, (_num, den, _better) in kpis.RATES.items()]
        r.other_cells = [_indicator_cell(i, r.indicators.get(i.key), kind, r.unit_id, result["months"])
                         for i in result["indicators"]]
    ranked = [r for r in result["rows"] if r.rank is not None][:30]
    score_chart = chart("ranking-scores", _("综合得分"), "hbar", [r.name for r in ranked],
                        [{"name": _("得分"), "data": [r.score for r in ranked]}])
    return render(request, "evaluation/rankings.html", {
        **result, "scheme_name": reports.scheme_name(result["scheme"]), "month": month,
        "month_label": _month_label(month), "kind_label": KIND_LABELS[kind],
        "kinds": [(k, KIND_LABELS[k]) for k in kpis.RANKED_KINDS], "schemes": EvaluationScheme.objects.filter(active=True),
        "kpi_names": [(n, reports.kpi_label(n)) for n in kpis.RATES], "charts": [score_chart], "chart_data": [score_chart],
        "min_cases": services.ranking_minimum(), "period_note": periods.period_note(request, month, period),
    })


@login_required
def unit(request, kind: str, pk: int):
    if kind not in kpis.UNIT_KINDS or not _may_see_unit(request.user, kind, pk):
        raise Http404("not found")
    month, period, months = _period_args(request)
    names = services.unit_names(kind, [pk])
    if kind != "city" and pk not in names:
        raise Http404("not found")
    rows, counts, values = kpi_panel(kind, pk, months, period=period)
    return render(request, "evaluation/unit.html", {
        "kind": kind, "kind_label": KIND_LABELS[kind], "pk": pk, "name": _("全市") if kind == "city" else names[pk], "rows": rows,
        "counts": counts, "month": month, "month_label": _month_label(month), "period": period,
        "period_note": periods.period_note(request, month, period),
        "excluded_url": drill_url(kind, None if kind == "city" else pk, month, "excluded", period),
        "report_url": reverse("evaluation:report", args=[kind, pk]) + f"?month={_month_label(month)}",
    })


@login_required
def drill(request):
    """The appeals behind any number: same filters as the fact that produced it, scoped by restrict()."""
    kind = request.GET.get("kind", "city")
    if kind not in kpis.UNIT_KINDS:
        raise Http404("not found")
    month, period, months = _period_args(request)
    counter = request.GET.get("counter", "appeals")
    if counter not in services.DRILL_COUNTERS:
        counter = "appeals"
    try:
        unit_id = int(request.GET["unit"]) if request.GET.get("unit") else None
    except ValueError:
        raise Http404("not found") from None
    if kind != "city" and unit_id is None:
        raise Http404("not found")
    live = request.GET.get("live")
    if live in services.LIVE_COUNTERS:
        base = Appeal.objects.restrict(request.user)
        if kind == "department" and unit_id is not None:
            base = base.filter(lead_department_id=unit_id)
        qs = services.live_querysets(base)[live].select_related("category", "lead_department").order_by("-received_at", "-id")
        counter = live
    else:
        qs = services.drill_queryset(request.user, kind, unit_id, months, counter)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    name = (_("全市") if kind == "city"
            else services.unit_names(kind, [unit_id]).get(unit_id) or f"#{unit_id}")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "evaluation/drill.html", {
        "page": page, "kind_label": KIND_LABELS[kind], "name": name, "month_label": _month_label(month),
        "period": period, "period_label": PERIOD_LABELS[period],
        "counter_label": COUNTER_LABELS.get(counter, counter), "query": query.urlencode(),
    })


# ---------------------------------------------------------------- reports

def _report_allowed(request, kind, pk):
    if kind not in kpis.UNIT_KINDS or not _may_see_unit(request.user, kind, pk):
        raise Http404("not found")


@login_required
def report(request, kind: str, pk: int):
    _report_allowed(request, kind, pk)
    month = services.parse_month(request.GET.get("month"))
    data = reports.monthly_report(kind, pk, month)
    if data is None:
        raise Http404("not found")
    charts = [chart("report-trend", _("近6个月三率"), "line", data["trend_labels"],
                    [{"name": reports.kpi_label(n), "data": [_pct(v) for v in data["trend"][n]]} for n in THREE],
                    percent=True),
              chart("report-volume", _("近6个月诉求量"), "bar", data["trend_labels"],
                    [{"name": _("受理量"), "data": data["trend"]["appeals"]}], counts=True)]
    return render(request, "evaluation/report.html", {
        **data, "charts": charts, "chart_data": charts, "kind_label": KIND_LABELS[kind],
        "docx_url": reverse("evaluation:report_docx", args=[kind, pk]) + f"?month={_month_label(month)}",
    })


@login_required
def report_docx(request, kind: str, pk: int):
    _report_allowed(request, kind, pk)
    month = services.parse_month(request.GET.get("month"))
    data = reports.monthly_report(kind, pk, month)
    if data is None:
        raise Http404("not found")
    blob = reports.docx_bytes(data)
    response = HttpResponse(blob, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="report-{kind}-{pk}-{_month_label(month)}.docx"'
    return response


# ---------------------------------------------------------------- follow-up

@pages.FOLLOW_UP.guard
def follow_up(request):
    user = request.user
    if request.method == "POST":
        appeal = scoping.get_visible_or_404(Appeal.objects.all(), user, pk=request.POST.get("appeal"))
        resolved = {"yes": True, "no": False}.get(request.POST.get("resolved", ""))
        try:
            services.record_call(appeal, user, request.POST.get("outcome", ""),
                                 satisfaction=request.POST.get("satisfaction", ""), resolved=resolved,
                                 note=request.POST.get("note", ""))
        except (FieldErrors, ActionRefused) as exc:
            messages.error(request, _refusal(exc))
        else:
            messages.success(request, _("已记录 %(number)s 的电话回访") % {"number": appeal.tracking_number})
        return redirect("evaluation:follow_up")
    link = services.rating_link(request)
    page = Paginator(services.awaiting_follow_up(user).prefetch_related("replies"), 30).get_page(request.GET.get("page"))
    for a in page.object_list:
        a.sms = services.sms_text(a, link)
        a.calls = list(FollowUpCall.objects.filter(appeal=a)[:3])
        a.phone_masked = "" if a.anonymous else pii.mask_phone(a.appellant_phone)
        a.phone_revealable = bool(a.phone_masked) and a.may_reveal(user)
        replies = list(a.replies.all())
        a.last_reply = replies[-1] if replies else None
    return render(request, "evaluation/follow_up.html", {
        "page": page, "satisfactions": Satisfaction.choices, "outcomes": FollowUpCall.Outcome.choices,
    })


@never_cache
@require_POST
@pages.FOLLOW_UP.guard
def follow_up_phone(request, pk: int):
    """The phone number to call back, in full, through the audited reveal (core.reveal)."""
    appeal = scoping.get_visible_or_404(Appeal.objects.all(), request.user, pk=pk)
    try:
        value = reveal(appeal, request.user, "appellant_phone", request=request)
    except ActionRefused as exc:
        return HttpResponse(f'<span class="error">{escape(exc)}</span>', status=403)
    return render(request, "evaluation/_revealed_phone.html", {"value": value})


# ---------------------------------------------------------------- exclusions

@pages.EXCLUSIONS.guard
def exclusions(request):
    user = request.user
    if request.method == "POST":
        try:
            if request.POST.get("revoke"):
                exclusion = Exclusion.objects.filter(pk=request.POST["revoke"]).first()
                if exclusion is None:
                    raise Http404("not found")
                scoping.get_visible_or_404(Appeal.objects.all(), user, pk=exclusion.appeal_id)
                services.revoke_exclusion(exclusion, user, request=request)
                messages.success(request, _("已撤销剔除"))
            else:
                number = (request.POST.get("tracking_number") or "").strip().upper()
                appeal = Appeal.objects.restrict(user).filter(tracking_number=number).first()
                if appeal is None:
                    raise FieldErrors({"tracking_number": _("未找到该受理编号")})
                services.exclude(appeal, user, request.POST.get("reason", ""), request=request)
                messages.success(request, _("%(number)s 已剔除考评") % {"number": appeal.tracking_number})
        except (FieldErrors, ActionRefused) as exc:
            messages.error(request, _refusal(exc))
        return redirect("evaluation:exclusions")
    rows = (Exclusion.objects.filter(appeal__in=Appeal.objects.restrict(user))
            .select_related("appeal", "decided_by")[:200])
    return render(request, "evaluation/exclusions.html", {"rows": rows})


# ---------------------------------------------------------------- openness (no login)

@cache_page(300)
def public_stats(request):
    this = services.month_start()
    first = services.add_months(this, -11)
    series = services.monthly_series("city", 0, first, this)
    months = list(series)
    labels, partial = periods.series_labels(months)
    year = [m for m in months]
    cat_counts = services.units_counts("category", year)
    cat_names = services.unit_names("category", cat_counts)
    cats = sorted(((cat_names.get(u, "#"), c["appeals"]) for u, c in cat_counts.items()), key=lambda x: -x[1])
    sub_counts = services.units_counts("subdistrict", year)
    sub_names = services.unit_names("subdistrict", sub_counts)
    subs = sorted(((sub_names.get(u, "#"), c["appeals"]) for u, c in sub_counts.items()), key=lambda x: -x[1])
    dept_counts = services.units_counts("department", year)
    dept_names = services.unit_names("department", dept_counts)
    depts = []
    for uid, c in dept_counts.items():
        v = kpis.kpis(c)
        depts.append({"name": dept_names.get(uid, "#"), "appeals": c["appeals"], **{n: v[n] for n in THREE},
                      "mean_days": v["mean_days"]})
    depts.sort(key=lambda d: -d["appeals"])
    total = kpis.sum_counts(series.values())
    overall = kpis.kpis(total)
    charts = [
        chart("pub-volume", _("各月诉求量"), "bar", labels,
              [{"name": _("受理量"), "data": [series[m]["appeals"] for m in months]}], counts=True, partial=partial),
        chart("pub-categories", _("诉求分类"), "pie", [c[0] for c in cats],
              [{"name": _("诉求量"), "data": [c[1] for c in cats]}], counts=True),
        chart("pub-regions", _("各街道诉求量"), "hbar", [s[0] for s in subs],
              [{"name": _("诉求量"), "data": [s[1] for s in subs]}], counts=True),
        chart("pub-departments", _("各部门三率"), "bar", [d["name"] for d in depts[:15]],
              [{"name": reports.kpi_label(n), "data": [_pct(d[n]) for d in depts[:15]]} for n in THREE], percent=True),
        chart("pub-days", _("各月平均办理时长"), "line", labels,
              [{"name": reports.kpi_label("mean_days"),
                "data": [None if (d := kpis.kpis(series[m])["mean_days"]) is None else round(d, 2) for m in months]}],
              partial=partial),
    ]
    return render(request, "evaluation/public.html", {
        "charts": charts, "chart_data": charts, "depts": depts, "overall": overall, "first": first, "this": this,
        "first_label": _month_label(first), "this_label": _month_label(this),
    })


def opendata_page(request):
    return render(request, "evaluation/opendata.html", {"files": opendata.available(), "fields": opendata.FIELDS})


def opendata_file(request, name: str):
    folder = opendata.default_dir()
    allowed = {f["name"] for f in opendata.available(folder)}
    if name not in allowed:
        raise Http404("not found")
    kind = "text/csv; charset=utf-8" if name.endswith(".csv") else "application/json; charset=utf-8"
    return FileResponse(open(folder / name, "rb"), content_type=kind, as_attachment=True, filename=name)
