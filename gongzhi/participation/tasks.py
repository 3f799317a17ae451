"""The periodic work of participation: the answer deadline sweep, and closing consultations and
surveys whose period has ended."""
from __future__ import annotations

from django_tasks import task

from . import consultations, services, surveys


def run_sweeps(now=None) -> dict[str, int]:
    counts = {f"proposal_{k}": v for k, v in services.sweep_deadlines(now).items()}
    counts["consultations_closed"] = consultations.close_due(now)
    counts["surveys_closed"] = surveys.close_due(now)
    return counts


@task()
def sweep_deadlines() -> dict[str, int]:
    return run_sweeps()
