"""Two schedulers at once (two workers, or the orphan of a killed server beside its successor's
worker) run each periodic task once per time slot: the run is claimed in the database first."""
from __future__ import annotations

import datetime as dt
import io
import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gongzhi.appeals import services, tasks
from gongzhi.core import events, hooks, periodic
from tests.conftest import postgres_only


@pytest.fixture(autouse=True)
def _no_other_apps():
    with hooks.muted(events.RECORDED, services.REPLIED):
        yield


PERIODIC = {tasks.sweep_deadlines: 300, tasks.auto_close_unrated: 3600}


def slot_start() -> dt.datetime:
    """A moment 10 s into an hour (so the 5-minute and hourly slots are where the test expects)."""
    now = timezone.now()
    return now.replace(minute=0, second=10, microsecond=0) - dt.timedelta(hours=1)


def run_worker():
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0, stdout=io.StringIO())


def runs() -> Counter:
    assert set(DBTaskResult.objects.values_list("status", flat=True)) <= {"SUCCESSFUL"}
    return Counter(path.rsplit(".", 1)[-1] for path in DBTaskResult.objects.values_list("task_path", flat=True))


@pytest.mark.django_db(transaction=True)
@postgres_only("two connections writing at once: the SQLite test database locks whole tables")
def test_two_schedulers_at_once_run_each_task_once_per_slot(org):
    t0 = slot_start()
    schedulers = [{}, {}]  # each its own memory of what it ran, as two processes have
    for minutes in (0, 5, 10):
        barrier, errors = threading.Barrier(2), []

        def schedule(last_run, at=t0 + dt.timedelta(minutes=minutes)):
            try:
                barrier.wait(30)
                periodic.enqueue_due(last_run, now=at, periodic=PERIODIC)
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=schedule, args=(s,)) for s in schedulers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        run_worker()  # the queue is worked off before the next slot
    assert runs() == {"sweep_deadlines": 3, "auto_close_unrated": 1}


@pytest.mark.django_db(transaction=True)
def test_a_scheduler_started_later_in_the_slot_does_not_run_the_task_again(org):
    t0 = slot_start()
    assert sorted(periodic.enqueue_due({}, now=t0, periodic=PERIODIC)) == ["auto_close_unrated", "sweep_deadlines"]
    run_worker()  # done: nothing is waiting in the queue any more
    # A second worker starts 30 s later (its server was restarted; the old one's worker lives on):
    assert periodic.enqueue_due({}, now=t0 + dt.timedelta(seconds=30), periodic=PERIODIC) == []
    # the next slot runs once
    assert periodic.enqueue_due({}, now=t0 + dt.timedelta(minutes=5), periodic=PERIODIC) == ["sweep_deadlines"]
    run_worker()
    assert runs() == {"sweep_deadlines": 2, "auto_close_unrated": 1}
