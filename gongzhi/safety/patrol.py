"""Patrol plans: put N units in the cells and 2-hour windows with the most expected incidents.

Expected incidents per (cell, window) = the cell's forecast for the day × the share of the day's
incidents that fall in the window (the hour profile). A greedy max-coverage pass then takes the
(cell, window) pairs in descending expectation, each given to a free unit whose shift covers the
window, with at most one unit per cell-window, one place per unit per window and ``windows`` windows
per unit. Travel between cells is not modelled; the roster is a ranked suggestion for a duty officer.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

N_WINDOWS = 12  # 2-hour windows: 0 = 00:00-02:00 ... 11 = 22:00-24:00


def window_label(w: int) -> str:
    return f"{2 * w:02d}:00-{(2 * w + 2) % 24:02d}:00"


def window_shares(hour_profile) -> np.ndarray:
    """Share of a day's incidents in each 2-hour window, from 24 hourly counts or shares; a
    (n × 24) array gives one row of 12 shares per cell."""
    p = np.asarray(hour_profile, float)
    if p.shape[-1:] != (24,) or p.ndim > 2 or (p < 0).any() or (p.sum(axis=-1) <= 0).any():
        raise ValueError("hour_profile must be 24 non-negative numbers with a positive sum (per row)")
    w = p.reshape(*p.shape[:-1], N_WINDOWS, 2).sum(axis=-1)
    return w / w.sum(axis=-1, keepdims=True)


def expected_by_window(cell_scores: Sequence[float], hour_profile, days: float = 7.0) -> np.ndarray:
    """(n_cells × 12) expected incidents for one day: weekly cell scores / ``days`` × window shares.
    ``hour_profile``: 24 values for the whole city, or one row of 24 per cell."""
    s = np.asarray(cell_scores, float) / days
    return s[:, None] * np.atleast_2d(window_shares(hour_profile))


def cell_hour_profiles(cells: Sequence[dict], lats, lons, hours, prior: float = 24.0) -> np.ndarray:
    """(n_cells × 24) hour shares per forecast cell: the cell's own incidents by hour, shrunk
    towards the city-wide profile with ``prior`` pseudo-incidents (a nightlife corner and a school
    gate peak at different hours; a cell with few incidents keeps the city's shape).

    ``cells``: forecast cells (``lat``, ``lon``, ``area_m2`` squares); ``lats``/``lons``/``hours``:
    past incidents. An incident counts for the best-ranked cell holding it."""
    from scipy.spatial import cKDTree

    from .hotspots import Utm

    lats, lons = np.asarray(lats, float), np.asarray(lons, float)
    hours = np.asarray(hours, int)
    ok = (hours >= 0) & (hours < 24)
    lats, lons, hours = lats[ok], lons[ok], hours[ok]
    city = np.bincount(hours, minlength=24) + 1.0
    city /= city.sum()
    n = len(cells)
    counts = np.zeros((n, 24))
    if n and len(lats):
        clat = np.array([c["lat"] for c in cells])
        clon = np.array([c["lon"] for c in cells])
        half = np.sqrt(np.array([c["area_m2"] for c in cells], float)) / 2
        utm = Utm.for_points(clon, clat)
        cx, cy = utm.forward(clon, clat)
        x, y = utm.forward(lons, lats)
        tree = cKDTree(np.column_stack([cx, cy]))
        for i, hits in enumerate(tree.query_ball_point(np.column_stack([x, y]), r=float(half.max()), p=np.inf)):
            inside = [j for j in hits if max(abs(x[i] - cx[j]), abs(y[i] - cy[j])) <= half[j]]
            if inside:
                counts[min(inside), hours[i]] += 1
    return (counts + prior * city) / (counts.sum(axis=1, keepdims=True) + prior)


def shift_windows(start_hour: int, end_hour: int) -> list[int]:
    """2-hour windows lying inside a shift; shifts may cross midnight (22 -> 6)."""
    if not (0 <= start_hour < 24 and 0 <= end_hour <= 24) or start_hour % 2 or end_hour % 2:
        raise ValueError("shift hours must be even hours 0-24")
    n = ((end_hour - start_hour) % 24 or 24) // 2
    return [(start_hour // 2 + i) % N_WINDOWS for i in range(n)]


def make_units(n_units: int, shifts: Sequence[tuple[int, int]] = ((6, 14), (14, 22), (22, 6)),
               windows_per_unit: int = 3) -> list[dict]:
    """``n_units`` units spread round-robin over the shifts, named U1, U2, ..."""
    if n_units < 0 or windows_per_unit < 1 or not shifts:
        raise ValueError("need n_units >= 0, windows_per_unit >= 1 and at least one shift")
    return [{"name": f"U{i + 1}", "start_hour": shifts[i % len(shifts)][0],
             "end_hour": shifts[i % len(shifts)][1], "windows": windows_per_unit} for i in range(n_units)]


def plan_patrols(expected, units: Sequence[dict], cells: Sequence[dict] | None = None) -> dict:
    """Greedy max-coverage roster.

    ``expected``: (n_cells × 12) expected incidents (see :func:`expected_by_window`); ``units``:
    dicts with ``name``, ``start_hour``, ``end_hour`` (even hours) and ``windows`` (how many 2-hour
    windows the unit patrols in its shift); ``cells``: optional per-cell dicts (e.g. forecast cells
    with ``rank``, ``lat``, ``lon``) copied into the roster.

    Returns ``{"roster": [...], "covered": x, "total": y, "coverage": x / y}`` where each roster
    entry has ``unit``, ``window``, ``hours``, ``cell`` (row index), ``expected`` and the cell's
    fields; the roster is sorted by unit then window.
    """
    e = np.asarray(expected, float)
    if e.ndim != 2 or e.shape[1] != N_WINDOWS:
        raise ValueError("expected must have 12 columns (2-hour windows)")
    allowed = [set(shift_windows(u["start_hour"], u["end_hour"])) for u in units]
    left = [min(int(u["windows"]), len(a)) for u, a in zip(units, allowed)]
    busy = [set() for _ in units]  # windows a unit already patrols
    flat = np.argsort(-e, axis=None, kind="stable")
    roster = []
    remaining = sum(left)
    for f in flat:
        if remaining == 0:
            break
        c, w = divmod(int(f), N_WINDOWS)
        if e[c, w] <= 0:
            break
        # the eligible unit with the fewest alternatives left keeps flexible units for later pairs
        best = None
        for k in range(len(units)):
            if left[k] and w in allowed[k] and w not in busy[k]:
                slack = len(allowed[k] - busy[k])
                if best is None or slack < best[0]:
                    best = (slack, k)
        if best is None:
            continue
        k = best[1]
        left[k] -= 1
        remaining -= 1
        busy[k].add(w)
        entry = {"unit": units[k]["name"], "window": w, "hours": window_label(w), "cell": c,
                 "expected": float(e[c, w])}
        if cells is not None:
            entry.update({key: val for key, val in cells[c].items() if key not in ("ring",) and key not in entry})
        roster.append(entry)
    order = {u["name"]: i for i, u in enumerate(units)}
    roster.sort(key=lambda r: (order[r["unit"]], (r["window"] - units[order[r["unit"]]]["start_hour"] // 2) % N_WINDOWS))
    covered = float(sum(r["expected"] for r in roster))
    total = float(e.sum())
    return {"roster": roster, "covered": covered, "total": total, "coverage": covered / total if total else 0.0}
