"""Outbound webhooks against a real HTTP receiver on 127.0.0.1: signed, retried, logged, disabled."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from gongzhi.api import webhooks
from gongzhi.api.models import WebhookDelivery, WebhookSubscription
from gongzhi.appeals import services
from tests.notify_peers import HttpReceiver

SECRET = "s3cret-shared-with-the-receiver"


class Receiver(HttpReceiver):
    """The shared local HTTP receiver, its URL a webhook path."""

    def __init__(self):
        super().__init__()
        self.url += "/hooks"


@pytest.fixture(autouse=True)
def local_receivers_allowed(settings):
    """The receivers here listen on 127.0.0.1 over plain http, which the default policy refuses
    (test_webhook_ssrf.py): allowed explicitly, as an administrator would for an on-premises host."""
    settings.GONGZHI = {**settings.GONGZHI, "WEBHOOK_ALLOW_HTTP_HOSTS": ["127.0.0.1"],
                        "WEBHOOK_ALLOW_INTERNAL_HOSTS": ["127.0.0.1"]}


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def subscribe(user, url, events=()):
    return WebhookSubscription.objects.create(owner=user, url=url, secret=SECRET, events=list(events))


def test_an_event_reaches_the_receiver_signed_with_hmac_sha256(org, make_appeal, receiver, immediate_tasks,
                                                              django_capture_on_commit_callbacks):
    subscribe(org.supervisor, receiver.url, ["dispatched"])
    appeal = make_appeal()
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(appeal, org.dispatcher, org.housing)
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got["headers"]["X-Gongzhi-Event"] == "dispatched"
    assert webhooks.verify(SECRET, got["body"], got["headers"]["X-Gongzhi-Signature"])
    assert not webhooks.verify("another secret", got["body"], got["headers"]["X-Gongzhi-Signature"])
    assert not webhooks.verify(SECRET, got["body"] + b" ", got["headers"]["X-Gongzhi-Signature"])
    payload = json.loads(got["body"])
    assert payload["event"] == "dispatched" and payload["appeal"]["tracking_number"] == appeal.tracking_number
    assert "13812345678" not in got["body"].decode() and "张三" not in got["body"].decode()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.DELIVERED and delivery.last_status_code == 200


def test_subscribers_hear_only_about_appeals_in_their_owners_scope(org, make_appeal, receiver, immediate_tasks,
                                                                   django_capture_on_commit_callbacks):
    subscribe(org.handler_env, receiver.url)  # a handler of another department
    with django_capture_on_commit_callbacks(execute=True):
        appeal = make_appeal()
        services.dispatch(appeal, org.dispatcher, org.housing)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_failures_are_retried_with_backoff_then_delivered(org, make_appeal, receiver, immediate_tasks,
                                                          django_capture_on_commit_callbacks):
    sub = subscribe(org.supervisor, receiver.url)
    receiver.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        make_appeal()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500 and delivery.next_attempt_at > timezone.now() + dt.timedelta(seconds=20)
    assert webhooks.retry_due() == 0  # not yet due
    assert webhooks.retry_due(timezone.now() + dt.timedelta(minutes=1)) == 1
    delivery.refresh_from_db()
    sub.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED and delivery.attempts == 2
    assert sub.consecutive_failures == 0 and len(receiver.received) == 2


def test_the_database_queue_schedules_the_retry_later(org, make_appeal, receiver, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    subscribe(org.supervisor, receiver.url)
    receiver.answers = [503]
    with django_capture_on_commit_callbacks(execute=True):
        make_appeal()
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 0  # queued for the worker, not sent inline
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.attempt(delivery.pk)  # what the worker does
    queued = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert queued.run_after >= timezone.now() + dt.timedelta(seconds=20)


def test_a_dead_receiver_gets_the_subscription_disabled(org, make_appeal, immediate_tasks, settings,
                                                       django_capture_on_commit_callbacks):
    settings.GONGZHI = {**settings.GONGZHI, "WEBHOOK_DISABLE_AFTER": 3, "WEBHOOK_TIMEOUT": 2}
    dead = Receiver()
    url = dead.url
    dead.close()  # nothing listens there any more: connection refused
    sub = subscribe(org.supervisor, url)
    with django_capture_on_commit_callbacks(execute=True):
        make_appeal()
    later = timezone.now()
    for _ in range(4):
        later += dt.timedelta(hours=7)
        webhooks.retry_due(later)
    sub.refresh_from_db()
    assert not sub.active and sub.disabled_at and "3 consecutive" in sub.disabled_reason
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.FAILED and delivery.attempts == 3 and delivery.last_error


def test_subscriptions_and_the_delivery_log_over_the_api(org, api_as, receiver):
    client = api_as(org.admin)  # connecting outside systems is the administrator's job
    created = client.post("/webhooks", {"url": receiver.url, "secret": SECRET, "events": ["closed"]})
    assert created.status_code == 201 and "secret" not in created.json()
    hook_id = created.json()["id"]
    assert client.get(f"/webhooks/{hook_id}/deliveries").json() == []
    assert api_as(org.citizen).post("/webhooks", {"url": receiver.url, "secret": SECRET}).status_code == 403
    assert api_as(org.supervisor).post("/webhooks", {"url": receiver.url, "secret": SECRET}).status_code == 403
    assert api_as(org.operator).get(f"/webhooks/{hook_id}/deliveries").status_code == 404  # not theirs
    assert client.post("/webhooks", {"url": "ftp://x", "secret": SECRET}).status_code == 422
    assert client.delete(f"/webhooks/{hook_id}").status_code == 204
    assert not WebhookSubscription.objects.exists()


def test_a_disabled_subscription_is_enabled_again_by_its_owner_over_the_api(org, api_as, receiver):
    client = api_as(org.admin)
    hook_id = client.post("/webhooks", {"url": receiver.url, "secret": SECRET}).json()["id"]
    WebhookSubscription.objects.filter(pk=hook_id).update(active=False, consecutive_failures=10,
                                                          disabled_at=timezone.now(), disabled_reason="10 failures")
    assert api_as(org.operator).post(f"/webhooks/{hook_id}/enable", {}).status_code == 404  # not theirs
    enabled = client.post(f"/webhooks/{hook_id}/enable", {})
    assert enabled.status_code == 200
    body = enabled.json()
    assert body["active"] and body["consecutive_failures"] == 0 and body["disabled_at"] is None
    assert body["disabled_reason"] == ""
    assert [h["active"] for h in client.get("/webhooks").json()] == [True]
