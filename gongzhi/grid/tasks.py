"""The periodic work of the grid app: the community tasks' deadline sweep."""
from __future__ import annotations

from django_tasks import task

from . import services


def run_sweeps(now=None) -> dict[str, int]:
    return services.sweep_deadlines(now)


@task()
def sweep_deadlines() -> dict[str, int]:
    return run_sweeps()
