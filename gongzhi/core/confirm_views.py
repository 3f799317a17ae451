"""The confirmed notifications' two doors (core.confirmations): the signed one-click link in every
message, and the inbound callback an SMS provider calls with a reply."""
from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import confirmations


def confirm_link(request, token: str):
    """Opening the link confirms the message it names (one click, no sign-in: the signed token is
    the proof that the person who received the message opened it)."""
    row = confirmations.confirm_by_token(token)
    if row is None:
        raise Http404
    return render(request, "core/confirmed.html", {"row": row})


def _reply_token() -> str:
    return str(getattr(settings, "GONGZHI", {}).get("NOTIFY_REPLY_TOKEN", "") or "")


@csrf_exempt
@require_POST
def reply(request):
    """An inbound reply: POST JSON {"channel": "sms", "from": address, "text": reply} with the
    bearer token GONGZHI_NOTIFY_REPLY_TOKEN. Without a token configured, there is no such door."""
    expected = _reply_token()
    if not expected:
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"detail": "bad token"}, status=401)
    try:
        body = json.loads(request.body or b"{}")
        channel, sender, text = str(body["channel"]), str(body["from"]), str(body.get("text", ""))
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": "expected JSON with channel, from and text"}, status=400)
    done = confirmations.confirm_by_reply(channel, sender, text)
    return JsonResponse({"confirmed": len(done)})
