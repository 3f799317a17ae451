"""Incident patterns (发案规律): when, where and in which premises incidents happen, and near-repeat
warnings. Pure numpy; inputs are plain sequences (one item per incident), outputs are dicts/lists
ready for templates and JSON, so the Django app and the CLI share one implementation.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .hotspots import Utm

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _days(dates) -> np.ndarray:
    """Days since 1970-01-01 of dates, datetimes, datetime64 or ISO strings."""
    arr = np.asarray(dates)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]").astype(np.int64)
    return np.array([np.datetime64(str(d)[:10], "D") for d in arr], "datetime64[D]").astype(np.int64)


def _seconds(times) -> np.ndarray:
    """Seconds since 1970-01-01 (naive, local) of datetimes, datetime64 or ISO strings."""
    arr = np.asarray(times)
    if arr.dtype.kind != "M":
        arr = np.array([np.datetime64(t.replace(tzinfo=None) if isinstance(t, dt.datetime) else t, "s")
                        for t in arr], "datetime64[s]")
    return arr.astype("datetime64[s]").astype(np.int64)


def _groups(n: int, types: Sequence[str] | None) -> dict[str, np.ndarray]:
    """Row masks for "all" and each type (types sorted by frequency, then name)."""
    out = {"all": np.ones(n, bool)}
    if types is not None:
        t = np.asarray(types, dtype=object)
        for name, _ in sorted(Counter(t.tolist()).items(), key=lambda kv: (-kv[1], str(kv[0]))):
            out[str(name)] = t == name
    return out


def hour_weekday_matrix(dates, hours, types: Sequence[str] | None = None) -> dict[str, list[list[int]]]:
    """Counts by weekday (rows, Monday first) × hour (24 columns), for "all" and per type.

    ``dates``: the incidents' calendar dates; ``hours``: their hour 0-23 (rows with another hour are
    left out of the matrix, so check ``sum`` against the row count if the data may be dirty).
    """
    days = _days(dates)
    hours = np.asarray(hours, int)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
    ok = (hours >= 0) & (hours < 24)
    out = {}
    for name, mask in _groups(len(days), types).items():
        m = mask & ok
        cells = np.bincount(weekday[m] * 24 + hours[m], minlength=7 * 24).reshape(7, 24)
        out[name] = cells.astype(int).tolist()
    return out


def hour_profile(hours, types: Sequence[str] | None = None, weights=None) -> dict[str, list[float]]:
    """Share of incidents in each hour 0-23 (sums to 1), for "all" and per type.

    Add-one smoothing keeps a quiet hour from being planned as impossible."""
    hours = np.asarray(hours, int)
    w = np.ones(len(hours)) if weights is None else np.asarray(weights, float)
    ok = (hours >= 0) & (hours < 24)
    out = {}
    for name, mask in _groups(len(hours), types).items():
        m = mask & ok
        c = np.bincount(hours[m], weights=w[m], minlength=24) + 1.0
        out[name] = (c / c.sum()).tolist()
    return out


def monthly_trend(dates, types: Sequence[str] | None = None) -> dict:
    """Counts per calendar month, every month between the first and the last (gaps are zeros).

    Returns ``{"months": ["2019-01", ...], "counts": {"all": [...], type: [...]}}``."""
    days = _days(dates)
    if not len(days):
        return {"months": [], "counts": {"all": []}}
    month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    lo, hi = int(month.min()), int(month.max())
    months = [str(np.datetime64(m, "M")) for m in range(lo, hi + 1)]
    counts = {name: np.bincount(month[mask] - lo, minlength=hi - lo + 1).astype(int).tolist()
              for name, mask in _groups(len(days), types).items()}
    return {"months": months, "counts": counts}


def premises_breakdown(premises: Sequence[str], types: Sequence[str] | None = None) -> list[dict]:
    """Premises types by count: ``[{"premises", "count", "share", "by_type": {type: n}}]``, largest first."""
    prem = [str(p).strip() or "Unknown" for p in premises]
    total = len(prem)
    by = Counter(prem)
    rows = []
    for name, n in sorted(by.items(), key=lambda kv: (-kv[1], kv[0])):
        row = {"premises": name, "count": n, "share": n / total if total else 0.0}
        if types is not None:
            row["by_type"] = dict(Counter(t for p, t in zip(prem, types) if p == name).most_common())
        rows.append(row)
    return rows


def density_grid(lats, lons, cell_m: float = 250.0, weights=None) -> dict:
    """Incident counts on a square grid (metres, UTM) for a density map; only non-empty cells.

    Returns ``{"cell_m", "utm_zone", "cells": [{"lat", "lon", "count", "ring"}]}`` with cells in
    descending count; ``ring`` is a closed ``[lon, lat]`` polygon ready for GeoJSON/Leaflet."""
    lats = np.asarray(lats, float)
    lons = np.asarray(lons, float)
    w = np.ones(len(lats)) if weights is None else np.asarray(weights, float)
    if not len(lats):
        return {"cell_m": cell_m, "utm_zone": None, "cells": []}
    utm = Utm.for_points(lons, lats)
    x, y = utm.forward(lons, lats)
    keys = np.column_stack([np.floor(x / cell_m), np.floor(y / cell_m)]).astype(np.int64)
    uk, inv = np.unique(keys, axis=0, return_inverse=True)
    counts = np.bincount(inv.ravel(), weights=w, minlength=len(uk))
    order = np.lexsort((uk[:, 1], uk[:, 0], -counts))
    cells = []
    for i in order:
        x0, y0 = uk[i] * cell_m
        cx = np.array([x0, x0 + cell_m, x0 + cell_m, x0, x0])
        cy = np.array([y0, y0, y0 + cell_m, y0 + cell_m, y0])
        lo, la = utm.inverse(cx, cy)
        clo, cla = utm.inverse(x0 + cell_m / 2, y0 + cell_m / 2)
        ring = [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lo, la)]
        ring[-1] = ring[0]
        c = float(counts[i])
        cells.append({"lat": round(float(cla), 7), "lon": round(float(clo), 7),
                      "count": int(c) if c.is_integer() else c, "ring": ring})
    return {"cell_m": cell_m, "utm_zone": utm.zone, "cells": cells}


# ------------------------------------------------------------------------------------------------
# Near-repeat warnings
# ------------------------------------------------------------------------------------------------
NEAR_REPEAT_TYPES = ("Break and Enter", "Burglary", "BURGLARY", "入室盗窃")


def near_repeat_flags(lats, lons, times, types: Sequence[str] | None = None,
                      trigger_types: Sequence[str] | None = NEAR_REPEAT_TYPES,
                      radius_m: float = 200.0, window_days: float = 14.0) -> list[dict]:
    """One flag per triggering incident: the circle of ``radius_m`` around it is at raised risk
    from its time for ``window_days`` (burglary risk around a victim's home stays high for a couple
    of weeks, then decays to the background).

    ``times``: datetimes (naive local, or datetime64); ``types``: per-incident type, matched against
    ``trigger_types`` (None = every incident triggers). Returns dicts with ``lat``, ``lon``,
    ``radius_m``, ``start``, ``end`` (ISO datetimes, end exclusive) and ``source`` (row index).
    """
    secs = _seconds(times)
    lats = np.asarray(lats, float)
    lons = np.asarray(lons, float)
    trig = np.ones(len(secs), bool)
    if types is not None and trigger_types is not None:
        wanted = set(trigger_types)
        trig = np.array([t in wanted for t in types], bool)
    span = int(round(window_days * 86400))
    flags = []
    for i in np.flatnonzero(trig):
        start = np.datetime64(int(secs[i]), "s")
        flags.append({"lat": float(lats[i]), "lon": float(lons[i]), "radius_m": float(radius_m),
                      "start": str(start), "end": str(start + np.timedelta64(span, "s")), "source": int(i)})
    return flags


def active_flags(flags: Sequence[dict], at) -> list[dict]:
    """Flags in force at ``at`` (start <= at < end), each with ``triggers``: how many active flags
    lie within its radius (itself included), so clusters of break-ins stand out."""
    t = np.datetime64(at.replace(tzinfo=None) if isinstance(at, dt.datetime) else at, "s")
    live = [f for f in flags if np.datetime64(f["start"], "s") <= t < np.datetime64(f["end"], "s")]
    if not live:
        return []
    lats = np.array([f["lat"] for f in live])
    lons = np.array([f["lon"] for f in live])
    utm = Utm.for_points(lons, lats)
    x, y = utm.forward(lons, lats)
    d2 = (x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2
    radius = np.array([f["radius_m"] for f in live])
    near = (d2 <= radius[:, None] ** 2).sum(axis=1)
    return [{**f, "triggers": int(n)} for f, n in zip(live, near)]


def near_repeat_areas(lats, lons, times, at, types: Sequence[str] | None = None,
                      trigger_types: Sequence[str] | None = NEAR_REPEAT_TYPES,
                      radius_m: float = 200.0, window_days: float = 14.0) -> list[dict]:
    """Areas flagged at ``at``, from incidents up to ``at`` only (see :func:`near_repeat_flags`)."""
    secs = _seconds(times)
    t = _seconds([at])[0]
    keep = secs <= t
    idx = np.flatnonzero(keep)
    sub_types = None if types is None else [types[i] for i in idx]
    flags = near_repeat_flags(np.asarray(lats, float)[idx], np.asarray(lons, float)[idx],
                              secs[idx].astype("datetime64[s]"), sub_types, trigger_types, radius_m, window_days)
    for f in flags:
        f["source"] = int(idx[f["source"]])
    return active_flags(flags, at)
