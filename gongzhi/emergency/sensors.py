"""Sensor events (物联网): what the MQTT subscriber does with each message.

The topic and payload are a stable interface: topic `gongzhi/sensors/{device_code}/events`, payload
JSON `{"kind": "alarm"|"heartbeat"|"reading", "value": number|null, "at": ISO-8601, "message": text}`.

`handle(topic, payload)` stores every event once (a repeat of the same device, kind and time is a
duplicate, dropped), refuses more than GONGZHI_SENSOR_RATE_PER_MINUTE events a minute from one
device, marks the device seen (online, battery when a heartbeat carries it as `value`), and, for
an alarm (or a reading at or over the device's threshold), raises a triage alert or opens an
incident as the device's rule says (once while one is open). A bad payload is logged with the
device and kept in the dead-letter list (DeadLetter); it never raises. `mark_offline` (a sweep)
marks devices silent for GONGZHI_SENSOR_OFFLINE_MINUTES offline.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .models import DeadLetter, Device, Incident, Level, SensorEvent

log = logging.getLogger(__name__)
TOPIC_FILTER = "gongzhi/sensors/+/events"
TOPIC_RE = re.compile(r"^gongzhi/sensors/([^/]+)/events$")
KINDS = ("alarm", "heartbeat", "reading")


class BadPayload(ValueError):
    pass


def option(name, default):
    from django.conf import settings

    return getattr(settings, "GONGZHI", {}).get(name, default)


def parse(payload: bytes | str) -> dict:
    """The payload as {"kind", "value", "at", "message"}, or BadPayload saying what is wrong."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadPayload(f"not JSON: {exc.__class__.__name__}") from None
    if not isinstance(data, dict):
        raise BadPayload("not a JSON object")
    kind = data.get("kind")
    if kind not in KINDS:
        raise BadPayload(f"kind must be one of {', '.join(KINDS)}")
    value = data.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)):
        raise BadPayload("value must be a number or null")
    at = parse_datetime(str(data.get("at") or ""))
    if at is None:
        raise BadPayload("at must be an ISO-8601 time")
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    message = data.get("message") or ""
    if not isinstance(message, str):
        raise BadPayload("message must be text")
    return {"kind": kind, "value": None if value is None else float(value), "at": at, "message": message[:300]}


def _dead(topic: str, code: str, payload, error: str) -> str:
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
    DeadLetter.objects.create(topic=topic[:200], device_code=code[:64], payload=text[:10000], error=error[:300])
    log.warning("sensor message refused (device %s): %s", code or "?", error)
    return "dead"


def handle(topic: str, payload: bytes | str, now: dt.datetime | None = None) -> str:
    """Take one message; returns what became of it: stored, alarm, duplicate, limited or dead."""
    now = now or timezone.now()
    match = TOPIC_RE.match(topic or "")
    code = match.group(1) if match else ""
    try:
        if not match:
            raise BadPayload("topic is not gongzhi/sensors/{device_code}/events")
        device = Device.objects.filter(code=code).first()
        if device is None:
            raise BadPayload("unknown device")
        event = parse(payload)
    except BadPayload as exc:
        return _dead(topic, code, payload, str(exc))
    limit = int(option("SENSOR_RATE_PER_MINUTE", 30))
    if SensorEvent.objects.filter(device=device, received_at__gte=now - dt.timedelta(minutes=1)).count() >= limit:
        log.warning("sensor %s over its rate (%d a minute): event dropped", code, limit)
        return "limited"
    alarm = event["kind"] == "alarm" or (
        event["kind"] == "reading" and device.threshold is not None and event["value"] is not None
        and event["value"] >= device.threshold)
    try:
        with transaction.atomic():
            SensorEvent.objects.create(device=device, kind=event["kind"], value=event["value"], at=event["at"],
                                       message=event["message"], alarm=alarm)
    except IntegrityError:
        return "duplicate"
    seen = {"last_seen": now, "online": True}
    if event["kind"] == "heartbeat" and event["value"] is not None:
        seen["battery"] = event["value"]
    Device.objects.filter(pk=device.pk).update(**seen)
    if alarm:
        _raise(device, event)
        return "alarm"
    return "stored"


def _raise(device: Device, event: dict) -> None:
    what = event["message"] or (_("读数 %(value)s 超过阈值 %(threshold)s") % {
        "value": event["value"], "threshold": device.threshold})
    title = _("传感器报警：%(name)s（%(code)s）") % {"name": device.name, "code": device.code}
    if device.on_alarm == Device.OnAlarm.INCIDENT:
        if device.incidents.exclude(status=Incident.Status.CLOSED).exists():
            return  # one open incident per device: its later alarms are in its event list
        from . import services
        from .models import Category

        category = Category.HEALTH if device.kind == Device.Kind.CROWD else Category.ACCIDENT
        services.report(None, title=title, category=category, level=Level.IV, region=device.region,
                        place=device.name, lat=device.lat, lon=device.lon, description=what,
                        source=Incident.Source.SENSOR, device=device, grid=device.grid)
        return
    from gongzhi.triage import alerts
    from gongzhi.triage.models import Alert

    alerts.raise_alert(Alert.Kind.SENSOR, title, [what], region=device.region, level=Alert.Level.ORANGE,
                       same_title=True)


def mark_offline(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    silent = now - dt.timedelta(minutes=int(option("SENSOR_OFFLINE_MINUTES", 30)))
    return Device.objects.filter(online=True, last_seen__lt=silent).update(online=False)
