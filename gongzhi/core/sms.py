"""SMS providers behind one interface: `backend().send(number, text)`.

* `console` (the development default): prints the message with the number masked;
* `file`: appends one JSON line per message to GONGZHI_SMS_FILE (a development outbox to read);
* `http`: one POST per message to the provider's GONGZHI_SMS_URL, JSON {"to", "text", "sender", "id"},
  with GONGZHI_SMS_TOKEN as a bearer token and the message's key as `id` and as the Idempotency-Key
  header (the same on every try of one message: a provider that saw it drops the repeat), through the outbound policy of `core.outbound` (https
  to public addresses unless the administrator named the host in GONGZHI_SMS_ALLOW_HTTP_HOSTS or
  GONGZHI_SMS_ALLOW_INTERNAL_HOSTS). A provider with another body format gets an adapter class here.

A send that fails raises `channels.DeliveryError`: permanent for an answer that will not change
(a 4xx other than 408/429), otherwise to be tried again later.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import json
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import outbound
from .errors import DeliveryError
from .pii import mask_phone

_file_lock = threading.Lock()


def option(name: str, default=""):
    return getattr(settings, "GONGZHI", {}).get(name, default)


class SmsBackend(ABC):
    name = ""

    @abstractmethod
    def send(self, number: str, text: str, key: str = "") -> None:
        """Deliver it, or raise DeliveryError (the delivery log retries it later). `key` is the same on
        every try of one message (core.delivery.key_of), for providers that drop repeats."""


class ConsoleBackend(SmsBackend):
    name = "console"

    def send(self, number: str, text: str, key: str = "") -> None:
        sys.stdout.write(f"[SMS to {mask_phone(number)}] {text}\n")
        sys.stdout.flush()


class FileBackend(SmsBackend):
    name = "file"

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def send(self, number: str, text: str, key: str = "") -> None:
        line = json.dumps({"at": timezone.now().isoformat(), "to": number, "text": text, "id": key},
                          ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _file_lock, self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError as exc:
            raise DeliveryError(f"SMS file: {exc.strerror or exc.__class__.__name__}") from exc


class HttpBackend(SmsBackend):
    name = "http"

    def __init__(self, url: str, token: str = "", sender: str = "", policy: outbound.Policy | None = None,
                 timeout: float = 10):
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout
        self.policy = policy or outbound.Policy()

    def send(self, number: str, text: str, key: str = "") -> None:
        body = json.dumps({"to": number, "text": text, "sender": self.sender, "id": key}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Gongzhi-SMS/1"}
        if key:
            headers["Idempotency-Key"] = key
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            answer = outbound.post(self.url, body, headers, policy=self.policy, timeout=self.timeout)
        except outbound.Refused as exc:
            raise DeliveryError(f"SMS provider refused by the outbound policy: {exc}", permanent=True) from exc
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"SMS provider unreachable: {exc.__class__.__name__}") from exc
        if 200 <= answer.status < 300:
            return
        permanent = 400 <= answer.status < 500 and answer.status not in (408, 429)
        raise DeliveryError(f"SMS provider answered HTTP {answer.status}", permanent=permanent)


def backend() -> SmsBackend | None:
    """The configured provider, or None when SMS is off."""
    name = (option("SMS_BACKEND") or "").strip().lower()
    if name == "console":
        return ConsoleBackend()
    if name == "file":
        return FileBackend(option("SMS_FILE"))
    if name == "http" and option("SMS_URL"):
        policy = outbound.Policy.of(allow_http_hosts=option("SMS_ALLOW_HTTP_HOSTS", ()) or (),
                                    allow_internal_hosts=option("SMS_ALLOW_INTERNAL_HOSTS", ()) or ())
        return HttpBackend(option("SMS_URL"), option("SMS_TOKEN"), option("SMS_SENDER"), policy,
                           timeout=float(option("NOTIFY_TIMEOUT", 10)))
    return None
