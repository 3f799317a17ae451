"""Sign-in locks: django-axes for (user name, address) pairs, plus a looser limit per address.

* django-axes counts failed sign-ins per pair of user name and client address
  (AXES_LOCKOUT_PARAMETERS in settings). After LOGIN_FAILURES_BEFORE_LOCK failures the pair is
  locked; failures are forgotten, and a lock lifted, only after WINDOW quiet seconds since the last
  failure, so a lock always lasts the full WINDOW. The account alone is never locked: a stranger who
  types a staff member's name from another address cannot keep that person out.
* One address is also limited across all names: SOURCE_FACTOR times as many failed attempts in any
  WINDOW seconds (a sliding window, core.throttle), so spraying a few passwords over many names stops.
* The user name is normalised as sign-in reads it, and more: NFKC, case-folded, stripped
  (`mediator`, `Mediator `, `\\tmediator`, full-width `ｍｅｄｉａｔｏｒ` are one name).

Both live in the cache when it is shared (GONGZHI_CACHE = redis://… or db), so every process sees
the same counts; with the per-process memory cache axes keeps its counts in the database instead.
"""
from __future__ import annotations

import datetime as dt
import unicodedata

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import render
from django.utils.translation import gettext as _

class Backend(AxesStandaloneBackend):
    """django-axes' lock check before the password check, for sign-ins that come with a request.

    Authentication called without a request (Django's test client `login()`, a script) is not a
    sign-in from an address: there is nothing to count or lock by, so it goes straight on to the
    password check (axes itself would refuse it with an exception)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


WINDOW = 15 * 60
COOLOFF = dt.timedelta(seconds=WINDOW)
SOURCE_FACTOR = 4


def normalise(username) -> str:
    text = unicodedata.normalize("NFKC", str(username or ""))
    return unicodedata.normalize("NFKC", text.casefold()).strip()[:150]


def failure_limit(request=None, credentials=None) -> int:
    """AXES_FAILURE_LIMIT: failed sign-ins of one name from one address before a lock."""
    return int(settings.GONGZHI["LOGIN_FAILURES_BEFORE_LOCK"])


def cooloff(request=None) -> dt.timedelta:
    """AXES_COOLOFF_TIME."""
    return COOLOFF


def source_limit() -> int:
    return failure_limit() * SOURCE_FACTOR


NAME_END = "|"


def username(request, credentials=None) -> str:
    """AXES_USERNAME_CALLABLE: the name a lock is keyed on, with an end mark of its own.

    axes' cache handler keys a pair on name and address written together, so without the mark
    "mediator1" from 10.0.0.7 would share the lock of "mediator" from 110.0.0.7. The mark cannot
    occur inside a name (it is taken out), so the key splits one way only."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get("username", "")
    return normalise(raw).replace(NAME_END, "") + NAME_END


def message() -> str:
    return _("登录失败次数过多，请15分钟后再试")


def locked_page(request, retry_after: int = WINDOW, status: int = 429):
    """The sign-in page again, saying why it refuses and for how long (no password is checked)."""
    from django.contrib.auth.forms import AuthenticationForm
    from django.forms.utils import ErrorDict

    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")[:150]})
    form._errors = ErrorDict({NON_FIELD_ERRORS: form.error_class(
        [message(), _("如忘记密码，请联系本单位系统管理员重置。")], error_class="nonfield")})
    response = render(request, "core/login.html", {"form": form, "next": request.POST.get("next", ""),
                                                    "locked": True}, status=status)
    response["Retry-After"] = str(max(1, int(retry_after)))
    return response


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: what axes answers a locked sign-in with (the admin's sign-in too)."""
    return locked_page(request, WINDOW, status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429))
