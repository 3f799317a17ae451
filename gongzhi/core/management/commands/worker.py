"""`gongzhi worker`: the background worker of a single-machine install.

It runs django_tasks_db's `db_worker` (or, with the Redis queue, RQ's `rqworker`), which executes
whatever is queued, and, in a small daemon
thread, enqueues the periodic tasks the apps registered in gongzhi.core.periodic on their intervals
(deadline sweep every 5 minutes, unrated auto-close hourly, …). Several workers may run: each run of a periodic
task is claimed in the database for its time slot first, so two schedulers never run it twice. With
`--no-schedule` it is a plain db_worker (use that for extra workers, or when cron runs `gongzhi
sweep` instead).

Started by `gongzhi serve`, it gets `--parent-pid`: when that process is gone (even after kill -9,
which the kernel's parent-death signal usually reports first) the worker stops.
"""
from __future__ import annotations

import logging
import os
import signal
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from gongzhi.core.periodic import enqueue_due

log = logging.getLogger("gongzhi.worker")


def schedule_loop(stop: threading.Event, tick: float) -> None:
    last_run: dict = {}
    while not stop.is_set():
        try:
            close_old_connections()
            enqueue_due(last_run)
        except Exception:  # a database hiccup must not kill the scheduler thread
            log.exception("periodic scheduling failed")
        finally:
            close_old_connections()
        stop.wait(tick)


def watch_parent(parent: int, stop: threading.Event, every: float = 1.0) -> None:
    """Stop this worker when its parent process has died (the fallback to PR_SET_PDEATHSIG): a
    graceful SIGTERM first (a running task finishes), a second one after a grace period."""
    while not stop.wait(every):
        if os.getppid() != parent:
            log.warning("parent process %s is gone: stopping the worker", parent)
            os.kill(os.getpid(), signal.SIGTERM)
            if not stop.wait(60):
                os.kill(os.getpid(), signal.SIGTERM)  # the task did not finish: end it
            return


def warm_in_background() -> None:
    from gongzhi.core import warmup

    def run():
        try:
            warmup.run()
        finally:
            close_old_connections()
    threading.Thread(target=run, name="gongzhi-warmup", daemon=True).start()


class Command(BaseCommand):
    help = "Run background tasks (django_tasks_db worker) and enqueue the periodic deadline sweeps"

    def add_arguments(self, parser):
        parser.add_argument("--no-schedule", action="store_true", help="do not enqueue periodic tasks")
        parser.add_argument("--tick", type=float, default=30.0, help="seconds between schedule checks (default 30)")
        parser.add_argument("--batch", action="store_true", help="run what is queued (after one schedule pass) and exit")
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many tasks")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls of an empty queue")
        parser.add_argument("--parent-pid", type=int, default=None,
                            help="stop when this process is gone (set by `gongzhi serve`)")

    def handle(self, *args, no_schedule=False, tick=30.0, batch=False, max_tasks=None, interval=1.0,
               parent_pid=None, **options):
        stop = threading.Event()
        if parent_pid:
            if os.getppid() != parent_pid:
                return  # the parent is already gone
            threading.Thread(target=watch_parent, args=(parent_pid, stop), name="gongzhi-parent-watch",
                             daemon=True).start()
        if not batch:
            warm_in_background()
        if not no_schedule:
            if batch:
                enqueue_due({})
            else:
                threading.Thread(target=schedule_loop, args=(stop, tick), name="gongzhi-scheduler", daemon=True).start()
        try:
            if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
                # Redis (GONGZHI_TASK_BACKEND=redis://…): RQ's worker, its scheduler for tasks run later
                rq_options = {"job_class": "django_tasks_rq.Job", "with_scheduler": True, "burst": batch,
                              "verbosity": options.get("verbosity", 1)}
                if max_tasks:
                    rq_options["max_jobs"] = max_tasks
                call_command("rqworker", *settings.TASKS["default"]["QUEUES"], **rq_options)
            else:
                worker_options = {"batch": batch, "interval": interval, "reload": False, "startup_delay": False,
                                  "verbosity": options.get("verbosity", 1)}
                if max_tasks:
                    worker_options["max_tasks"] = max_tasks
                call_command("db_worker", **worker_options)
        finally:
            stop.set()
