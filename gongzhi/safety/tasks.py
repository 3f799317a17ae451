"""Background work of the safety app, on the database task queue (django-tasks).

``generate_daily_bulletin`` is idempotent: it makes and sends yesterday's bulletin once, and only
after the morning hour (GONGZHI["BULLETIN_HOUR"], default 7). ``gongzhi worker`` enqueues it every
15 minutes (SafetyConfig.ready() adds it to the periodic table); sites without the worker run
``gongzhi bulletin`` from cron or a systemd timer instead (see the command's help).
"""
from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)

PERIOD_SECONDS = 15 * 60


def bulletin_hour() -> int:
    return int(getattr(settings, "GONGZHI", {}).get("BULLETIN_HOUR", 7))


@task()
def generate_daily_bulletin(day: str | None = None, send: bool = True, force: bool = False) -> dict:
    """Make (and send) the bulletin for ``day`` (ISO date; default yesterday). Without ``day`` it
    waits for the morning hour; a bulletin already made is not made or sent again unless ``force``."""
    from . import bulletin as bl
    from .models import Bulletin

    if day is None:
        if timezone.localtime().hour < bulletin_hour():
            return {"skipped": "before bulletin hour"}
        target = bl.yesterday()
    else:
        target = dt.date.fromisoformat(day)
    existing = Bulletin.objects.filter(day=target).first()
    if existing is not None and existing.sent_at is not None and not force:
        return {"day": target.isoformat(), "bulletin": existing.pk, "skipped": "already sent"}
    made = bl.generate_bulletin(target, regenerate=force, send=send)
    log.info("daily bulletin %s generated", target)
    return {"day": target.isoformat(), "bulletin": made.pk, "sent": made.sent_at is not None}


def register_periodic() -> None:
    """Put the bulletin into `gongzhi worker`'s periodic table (interval scheduling)."""
    from gongzhi.core import periodic

    periodic.register(generate_daily_bulletin, PERIOD_SECONDS)
