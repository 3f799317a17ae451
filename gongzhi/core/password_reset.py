"""Staff password reset by e-mail: Django's own views (signed one-time links) with our templates,
in zh-Hans and English. Requests are rate-limited per address; the answer is the same whether
or not the e-mail belongs to an account, and every request is audited (without the address)."""
from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from . import audit, throttle
from .audit import client_ip

RESETS_PER_HOUR = 5


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "core/password_reset_form.html"
    email_template_name = "core/password_reset_email.txt"
    subject_template_name = "core/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        allowed, _retry = throttle.hit(f"password-reset:{client_ip(self.request) or ''}", RESETS_PER_HOUR, 3600)
        audit.record(None, "password_reset_requested", request=self.request, sent=allowed)
        if not allowed:  # the same answer, nothing sent
            return auth_views.HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "core/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "core/password_reset_complete.html"
