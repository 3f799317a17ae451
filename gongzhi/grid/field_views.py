"""The grid worker's pages, made for a phone (360 px): today's work, report an issue with photos,
a home visit with its record, a patrol check-in. They are a PWA (the manifest and the service worker
are served here, under /grid/m/, so the worker's scope is these pages): with the network down the
page keeps what was written (static/js/grid-field.js, a localStorage queue) and sends it when the
network returns, each record with the idempotency key the phone gave it, so it arrives once.

Without JavaScript the forms post as ordinary forms (the key is then the server's hidden field)."""
from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core import dashboards
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import report_refusal

from . import pages, services
from .photos import MAX_PHOTOS, from_data_urls
from .models import CommunityTask, Household, Patrol



def _context(request, **extra):
    grids = list(services.worker_grids(request.user))
    return {"grids": grids, "key": uuid.uuid4().hex, "now": timezone.now(), **extra}


def _screening_url() -> str:
    try:
        return reverse("disputes:campaign_list")
    except NoReverseMatch:  # the disputes app is not installed
        return ""


@pages.FIELD.guard
def home(request):
    grids = list(services.worker_grids(request.user))
    communities = {g.community_id for g in grids}
    tasks = (CommunityTask.objects.restrict(request.user).filter(status=CommunityTask.Status.ASSIGNED,
                                                                 community_id__in=communities)
             .select_related("department", "item").order_by("due_at", "requested_at")[:20])
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    patrols = Patrol.objects.filter(worker=request.user, checked_at__gte=today).count()
    return render(request, "grid/field_home.html", {
        "grids": grids, "tasks": tasks, "visits_due": services.visits_due(request.user)[:20],
        "patrols_today": patrols, "screening_url": _screening_url(),
        "panels": dashboards.panels_for(request.user, board="field")})  # screening tasks due (disputes)


def _photos_from_files(request) -> list:
    return request.FILES.getlist("photos")[:MAX_PHOTOS]


def _form_post(request, do, template, success):
    """A form posted without JavaScript: the service's answer as a page message."""
    try:
        obj, created = do()
    except (ActionRefused, FieldErrors) as exc:
        report_refusal(request, exc)
        return render(request, template, _context(request, posted=request.POST), status=400)
    messages.success(request, success(obj, created))
    return redirect("grid:field_home")


@pages.FIELD_REPORT.guard
def report(request):
    if request.method == "POST":
        p = request.POST
        return _form_post(request, lambda: services.report_issue(
            request.user, key=p.get("key"), grid_id=p.get("grid"), title=p.get("title", ""),
            content=p.get("content", ""), lat=p.get("lat") or None, lon=p.get("lon") or None,
            location_text=p.get("location_text", ""), photos=_photos_from_files(request)),
            "grid/field_report.html",
            lambda appeal, created: _("已上报，受理编号 %(number)s") % {"number": appeal.tracking_number})
    return render(request, "grid/field_report.html", _context(request))


@pages.FIELD_VISIT.guard
def visit(request):
    if request.method == "POST":
        p = request.POST
        return _form_post(request, lambda: services.record_visit(
            request.user, key=p.get("key"), household_id=p.get("household"), note=p.get("note", ""),
            needs_help=p.get("needs_help") == "on", photos=_photos_from_files(request)),
            "grid/field_visit.html", lambda v, created: _("走访记录已保存"))
    due = services.visits_due(request.user)
    due_ids = {h.pk for h in due}
    others = [h for h in Household.objects.restrict(request.user).select_related("building__grid")
              .filter(care_categories__isnull=False).distinct() if h.pk not in due_ids]
    return render(request, "grid/field_visit.html", _context(request, due=due, others=others,
                                                            chosen=request.GET.get("household", "")))


@pages.FIELD_CHECKIN.guard
def checkin(request):
    if request.method == "POST":
        p = request.POST
        return _form_post(request, lambda: services.check_in(
            request.user, grid_id=p.get("grid"), lat=p.get("lat") or None, lon=p.get("lon") or None,
            accuracy=p.get("accuracy") or None, note=p.get("note", ""), key=p.get("key", "")),
            "grid/field_checkin.html",
            lambda patrol, created: _("已打卡（在网格内）") if patrol.in_grid else _("已打卡"))
    recent = Patrol.objects.filter(worker=request.user).select_related("grid")[:10]
    return render(request, "grid/field_checkin.html", _context(request, recent=recent))


@require_POST
@pages.FIELD.guard
def sync(request):
    """One record from the phone's queue: {"key", "kind": report|visit|patrol, "data": {...},
    "photos": [...]}. 201 when it was made now, 200 when the key had made it already (the phone
    then drops it from its queue either way), 400 with field messages when it can never be made."""
    try:
        body = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return JsonResponse({"errors": {"body": _("请求内容不是JSON")}}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"errors": {"body": _("请求内容不是JSON")}}, status=400)
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    kind, key = body.get("kind"), body.get("key")
    try:
        photos = from_data_urls(body.get("photos") or [])
        if kind == "report":
            obj, created = services.report_issue(
                request.user, key=key, grid_id=data.get("grid"), title=data.get("title", ""),
                content=data.get("content", ""), lat=data.get("lat") or None, lon=data.get("lon") or None,
                location_text=data.get("location_text", ""), photos=photos)
            ref = obj.tracking_number
        elif kind == "visit":
            obj, created = services.record_visit(
                request.user, key=key, household_id=data.get("household"), note=data.get("note", ""),
                needs_help=bool(data.get("needs_help")), photos=photos)
            ref = str(obj.pk)
        elif kind == "patrol":
            obj, created = services.check_in(
                request.user, grid_id=data.get("grid"), lat=data.get("lat") or None, lon=data.get("lon") or None,
                accuracy=data.get("accuracy") or None, note=data.get("note", ""), key=key or "")
            ref = str(obj.pk)
        else:
            raise FieldErrors({"kind": _("未知记录类型")})
    except FieldErrors as exc:
        return JsonResponse({"errors": {k: str(v) for k, v in exc.errors.items()}}, status=400)
    except ActionRefused as exc:
        return JsonResponse({"errors": {"__all__": str(exc)}}, status=409)
    return JsonResponse({"created": created, "ref": ref}, status=201 if created else 200)


FIELD_PAGES = ("grid:field_home", "grid:field_report", "grid:field_visit", "grid:field_checkin")
STATIC = ("css/gongzhi.css", "css/grid-field.css", "js/grid-field.js")
SW_VERSION = "gz-field-2"


def service_worker(request):
    """The worker for /grid/m/: pages network first (the cached copy when offline), static files
    cache first. Posts are never cached: the page's queue sends them."""
    precache = [reverse(name) for name in FIELD_PAGES] + [static(s) for s in STATIC]
    script = render(request, "grid/sw.js", {"precache": json.dumps(precache), "version": SW_VERSION},
                    content_type="application/javascript")
    script["Service-Worker-Allowed"] = reverse("grid:field_home")
    script["Cache-Control"] = "no-cache"
    return script


def manifest(request):
    home_url = reverse("grid:field_home")
    return JsonResponse({
        "name": _("共治 · 网格工作台"), "short_name": _("网格工作台"), "start_url": home_url, "scope": home_url,
        "display": "standalone", "background_color": "#ffffff", "theme_color": "#b71c1c", "lang": request.LANGUAGE_CODE,
        "icons": [{"src": static("img/grid-icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
