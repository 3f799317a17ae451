"""The notification registry: one notify, every channel a person chose, sent by the worker to real
peers (an SMTP server and an HTTP receiver on 127.0.0.1), retried with backoff, never sent twice."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core import delivery
from gongzhi.core.models import Delivery, Notification, NotificationPreference
from gongzhi.core.recipients import Address, notify
from tests.conftest import postgres_only
from tests.notify_peers import http_receiver, peers, smtp  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def choose(user, kind, *codes, webhook_url=""):
    NotificationPreference.objects.update_or_create(user=user, defaults={"channels": {kind: list(codes)},
                                                                         "webhook_url": webhook_url})


def send_all():
    """What the worker does with the queued rows."""
    return [delivery.attempt(pk) for pk in Delivery.objects.filter(status="pending").values_list("pk", flat=True)]


def test_notify_keeps_its_old_call_and_writes_only_in_app_rows_for_people_who_chose_nothing(org):
    written = notify([org.handler_housing, org.handler_housing], "assigned", "新派单：电梯故障", "/staff/appeals/1/")
    assert written == 1
    assert Notification.objects.get(user=org.handler_housing).text == "新派单：电梯故障"
    assert not Delivery.objects.exists()


def test_a_handler_gets_an_assignment_by_email_sms_and_webhook_as_chosen(org, peers):
    mail, receiver = peers
    user = org.handler_housing
    user.email, user.phone = "zjj@example.gov.cn", "13900001111"
    user.save()
    choose(user, "assigned", "email", "sms", "webhook", webhook_url=f"{receiver.url}/robot")
    notify([user], "assigned", "新派单：电梯故障", "/staff/appeals/7/")

    assert Notification.objects.filter(user=user, kind="assigned").count() == 1  # in-app at once
    assert set(Delivery.objects.values_list("channel", "status")) == {("email", "pending"), ("sms", "pending"),
                                                                     ("webhook", "pending")}
    assert send_all() == ["sent", "sent", "sent"]

    assert mail.subjects()[0] == "新派单：电梯故障"
    assert mail.messages[0]["X-Envelope-To"] == "zjj@example.gov.cn"
    assert "https://12345.example.gov.cn/staff/appeals/7/" in mail.bodies()[0]
    by_path = {r["path"]: r for r in receiver.received}
    assert by_path["/sms"]["json"]["to"] == "13900001111"
    assert by_path["/sms"]["headers"]["Authorization"] == "Bearer provider-token"
    assert "新派单：电梯故障" in by_path["/sms"]["json"]["text"]
    assert by_path["/robot"]["json"]["kind"] == "assigned"
    sent = Delivery.objects.filter(status="sent")
    assert sent.count() == 3 and all(d.sent_at and d.attempts == 1 and d.context == {} for d in sent)


def test_the_worker_sends_after_the_action_commits(org, smtp, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        notify([], "appeal.closed", "GZ1 电梯", to=[Address("email", "a@example.com")],
               context={"tracking_number": "GZ1", "title": "电梯", "track_link": "", "unsubscribe_link": ""})
        assert smtp.messages == []  # nothing is sent inside the action's transaction
    assert len(smtp.messages) == 1 and Delivery.objects.get().status == "sent"


def _sms(n):
    notify([], "appeal.closed", f"GZ{n} 电梯", to=[Address("sms", f"1390000{n:04d}")],
           context={"tracking_number": f"GZ{n}", "title": "电梯", "track_link": "", "unsubscribe_link": ""})


def test_under_load_a_process_queues_two_sending_tasks_a_window_and_every_message_is_sent(
        org, settings, tmp_path, django_capture_on_commit_callbacks):
    """Queuing a task costs as much as the delivery row itself: the first message of a window gets
    its task at once, the others of the window are sent by one task at its end."""
    import json

    from django_tasks_db.models import DBTaskResult

    outbox = tmp_path / "sms.jsonl"
    settings.GONGZHI = {**settings.GONGZHI, "SMS_BACKEND": "file", "SMS_FILE": str(outbox)}
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            _sms(n)
    tasks = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [t.task_path.rsplit(".", 1)[-1] for t in tasks] == ["send_deliveries", "send_new_deliveries"]
    first, window_end = tasks
    assert first.task.run_after is None  # at once
    assert window_end.run_after >= timezone.now() + dt.timedelta(seconds=delivery.KICK_SECONDS)

    assert delivery.send_deliveries.call(*first.args_kwargs["args"]) == 1  # what the worker does at once
    assert delivery.send_new_deliveries.call() == 4  # and when the window's task is due
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    sent = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert sorted(m["to"] for m in sent) == [f"1390000{n:04d}" for n in range(5)]


def test_after_a_window_the_next_message_gets_its_own_task_again(org, django_capture_on_commit_callbacks):
    from django.core.cache import cache
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        _sms(1)
    cache.delete(delivery.KICK_KEY)  # the window is over
    with django_capture_on_commit_callbacks(execute=True):
        _sms(2)
    paths = [p.rsplit(".", 1)[-1] for p in DBTaskResult.objects.values_list("task_path", flat=True)]
    assert sorted(paths) == ["send_deliveries", "send_deliveries", "send_new_deliveries", "send_new_deliveries"]


def test_a_failing_provider_is_retried_with_growing_waits_until_it_answers(org, http_receiver):
    http_receiver.answers = [503, 502]
    notify([], "appeal.closed", "GZ1", to=[Address("sms", "13812345678")], context={"tracking_number": "GZ1"})
    row = Delivery.objects.get()
    assert delivery.attempt(row.pk) == "pending"
    row.refresh_from_db()
    first_wait = row.next_attempt_at - timezone.now()
    assert row.attempts == 1 and row.last_error == "SMS provider answered HTTP 503"
    assert dt.timedelta(seconds=50) < first_wait <= dt.timedelta(seconds=60)
    assert delivery.attempt(row.pk) is None  # not due yet: nobody sends it early

    delivery.run_due(now=row.next_attempt_at + dt.timedelta(seconds=1))
    row.refresh_from_db()
    assert row.attempts == 2 and row.status == "pending"
    assert row.next_attempt_at - timezone.now() > dt.timedelta(minutes=4)  # the second wait is longer
    delivery.run_due(now=row.next_attempt_at + dt.timedelta(seconds=1))
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 3 and row.last_error == ""
    assert len(http_receiver.received) == 3
    # every try carries the same key, so a provider that did get an earlier one drops the repeat
    keys = {(r["json"]["id"], r["headers"]["Idempotency-Key"]) for r in http_receiver.received}
    assert len(keys) == 1 and next(iter(keys))[0] == next(iter(keys))[1] != ""


def test_a_message_is_given_up_after_the_last_attempt_and_at_once_on_a_permanent_refusal(org, smtp, settings):
    settings.GONGZHI = {**settings.GONGZHI, "NOTIFY_MAX_ATTEMPTS": 2}
    smtp.refuse = ["451 try later", "451 try later", "550 no such mailbox"]
    notify([], "appeal.closed", "x", to=[Address("email", "a@example.com")])
    row = Delivery.objects.get()
    delivery.attempt(row.pk)
    delivery.run_due(now=timezone.now() + dt.timedelta(minutes=2))
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 2 and row.last_error == "SMTP answered 451"
    assert row.context == {}

    notify([], "appeal.closed", "y", to=[Address("email", "b@example.com")])
    other = Delivery.objects.get(address="b@example.com")
    assert delivery.attempt(other.pk) == "failed"
    other.refresh_from_db()
    assert other.attempts == 1 and other.last_error == "SMTP answered 550"
    assert smtp.messages == []


def test_a_message_whose_worker_died_while_sending_is_sent_again_after_the_lease(org, smtp):
    notify([], "appeal.closed", "x", to=[Address("email", "a@example.com")])
    row = Delivery.objects.get()
    claimed = delivery.claim(row.pk, worker="host-a:1")  # worker A takes it … and dies before the result
    assert claimed is not None
    assert delivery.claim(row.pk, worker="host-b:2") is None  # worker B cannot take it meanwhile
    assert delivery.attempt(row.pk, worker="host-b:2") is None

    # Within the lease nothing happens: A may still be sending.
    assert delivery.run_due(now=timezone.now() + delivery.CLAIM_TIMEOUT - dt.timedelta(seconds=30))["reclaimed"] == 0
    assert Delivery.objects.get().status == "sending" and smtp.messages == []

    # After it, the row is taken back and sent: the message is not lost with its worker.
    counts = delivery.run_due(now=timezone.now() + delivery.CLAIM_TIMEOUT + dt.timedelta(seconds=1))
    row.refresh_from_db()
    assert counts == {"reclaimed": 1, "sent": 1}
    assert row.status == "sent" and row.attempts == 2 and row.sent_at is not None
    assert len(smtp.messages) == 1 and smtp.messages[0]["X-Envelope-To"] == "a@example.com"
    # Every try of one delivery carries the same Message-ID, by which a mail system drops a repeat.
    assert smtp.messages[0]["Message-ID"] == f"<{delivery.key_of(row)}@localhost>"
    # A's late result (had it only stalled) is not written over the row either.
    assert delivery.send_claimed(claimed, "host-a:1") == "sent"
    row.refresh_from_db()
    assert row.attempts == 2 and row.status == "sent"


def test_a_reclaimed_message_without_tries_left_is_given_up(org, smtp, settings):
    settings.GONGZHI = {**settings.GONGZHI, "NOTIFY_MAX_ATTEMPTS": 1}
    notify([], "appeal.closed", "x", to=[Address("email", "a@example.com")])
    row = Delivery.objects.get()
    delivery.claim(row.pk, worker="host-a:1")
    delivery.run_due(now=timezone.now() + delivery.CLAIM_TIMEOUT + dt.timedelta(seconds=1))
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 1 and "host-a:1" in row.last_error and row.context == {}
    assert smtp.messages == []


def test_the_delivery_log_is_purged_after_its_retention_period(org, settings):
    settings.GONGZHI = {**settings.GONGZHI, "DELIVERY_LOG_DAYS": 30}
    notify([], "appeal.closed", "x", to=[Address("email", "old@example.com"), Address("email", "waiting@example.com"),
                                         Address("email", "new@example.com")])
    Delivery.objects.filter(address__in=["old@example.com", "waiting@example.com"]).update(
        created_at=timezone.now() - dt.timedelta(days=31))
    Delivery.objects.filter(address__in=["old@example.com", "new@example.com"]).update(status="sent")
    assert delivery.purge() == 1
    assert set(Delivery.objects.values_list("address", flat=True)) == {"waiting@example.com", "new@example.com"}
    settings.GONGZHI = {**settings.GONGZHI, "DELIVERY_LOG_DAYS": 0}  # 0: kept for ever
    Delivery.objects.update(status="failed")
    assert delivery.purge(now=timezone.now() + dt.timedelta(days=3650)) == 0


def test_the_worker_purges_the_delivery_log_daily():
    from gongzhi.core import periodic

    assert periodic.TABLE[delivery.purge_delivery_log] == 24 * 3600
    assert "delivery-log" in periodic.SWEEPS


def test_an_sms_provider_on_an_internal_address_is_refused_unless_the_operator_allowed_it(org, http_receiver, settings):
    settings.GONGZHI = {**settings.GONGZHI, "SMS_ALLOW_HTTP_HOSTS": [], "SMS_ALLOW_INTERNAL_HOSTS": []}
    notify([], "appeal.closed", "x", to=[Address("sms", "13812345678")])
    row = Delivery.objects.get()
    assert delivery.attempt(row.pk) == "failed"
    row.refresh_from_db()
    assert row.last_error.startswith("SMS provider refused by the outbound policy")
    assert http_receiver.received == []


def test_the_delivery_log_shows_addresses_masked(org, client):
    from gongzhi.core.models import User

    notify([], "appeal.closed", "x", to=[Address("sms", "13812345678"), Address("email", "zhang@example.com")])
    admin_user = User.objects.create_superuser("root", password="Passw0rd!x")
    client.force_login(admin_user)
    page = client.get("/admin/core/delivery/").content.decode()
    assert "138****5678" in page and "z***@example.com" in page
    assert "13812345678" not in page and "zhang@example.com" not in page


@postgres_only("the claim races real concurrent transactions (SELECT … FOR UPDATE SKIP LOCKED)")
@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_message_send_it_once(org, smtp):
    import threading

    from django.db import connection

    notify([], "appeal.closed", "x", to=[Address("email", "a@example.com")])
    pk = Delivery.objects.get().pk
    start, results = threading.Barrier(6), []

    def worker(n):
        try:
            start.wait()
            results.append(delivery.attempt(pk, worker=f"host:{n}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [None] * 5 + ["sent"]
    assert len(smtp.messages) == 1 and Delivery.objects.get().attempts == 1
