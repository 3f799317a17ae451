"""The periodic work of emergencies: task deadlines, plan expiry reminders, silent sensors."""
from __future__ import annotations

from django_tasks import task

from . import sensors, services


def run_sweeps(now=None) -> dict[str, int]:
    counts = {f"task_{k}": v for k, v in services.sweep_task_deadlines(now).items()}
    counts["plan_reminders"] = services.expiry_reminders(now.date() if now else None)
    counts["devices_offline"] = sensors.mark_offline(now)
    return counts


@task()
def sweep() -> dict[str, int]:
    return run_sweeps()
