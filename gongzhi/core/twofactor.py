"""Two-factor sign-in (等保 2.0 身份鉴别: two factors for privileged users): a TOTP authenticator
(django-otp) after the password, required of administrators, leaders and every role that may
reveal personal data (core.reveal.revealing_roles()).

After the password such a user is signed in but not verified: every page sends them to
/accounts/two-factor/ until they type a code from their authenticator. Someone without a device yet
is shown a new key there (to type or paste into any TOTP app: FreeOTP, Google or Microsoft
Authenticator, 1Password …) and confirms it with a first code. A lost phone: an administrator runs
`gongzhi twofactor reset USERNAME` (audited) and the user enrols again at the next sign-in.
Wrong codes are slowed down by django-otp's throttling (each failure doubles the wait) and audited.
The JSON API signs in with bearer tokens, not sessions, and is not affected.
"""
from __future__ import annotations

import base64
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import audit, scoping
from .models import Role

# Always, besides the revealing roles: administrators and leaders.
ALWAYS = (Role.ADMIN, Role.LEADER)
# What an unverified user may still open: the two-factor page itself, signing out, assets.
EXEMPT_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/static/", "/i18n/", "/favicon")


def required_roles() -> set[str]:
    from .reveal import revealing_roles

    return set(ALWAYS) | revealing_roles()


def required_for(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff:
        return True
    needed = required_roles()
    return any(r.role in needed for r in scoping.roles_of(user))


def confirmed_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def enrolment_device(user):
    """The user's unconfirmed device (a new key), made once and kept until it is confirmed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def secret_of(device) -> str:
    """The key as authenticator apps take it (base32, in groups of four)."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


class TwoFactorMiddleware:
    """After django_otp's OTPMiddleware: a user who needs a second factor and has not given it
    this session is sent to the two-factor page, from every page but that one and signing out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not request.path.startswith(EXEMPT_PREFIXES)
                and not user.is_verified() and required_for(user)):
            return redirect(f"{reverse('two_factor')}?next={quote(request.get_full_path())}")
        return self.get_response(request)


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("after_login")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return reverse("after_login")
    return target


@login_required
def two_factor(request):
    """Type the code (or, the first time, add the key to an app and confirm it with a code)."""
    from django_otp import login as otp_login

    user = request.user
    if not required_for(user) or user.is_verified():
        return redirect(_next(request))
    device = confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = enrolment_device(user)
    error = ""
    if request.method == "POST":
        token = "".join(ch for ch in request.POST.get("token", "") if ch.isdigit())[:8]
        allowed, _why = device.verify_is_allowed()
        if allowed and token and device.verify_token(token):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit.record(user, "two_factor_enrolled", user, request=request)
            otp_login(request, device)
            audit.record(user, "two_factor_verified", user, request=request)
            request.session.cycle_key()
            return redirect(_next(request))
        audit.record(user, "two_factor_failed", user, request=request, throttled=not allowed)
        error = _("验证码错误或已过期，请稍后再试") if allowed else _("验证码错误次数过多，请稍后再试")
    context = {"enrolling": enrolling, "error": error, "next": _next(request)}
    if enrolling:
        context.update(secret=secret_of(device), config_url=device.config_url)
    return render(request, "core/two_factor.html", context, status=200 if not error else 400)


def current_code(device) -> str:
    """The code the device's app shows now (for `gongzhi twofactor code` on a development install)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def seed_device(user, key_hex: str | None = None):
    """A confirmed device for `user` (the demo's accounts, tests): returns it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    fields = {"name": "authenticator", "confirmed": True}
    if key_hex:
        fields["key"] = key_hex
    device, _created = TOTPDevice.objects.update_or_create(user=user, name="authenticator", defaults=fields)
    return device


def issuer() -> str:
    return getattr(settings, "OTP_TOTP_ISSUER", "Gongzhi")
