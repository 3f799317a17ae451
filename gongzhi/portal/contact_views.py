"""Public pages about the messages an appellant gets: a lost access code sent again, the rating link
of the "answered" message, and the unsubscribe link of every message."""
from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gongzhi.appeals import notifying, services
from gongzhi.appeals.models import Appeal
from gongzhi.core.validation import normalise_phone
from gongzhi.core import audit, recipients, throttle

from . import views
from .forms import RecoverForm

HOUR = 3600


def _matches(appeal: Appeal, contact: str) -> bool:
    """Whether what was typed is the phone or the e-mail on the appeal (compared in constant time)."""
    typed = contact.strip()
    kept = recipients.contact_of(recipients.ref_of(appeal))
    candidates = [(normalise_phone(typed), appeal.appellant_phone)]
    if kept is not None and kept.email:
        candidates.append((typed.lower(), kept.email.lower()))
    return any(bool(mine) and hmac.compare_digest(a.encode(), mine.encode()) for a, mine in candidates)


@never_cache
def recover(request):
    """找回查询码: a new code to the contacts on the appeal. The answer is the same whether the number
    and the contact matched or not, so the page tells nobody which appeals exist or whose they are."""
    form = RecoverForm(request.POST or None)
    ctx = {"form": form}
    if request.method == "POST" and form.is_valid():
        limit = settings.GONGZHI["CODE_RECOVERIES_PER_HOUR"]
        number = form.cleaned_data["tracking_number"].strip().upper()
        by_ip = throttle.take(f"portal:recover:{views._ip(request)}", limit, HOUR)
        by_number = throttle.take(f"portal:recover-number:{number}", limit, HOUR) if by_ip.allowed else by_ip
        if not (by_ip.allowed and by_number.allowed):
            audit.record(None, "access_code_recovery_throttled", ("appeals.appeal", ""), request=request,
                         tracking_number=number)
            return views._too_many(request, "portal/recover.html", ctx,
                                   max(by_ip.retry_after, by_number.retry_after))
        appeal = Appeal.objects.filter(tracking_number=number, anonymous=False).first()
        matched = appeal is not None and _matches(appeal, form.cleaned_data["contact"])
        sent = 0
        if matched:
            sent = notifying.send_new_access_code(appeal, services.reissue_access_code(appeal))
        audit.record(None, "access_code_recovery", appeal if appeal is not None else ("appeals.appeal", ""),
                     request=request, tracking_number=number, matched=matched, sent_to=sent)
        ctx["done"] = True
    return render(request, "portal/recover.html", ctx)


@never_cache
def rating_link(request, token: str):
    """The link in the "answered" message: opens the appeal's page (where it is rated) without the code."""
    appeal = notifying.appeal_of_rating_token(token)
    if appeal is None:
        messages.info(request, _("链接已失效，请输入受理编号和查询码"))
        return redirect("portal:track")
    views._remember(request, appeal)
    return redirect("portal:track_detail", tracking_number=appeal.tracking_number)


@never_cache
def unsubscribe(request, token: str):
    """退订: asked on a page and done by its button (a mail scanner opening the link changes nothing)."""
    ref = recipients.ref_of_unsubscribe_token(token)
    if ref is None:
        raise Http404("not found")
    done = False
    if request.method == "POST":
        recipients.opt_out(ref)
        audit.record(None, "notifications_opted_out", tuple(ref.rsplit(":", 1)), request=request)
        done = True
    return render(request, "portal/unsubscribe.html", {"done": done})
