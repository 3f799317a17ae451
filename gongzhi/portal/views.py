"""Public pages: what one can do, submit an appeal (我要反映), track and rate it (办理查询).

No login. A verified tracking number + access code is remembered in the session, so the rating
form does not ask for the code again. Wrong numbers and wrong codes get the same message.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gongzhi.appeals import notifying, services
from gongzhi.appeals.labels import labelled
from gongzhi.appeals.models import Appeal, Attachment, Channel, Status
from gongzhi.core import audit, throttle
from gongzhi.core.context import tile_url
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.forms import apply_field_errors
from gongzhi.core.models import Grid

from . import pages
from .forms import RateForm, SubmitForm, TrackForm

SESSION_SUBMITTED = "portal_submitted"
SESSION_TRACKED = "portal_tracked"
HOUR = 3600
WRONG = gettext_lazy("编号或查询码不正确")
STEPS = [(Status.RECEIVED, gettext_lazy("受理")), (Status.DISPATCHED, gettext_lazy("派单")),
         (Status.HANDLING, gettext_lazy("办理")), (Status.REPLIED, gettext_lazy("答复")), (Status.CLOSED, gettext_lazy("办结"))]


def _ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _remember(request, appeal: Appeal) -> None:
    tracked = [pk for pk in request.session.get(SESSION_TRACKED, []) if pk != appeal.pk][-19:]
    request.session[SESSION_TRACKED] = tracked + [appeal.pk]


def _tracked(request, tracking_number: str) -> Appeal | None:
    """An appeal this visitor proved they may follow: code verified in this session, or their own."""
    mine = Q(pk__in=request.session.get(SESSION_TRACKED, []))
    if request.user.is_authenticated:
        mine |= Q(appellant_user=request.user)
    return Appeal.objects.filter(mine, tracking_number=tracking_number).select_related(
        "category", "category__parent", "merged_into").first()


@pages.MY_APPEALS.guard
def my_appeals(request):
    """A signed-in citizen's own appeals, each opening the same public view as the tracking page."""
    appeals = Appeal.objects.filter(appellant_user=request.user).select_related("category").order_by("-received_at")
    return render(request, "portal/my_appeals.html", {"appeals": appeals[:200]})


def home(request):
    return render(request, "portal/home.html", {"track_form": TrackForm()})


def grids_json(request):
    """Grid outlines for the location map (public: they are drawn on every community notice board)."""
    grids = [{"id": g["id"], "name": g["name"], "polygon": g["polygon"]}
             for g in Grid.objects.values("id", "name", "polygon")]
    return JsonResponse({"grids": grids})


def _too_many(request, template: str, ctx: dict, retry_after: int):
    ctx["throttled"] = True
    response = render(request, template, ctx, status=429)
    response["Retry-After"] = str(retry_after)
    return response


@never_cache
def submit(request):
    form = SubmitForm(request.POST or None, request.FILES or None)
    ctx = {"form": form, "tile_url": tile_url()}
    if request.method == "POST":
        allowed, retry = throttle.hit(f"portal:submit:{_ip(request)}", settings.GONGZHI["SUBMITS_PER_HOUR"], HOUR)
        if not allowed:
            return _too_many(request, "portal/submit.html", ctx, retry)
        if form.is_valid():
            d = form.cleaned_data
            user = request.user if request.user.is_authenticated else None
            try:
                appeal, code = services.receive(
                    channel=Channel.WEB, title=d["title"], content=d["content"], category=d["category"],
                    location_text=d["location_text"], lat=d["lat"], lon=d["lon"], anonymous=d["anonymous"],
                    appellant_name=d["appellant_name"], appellant_phone=d["appellant_phone"],
                    appellant_id_number=d["appellant_id_number"], appellant_user=user,
                    attachments=d["attachments"], request=request,
                    with_appeal=lambda appeal: notifying.remember_contact(
                        appeal, email=d["appellant_email"], language=get_language(), wants_news=d["notify_me"]),
                )
            except FieldErrors as exc:
                apply_field_errors(form, exc.errors)
            else:
                request.session[SESSION_SUBMITTED] = {"tracking_number": appeal.tracking_number, "access_code": code}
                _remember(request, appeal)
                return redirect("portal:submitted")
        return render(request, "portal/submit.html", ctx, status=400)
    return render(request, "portal/submit.html", ctx)


@never_cache
def submitted(request):
    data = request.session.get(SESSION_SUBMITTED)
    if not data:
        return redirect("portal:submit")
    return render(request, "portal/submitted.html", data)


@never_cache
def track(request):
    form = TrackForm(request.POST or None)
    ctx = {"form": form}
    if request.method == "POST":
        limit = settings.GONGZHI["TRACK_LOOKUPS_PER_HOUR"]
        allowed, retry = throttle.hit(f"portal:track:{_ip(request)}", limit, HOUR)
        if not allowed:
            return _too_many(request, "portal/track.html", ctx, retry)
        if form.is_valid():
            number = form.cleaned_data["tracking_number"].strip().upper()
            # Guesses at one number from many addresses: a limit per number as well, counted
            # before the code is checked (concurrent guesses cannot slip under it) and taken back
            # when the code is right. Unknown numbers count alike, so a pause tells nothing.
            failures = settings.GONGZHI["TRACK_FAILURES_PER_NUMBER"]
            attempt = throttle.take(f"portal:track-number:{number}", failures, HOUR)
            if not attempt.allowed:
                form.add_error(None, _paused_message())
                response = render(request, "portal/track.html", ctx, status=429)
                response["Retry-After"] = str(attempt.retry_after)
                return response
            appeal = Appeal.objects.filter(tracking_number=number).first()
            code = form.cleaned_data["access_code"].strip()
            if appeal is not None and services.check_access_code(appeal, code):
                attempt.release()
                _remember(request, appeal)
                return redirect("portal:track_detail", tracking_number=appeal.tracking_number)
            if appeal is None:
                services.hash_access_code(code)  # same work either way: no timing hint of existence
            if attempt.count >= failures:  # this wrong code was the last one allowed: the lock trips
                audit.record(None, "track_locked", appeal if appeal is not None else ("appeals.appeal", ""),
                             request=request, tracking_number=number, failures=attempt.count, window_seconds=HOUR)
                form.add_error(None, WRONG)
                form.add_error(None, _paused_message())
                return render(request, "portal/track.html", ctx)
            form.add_error(None, WRONG)
    return render(request, "portal/track.html", ctx)


def _paused_message() -> str:
    contact = settings.GONGZHI["OPEN311_CONTACT"]  # the contact this installation publishes
    hotline = _("12345 政务服务便民热线") if contact == "12345 政务服务便民热线" else contact
    return _("该编号的查询码错误次数过多，查询已暂停。请一小时后再试，或拨打%(hotline)s咨询。") % {"hotline": hotline}


def _detail_context(appeal: Appeal, rate_form=None, error: str = "") -> dict:
    order = [s for s, _ in STEPS]
    current = order.index(appeal.status) if appeal.status in order else len(order) - 1
    steps = [{"label": label, "done": i <= current, "current": i == current} for i, (s, label) in enumerate(STEPS)]
    return {
        "appeal": appeal,
        "steps": steps,
        "events": labelled(appeal.events.filter(public=True).select_related("department")),
        "replies": appeal.replies.select_related("department").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.filter(public=True).exclude(public_file=""),
                     to_attr="public_photos")),
        "rate_form": rate_form or (RateForm() if appeal.status == Status.REPLIED else None),
        "error": error,
    }


@never_cache
def track_detail(request, tracking_number: str):
    appeal = _tracked(request, tracking_number)
    if appeal is None:
        messages.info(request, _("请输入受理编号和查询码"))
        return redirect("portal:track")
    return render(request, "portal/track_detail.html", _detail_context(appeal))


@never_cache
def reply_photo(request, tracking_number: str, attachment_id: int):
    """A reply's photo the department made public, to whoever may follow the appeal: the copy
    without metadata, never the original."""
    appeal = _tracked(request, tracking_number)
    photo = appeal and Attachment.objects.filter(appeal=appeal, pk=attachment_id, public=True,
                                                 reply__isnull=False).exclude(public_file="").first()
    if photo is None:
        raise Http404("not found")
    return FileResponse(photo.public_file.open("rb"), content_type=photo.content_type)


@require_POST
def rate(request, tracking_number: str):
    appeal = _tracked(request, tracking_number)
    if appeal is None:
        messages.info(request, _("请输入受理编号和查询码"))
        return redirect("portal:track")
    form = RateForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/track_detail.html", _detail_context(appeal, form), status=400)
    d = form.cleaned_data
    try:
        services.follow_up(appeal, d["satisfaction"], actor=None, via="web", comment=d["comment"].strip(),
                           resolved=d["resolved"])
    except ActionRefused as exc:
        appeal.refresh_from_db()
        return render(request, "portal/track_detail.html", _detail_context(appeal, error=str(exc)), status=409)
    except FieldErrors as exc:
        apply_field_errors(form, exc.errors)
        return render(request, "portal/track_detail.html", _detail_context(appeal, form), status=400)
    messages.success(request, _("感谢您的评价！"))
    return redirect("portal:track_detail", tracking_number=appeal.tracking_number)
