"""Outbound webhooks: appeal events pushed to subscribers, signed, retried with backoff, logged.

A subscriber verifies `X-Gongzhi-Signature: t=<unix time>,v1=<hex>` where hex is
HMAC-SHA256(secret, "<t>." + raw body). Deliveries run as django-tasks tasks, so a slow or dead
receiver never holds up the action that caused the event.

Receivers are outside systems reached under the outbound policy of `gongzhi.core.outbound`: https to
public addresses only, checked when a subscription is made and again, after DNS resolution, before
every delivery (a refused target is never connected to, so the delivery log says nothing about what
listens on an internal address). An administrator may allow plain http for named hosts
(GONGZHI_WEBHOOK_ALLOW_HTTP_HOSTS) and internal receivers by name (GONGZHI_WEBHOOK_ALLOW_INTERNAL_HOSTS).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django_tasks import task

from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.core import outbound, periodic
from gongzhi.core.errors import FieldErrors

from .models import WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)
BACKOFF_SECONDS = [30, 120, 600, 3600, 6 * 3600]
DEFAULTS = {"WEBHOOK_MAX_ATTEMPTS": 6, "WEBHOOK_DISABLE_AFTER": 10, "WEBHOOK_TIMEOUT": 10}
SIGNATURE_HEADER = "X-Gongzhi-Signature"


def option(name: str) -> int:
    return int(getattr(settings, "GONGZHI", {}).get(name, DEFAULTS[name]))


def _hosts(value) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [str(h).strip() for h in (value or ()) if str(h).strip()]


def policy() -> outbound.Policy:
    """Where webhooks may go: the core outbound policy plus this installation's named exceptions."""
    conf = getattr(settings, "GONGZHI", {})
    return outbound.Policy.of(allow_http_hosts=_hosts(conf.get("WEBHOOK_ALLOW_HTTP_HOSTS")),
                              allow_internal_hosts=_hosts(conf.get("WEBHOOK_ALLOW_INTERNAL_HOSTS")))


def check_target(url: str) -> None:
    """Raise outbound.Refused (with a message for the subscriber) unless webhooks may go to `url`."""
    outbound.check_url(url, policy(), resolve=True)


# ---------------------------------------------------------------- subscriptions (the one door for their rows)

EVENT_KIND_MAX = 32


def subscribe(owner, url: str, secret: str, events=()) -> WebhookSubscription:
    """A new subscription of `owner` (the API checks that they may subscribe): `events` are the
    event kinds to send (empty: all). Raises FieldErrors for a kind that cannot exist or a receiver
    the outbound policy refuses."""
    kinds = sorted({e.strip() for e in events if e.strip()})
    if any(len(e) > EVENT_KIND_MAX for e in kinds):
        raise FieldErrors({"events": "unknown event kind"})
    try:
        check_target(url)
    except outbound.Refused as exc:
        raise FieldErrors({"url": str(exc)}) from None
    return WebhookSubscription.objects.create(owner=owner, url=url, secret=secret, events=kinds)


def unsubscribe(subscription: WebhookSubscription) -> None:
    """Delete a subscription (its delivery log goes with it)."""
    subscription.delete()


def reactivate(subscriptions) -> int:
    """Enable subscriptions again (after repeated failures disabled them), failure count cleared;
    `subscriptions` is one subscription or a queryset. Returns how many."""
    if isinstance(subscriptions, WebhookSubscription):
        subscriptions = WebhookSubscription.objects.filter(pk=subscriptions.pk)
    count = subscriptions.update(active=True, consecutive_failures=0, disabled_at=None, disabled_reason="")
    forget_subscriptions()  # an update sends no post_save
    return count


# Which event kinds the active subscriptions want, cached: every appeal event asks, and most
# installations have no subscriber for most kinds, so an event should not cost a query for that.
# The rows of the subscriptions an event wants are read again (active, owner), so a disabled or
# deleted one is never sent to from the cache; a new or re-enabled one is seen at once where the
# cache is this process's or shared (GONGZHI_CACHE=redis/db), and within SUBSCRIPTIONS_TTL seconds
# in the other processes of a per-process cache (the worker's sweeps).
SUBSCRIPTIONS_KEY = "webhooks:active-kinds"
SUBSCRIPTIONS_TTL = 5


def wanted_by(kind: str) -> list[int]:
    """Ids of the active subscriptions that want events of this kind (cached, see above)."""
    active = cache.get(SUBSCRIPTIONS_KEY)
    if active is None:
        active = [(pk, list(kinds or ())) for pk, kinds in
                  WebhookSubscription.objects.filter(active=True).order_by("pk").values_list("pk", "events")]
        cache.set(SUBSCRIPTIONS_KEY, active, SUBSCRIPTIONS_TTL)
    return [pk for pk, kinds in active if not kinds or kind in kinds]


def heard(event: AppealEvent) -> bool:
    """Whether any active subscription wants this event's kind (the cached list: no query)."""
    return bool(wanted_by(event.kind))


def forget_subscriptions(**_ignored) -> None:
    """A subscription changed: the cached kinds go, now and again when the change commits (an
    event read in between must not keep the old list)."""
    cache.delete(SUBSCRIPTIONS_KEY)
    transaction.on_commit(lambda: cache.delete(SUBSCRIPTIONS_KEY))


post_save.connect(forget_subscriptions, sender=WebhookSubscription, dispatch_uid="gongzhi.webhooks.forget.save")
post_delete.connect(forget_subscriptions, sender=WebhookSubscription, dispatch_uid="gongzhi.webhooks.forget.delete")


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """What a receiver does (used by the tests and documented for subscribers)."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


def payload(event: AppealEvent) -> dict:
    a = event.appeal
    return {
        "event": event.kind,
        "event_id": event.pk,
        "occurred_at": event.created_at.isoformat(),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "department_id": event.department_id,
        "note": event.note if event.public else "",
        "appeal": {
            "id": a.pk, "tracking_number": a.tracking_number, "status": a.status,
            "category": a.category.code if a.category_id else None, "urgency": a.urgency,
            "lead_department_id": a.lead_department_id, "region_id": a.region_id,
            "received_at": a.received_at.isoformat(), "due_at": a.due_at.isoformat() if a.due_at else None,
            "closed_at": a.closed_at.isoformat() if a.closed_at else None,
        },
    }


def on_event(event: AppealEvent) -> None:
    """Subscribed to every AppealEvent ("event.recorded"): one delivery per interested subscriber who may see the appeal."""
    wanted = wanted_by(event.kind)
    if not wanted:
        return  # the common case: no query at all
    subscriptions = [s for s in WebhookSubscription.objects.filter(pk__in=wanted, active=True).select_related("owner")
                     if s.wants(event.kind)]
    if not subscriptions:
        return
    event = AppealEvent.objects.select_related("appeal__category").get(pk=event.pk)
    body = payload(event)
    for sub in subscriptions:
        if not Appeal.objects.restrict(sub.owner).filter(pk=event.appeal_id).exists():
            continue  # a subscriber hears only about appeals in its owner's scope
        delivery = WebhookDelivery.objects.create(subscription=sub, event_id=event.pk, kind=event.kind, payload=body)
        transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))


def _enqueue(delivery_id: int, run_after: dt.datetime | None = None) -> bool:
    try:
        if run_after is not None:
            if not deliver_webhook.get_backend().supports_defer:
                return False  # the backend cannot wait: the delivery stays pending with its next_attempt_at
            deliver_webhook.using(run_after=run_after).enqueue(delivery_id)
        else:
            deliver_webhook.enqueue(delivery_id)
        return True
    except Exception:  # a queue problem must not break the appeal action
        log.exception("could not enqueue webhook delivery %s", delivery_id)
        return False


def attempt(delivery_id: int) -> WebhookDelivery:
    """Send one delivery once; on failure schedule the next attempt or give up, and count failures."""
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    sub = delivery.subscription
    if delivery.state != WebhookDelivery.State.PENDING:
        return delivery
    if not sub.active:
        delivery.state, delivery.last_error = WebhookDelivery.State.FAILED, "subscription disabled"
        delivery.save(update_fields=["state", "last_error"])
        return delivery
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Gongzhi-Webhooks/1",
        "X-Gongzhi-Event": delivery.kind,
        "X-Gongzhi-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(sub.secret, body),
    }
    status, error = None, ""
    try:
        # Checked again here, after DNS resolution, and sent to the checked address only; redirects
        # are answers (3xx), never followed.
        status = outbound.post(sub.url, body, headers, policy=policy(), timeout=option("WEBHOOK_TIMEOUT")).status
    except outbound.Refused as exc:
        error = str(exc)[:300]  # nothing was sent: the log cannot tell what listens there
    except (OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc))[:300] or exc.__class__.__name__
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status_code = status
    if status is not None and 200 <= status < 300:
        delivery.state, delivery.delivered_at, delivery.last_error, delivery.next_attempt_at = (
            WebhookDelivery.State.DELIVERED, now, "", None)
        delivery.save()
        WebhookSubscription.objects.filter(pk=sub.pk).update(consecutive_failures=0)
        return delivery
    delivery.last_error = error or f"HTTP {status}"
    with transaction.atomic():
        sub = WebhookSubscription.objects.select_for_update().get(pk=sub.pk)
        sub.consecutive_failures += 1
        if sub.consecutive_failures >= option("WEBHOOK_DISABLE_AFTER"):
            sub.active, sub.disabled_at = False, now
            sub.disabled_reason = f"{sub.consecutive_failures} consecutive failed deliveries; last: {delivery.last_error}"[:300]
        sub.save()
    if delivery.attempts >= option("WEBHOOK_MAX_ATTEMPTS") or not sub.active:
        delivery.state, delivery.next_attempt_at = WebhookDelivery.State.FAILED, None
        delivery.save()
        return delivery
    delay = BACKOFF_SECONDS[min(delivery.attempts - 1, len(BACKOFF_SECONDS) - 1)]
    delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
    delivery.save()
    transaction.on_commit(lambda: _enqueue(delivery.pk, delivery.next_attempt_at))
    return delivery


@task()
def deliver_webhook(delivery_id: int) -> str:
    return attempt(delivery_id).state


def retry_due(now: dt.datetime | None = None) -> int:
    """Re-send pending deliveries whose time has come (for backends that cannot schedule, or a lost task)."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
    count = 0
    for pk in due.values_list("pk", flat=True):
        attempt(pk)
        count += 1
    return count


@task()
def retry_due_webhooks() -> int:
    """Periodic safety net (`gongzhi worker`): deliveries whose retry time passed but whose task was lost."""
    return retry_due()


def register_periodic() -> None:
    periodic.register(retry_due_webhooks, 5 * 60)
