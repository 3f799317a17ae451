"""Public-safety maths for the ``safety`` app: one import point, no Django.

Everything takes plain sequences (one item per incident) and returns dicts/lists:

* forecasts: :func:`forecast_hotspots`, :func:`cells_to_geojson`, :func:`read_incidents`
  (``hotspots.py``);
* patterns: :func:`hour_weekday_matrix`, :func:`hour_profile`, :func:`monthly_trend`,
  :func:`premises_breakdown`, :func:`density_grid`, near-repeat :func:`near_repeat_flags`,
  :func:`active_flags`, :func:`near_repeat_areas` (``patterns.py``);
* patrols: :func:`expected_by_window`, :func:`make_units`, :func:`plan_patrols`,
  :func:`cell_hour_profiles`, :func:`patrol_plan_from_forecast` (``patrol.py`` and below);
* the daily bulletin's figures: :func:`bulletin_stats` (below).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .hotspots import (HotspotParams, IncidentTable, Utm, cells_to_geojson, forecast_hotspots,
                       parse_date, read_incidents)
from .patrol import cell_hour_profiles, expected_by_window, make_units, plan_patrols, shift_windows, window_shares
from .patterns import (active_flags, density_grid, hour_profile, hour_weekday_matrix,
                       monthly_trend, near_repeat_areas, near_repeat_flags, premises_breakdown)

__all__ = [
    "HotspotParams", "IncidentTable", "Utm", "cells_to_geojson", "forecast_hotspots", "parse_date", "read_incidents",
    "cell_hour_profiles", "expected_by_window", "make_units", "plan_patrols", "shift_windows", "window_shares",
    "active_flags", "density_grid", "hour_profile", "hour_weekday_matrix", "monthly_trend", "near_repeat_areas",
    "near_repeat_flags", "premises_breakdown", "SIGNIFICANCE_RULE", "bulletin_stats", "patrol_plan_from_forecast",
]

SIGNIFICANCE_RULE = (
    "A day's count n is compared with the mean m of the 28 days before it (floored at 1/28, i.e. one "
    "incident in four weeks). Flag 'up' when P(X >= n) < alpha under Poisson(m) and n >= min_count; "
    "flag 'down' when P(X <= n) < alpha and m >= min_count. alpha defaults to 0.01; the z-score "
    "(n - m) / sqrt(m) is reported for reading, not for flagging, since it misleads on small counts."
)


def _poisson_tails(n: int, mean: float) -> tuple[float, float]:
    """(P(X >= n), P(X <= n)) for X ~ Poisson(mean)."""
    from scipy.stats import poisson

    return float(poisson.sf(n - 1, mean)), float(poisson.cdf(n, mean))


def bulletin_stats(dates, types: Sequence[str] | None, day, *, alpha: float = 0.01, min_count: int = 3) -> dict:
    """Counts for ``day`` by type against the day before, the same day last week and the mean of
    the 28 days before ``day``, with a significance flag per type (rule: :data:`SIGNIFICANCE_RULE`).

    ``dates``: each incident's date (date, datetime, datetime64 or ISO string); ``types``: each
    incident's type (None = only the total). Returns ``{"day", "rule", "rows": [...]}``; each row
    has ``type`` ("all" first), ``count``, ``prev_day``, ``last_week``, ``mean_28``, ``delta_prev``,
    ``delta_week``, ``z``, ``p_high``, ``p_low`` and ``flag`` ("up", "down" or None).
    """
    arr = np.asarray(dates)
    if arr.dtype.kind == "M":
        days = arr.astype("datetime64[D]").astype(np.int64)
    else:
        days = np.array([np.datetime64(str(d)[:10], "D") for d in arr], "datetime64[D]").astype(np.int64)
    d0 = int(np.datetime64(str(day)[:10], "D").astype(np.int64))
    groups = {"all": np.ones(len(days), bool)}
    if types is not None:
        t = np.asarray(types, dtype=object)
        window = (days >= d0 - 28) & (days <= d0)
        for name in sorted(set(t[window].tolist()), key=str):
            groups[str(name)] = t == name
    rows = []
    for name, mask in groups.items():
        dd = days[mask]
        n = int((dd == d0).sum())
        prev = int((dd == d0 - 1).sum())
        week = int((dd == d0 - 7).sum())
        mean = float(((dd >= d0 - 28) & (dd < d0)).sum()) / 28.0
        lam = max(mean, 1 / 28)
        p_high, p_low = _poisson_tails(n, lam)
        flag = None
        if p_high < alpha and n >= min_count:
            flag = "up"
        elif p_low < alpha and mean >= min_count:
            flag = "down"
        rows.append({"type": name, "count": n, "prev_day": prev, "last_week": week, "mean_28": round(mean, 3),
                     "delta_prev": n - prev, "delta_week": n - week, "z": round(float((n - lam) / np.sqrt(lam)), 2),
                     "p_high": p_high, "p_low": p_low, "flag": flag})
    return {"day": str(np.datetime64(d0, "D")), "rule": SIGNIFICANCE_RULE, "rows": rows}


def patrol_plan_from_forecast(cells: Sequence[dict], hours, n_units: int,
                              shifts: Sequence[tuple[int, int]] = ((6, 14), (14, 22), (22, 6)),
                              windows_per_unit: int = 3, days: float = 7.0, top: int = 500, *,
                              lats=None, lons=None, prior: float = 24.0) -> dict:
    """A one-day roster from a weekly forecast (:func:`forecast_hotspots` cells) and the hours of
    past incidents, which spread each cell's daily expectation over 2-hour windows.

    With ``lats``/``lons`` (of the same incidents as ``hours``) every cell gets its own hour
    profile, shrunk towards the city's (:func:`cell_hour_profiles`); without, the city-wide profile
    is used for all cells. Only the ``top`` best-ranked cells are considered; see
    :func:`plan_patrols` for the result."""
    cells = list(cells)[:top]
    if lats is not None and lons is not None:
        profile = cell_hour_profiles(cells, lats, lons, hours, prior)
    else:
        profile = hour_profile(hours)["all"]
    expected = expected_by_window([c["score"] for c in cells], profile, days)
    return plan_patrols(expected, make_units(n_units, shifts, windows_per_unit), cells)
