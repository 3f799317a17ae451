"""Sign-in with locks: repeated failures lock a (user name, address) pair, and an address that fails
for many names, for a while (core.login_lock, django-axes)."""
from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import login_lock, scoping, throttle
from .audit import client_ip


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        source = throttle.take(f"login-source:{client_ip(request) or ''}", login_lock.source_limit(),
                               login_lock.WINDOW)
        if not source.allowed:
            return login_lock.locked_page(request, source.retry_after)
        if not AxesProxyHandler.is_allowed(request, {"username": request.POST.get("username", "")}):
            source.release()  # refused unchecked: not a guess
            return login_lock.locked_page(request)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            source.release()  # the source limit counts failures only
        return response

    def form_invalid(self, form):
        if getattr(self.request, "axes_locked_out", False):
            # This failure was the last one allowed: the password was checked and wrong, and the
            # next attempt is locked. Say both now (answered here, so AxesMiddleware leaves it).
            self.request.axes_locked_out = False
            form.add_error(None, login_lock.message())
        return super().form_invalid(form)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("您已退出登录"))
    return redirect(settings.LOGOUT_REDIRECT_URL)


def after_login(request):
    """Staff go to their workbench; citizens to the public pages (they have no staff pages)."""
    if request.user.is_authenticated and scoping.is_staff_member(request.user):
        return redirect("staff:inbox")
    return redirect("portal:my_appeals" if request.user.is_authenticated else "portal:home")
