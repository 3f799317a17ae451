"""Plan coverage (各单位全覆盖): every unit × every plan type its kind must hold → present, expired or
missing, and the coverage rate (present / required) per region and per kind of unit."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from .models import CoverageRule, Plan, Unit

PRESENT, EXPIRED, MISSING = "present", "expired", "missing"


@dataclass(frozen=True)
class Cell:
    unit: Unit
    plan_type: object
    state: str
    plan: Plan | None


@dataclass
class Rate:
    required: int = 0
    present: int = 0
    expired: int = 0

    @property
    def missing(self) -> int:
        return self.required - self.present - self.expired

    @property
    def rate(self) -> float:
        return self.present / self.required if self.required else 1.0


def state_of(plan: Plan | None, today: dt.date) -> str:
    if plan is None:
        return MISSING
    return PRESENT if plan.effective_on <= today <= plan.review_on else EXPIRED


def cells(units, today: dt.date | None = None) -> list[Cell]:
    """The coverage grid of `units` (a queryset): one cell per unit and required plan type; of
    several plans of a type the current one counts (else the latest)."""
    today = today or timezone.localdate()
    required = defaultdict(list)
    for rule in CoverageRule.objects.select_related("plan_type"):
        required[rule.unit_kind].append(rule.plan_type)
    units = list(units.select_related("region"))
    plans = defaultdict(list)
    for plan in Plan.objects.filter(unit__in=units).order_by("review_on"):
        plans[(plan.unit_id, plan.plan_type_id)].append(plan)
    out = []
    for unit in units:
        for plan_type in sorted(required.get(unit.kind, []), key=lambda t: t.code):
            held = plans.get((unit.pk, plan_type.pk), [])
            current = [p for p in held if state_of(p, today) == PRESENT]
            chosen = current[-1] if current else (held[-1] if held else None)
            out.append(Cell(unit, plan_type, state_of(chosen, today), chosen))
    return out


def rates(grid: list[Cell]) -> dict[str, dict]:
    """{"region": {name: Rate}, "kind": {kind: Rate}, "total": Rate}."""
    by_region, by_kind, total = defaultdict(Rate), defaultdict(Rate), Rate()
    for cell in grid:
        for rate in (by_region[cell.unit.region.name], by_kind[cell.unit.kind], total):
            rate.required += 1
            rate.present += cell.state == PRESENT
            rate.expired += cell.state == EXPIRED
    return {"region": dict(sorted(by_region.items())), "kind": dict(by_kind), "total": total}
