"""Screening pages: the campaigns, launching one, a campaign's coverage (who reported, who found
something, who is late), and a task's report form (a finding becomes a dispute; or 零报告)."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import report_refusal
from gongzhi.core.models import Region
from gongzhi.core.scoping import get_visible_or_404

from . import pages, screening
from .models import DisputeKind
from .screening_models import Campaign, ScreeningTask
from .views import _int, _parties_from


@pages.SCREENING.guard
def campaign_list(request):
    campaigns = Campaign.objects.restrict(request.user).distinct()
    mine = ScreeningTask.objects.filter(assignee=request.user, status=ScreeningTask.Status.PENDING).select_related(
        "campaign", "grid", "community")
    return render(request, "disputes/campaign_list.html", {
        "campaigns": campaigns, "mine": mine, "may_launch": pages.may_launch(request.user)})


@pages.LAUNCH.guard
def campaign_new(request):
    errors, values = {}, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        post = request.POST
        try:
            campaign = screening.launch(
                actor=request.user, title=post.get("title", ""), starts_on=parse_date(post.get("starts_on") or ""),
                ends_on=parse_date(post.get("ends_on") or ""),
                regions=list(Region.objects.filter(pk__in=[v for v in post.getlist("regions") if v.isdigit()])),
                kinds=list(DisputeKind.objects.filter(pk__in=[v for v in post.getlist("kinds") if v.isdigit()])))
        except FieldErrors as exc:
            errors = exc.errors
        except ActionRefused as exc:
            errors = {"": str(exc)}
        else:
            messages.success(request, _("排查已发起，共 %(n)d 个任务") % {"n": campaign.tasks.count()})
            return redirect("disputes:campaign_detail", campaign.pk)
    return render(request, "disputes/campaign_form.html", {
        "errors": errors, "values": values, "kinds": DisputeKind.objects.filter(active=True),
        "regions": Region.objects.exclude(level=Region.Level.CITY)}, status=422 if errors else 200)


@pages.SCREENING.guard
def campaign_detail(request, pk: int):
    campaign = get_visible_or_404(Campaign.objects.distinct(), request.user, pk=pk)
    return render(request, "disputes/campaign_detail.html", {
        "campaign": campaign, **screening.coverage(campaign), "kinds": campaign.kinds.all()})


def _task(request, pk: int) -> ScreeningTask:
    task = ScreeningTask.objects.select_related("campaign", "grid", "community").filter(pk=pk).first()
    visible = task is not None and Campaign.objects.restrict(request.user).filter(pk=task.campaign_id).exists()
    if not visible:
        raise Http404("not found")
    return task


@pages.SCREENING.guard
def task_detail(request, pk: int):
    task = _task(request, pk)
    return render(request, "disputes/task_detail.html", {
        "task": task, "kinds": task.campaign.kinds.all(), "findings": task.findings.all(),
        "may_report": task.status == ScreeningTask.Status.PENDING and screening.may_report(task, request.user)})


@require_POST
@pages.SCREENING.guard
def task_report(request, pk: int):
    task, post = _task(request, pk), request.POST
    try:
        if post.get("nothing"):
            screening.report_nothing(task, request.user, note=post.get("note", ""))
        else:
            finding = {"title": post.get("title", ""), "facts": post.get("facts", ""),
                       "kind": DisputeKind.objects.filter(pk=_int(post.get("kind"))).first(),
                       "place": post.get("place", ""), "people_involved": post.get("people_involved") or 2,
                       "parties": _parties_from(post)}
            task = screening.report_findings(task, request.user, [finding], note=post.get("note", ""))
            dispute = task.findings.last()
            messages.success(request, _("已报告，发现的纠纷已登记：%(number)s") % {"number": dispute.number})
            return redirect("disputes:dispute_detail", dispute.pk)
    except (FieldErrors, ActionRefused) as exc:
        report_refusal(request, exc)
    else:
        messages.success(request, _("零报告已提交"))
    return redirect("disputes:task_detail", task.pk)
