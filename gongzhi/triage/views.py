"""Hot-issue board, alerts and the classifier's report card."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.appeals.models import Appeal
from gongzhi.core import pii, scoping
from gongzhi.core.errors import ActionRefused, FieldErrors

from . import alerts, pages
from .models import Alert, ClassifierVersion, HotIssue


def _staff(request):
    if not scoping.is_staff_member(request.user):
        raise Http404("not found")


@pages.HOT_BOARD.guard
def hot_board(request):
    issues = list(HotIssue.objects.restrict(request.user).filter(state=HotIssue.State.ACTIVE, size__gte=2)[:50])
    markers, series = [], []
    for rank, issue in enumerate(issues, 1):
        members = Appeal.objects.restrict(request.user).filter(hot_issues=issue)
        points = list(members.exclude(lat__isnull=True).values_list("lat", "lon")[:200])
        if points:
            lat = sum(p[0] for p in points) / len(points)
            lon = sum(p[1] for p in points) / len(points)
            markers.append({"rank": rank, "id": issue.pk, "title": issue.title, "lat": lat, "lon": lon,
                            "size": issue.size, "heat": round(issue.heat, 1)})
        if rank <= 5:
            days = Counter(timezone.localtime(t).date().isoformat() for t in members.values_list("received_at", flat=True))
            series.append({"name": f"#{rank} {pii.mask_text(issue.title)[:12]}", "points": sorted(days.items())})
    alerts = Alert.objects.restrict(request.user).filter(state=Alert.State.OPEN)[:20]
    return render(request, "triage/hot_board.html", {
        "issues": issues, "alerts": alerts, "chart": {"markers": markers, "series": series},
    })


@login_required
def hot_issue_detail(request, pk: int):
    _staff(request)
    issue = scoping.get_visible_or_404(HotIssue.objects.all(), request.user, pk=pk)
    appeals = Appeal.objects.restrict(request.user).filter(hot_issues=issue).select_related("category", "lead_department")
    days = Counter(timezone.localtime(a.received_at).date().isoformat() for a in appeals)
    return render(request, "triage/hot_issue.html", {
        "issue": issue, "appeals": appeals, "alerts": issue.alerts.all(),
        "chart": {"series": [{"name": pii.mask_text(issue.title)[:16], "points": sorted(days.items())}],
                  "markers": [{"rank": i + 1, "id": a.pk, "title": a.title, "lat": a.lat, "lon": a.lon, "size": 1, "heat": 0}
                              for i, a in enumerate(appeals) if a.lat is not None]},
    })


@login_required
def alert_list(request):
    _staff(request)
    state = request.GET.get("state", "open")
    alerts = Alert.objects.restrict(request.user).select_related("appeal", "hot_issue", "region", "acknowledged_by")
    if state in Alert.State.values:
        alerts = alerts.filter(state=state)
    return render(request, "triage/alerts.html", {"alerts": alerts[:200], "state": state, "states": Alert.State.choices})


@login_required
def alert_detail(request, pk: int):
    _staff(request)
    alert = scoping.get_visible_or_404(Alert.objects.all(), request.user, pk=pk)
    history = [{"event": e, "label": _(alerts.EVENT_LABELS.get(e.kind, e.kind))}
               for e in alert.events.select_related("actor")]
    return render(request, "triage/alert.html", {
        "alert": alert, "can_act": alerts.may_deal_with(request.user),
        "allowed": alerts.ALERT_LIFECYCLE.allowed(alert, request.user), "history": history,
        "conversions": alerts.CONVERSIONS.values(), "conversion": alerts.conversion_of(alert),
    })


@login_required
@require_POST
def alert_action(request, pk: int):
    _staff(request)
    alert = scoping.get_visible_or_404(Alert.objects.all(), request.user, pk=pk)
    if not alerts.may_deal_with(request.user):
        raise Http404("not found")
    action, note = request.POST.get("action"), request.POST.get("note", "")
    try:
        if action == "acknowledge":
            alerts.acknowledge_alert(alert, request.user, note)
            messages.success(request, _("已签收预警"))
        else:
            outcome = {"convert": Alert.State.CONVERTED, "dismiss": Alert.State.DISMISSED}.get(action, "")
            alerts.close_alert(alert, request.user, outcome, note, into=request.POST.get("target", ""))
            messages.success(request, _("已处置预警"))
    except (ActionRefused, FieldErrors) as exc:
        messages.error(request, getattr(exc, "errors", None) and _("；").join(exc.errors.values()) or str(exc))
    return redirect("triage:alert", pk=alert.pk)


@login_required
def model_report(request):
    _staff(request)
    active = ClassifierVersion.objects.filter(active=True).first()
    report = active.report if active else {}
    labels = report.get("labels") or sorted((report.get("per_class") or {}).keys())
    matrix = report.get("confusion_matrix") or []
    rows = [{"label": label, "cells": matrix[i] if i < len(matrix) else []} for i, label in enumerate(labels)]
    return render(request, "triage/model.html", {
        "active": active, "report": report, "labels": labels, "matrix_rows": rows,
        "per_class": report.get("per_class") or {}, "versions": ClassifierVersion.objects.all()[:20],
    })
