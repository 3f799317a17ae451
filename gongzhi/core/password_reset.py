"""Staff password reset by e-mail: Django's own views (signed one-time links) with our templates,
in zh-Hans and English. Requests are rate-limited per address; the answer is the same whether
or not the e-mail belongs to an account, and every request is audited (without the address).

The mail goes through the delivery queue like every other message (core.recipients.notify, sent by
the worker with retries, in the delivery log): its wording is the "password_reset" event's, which an
administrator may edit like the others; the link it carries is erased from the log once sent."""
from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse, reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import audit, messages, recipients, throttle
from .audit import client_ip

RESETS_PER_HOUR = 5
KIND = "password_reset"


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's form, whose one mail is queued for the worker instead of sent on the request."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        user = context["user"]
        link = "{}://{}{}".format(context["protocol"], context["domain"], reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}))
        recipients.notify([], KIND, str(user), to=[recipients.Address("email", to_email, get_language())],
                          context={"username": str(user), "reset_link": link}, ref=f"core.user:{user.pk}")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "core/password_reset_form.html"
    form_class = QueuedPasswordResetForm
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


def register_wording() -> None:
    messages.register(
        KIND, label=_("重设密码（工作人员）"),
        zh=("共治：重设密码",
            "您（或有人以您的邮箱）申请重设共治账号 {{ username }} 的密码。\n\n请在三天内打开下面的链接设置新密码：\n"
            "{{ reset_link }}\n\n如非本人操作，请忽略本邮件，密码不会改变。"),
        en=("Gongzhi: reset your password",
            "You (or someone giving your e-mail address) asked to reset the password of the Gongzhi account "
            "{{ username }}.\n\nOpen this link within three days to set a new password:\n{{ reset_link }}\n\n"
            "If this was not you, ignore this e-mail; your password stays as it is."))
