"""The channels a message can go out on, one class each (in the style of healthchecks' transports).

A channel knows the address a staff member has on it (`address_of`), how to show an address
masked (`masked`), and how to send one rendered message (`send`), raising `DeliveryError` when it
could not (permanent or to be retried). `CHANNELS` is the registry, keyed by code; a new channel is
a class here and one entry there.

In-app is a channel too, but it writes the Notification row at once, inside `notify` (a row in
our own database cannot fail the way an SMTP server or a provider can): it has no delivery row.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import json
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext_lazy as _

from . import outbound, sms
from .errors import DeliveryError
from .pii import mask_email, mask_phone


@dataclass(frozen=True)
class Message:
    address: str
    subject: str
    body: str
    kind: str = ""
    link: str = ""
    ref: str = ""
    extra: dict = field(default_factory=dict)
    key: str = ""  # the same on every try of one delivery (core.delivery.key_of): receivers drop repeats


class Channel(ABC):
    code = ""
    label = _("渠道")
    # Whether a staff member may choose it in their settings (and which address it needs).
    for_staff = True

    def address_of(self, user, preference=None) -> str:
        return ""

    def masked(self, address: str) -> str:
        return "****"

    def available(self) -> bool:
        return True

    @abstractmethod
    def send(self, message: Message) -> None:
        """Deliver it, or raise DeliveryError (the delivery log retries it later)."""


class InApp(Channel):
    code = "inapp"
    label = _("站内通知")

    def address_of(self, user, preference=None) -> str:
        return str(user.pk)

    def masked(self, address: str) -> str:
        return address

    def send(self, message: Message) -> None:  # notify writes the rows itself; this is for completeness
        from .models import Notification

        Notification.objects.create(user_id=int(message.address), kind=message.kind, text=message.body[:300],
                                    link=message.link[:300])


class Email(Channel):
    code = "email"
    label = _("电子邮件")

    def address_of(self, user, preference=None) -> str:
        return (user.email or "").strip()

    def masked(self, address: str) -> str:
        return mask_email(address)

    def send(self, message: Message) -> None:
        connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", 20))
        headers = {"Message-ID": _stable_msgid(message.key, _mail_domain())} if message.key else {}
        mail = EmailMessage(message.subject or message.body[:60], message.body, settings.DEFAULT_FROM_EMAIL,
                            [message.address], connection=connection, headers=headers)
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError("SMTP refused the recipient", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP answered {exc.smtp_code}", permanent=500 <= exc.smtp_code < 600) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP: {exc.__class__.__name__}") from exc


def _mail_domain() -> str:
    return (settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost")


def _stable_msgid(key: str, domain: str) -> str:
    return f"<{key}@{domain}>"


class Sms(Channel):
    code = "sms"
    label = _("短信")

    def address_of(self, user, preference=None) -> str:
        return (getattr(user, "phone", "") or "").strip()

    def masked(self, address: str) -> str:
        return mask_phone(address)

    def available(self) -> bool:
        return sms.backend() is not None

    def send(self, message: Message) -> None:
        provider = sms.backend()
        if provider is None:
            raise DeliveryError("SMS is not configured (GONGZHI_SMS_BACKEND)", permanent=True)
        provider.send(message.address, message.body, key=message.key)


class Webhook(Channel):
    code = "webhook"
    label = _("Webhook（如企业微信、钉钉机器人的中转地址）")

    def address_of(self, user, preference=None) -> str:
        return (getattr(preference, "webhook_url", "") or "").strip()

    def masked(self, address: str) -> str:
        try:
            return outbound.check_url(address, policy(), resolve=False).host
        except outbound.Refused:
            return "****"

    def send(self, message: Message) -> None:
        body = json.dumps({"kind": message.kind, "subject": message.subject, "text": message.body,
                           "link": message.link}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Gongzhi-Notify/1"}
        if message.key:
            headers["Idempotency-Key"] = message.key
        try:
            answer = outbound.post(message.address, body, headers, policy=policy(),
                                   timeout=float(sms.option("NOTIFY_TIMEOUT", 10)))
        except outbound.Refused as exc:
            raise DeliveryError(f"refused by the outbound policy: {exc}", permanent=True) from exc
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"webhook unreachable: {exc.__class__.__name__}") from exc
        if not 200 <= answer.status < 300:
            raise DeliveryError(f"webhook answered HTTP {answer.status}",
                                permanent=400 <= answer.status < 500 and answer.status not in (408, 429))


def policy() -> outbound.Policy:
    """Where staff webhooks may go: the same named exceptions as the API's webhooks."""
    return outbound.Policy.of(allow_http_hosts=sms.option("WEBHOOK_ALLOW_HTTP_HOSTS", ()) or (),
                              allow_internal_hosts=sms.option("WEBHOOK_ALLOW_INTERNAL_HOSTS", ()) or ())


CHANNELS: dict[str, Channel] = {c.code: c for c in (InApp(), Email(), Sms(), Webhook())}


def get(code: str) -> Channel | None:
    return CHANNELS.get(code)


def masked(code: str, address: str) -> str:
    channel = CHANNELS.get(code)
    return channel.masked(address) if channel else "****"
