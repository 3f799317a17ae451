"""Who is taking part: a signed-in account, or a phone number confirmed by a one-time SMS code.

A phone is kept only as a keyed hash (`phone_key`, HMAC-SHA256 with the site's secret), never in
plain, so supports and survey answers given by phone carry no personal data; the code goes out
through core.recipients.notify on the SMS channel and only its hash is stored.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import FieldErrors
from gongzhi.core.recipients import Address, notify

from .models import PhoneCheck

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
CODE_MINUTES = 10
MAX_ATTEMPTS = 5
CODES_PER_HOUR = 5


@dataclass(frozen=True)
class Voter:
    """A verified person: an account, or a confirmed phone's key. `key` is what "one per person"
    counts (an account and a phone are different people to the platform)."""

    user: object = None
    phone_key: str = ""

    @property
    def key(self) -> str:
        if getattr(self.user, "pk", None):
            return f"user:{self.user.pk}"
        return f"phone:{self.phone_key}" if self.phone_key else ""

    @property
    def verified(self) -> bool:
        return bool(self.key)

    @property
    def account(self):
        return self.user if getattr(self.user, "pk", None) else None


NOBODY = Voter()


def normalise(phone: str) -> str:
    digits = re.sub(r"[\s-]", "", phone or "")
    return digits[3:] if digits.startswith("+86") else digits


def phone_key(phone: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), ("phone:" + normalise(phone)).encode(), hashlib.sha256).hexdigest()


def _code_hash(key: str, code: str) -> str:
    return hashlib.sha256(f"{key}:{code}".encode()).hexdigest()


def send_code(phone: str, *, language: str = "zh-hans", now: dt.datetime | None = None) -> PhoneCheck:
    """Send a six-digit code to `phone` by SMS (at most CODES_PER_HOUR an hour per number)."""
    phone = normalise(phone)
    if not PHONE_RE.match(phone):
        raise FieldErrors({"phone": _("请输入11位手机号码")})
    now = now or timezone.now()
    key = phone_key(phone)
    if PhoneCheck.objects.filter(phone_key=key, created_at__gte=now - dt.timedelta(hours=1)).count() >= CODES_PER_HOUR:
        raise FieldErrors({"phone": _("验证码发送过于频繁，请一小时后再试")})
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        check = PhoneCheck.objects.create(phone_key=key, code_hash=_code_hash(key, code), created_at=now,
                                          expires_at=now + dt.timedelta(minutes=CODE_MINUTES))
        notify([], "participation.code", _("您的验证码是 %(code)s，%(minutes)s 分钟内有效。") % {
            "code": code, "minutes": CODE_MINUTES}, to=[Address("sms", phone, language)],
            context={"code": code, "minutes": CODE_MINUTES})
    return check


def confirm(phone: str, code: str, *, now: dt.datetime | None = None) -> Voter:
    """The phone's voter if `code` is the latest live code sent to it (five tries a code)."""
    now = now or timezone.now()
    key = phone_key(phone)
    with transaction.atomic():
        check = (PhoneCheck.objects.select_for_update()
                 .filter(phone_key=key, confirmed_at__isnull=True, expires_at__gte=now).order_by("-created_at").first())
        if check is None or check.attempts >= MAX_ATTEMPTS:
            raise FieldErrors({"code": _("验证码已失效，请重新获取")})
        right = hmac.compare_digest(check.code_hash, _code_hash(key, (code or "").strip()))
        if right:
            check.confirmed_at = now
        else:
            check.attempts += 1  # kept: the refusal below comes after the commit
        check.save(update_fields=["confirmed_at", "attempts"])
    if not right:
        raise FieldErrors({"code": _("验证码不正确")})
    return Voter(phone_key=key)
