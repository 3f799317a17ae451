"""Webhooks cannot be aimed at the platform's own network: https to public addresses only, checked
when a subscription is made and again before every delivery, after DNS resolution, on the address
actually connected to; only an administrator subscribes. Receivers are real HTTP(S) servers on
127.0.0.1; host names are given their DNS answers by replacing the one resolver call outbound makes."""
from __future__ import annotations

import http.server
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from gongzhi.api import webhooks
from gongzhi.api.models import WebhookDelivery, WebhookSubscription
from gongzhi.appeals import services
from gongzhi.core import outbound

SECRET = "s3cret-shared-with-the-receiver"
PUBLIC = "93.184.215.14"  # a public address: registration checks it, no test ever connects to it


class Receiver:
    """An HTTP (or HTTPS) server on 127.0.0.1 recording requests; answers with `status` and `headers`."""

    def __init__(self, status: int = 200, headers: dict | None = None, tls: ssl.SSLContext | None = None):
        self.received: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def allow(settings):
    def set_(http=(), internal=()):
        settings.GONGZHI = {**settings.GONGZHI, "WEBHOOK_ALLOW_HTTP_HOSTS": list(http),
                            "WEBHOOK_ALLOW_INTERNAL_HOSTS": list(internal)}
    return set_


@pytest.fixture
def dns(monkeypatch):
    """Give host names the answers listed (one list per look-up, the last one repeating)."""
    answers: dict[str, list[list[str]]] = {}
    calls: list[str] = []
    real = outbound._getaddrinfo

    def fake(host, port):
        if host not in answers:
            if host == "localhost" or host.replace(".", "").isdigit() or ":" in host:
                return real(host, port)  # answered on this machine
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")  # no DNS query leaves
        calls.append(host)
        queue = answers[host]
        ips = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
                for ip in ips]

    monkeypatch.setattr(outbound, "_getaddrinfo", fake)
    fake.answers, fake.calls = answers, calls
    return fake


def deliver_one(org, make_appeal, django_capture_on_commit_callbacks, url: str) -> WebhookDelivery:
    WebhookSubscription.objects.create(owner=org.supervisor, url=url, secret=SECRET, events=["dispatched"])
    with django_capture_on_commit_callbacks(execute=True):
        appeal = make_appeal()
        services.dispatch(appeal, org.dispatcher, org.housing)
    return WebhookDelivery.objects.filter(subscription__url=url).order_by("id").first()


# ----------------------------------------------------------------- registration

@pytest.mark.parametrize("url", [
    "http://127.0.0.1:5432/", "http://localhost:22/", "http://169.254.169.254/latest/meta-data/",
    "https://127.0.0.1:5432/", "https://localhost/", "https://[::1]/", "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/", "https://2130706433/", "https://0x7f000001/", "https://0177.0.0.1/",
    "https://127.1/", "https://0x7f.0.0.1/", "https://10.0.0.5/", "https://172.16.3.4/", "https://192.168.1.1/",
    "https://100.100.100.200/", "https://169.254.169.254/", "https://[fd00:ec2::254]/", "https://[fe80::1]/",
    "https://[fe80::1%25eth0]/", "https://[fc00::1]/", "https://224.0.0.1/", "https://[ff02::1]/",
    "https://0.0.0.0/", "https://[::]/", "https://240.0.0.1/", "https://255.255.255.255/",
    "https://[2002:7f00:1::]/", "https://[64:ff9b::a00:1]/", "https://[::127.0.0.1]/",
    "https://user:pw@93.184.215.14/", "https://93.184.215.14@127.0.0.1/", f"http://{PUBLIC}/hook",
])
def test_internal_or_plain_http_targets_are_refused_at_registration(org, api_as, dns, url):
    response = api_as(org.admin).post("/webhooks", {"url": url, "secret": SECRET})
    assert response.status_code == 422, (url, response.content)
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "url"] and error["msg"]
    assert not WebhookSubscription.objects.exists()


def test_a_public_https_receiver_is_accepted_for_an_administrator_only(org, api_as, dns):
    url = f"https://{PUBLIC}/gongzhi-events"
    assert api_as(org.handler_housing).post("/webhooks", {"url": url, "secret": SECRET}).status_code == 403
    assert api_as(org.supervisor).post("/webhooks", {"url": url, "secret": SECRET}).status_code == 403
    created = api_as(org.admin).post("/webhooks", {"url": url, "secret": SECRET})
    assert created.status_code == 201 and created.json()["url"] == url


def test_a_host_name_resolving_to_an_internal_address_is_refused_like_one_that_does_not_resolve(org, api_as, dns):
    dns.answers["intranet-db.example.gov.cn"] = [["10.1.2.3"]]
    dns.answers["mixed.example.gov.cn"] = [[PUBLIC, "127.0.0.1"]]  # one bad answer is enough
    admin = api_as(org.admin)
    internal = admin.post("/webhooks", {"url": "https://intranet-db.example.gov.cn/", "secret": SECRET})
    mixed = admin.post("/webhooks", {"url": "https://mixed.example.gov.cn/", "secret": SECRET})
    missing = admin.post("/webhooks", {"url": "https://no-such-host.invalid/", "secret": SECRET})
    assert internal.status_code == mixed.status_code == missing.status_code == 422
    # the same words for all three: the answer does not map which internal names exist
    assert internal.json() == mixed.json() == missing.json()


def test_the_admin_form_applies_the_same_policy(org, client, dns):
    from gongzhi.core.models import User

    root = User.objects.create_superuser("root", password="x-Passw0rd!")
    client.force_login(root)
    form = {"owner": org.admin.pk, "url": "http://127.0.0.1:6379/", "secret": SECRET, "events": "[]",
            "active": "on", "deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0"}
    response = client.post("/admin/api/webhooksubscription/add/", form)
    assert response.status_code == 200 and not WebhookSubscription.objects.exists()
    assert "https://" in response.content.decode()


# ----------------------------------------------------------------- delivery

def test_the_default_policy_refuses_the_local_test_receiver_without_connecting(
        org, make_appeal, receiver, immediate_tasks, django_capture_on_commit_callbacks):
    """A subscription that exists already (made before the policy, or in the database by hand)."""
    delivery = deliver_one(org, make_appeal, django_capture_on_commit_callbacks,
                           f"http://127.0.0.1:{receiver.port}/hooks")
    assert receiver.received == []
    assert delivery.state != WebhookDelivery.State.DELIVERED and delivery.last_status_code is None
    assert delivery.last_error


def test_the_delivery_log_does_not_tell_a_listening_internal_port_from_a_closed_one(
        org, make_appeal, receiver, immediate_tasks, django_capture_on_commit_callbacks, allow):
    allow(http=["127.0.0.1"])  # plain http allowed, internal addresses not
    closed = Receiver()
    closed_port = closed.port
    closed.close()
    WebhookSubscription.objects.create(owner=org.supervisor, url=f"http://127.0.0.1:{receiver.port}/", secret=SECRET,
                                       events=["dispatched"])
    WebhookSubscription.objects.create(owner=org.supervisor, url=f"http://127.0.0.1:{closed_port}/", secret=SECRET,
                                       events=["dispatched"])
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(make_appeal(), org.dispatcher, org.housing)
    logged = {(d.state, d.last_status_code, d.last_error) for d in WebhookDelivery.objects.all()}
    assert len(logged) == 1 and WebhookDelivery.objects.count() == 2
    assert receiver.received == []


def test_dns_rebinding_after_registration_is_refused_at_delivery(
        org, api_as, make_appeal, receiver, immediate_tasks, django_capture_on_commit_callbacks, allow, dns):
    allow(http=["rebind.example.com"])
    dns.answers["rebind.example.com"] = [[PUBLIC], ["127.0.0.1"]]  # public when checked, loopback later
    url = f"http://rebind.example.com:{receiver.port}/hooks"
    created = api_as(org.admin).post("/webhooks", {"url": url, "secret": SECRET, "events": ["dispatched"]})
    assert created.status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(make_appeal(), org.dispatcher, org.housing)
    delivery = WebhookDelivery.objects.get()
    assert receiver.received == [] and delivery.last_status_code is None and delivery.last_error


def test_the_connection_goes_to_the_checked_address_with_the_host_name_kept(
        org, make_appeal, receiver, immediate_tasks, django_capture_on_commit_callbacks, allow, dns):
    allow(http=["hooks.city.internal"], internal=["hooks.city.internal"])
    # Checked once per delivery; a second look-up would get 127.0.0.2, where nothing listens.
    dns.answers["hooks.city.internal"] = [["127.0.0.1"], ["127.0.0.2"]]
    delivery = deliver_one(org, make_appeal, django_capture_on_commit_callbacks,
                           f"http://hooks.city.internal:{receiver.port}/hooks")
    assert delivery.state == WebhookDelivery.State.DELIVERED, delivery.last_error
    assert dns.calls == ["hooks.city.internal"]
    assert receiver.received[0]["headers"]["Host"] == f"hooks.city.internal:{receiver.port}"


def test_redirects_are_not_followed(org, make_appeal, receiver, immediate_tasks, django_capture_on_commit_callbacks,
                                    allow):
    allow(http=["127.0.0.1"], internal=["127.0.0.1"])
    redirecting = Receiver(302, {"Location": f"http://127.0.0.1:{receiver.port}/hooks"})
    try:
        delivery = deliver_one(org, make_appeal, django_capture_on_commit_callbacks,
                               f"http://127.0.0.1:{redirecting.port}/hooks")
    finally:
        redirecting.close()
    assert len(redirecting.received) == 1 and receiver.received == []
    assert delivery.state == WebhookDelivery.State.PENDING and delivery.last_status_code == 302


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An HTTPS receiver whose certificate names receiver.example.gov.cn, trusted through SSL_CERT_FILE."""
    assert shutil.which("openssl"), "scripts/test.sh installs openssl (Debian) for this certificate"
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=receiver.example.gov.cn",
                    "-addext", "subjectAltName=DNS:receiver.example.gov.cn"], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    r = Receiver(tls=context)
    yield r
    r.close()


def test_https_to_a_pinned_address_still_checks_the_certificate_for_the_host_name(
        org, make_appeal, tls_receiver, immediate_tasks, django_capture_on_commit_callbacks, allow, dns):
    allow(internal=["receiver.example.gov.cn", "impostor.example.gov.cn"])
    dns.answers["receiver.example.gov.cn"] = [["127.0.0.1"]]
    dns.answers["impostor.example.gov.cn"] = [["127.0.0.1"]]
    good = deliver_one(org, make_appeal, django_capture_on_commit_callbacks,
                       f"https://receiver.example.gov.cn:{tls_receiver.port}/hooks")
    assert good.state == WebhookDelivery.State.DELIVERED, good.last_error
    assert tls_receiver.received[0]["headers"]["Host"] == f"receiver.example.gov.cn:{tls_receiver.port}"
    WebhookDelivery.objects.all().delete()
    WebhookSubscription.objects.all().delete()
    bad = deliver_one(org, make_appeal, django_capture_on_commit_callbacks,
                      f"https://impostor.example.gov.cn:{tls_receiver.port}/hooks")
    assert bad.state != WebhookDelivery.State.DELIVERED and "certificate" in bad.last_error.lower()
    assert len(tls_receiver.received) == 1


def test_webhooks_check_target_refuses_by_default_what_the_tests_allow(settings):
    settings.GONGZHI = {k: v for k, v in settings.GONGZHI.items() if not k.startswith("WEBHOOK_ALLOW")}
    with pytest.raises(outbound.Refused):
        webhooks.check_target("http://127.0.0.1:8000/hooks")
