"""Sending what `recipients.notify` queued: the delivery log, retries with backoff, sent at most once.

`queue(rows)` inserts Delivery rows (one INSERT) and, once the caller's transaction commits, has the
task worker (`gongzhi worker`, django-tasks) send them: nothing is sent on the request that caused
the message. Queuing a task is a row of its own (an INSERT and a commit, as much as the delivery),
so under load a process queues at most two per KICK_SECONDS (`_kick`): the first rows of a window
get a task of their own at once, and one task at the window's end sends whatever was committed
meanwhile. The worker runs `attempt(pk)` for each row:

1. **claim** the row atomically: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED` of a row that is
   due, then status SENDING with the claimer's name; elsewhere one conditional UPDATE (pending and
   due → sending) that only one worker can win. A row that is not due, or claimed, is left alone;
2. render the message (core.messages) and send it on its channel (core.channels);
3. record the result at once, on the claimed row only (status SENDING and claimed by this worker):
   sent (with sent_at; the context, which may hold an access code, erased), or failed and due again
   after a backoff (BACKOFF_SECONDS), or given up after NOTIFY_MAX_ATTEMPTS or a permanent error.

A claim is a lease. A worker that dies between claim and result leaves the row SENDING; once the
lease is over (CLAIM_TIMEOUT, ten minutes, far beyond any channel's time-out, so a live worker has
long written its result) the periodic `run_due` takes the row back: the lost try counts as an
attempt (last_error says so) and the row is sent again at once, until NOTIFY_MAX_ATTEMPTS, so a
message is not lost with its worker. The dead worker cannot have written a result; had it only
stalled, its late result is refused (the row is no longer its claim). That the message had in fact
left before the worker died cannot be known, so every try carries the same key — the e-mail's
Message-ID, the webhook's Idempotency-Key header (`key_of`) — by which a receiver drops a repeat.
`run_due` (every minute) also sends the rows whose retry time has come and rows whose task was lost,
and `purge` (daily) deletes the log's rows older than GONGZHI_DELIVERY_LOG_DAYS that are finished.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django_tasks import task

from . import channels, messages, periodic
from .errors import DeliveryError
from .models import Delivery

log = logging.getLogger(__name__)
BACKOFF_SECONDS = [60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600]
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
LOST_AFTER = dt.timedelta(minutes=2)  # a pending row no task took within this is sent by run_due
KICK_SECONDS = 1.0  # the window in which one process queues at most two sending tasks
KICK_MARGIN = dt.timedelta(seconds=0.5)  # the window's last task runs this long after it (clocks differ)
KICK_KEY = "gongzhi.delivery.kick"
RECLAIMED = "worker lost while sending ({worker}); tried again"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def max_attempts() -> int:
    from django.conf import settings

    return int(getattr(settings, "GONGZHI", {}).get("NOTIFY_MAX_ATTEMPTS", 6))


def log_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "GONGZHI", {}).get("DELIVERY_LOG_DAYS", 90))


KEY_RE = re.compile(r"gongzhi-delivery-(\d+)\.([0-9a-f]{16})")


def _key_signature(pk: int) -> str:
    return salted_hmac("gongzhi.core.delivery.key", str(pk)).hexdigest()[:16]


def key_of(row: Delivery) -> str:
    """The one name of this message on every try (a receiver that saw it drops a repeat). It is
    signed, so a reply that names it (an e-mail's In-Reply-To) cannot be forged from a row number."""
    return f"gongzhi-delivery-{row.pk}.{_key_signature(row.pk)}"


def delivery_ids_in(text: str) -> list[int]:
    """The deliveries whose genuine keys `text` names (e.g. a reply's In-Reply-To and References)."""
    return [int(pk) for pk, sig in KEY_RE.findall(text or "") if constant_time_compare(sig, _key_signature(int(pk)))]


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed try: 1 min, 5 min, 30 min, 2 h, then 6 h."""
    return dt.timedelta(seconds=BACKOFF_SECONDS[min(max(attempts, 1) - 1, len(BACKOFF_SECONDS) - 1)])


def queue(rows: list[Delivery]) -> list[Delivery]:
    """Store the deliveries and, after the current transaction commits, have the worker send them."""
    if not rows:
        return []
    created = Delivery.objects.bulk_create(rows)
    ids = [d.pk for d in created if d.pk is not None]
    if ids:
        transaction.on_commit(lambda: _kick(ids))
    return created


def _kick(ids: list[int]) -> None:
    """Have the worker send these committed rows soon. The first rows in a window of KICK_SECONDS
    get their own task at once, with a task at the window's end (plus a margin) that sends every
    row still due; rows committed within the window are left to that one. The window is a cache
    key, so with a shared cache (Redis) it is one window for all processes."""
    try:
        if not send_deliveries.get_backend().supports_defer:
            _enqueue(ids)
            return
        if not cache.add(KICK_KEY, True, KICK_SECONDS):
            return  # the window's last task, already queued, runs after this commit: it sends them
        _enqueue(ids)
        send_new_deliveries.using(run_after=timezone.now() + dt.timedelta(seconds=KICK_SECONDS) + KICK_MARGIN).enqueue()
    except Exception:  # as in _enqueue: run_due catches up with anything a queue problem left
        log.exception("could not queue %d deliveries", len(ids))


def _enqueue(ids: list[int], run_after: dt.datetime | None = None) -> None:
    try:
        if run_after is not None:
            if not send_deliveries.get_backend().supports_defer:
                return  # run_due sends it when its time comes
            send_deliveries.using(run_after=run_after).enqueue(ids)
        else:
            send_deliveries.enqueue(ids)
    except Exception:  # a queue problem never breaks the action that caused the message; run_due catches up
        log.exception("could not queue %d deliveries", len(ids))


def _due(now: dt.datetime) -> Q:
    return Q(status=Delivery.Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def claim(pk: int, worker: str | None = None, now: dt.datetime | None = None) -> Delivery | None:
    """Take the row for sending if it is due and nobody else has; None otherwise."""
    now = now or timezone.now()
    worker = worker or worker_name()
    if connection.vendor == "postgresql":
        with transaction.atomic():
            row = Delivery.objects.select_for_update(skip_locked=True).filter(_due(now), pk=pk).first()
            if row is None:
                return None
            Delivery.objects.filter(pk=pk).update(status=Delivery.Status.SENDING, claimed_at=now, claimed_by=worker)
    elif not Delivery.objects.filter(_due(now), pk=pk).update(status=Delivery.Status.SENDING, claimed_at=now,
                                                                 claimed_by=worker):
        return None
    return Delivery.objects.get(pk=pk)


def _finish(row: Delivery, worker: str, **fields) -> bool:
    """Write the result on the row this worker claimed (and only then)."""
    return bool(Delivery.objects.filter(pk=row.pk, status=Delivery.Status.SENDING, claimed_by=worker)
                .update(attempts=F("attempts") + 1, claimed_at=None, **fields))


def send_claimed(row: Delivery, worker: str) -> str:
    """Render and send a claimed row, then record the result; returns the new status."""
    channel = channels.get(row.channel)
    error: DeliveryError | None = None
    if channel is None:
        error = DeliveryError(f"unknown channel {row.channel}", permanent=True)
    else:
        wording = messages.render(row.template, row.channel, row.language, row.context)
        message = channels.Message(address=row.address, subject=wording.subject, body=wording.body,
                                   kind=row.template, link=str(row.context.get("link", "")), ref=row.ref,
                                   key=key_of(row))
        try:
            channel.send(message)
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # a bug in a channel: tried again later; logged by class only, since
            # an exception's text may carry the address (the log scrubber knows phones, not e-mail)
            log.error("delivery %s on %s failed unexpectedly: %s", row.pk, row.channel, exc.__class__.__name__)
            error = DeliveryError(exc.__class__.__name__)
    now = timezone.now()
    if error is None:
        _finish(row, worker, status=Delivery.Status.SENT, sent_at=now, last_error="", next_attempt_at=None, context={})
        return Delivery.Status.SENT
    attempts = row.attempts + 1
    if error.permanent or attempts >= max_attempts():
        _finish(row, worker, status=Delivery.Status.FAILED, last_error=str(error)[:300], next_attempt_at=None,
                context={})
        return Delivery.Status.FAILED
    retry_at = now + backoff(attempts)
    _finish(row, worker, status=Delivery.Status.PENDING, last_error=str(error)[:300], next_attempt_at=retry_at)
    transaction.on_commit(lambda: _enqueue([row.pk], retry_at))
    return Delivery.Status.PENDING


def attempt(pk: int, worker: str | None = None, now: dt.datetime | None = None) -> str | None:
    """Claim and send one delivery; None if it was not due (at `now`) or someone else has it."""
    worker = worker or worker_name()
    row = claim(pk, worker, now)
    return send_claimed(row, worker) if row is not None else None


@task()
def send_deliveries(ids: list[int]) -> int:
    """The worker's task: send these deliveries (those still due); how many went out."""
    return _send_each(ids)


def _send_each(ids, now: dt.datetime | None = None) -> int:
    """Attempt each row (those still due at `now`); how many went out."""
    return sum(attempt(pk, now=now) == Delivery.Status.SENT for pk in ids)


def reclaim(now: dt.datetime | None = None) -> int:
    """Take back the rows whose claim (lease) ran out: their worker died. The lost try counts; a row
    with tries left is due again at once, one without is given up. Returns how many were taken back."""
    now = now or timezone.now()
    taken = 0
    stale = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    for row in stale.only("pk", "attempts", "claimed_by", "claimed_at")[:500]:
        last = row.attempts + 1 >= max_attempts()
        fields = {"status": Delivery.Status.FAILED, "next_attempt_at": None, "context": {}} if last else {
            "status": Delivery.Status.PENDING, "next_attempt_at": now}
        # Only while it is still that claim: a worker that was merely slow and has now finished wins.
        taken += Delivery.objects.filter(pk=row.pk, status=Delivery.Status.SENDING, claimed_by=row.claimed_by,
                                         claimed_at=row.claimed_at).update(
            attempts=F("attempts") + 1, claimed_at=None, claimed_by="",
            last_error=RECLAIMED.format(worker=row.claimed_by or "?")[:300], **fields)
    return taken


def run_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Take back the rows a dead worker left claimed, and send what is due (those, retries whose
    time came, rows whose task was lost). Returns counts."""
    now = now or timezone.now()
    reclaimed = reclaim(now)
    due = Delivery.objects.filter(status=Delivery.Status.PENDING).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=now - LOST_AFTER))
    sent = _send_each(list(due.order_by("pk").values_list("pk", flat=True)[:500]), now)
    return {"sent": sent, "reclaimed": reclaimed}


def purge(now: dt.datetime | None = None) -> int:
    """Delete the delivery log's finished rows (sent, failed, skipped) older than
    GONGZHI_DELIVERY_LOG_DAYS (0: keep them all); pending and claimed rows stay. Returns how many."""
    days = log_days()
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    finished = (Delivery.Status.SENT, Delivery.Status.FAILED, Delivery.Status.SKIPPED)
    deleted = 0
    while True:  # in batches: a big log is not deleted in one long statement
        ids = list(Delivery.objects.filter(status__in=finished, created_at__lt=cutoff)
                   .order_by("pk").values_list("pk", flat=True)[:5000])
        if not ids:
            return deleted
        deleted += Delivery.objects.filter(pk__in=ids).delete()[0]


@task()
def send_new_deliveries() -> int:
    """The task at a window's end (`_kick`): send every row that is due now; how many went out."""
    now = timezone.now()
    return _send_each(list(Delivery.objects.filter(_due(now)).order_by("pk").values_list("pk", flat=True)[:500]), now)


@task()
def send_due_deliveries() -> dict[str, int]:
    return run_due()


@task()
def purge_delivery_log() -> int:
    return purge()


def register_periodic() -> None:
    periodic.register(send_due_deliveries, 60)
    periodic.register(purge_delivery_log, 24 * 3600)
    periodic.register_sweep("notifications", run_due,
                            lambda c: f"消息投递：发送 {c['sent']}，收回中断的投递 {c['reclaimed']}",
                            help="sending due notification retries")
    periodic.register_sweep("delivery-log", purge, lambda n: f"消息投递记录：删除 {n} 条过期记录",
                            help="deleting delivery log rows older than GONGZHI_DELIVERY_LOG_DAYS")
