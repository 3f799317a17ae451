"""A staff member's choice of channels per kind of notification, and the addresses they need.

In-app notifications always come (the workbench's list is the record); e-mail, SMS and webhook are
chosen per kind (core.messages.STAFF_KINDS). The addresses are checked here: an e-mail must look
like one, a webhook URL must pass the outbound policy (core.outbound), and a channel chosen without
its address is refused with the field to fill in.
"""
from __future__ import annotations

from django.core.validators import validate_email
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import channels, messages, outbound
from .errors import FieldErrors
from .models import NotificationPreference

CHOOSABLE = ("email", "sms", "webhook")


def of(user) -> NotificationPreference:
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def save(user, *, choices: dict[str, list[str]], email: str = "", phone: str = "",
         webhook_url: str = "", language: str | None = None) -> NotificationPreference:
    """Store the choices (kind -> channel codes) and the addresses; FieldErrors when one is wrong."""
    email, phone, webhook_url = (email or "").strip(), (phone or "").strip(), (webhook_url or "").strip()
    errors: dict[str, str] = {}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("电子邮箱格式不正确")
    if phone and not (phone.replace("-", "").replace(" ", "").isdigit() and 7 <= len(phone) <= 20):
        errors["phone"] = _("电话号码格式不正确")
    if webhook_url:
        try:
            outbound.check_url(webhook_url, channels.policy(), resolve=True)
        except outbound.Refused as exc:
            errors["webhook_url"] = str(exc)
    if language is not None and language not in ("", *messages.LANGUAGES):
        errors["language"] = _("请选择通知语言")
    kept = {kind: [c for c in CHOOSABLE if c in set(choices.get(kind, ()))] for kind in messages.STAFF_KINDS}
    chosen = {c for codes in kept.values() for c in codes}
    needs = {"email": ("email", email), "sms": ("phone", phone), "webhook": ("webhook_url", webhook_url)}
    for code in chosen:
        field, value = needs[code]
        if not value:
            errors.setdefault(field, _("选择了“%(channel)s”，请填写对应的地址") % {"channel": channels.get(code).label})
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        user.email, user.phone = email, phone
        user.save(update_fields=["email", "phone"])
        pref = of(user)
        pref.channels = {kind: codes for kind, codes in kept.items() if codes}
        pref.webhook_url = webhook_url
        if language is not None:
            pref.language = language
        pref.save()
    return pref
