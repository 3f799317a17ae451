"""The real peers notifications are sent to in tests: an SMTP server (aiosmtpd) on a free local port
and an HTTP receiver (http.server in a thread) for the SMS provider and webhooks.

Import the fixtures into a test module: `from tests.notify_peers import smtp, http_receiver, peers`.
"""
from __future__ import annotations

import email
import email.policy
import http.server
import json
import socket
import threading
import time

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """aiosmtpd on 127.0.0.1; `messages` are the parsed e-mails it accepted. `refuse` (a list of
    SMTP replies) answers the next DATA commands with them instead of accepting."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        server = self
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: list[str] = []

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):
                if server.refuse:
                    return server.refuse.pop(0)
                msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                               policy=email.policy.default)
                msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
                server.messages.append(msg)
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def subjects(self) -> list[str]:
        return [str(m["Subject"]).strip() for m in self.messages]  # a long one is folded onto a new line

    def bodies(self) -> list[str]:
        return [m.get_body(("plain",)).get_content() for m in self.messages]

    def wait_for(self, count: int, timeout: float = 10) -> list:
        """The e-mails once `count` have arrived (a browser test's worker sends from another thread)."""
        end = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < end:
            time.sleep(0.05)
        return self.messages

    def close(self):
        self.controller.stop()


class HttpReceiver:
    """A local HTTP server recording each POST (headers, raw and JSON body) and answering with the queued
    status codes (200 when none are queued)."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                          "json": json.loads(body or b"{}")})
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp(settings):
    """A real SMTP server the site sends through (the settings an operator sets, pointed at it)."""
    server = SmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.close()


@pytest.fixture
def http_receiver(settings):
    """A local HTTP receiver, configured as the SMS provider (`/sms`) and allowed as a webhook host."""
    receiver = HttpReceiver()
    settings.GONGZHI = {**settings.GONGZHI, "SMS_BACKEND": "http", "SMS_URL": f"{receiver.url}/sms",
                        "SMS_TOKEN": "provider-token", "SMS_SENDER": "12345",
                        "SMS_ALLOW_HTTP_HOSTS": ["127.0.0.1"], "SMS_ALLOW_INTERNAL_HOSTS": ["127.0.0.1"],
                        "WEBHOOK_ALLOW_HTTP_HOSTS": ["127.0.0.1"], "WEBHOOK_ALLOW_INTERNAL_HOSTS": ["127.0.0.1"],
                        "SITE_URL": "https://12345.example.gov.cn"}
    yield receiver
    receiver.close()


@pytest.fixture
def peers(smtp, http_receiver):
    return smtp, http_receiver
