"""Figures an app adds to the evaluation of units (the departments' rankings and dashboards) without
the evaluation app importing it: evaluation's own KPIs are the appeals'; another app that holds a
department to a duty (participation: answering proposals on time) registers its figures here in its
AppConfig.ready(), and the rankings show them beside the appeals' and score the rates.

    indicators.register("participation.answer_on_time_rate", _("金点子按时答复率"), compute,
                        kinds=("department",), rate=True, higher_is_better=True, weight=10)

`compute(kind, since, until)` returns {unit_id: Figure} for the units of `kind` that have something
to count in [since, until) (aware datetimes: the period's first and the next period's first instant);
a unit it leaves out has no value (shown as “—”, left out of the score, as an appeals' rate with an
empty denominator). A rate is a fraction 0..1 with the count of cases behind it; only a rate may
carry a weight in the score (the evaluation scheme may change it: its weights name the key). A
failing indicator is logged and left out: a ranking never breaks on another app's figures.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    value: float | int | None
    cases: int | None = None  # the denominator of a rate: how many cases it is over


@dataclass(frozen=True)
class Indicator:
    key: str
    label: object  # a (lazy) string in the reader's language
    compute: Callable[[str, object, object], dict[int, Figure]]
    kinds: tuple[str, ...] = ("department",)
    rate: bool = True
    higher_is_better: bool = True
    weight: float = 0.0  # its default weight in the score (a rate only)
    order: int = 100
    # the cases behind a unit's figure, for a drill-down link: link(kind, unit_id, since, until) -> url or ""
    link: Callable[[str, int, object, object], str] | None = None


_lock = threading.Lock()
_indicators: dict[str, Indicator] = {}


def register(key: str, label, compute: Callable, *, kinds: tuple[str, ...] = ("department",), rate: bool = True,
             higher_is_better: bool = True, weight: float = 0.0, order: int = 100,
             link: Callable | None = None) -> None:
    """Add (or, under the same key, replace) an indicator."""
    if weight and not rate:
        raise ValueError(f"indicator {key}: only a rate can be weighted in the score")
    with _lock:
        _indicators[key] = Indicator(key, label, compute, tuple(kinds), rate, higher_is_better, float(weight),
                                     order, link)


def unregister(key: str) -> None:
    with _lock:
        _indicators.pop(key, None)


def registered(kind: str | None = None) -> list[Indicator]:
    """The indicators (of units of `kind`), in their order."""
    return sorted((i for i in _indicators.values() if kind is None or kind in i.kinds), key=lambda i: (i.order, i.key))


def default_weights() -> dict[str, float]:
    """Every weighted rate's default weight (beside the appeals' KPIs' defaults)."""
    return {i.key: i.weight for i in _indicators.values() if i.rate and i.weight}


def better(kind: str | None = None) -> dict[str, bool]:
    """{key: higher is better} of the rates, what a score needs to know of them."""
    return {i.key: i.higher_is_better for i in registered(kind) if i.rate}


def figures(kind: str, since, until) -> dict[str, dict[int, Figure]]:
    """Every indicator of `kind` for the period: {key: {unit_id: Figure}}; a failing one is left out."""
    out = {}
    for indicator in registered(kind):
        try:
            out[indicator.key] = dict(indicator.compute(kind, since, until) or {})
        except Exception:  # another app's figures must never break a ranking
            log.exception("indicator %s failed", indicator.key)
    return out
