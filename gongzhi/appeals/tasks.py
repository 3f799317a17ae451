"""Background work on appeals, run by the database task queue (django-tasks + django_tasks_db).

The tasks only wrap services: the sweeps stay plain functions a cron job (`gongzhi sweep`) or a test
can call directly. `gongzhi worker` runs the queue and enqueues these on a timer: AppealsConfig.ready()
registers them in gongzhi.core.periodic (the deadline sweep every 5 minutes, the auto-close hourly).
"""
from __future__ import annotations

import logging

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
