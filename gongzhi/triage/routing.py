"""Which department a category's appeals go to: the category's default department, corrected by the
routing feedback of earlier appeals (pure Python, no Django).

Feedback per (category, department) pair is what departments did with lead assignments of that
category: accepted it (acknowledged or finished) or returned it (退单). A return is negative evidence
for the pair, an acceptance positive. The default department starts with PRIOR acceptances, so one
odd dispatch does not move routing, while, say, 23 street-lamp appeals taken by 城管局 outweigh a
default of 住建局 that returned them. A department that returned this very appeal is never proposed
again for it.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping

__all__ = ["PRIOR", "rank_departments"]

PRIOR = 3.0  # the default department counts as this many earlier acceptances
RETURN_WEIGHT = 1.0  # one return cancels one acceptance


def rank_departments(default: int | None, feedback: Mapping[int, tuple[int, int]] | None,
                     exclude: Collection[int] = ()) -> list[tuple[int, float]]:
    """Departments for a category, best first, with their scores (accepted - returned, plus PRIOR
    for the default); only those with a positive score, never one in ``exclude``.

    ``feedback`` maps department id -> (accepted, returned) for the category."""
    scores: dict[int, float] = {}
    if default is not None:
        scores[default] = PRIOR
    for dept, (accepted, returned) in (feedback or {}).items():
        scores[dept] = scores.get(dept, 0.0) + accepted - RETURN_WEIGHT * returned
    ranked = [(d, s) for d, s in scores.items() if s > 0 and d not in exclude]
    # ties keep the default first, then the lower id (stable across processes)
    ranked.sort(key=lambda ds: (-ds[1], ds[0] != default, ds[0]))
    return ranked
