"""The confirmed notifications' doors (core.confirmations): the signed link in every message, and
the inbound callbacks an SMS provider or a mail server calls with a reply."""
from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import confirmations


@csrf_exempt  # no session to protect: the signed token is the proof, and the person may not be signed in
@require_http_methods(["GET", "POST"])
def confirm_link(request, token: str):
    """Opening the link shows the message and one button; only pressing it (a POST) confirms.
    A mail scanner or a chat's link preview that fetches the link confirms nothing. No sign-in is
    needed: the signed token is the proof that the person who received the message answers it."""
    if request.method == "POST":
        row = confirmations.confirm_by_token(token)
    else:
        row = confirmations.row_of_token(token)
    if row is None:
        raise Http404
    return render(request, "core/confirmed.html", {"row": row})


def _reply_token() -> str:
    return str(getattr(settings, "GONGZHI", {}).get("NOTIFY_REPLY_TOKEN", "") or "")


def _authorised(request) -> JsonResponse | None:
    """None when the bearer token is GONGZHI_NOTIFY_REPLY_TOKEN; without one configured, there is no door."""
    expected = _reply_token()
    if not expected:
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"detail": "bad token"}, status=401)
    return None


@csrf_exempt
@require_POST
def reply(request):
    """An inbound reply: POST JSON {"channel": "sms", "from": address, "text": reply} with the
    bearer token GONGZHI_NOTIFY_REPLY_TOKEN."""
    if (refused := _authorised(request)) is not None:
        return refused
    try:
        body = json.loads(request.body or b"{}")
        channel, sender, text = str(body["channel"]), str(body["from"]), str(body.get("text", ""))
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": "expected JSON with channel, from and text"}, status=400)
    done = confirmations.confirm_by_reply(channel, sender, text)
    return JsonResponse({"confirmed": len(done)})


@csrf_exempt
@require_POST
def mail_reply(request):
    """An inbound e-mail: POST the RFC 822 message itself (Content-Type message/rfc822) with the
    bearer token GONGZHI_NOTIFY_REPLY_TOKEN (a mail service's raw-MIME webhook)."""
    if (refused := _authorised(request)) is not None:
        return refused
    if not request.body:
        return JsonResponse({"detail": "expected an RFC 822 message as the body"}, status=400)
    try:
        done = confirmations.confirm_by_mail(request.body)
    except ValueError as exc:
        return JsonResponse({"detail": str(exc)[:200]}, status=400)
    return JsonResponse({"confirmed": len(done)})
