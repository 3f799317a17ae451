"""Sign-in with throttling: repeated failures from one name or address lock it out for a while."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import scoping, throttle

WINDOW = 15 * 60


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        limit = settings.GONGZHI["LOGIN_FAILURES_BEFORE_LOCK"]
        name = request.POST.get("username", "")[:150].lower()
        keys = [f"login:user:{name}", f"login:ip:{request.META.get('REMOTE_ADDR', '')}"]
        if any(throttle.count(k, WINDOW) >= limit * (1 if "user" in k else 4) for k in keys):
            form = self.get_form()
            form.add_error(None, _("登录失败次数过多，请15分钟后再试"))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.reset(keys[0], WINDOW)
        else:
            for k in keys:
                throttle.hit(k, 10**6, WINDOW)
        return response


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
