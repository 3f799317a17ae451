"""The periodic work of every app: what `gongzhi worker` queues on a timer, and what `gongzhi sweep`
runs once (for cron). Apps register theirs in AppConfig.ready(); core's commands import no app.

* `register(task, every_seconds)`: a django-tasks task the worker enqueues every so many seconds
  (`TABLE`: task -> interval). Each run is claimed in the database for its time slot first
  (PeriodicRun, unique on task and slot), so several schedulers queue it once.
* `register_sweep(name, run, report)`: a plain function `gongzhi sweep` calls, in the order
  registered, printing `report(result)`; `gongzhi sweep --no-<name>` leaves it out.
"""
from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

# Task -> interval in seconds.
TABLE: dict = {}


def register(periodic_task, every_seconds: int) -> None:
    """Have the worker enqueue `periodic_task` (a django-tasks task) every `every_seconds` (the first
    registration of a task stands)."""
    TABLE.setdefault(periodic_task, int(every_seconds))


def pending(periodic_task) -> bool:
    """True if a run of this task is already waiting in the queue (several workers, one run): the
    database queue's table, or the first waiting jobs of the Redis queue (the RQ backend)."""
    from django.conf import settings

    if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
        import django_rq

        queue = django_rq.get_queue(periodic_task.queue_name)
        return any(job is not None and job.func_name == periodic_task.module_path for job in queue.get_jobs(0, 500))
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().filter(task_path=periodic_task.module_path).exists()


def slot_of(now: dt.datetime, every: int) -> dt.datetime:
    """The start of the interval `now` falls in, counted from the epoch (the same for every scheduler)."""
    start = int(now.timestamp()) // every * every
    return dt.datetime.fromtimestamp(start, tz=dt.timezone.utc)


CLAIMS_KEPT = dt.timedelta(days=1)


def claim(periodic_task, slot: dt.datetime) -> bool:
    """Claim this task's run for the slot: True for exactly one scheduler, whatever runs at once."""
    from .models import PeriodicRun

    try:
        with transaction.atomic():
            PeriodicRun.objects.create(task=periodic_task.module_path, slot=slot,
                                       claimed_by=f"{socket.gethostname()}:{os.getpid()}"[:100])
    except IntegrityError:
        return False
    # A claim matters only in its own slot; a day of them is kept to see what ran, the rest goes
    # (a task every minute would otherwise add 1,440 rows a day for ever).
    PeriodicRun.objects.filter(task=periodic_task.module_path, slot__lt=slot - CLAIMS_KEPT).delete()
    return True


def enqueue_due(last_run: dict, now: dt.datetime | None = None, periodic: dict | None = None) -> list[str]:
    """Enqueue every periodic task whose interval has passed since `last_run` (updated in place).
    A task already waiting in the queue is not enqueued twice, and each run is claimed in the
    database for its time slot first (PeriodicRun): of several schedulers (two workers, or a
    worker whose server was killed and one started after it) one queues it. Returns the names
    enqueued."""
    now = now or timezone.now()
    enqueued = []
    for periodic_task, every in (TABLE if periodic is None else periodic).items():
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


# ---------------------------------------------------------------- sweeps for cron

@dataclass(frozen=True)
class Sweep:
    name: str                      # `gongzhi sweep --no-<name>` leaves it out
    run: Callable[[], object]
    report: Callable[[object], str]  # the line `gongzhi sweep` prints of its result
    help: str = ""


SWEEPS: dict[str, Sweep] = {}


def register_sweep(name: str, run: Callable[[], object], report: Callable[[object], str] = str,
                   help: str = "") -> None:
    """Have `gongzhi sweep` call `run()` and print `report(result)` (the first registration of a name stands)."""
    SWEEPS.setdefault(name, Sweep(name, run, report, help))


def run_sweeps(skip: Iterable[str] = ()) -> list[str]:
    """Run every registered sweep but those named in `skip`, in the order registered; their report lines."""
    skipped = set(skip)
    return [sweep.report(sweep.run()) for sweep in SWEEPS.values() if sweep.name not in skipped]


# ---------------------------------------------------------------- long-running processes

# name -> the `gongzhi` arguments of a process `gongzhi serve` starts beside the worker (an app's
# subscriber, such as `gongzhi sensors listen`); each gets `--parent-pid` and dies with the server.
PROCESSES: dict[str, list[str]] = {}


def register_process(name: str, argv: list[str]) -> None:
    """Have `gongzhi serve` run `gongzhi <argv> --parent-pid <its pid>` beside it (`--no-<name>` leaves it out)."""
    PROCESSES.setdefault(name, list(argv))
