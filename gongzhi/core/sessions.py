"""Session time-outs (等保 2.0 身份鉴别: 登录连接超时自动退出): a signed-in session ends after
SESSION_IDLE_SECONDS without a request, and SESSION_COOKIE_AGE after signing in whatever happens
(Django's own cookie age would slide with every save). The times live in the session itself, so
every process agrees; the last-seen time is written at most once a minute, not on every request."""
from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

SIGNED_IN = "_gz_signed_in"
SEEN = "_gz_seen"
WRITE_EVERY = 60


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            signed_in = request.session.get(SIGNED_IN)
            seen = request.session.get(SEEN)
            if signed_in is None:  # a session from before this rule, or a test's force_login
                request.session[SIGNED_IN] = signed_in = now
            idle = seen is not None and now - seen > settings.SESSION_IDLE_SECONDS
            if idle or now - signed_in > settings.SESSION_COOKIE_AGE:
                from . import audit

                audit.record(user, "session_expired", user, request=request, reason="idle" if idle else "age")
                logout(request)
                messages.info(request, _("您长时间未操作，已自动退出，请重新登录"))
                if request.path.startswith(("/api/", "/open311/")):
                    return self.get_response(request)  # answered as anonymous: 401 there
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.get_full_path()}")
            if seen is None or now - seen >= WRITE_EVERY:
                request.session[SEEN] = now
        return self.get_response(request)
