"""The periodic work of disputes and petitions: their deadline sweeps."""
from __future__ import annotations

from django_tasks import task

from . import petition_services, screening, services


def run_sweeps(now=None) -> dict[str, int]:
    """The three sweeps; counts prefixed by case type (dispute_overdue, petition_due_soon, screening_…)."""
    counts = {f"dispute_{k}": v for k, v in services.sweep_deadlines(now).items()}
    counts.update({f"petition_{k}": v for k, v in petition_services.sweep_deadlines(now).items()})
    counts.update({f"screening_{k}": v for k, v in screening.sweep_deadlines(now).items()})
    return counts


@task()
def sweep_deadlines() -> dict[str, int]:
    return run_sweeps()
