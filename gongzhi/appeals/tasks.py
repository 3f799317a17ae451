"""Background work on appeals, run by the database task queue (django-tasks + django_tasks_db).

The tasks only wrap services: the sweeps stay plain functions a cron job (`gongzhi sweep`) or a test
can call directly. `gongzhi worker` runs the queue and enqueues the periodic ones on a timer
(see `PERIODIC` and `enqueue_due`).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from . import services

log = logging.getLogger(__name__)


@task()
def sweep_deadlines() -> dict[str, int]:
    """Mark due-soon/overdue appeals, urge late ones and tell their supervisors (once per appeal)."""
    counts = services.sweep_deadlines()
    log.info("deadline sweep: %s", counts)
    return counts


@task()
def auto_close_unrated() -> int:
    """Close replied appeals whose follow-up window ran out without a rating."""
    closed = services.auto_close_unrated()
    log.info("auto-closed %d unrated appeals", closed)
    return closed


# Task -> interval in seconds. The sweep is cheap and deadlines are in hours: every 5 minutes.
PERIODIC = {
    sweep_deadlines: 5 * 60,
    auto_close_unrated: 60 * 60,
}


def pending(periodic_task) -> bool:
    """True if a run of this task is already waiting in the database queue (several workers, one run)."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().filter(task_path=periodic_task.module_path).exists()


def slot_of(now: dt.datetime, every: int) -> dt.datetime:
    """The start of the interval `now` falls in, counted from the epoch (the same for every scheduler)."""
    start = int(now.timestamp()) // every * every
    return dt.datetime.fromtimestamp(start, tz=dt.timezone.utc)


def claim(periodic_task, slot: dt.datetime) -> bool:
    """Claim this task's run for the slot: True for exactly one scheduler, whatever runs at once."""
    from .models import PeriodicRun

    try:
        with transaction.atomic():
            PeriodicRun.objects.create(task=periodic_task.module_path, slot=slot,
                                       claimed_by=f"{socket.gethostname()}:{os.getpid()}"[:100])
    except IntegrityError:
        return False
    return True


def enqueue_due(last_run: dict, now: dt.datetime | None = None, periodic: dict | None = None) -> list[str]:
    """Enqueue every periodic task whose interval has passed since `last_run` (updated in place).
    A task already waiting in the queue is not enqueued twice, and each run is claimed in the
    database for its time slot first (PeriodicRun): of several schedulers (two workers, or a
    worker whose server was killed and one started after it) one queues it. Returns the names
    enqueued."""
    now = now or timezone.now()
    enqueued = []
    for periodic_task, every in (periodic or PERIODIC).items():
        previous = last_run.get(periodic_task.name)
        if previous is not None and (now - previous).total_seconds() < every:
            continue
        last_run[periodic_task.name] = now
        if pending(periodic_task):
            continue
        with transaction.atomic():  # the claim and the queued run stand or fall together
            if not claim(periodic_task, slot_of(now, every)):
                continue
            periodic_task.enqueue()
        enqueued.append(periodic_task.name)
    return enqueued
