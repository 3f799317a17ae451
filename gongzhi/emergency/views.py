"""The emergency pages: incidents and their command board (refreshed by htmx every 2 s), plan
coverage, supplies and teams, sensors. Thin: every change is a service call."""
from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import confirmations
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import report_refusal
from gongzhi.core.models import Region
from gongzhi.core.scoping import get_visible_or_404

from . import coverage, labels, pages, services, supplies
from .lifecycle import INCIDENT_LIFECYCLE
from .models import (Category, DeadLetter, Device, Incident, IncidentTask, Item, Level, Plan, PublicWarning,
                     Stock, SupplyRequest, Team, Unit, Warehouse)

BOARD_POLL_SECONDS = 2  # every open board sees a change within 5 s


def _incident(request, pk: int) -> Incident:
    return get_visible_or_404(Incident.objects.select_related("region", "grid", "plan", "plan_type"), request.user, pk=pk)


@pages.INCIDENTS.guard
def incident_list(request):
    incidents = Incident.objects.restrict(request.user).select_related("region").distinct()[:200]
    return render(request, "emergency/incident_list.html", {
        "incidents": incidents, "may_report": pages.REPORT.permits(request.user),
        "warnings": PublicWarning.objects.filter(cancelled=False, expires_at__gt=timezone.now())[:20]})


@pages.REPORT.guard
def incident_new(request):
    from .models import PlanType

    regions = Region.objects.all()
    values = {"level": Level.IV, "category": Category.ACCIDENT}
    if request.method == "POST":
        values = request.POST.dict()
        region = Region.objects.filter(pk=values.get("region") or 0).first() if values.get(
            "region", "").isdigit() else None
        plan_type = PlanType.objects.filter(pk=int(values["plan_type"])).first() if values.get(
            "plan_type", "").isdigit() else None
        try:
            if values.get("plan_type") and plan_type is None:
                raise FieldErrors({"plan_type": _("请选择事件类型")})
            incident = services.report(
                request.user, title=values.get("title", ""), category=values.get("category", ""),
                level=values.get("level", ""), region=region, place=values.get("place", ""),
                lat=values.get("lat"), lon=values.get("lon"), people_affected=values.get("people_affected") or 0,
                description=values.get("description", ""), plan_type=plan_type)
        except (FieldErrors, ActionRefused) as exc:
            report_refusal(request, exc)
        else:
            return redirect("emergency:incident_detail", pk=incident.pk)
    return render(request, "emergency/incident_new.html", {
        "regions": regions, "categories": Category.choices, "levels": Level.choices, "values": values,
        "plan_types": PlanType.objects.all()})


def _board(request, incident: Incident) -> dict:
    user = request.user
    ref = services.ref(incident)
    tasks = list(incident.tasks.select_related("department"))
    return {
        "incident": incident, "tasks": tasks,
        "events": [(e, labels.event_line(e)) for e in incident.events.order_by("-created_at", "-id")[:50]],
        "confirmations": confirmations.status_of(ref),
        "waiting": confirmations.waiting_for(ref, user),
        "deployments": list(incident.deployments.select_related("team")),
        "requests": list(incident.supply_requests.select_related("item", "warehouse")),
        "statements": list(incident.statements.select_related("released_by")),
        "warnings": list(incident.warnings.all()),
        "updatable": {t.pk for t in tasks if services.may_update_task(t, user)},
        "task_statuses": IncidentTask.Status.choices,
        "allowed": set(INCIDENT_LIFECYCLE.allowed(incident, user)),
        "poll": BOARD_POLL_SECONDS,
    }


@pages.INCIDENTS.guard
def incident_detail(request, pk: int):
    incident = _incident(request, pk)
    context = _board(request, incident)
    allowed = context["allowed"]
    context.update({
        "plans": services.plans_for(incident, request.user) if "activate" in allowed else [],
        "today": timezone.localdate(),
        "teams": list(Team.objects.all()) if "deploy" in allowed else [],
        "items": list(Item.objects.all()) if "request_supplies" in allowed else [],
        "warehouses": list(Warehouse.objects.all()) if "request_supplies" in allowed else [],
        "levels": Level.choices, "severities": PublicWarning.Severity.choices,
        "map": {"lat": incident.lat, "lon": incident.lon, "title": incident.title,
                "warehouses": [{"name": w.name, "lat": w.lat, "lon": w.lon} for w in Warehouse.objects.all()
                               if w.lat is not None],
                "devices": [{"name": d.name, "lat": d.lat, "lon": d.lon, "online": d.online}
                            for d in Device.objects.filter(region__path__startswith=incident.region.path)
                            if d.lat is not None]},
    })
    return render(request, "emergency/board.html", context)


@pages.INCIDENTS.guard
def incident_board(request, pk: int):
    """The board's live part, which htmx fetches every BOARD_POLL_SECONDS."""
    incident = _incident(request, pk)
    return render(request, "emergency/_board.html", _board(request, incident))


def _obj(model, pk):
    found = model.objects.filter(pk=int(pk)).first() if str(pk or "").isdigit() else None
    if found is None:
        raise FieldErrors({model._meta.model_name: _("请选择")})
    return found


@pages.INCIDENTS.guard
@require_POST
def incident_action(request, pk: int, action: str):
    incident = _incident(request, pk)
    post, user = request.POST, request.user
    try:
        if action == "activate":
            services.activate(incident, _obj(Plan, post.get("plan")), user)
        elif action == "set_level":
            services.set_level(incident, user, post.get("level", ""))
        elif action == "statement":
            services.add_statement(incident, user, post.get("channel", ""), post.get("text", ""))
        elif action == "warn":
            services.issue_warning(incident, user, headline=post.get("headline", ""),
                                   description=post.get("description", ""), area=post.get("area", ""),
                                   severity=post.get("severity", ""), instruction=post.get("instruction", ""),
                                   hours=int(hours) if (hours := post.get("hours") or "24").isdigit() else 0)
        elif action == "deploy":
            services.deploy(incident, user, _obj(Team, post.get("team")))
        elif action == "request_supplies":
            supplies.request(incident, _obj(Item, post.get("item")), post.get("quantity"), user)
        elif action == "dispatch":
            supply = SupplyRequest.objects.filter(pk=_obj(SupplyRequest, post.get("request")).pk, incident=incident).first()
            if supply is None:
                raise FieldErrors({"request": _("请选择物资申请")})
            supplies.dispatch(supply, _obj(Warehouse, post.get("warehouse")), user)
        elif action == "close":
            services.close(incident, user, post.get("review", ""))
        elif action == "confirm":
            confirmations.confirm_pending(services.ref(incident), user)
        else:
            raise Http404
    except (FieldErrors, ActionRefused) as exc:
        report_refusal(request, exc)
    return redirect("emergency:incident_detail", pk=incident.pk)


@pages.INCIDENTS.guard
@require_POST
def task_update(request, pk: int):
    task = IncidentTask.objects.select_related("incident").filter(pk=pk).first()
    if task is None:
        raise Http404
    incident = _incident(request, task.incident_id)
    try:
        services.update_task(task, request.user, request.POST.get("status", ""), request.POST.get("note", ""))
    except (FieldErrors, ActionRefused) as exc:
        report_refusal(request, exc)
    if request.headers.get("HX-Request"):
        return render(request, "emergency/_board.html", _board(request, incident))
    return redirect("emergency:incident_detail", pk=incident.pk)


@pages.INCIDENTS.guard
def review_docx(request, pk: int):
    """The after-action review (复盘) as .docx."""
    from docx import Document

    incident = _incident(request, pk)
    if incident.status != Incident.Status.CLOSED:
        raise Http404
    doc = Document()
    doc.add_heading(_("突发事件复盘报告"), 0)
    doc.add_paragraph(f"{incident.number} {incident.title}")
    doc.add_paragraph(_("类别：%(c)s；响应级别：%(l)s；影响人数：%(n)d") % {
        "c": incident.get_category_display(), "l": incident.level, "n": incident.people_affected})
    doc.add_paragraph(_("报告时间：%(a)s；结束时间：%(b)s") % {
        "a": timezone.localtime(incident.reported_at).strftime("%Y-%m-%d %H:%M"),
        "b": timezone.localtime(incident.closed_at).strftime("%Y-%m-%d %H:%M") if incident.closed_at else ""})
    doc.add_heading(_("复盘总结"), 1)
    doc.add_paragraph(incident.review)
    doc.add_heading(_("任务完成情况"), 1)
    table = doc.add_table(rows=1, cols=4)
    for cell, label in zip(table.rows[0].cells, (_("部门"), _("任务"), _("状态"), _("期限"))):
        cell.text = label
    for t in incident.tasks.select_related("department"):
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text = t.department.name, t.title, t.get_status_display()
        row[3].text = timezone.localtime(t.due_at).strftime("%Y-%m-%d %H:%M")
    doc.add_heading(_("处置经过"), 1)
    for e in incident.events.order_by("created_at", "id"):
        doc.add_paragraph(f"{timezone.localtime(e.created_at):%m-%d %H:%M} {e.actor_label} {labels.event_line(e)}")
    doc.add_heading(_("信息发布"), 1)
    for s in incident.statements.all():
        doc.add_paragraph(f"{timezone.localtime(s.released_at):%m-%d %H:%M} [{s.channel}] {s.text}")
    out = io.BytesIO()
    doc.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="review-{incident.number}.docx"'
    return response


@pages.COVERAGE.guard
def coverage_view(request):
    from . import registry

    units = Unit.objects.restrict(request.user)
    kind = request.GET.get("kind", "")
    if kind in Unit.Kind.values:
        units = units.filter(kind=kind)
    grid = coverage.cells(units)
    soon = timezone.localdate() + dt.timedelta(days=int(services.option("EMERGENCY_PLAN_REMINDER_DAYS", 30)))
    return render(request, "emergency/coverage.html", {
        "cells": grid, "rates": coverage.rates(grid), "kinds": Unit.Kind.choices, "kind": kind,
        "kind_labels": dict(Unit.Kind.choices), "soon": soon, "today": timezone.localdate(),
        "keeper": registry.may_keep(request.user)})


@pages.RESOURCES.guard
def resources(request):
    return render(request, "emergency/resources.html", {
        "stock": Stock.objects.select_related("warehouse", "item"),
        "teams": Team.objects.prefetch_related("members__user"), "on_duty": services.on_duty(None)})


@pages.SENSORS.guard
def devices(request):
    from . import registry

    return render(request, "emergency/devices.html", {
        "devices": Device.objects.restrict(request.user).select_related("region", "grid", "owner"),
        "dead": DeadLetter.objects.all()[:50], "keeper": registry.may_keep(request.user)})


@pages.COVERAGE.guard
@require_POST
def drill_new(request, pk: int):
    """The emergency office records a drill (演练) of a plan, with its record."""
    plan = get_visible_or_404(Plan.objects.select_related("unit"), request.user, pk=pk)
    try:
        services.add_drill(plan, request.user, held_on=parse_date(request.POST.get("held_on", "") or ""),
                           participants=request.POST.get("participants", ""), record=request.POST.get("record", ""))
    except ValueError:  # a date of the right shape that does not exist (2026-02-30)
        report_refusal(request, FieldErrors({"held_on": _("日期格式应为 YYYY-MM-DD")}))
    except (FieldErrors, ActionRefused) as exc:
        report_refusal(request, exc)
    else:
        messages.success(request, _("演练记录已保存"))
    return redirect(f"{reverse('emergency:plan_edit', args=[plan.pk])}#drills")


@pages.COVERAGE.guard
def plan_form(request, pk: int | None = None):
    """Register a plan (or revise one): unit, type, level, owner, dates, its document; its drills.
    Those who may read plans but not keep them see the plan without the form."""
    from . import registry
    from .forms import staff_users
    from .models import PlanType

    plan = get_visible_or_404(Plan.objects.select_related("unit", "owner"), request.user, pk=pk) if pk else None
    keeper = registry.may_keep(request.user)
    values = request.POST.dict() if request.method == "POST" else (
        {"unit": str(plan.unit_id), "plan_type": str(plan.plan_type_id), "title": plan.title, "level": plan.level,
         "owner": str(plan.owner_id or ""), "effective_on": plan.effective_on.isoformat(),
         "review_on": plan.review_on.isoformat()} if plan else {"level": Level.IV, "owner": str(request.user.pk)})
    if request.method == "POST":
        def chosen(queryset, name):
            return queryset.filter(pk=int(values[name])).first() if values.get(name, "").isdigit() else None

        owner = chosen(staff_users(), "owner")
        try:
            if values.get("owner") and owner is None:
                raise FieldErrors({"owner": _("请选择在职人员")})
            saved = services.save_plan(request.user, unit=chosen(Unit.objects.restrict(request.user), "unit"),
                                       plan_type=chosen(PlanType.objects.all(), "plan_type"),
                                       title=values.get("title", ""), level=values.get("level", ""),
                                       effective_on=parse_date(values.get("effective_on", "") or ""),
                                       review_on=parse_date(values.get("review_on", "") or ""),
                                       document=request.FILES.get("document"), owner=owner, plan=plan)
        except (FieldErrors, ActionRefused, ValueError) as exc:
            if isinstance(exc, ValueError):
                exc = FieldErrors({"effective_on": _("日期格式应为 YYYY-MM-DD")})
            report_refusal(request, exc)
        else:
            messages.success(request, _("预案已保存"))
            return redirect("emergency:plan_edit", pk=saved.pk)
    return render(request, "emergency/plan_form.html", {
        "plan": plan, "values": values, "keeper": keeper, "units": Unit.objects.restrict(request.user),
        "types": PlanType.objects.all(), "levels": Level.choices, "owners": staff_users() if keeper else [],
        "drills": list(plan.drills.all()) if plan else [], "today": timezone.localdate()})


@pages.COVERAGE.guard
def plan_document(request, pk: int):
    """The plan's document, to those who may see the plan (no public media route)."""
    plan = get_visible_or_404(Plan.objects.all(), request.user, pk=pk)
    if not plan.document:
        raise Http404
    return FileResponse(plan.document.open("rb"), as_attachment=True, filename=plan.document.name.rsplit("/", 1)[-1])
