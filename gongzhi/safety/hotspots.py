"""Weekly crime-hotspot forecasts: rank small places by the incidents expected in the coming days.

Pure numpy/scipy/shapely, no Django, no pyproj: the Django safety app and ``bench/hotspots.py``
call :func:`forecast_hotspots` with plain arrays and get plain dicts back.

Model (chosen on forecasts for 2017-2018; 2019 is held out, see ``bench/hotspots.py``):

* **Cells.** By default squares of a ``cell_m`` = 100 m grid in UTM metres. 100 m is about the
  spacing of the points police data is snapped to (Toronto moves every incident to its nearest
  intersection; the median distance between distinct points is 88 m), so a cell holds roughly one
  intersection's incidents and its area is real ground. ``cells="places"`` instead draws one
  ``cell_m`` square centred on each snapped point (incidents within ``snap_m`` merged): far higher
  PAI, but below the snapping resolution PAI measures the publisher's snapping more than the
  forecast, so it is an option, not the default.
* **Score.** Each past incident in the last ``lookback_days`` counts ``long_weight`` plus a
  recency term ``recent_weight * 0.5 ** (age / half_life_days)``; a cell also gets
  ``neighbour_weight`` times the scores of cells within ``neighbour_m`` (risk spills over to the
  next block). Scores are rescaled to expected incidents in the forecast window (the last 28 days'
  rate). Long-run counts dominate: on the tuning years the recency, neighbour, seasonal and
  per-type terms each moved PAI by under 1%, and the Toronto hot spots are stable for years.
* **Rank.** All cells have the same area, so rank by score is also rank by expected incidents per
  km², which is what a PAI area budget rewards.

Coordinates are projected with a built-in transverse Mercator (UTM zone of the history's median
longitude, Krueger series, mm accuracy), so areas agree with an EPSG:326xx measurement.
"""
from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

# ---------------------------------------------------------------------------------------------
# Projection: UTM (transverse Mercator, WGS84) forward and inverse, Krueger 3rd-order series.
# ---------------------------------------------------------------------------------------------
_A = 6378137.0
_F = 1 / 298.257223563
_N = _F / (2 - _F)
_AA = _A / (1 + _N) * (1 + _N ** 2 / 4 + _N ** 4 / 64)
_ALPHA = (_N / 2 - 2 * _N ** 2 / 3 + 5 * _N ** 3 / 16, 13 * _N ** 2 / 48 - 3 * _N ** 3 / 5, 61 * _N ** 3 / 240)
_BETA = (_N / 2 - 2 * _N ** 2 / 3 + 37 * _N ** 3 / 96, _N ** 2 / 48 + _N ** 3 / 15, 17 * _N ** 3 / 480)
_DELTA = (2 * _N - 2 * _N ** 2 / 3 - 2 * _N ** 3, 7 * _N ** 2 / 3 - 8 * _N ** 3 / 5, 56 * _N ** 3 / 15)
_K0 = 0.9996
_E0 = 500000.0
_C2 = 2 * math.sqrt(_N) / (1 + _N)


@dataclass(frozen=True)
class Utm:
    """A UTM zone (north or south); ``forward`` maps lon/lat degrees to metres and back."""

    zone: int
    south: bool = False

    @classmethod
    def for_points(cls, lons: Sequence[float], lats: Sequence[float]) -> "Utm":
        """The zone holding the median point, so a city's cells are measured where they lie."""
        lon = float(np.median(np.asarray(lons, float))) if len(lons) else 0.0
        lat = float(np.median(np.asarray(lats, float))) if len(lats) else 0.0
        return cls(int(min(60, max(1, math.floor((lon + 180) / 6) + 1))), lat < 0)

    @property
    def lon0(self) -> float:
        return math.radians(-183 + 6 * self.zone)

    @property
    def n0(self) -> float:
        return 10000000.0 if self.south else 0.0

    def forward(self, lons, lats):
        lam = np.radians(np.asarray(lons, float)) - self.lon0
        phi = np.radians(np.asarray(lats, float))
        t = np.sinh(np.arctanh(np.sin(phi)) - _C2 * np.arctanh(_C2 * np.sin(phi)))
        xi_p = np.arctan2(t, np.cos(lam))
        eta_p = np.arctanh(np.sin(lam) / np.sqrt(1 + t * t))
        xi, eta = xi_p.copy(), eta_p.copy()
        for j, a in enumerate(_ALPHA, 1):
            xi += a * np.sin(2 * j * xi_p) * np.cosh(2 * j * eta_p)
            eta += a * np.cos(2 * j * xi_p) * np.sinh(2 * j * eta_p)
        return _E0 + _K0 * _AA * eta, self.n0 + _K0 * _AA * xi

    def inverse(self, xs, ys):
        xi = (np.asarray(ys, float) - self.n0) / (_K0 * _AA)
        eta = (np.asarray(xs, float) - _E0) / (_K0 * _AA)
        xi_p, eta_p = xi.copy(), eta.copy()
        for j, b in enumerate(_BETA, 1):
            xi_p -= b * np.sin(2 * j * xi) * np.cosh(2 * j * eta)
            eta_p -= b * np.cos(2 * j * xi) * np.sinh(2 * j * eta)
        chi = np.arcsin(np.sin(xi_p) / np.cosh(eta_p))
        phi = chi.copy()
        for j, d in enumerate(_DELTA, 1):
            phi += d * np.sin(2 * j * chi)
        lam = self.lon0 + np.arctan2(np.sinh(eta_p), np.cos(xi_p))
        return np.degrees(lam), np.degrees(phi)


# ---------------------------------------------------------------------------------------------
# Reading incident files
# ---------------------------------------------------------------------------------------------
_DATE_FORMATS = ("%m/%d/%Y", "%d.%m.%Y")


def parse_date(text: str) -> dt.date | None:
    """Calendar date of a timestamp string (ISO ``2019-03-04...``/``2019/03/04 05:00:00+00`` or
    ``03/04/2019``), or None. The date part is read as written, as the reference scorer does."""
    s = (text or "").strip()
    if len(s) >= 10 and s[4] in "-/" and s[7] in "-/":
        try:
            return dt.date(int(s[0:4]), int(s[5:7]), int(s[8:10]))
        except ValueError:
            return None
    head = s.split(" ")[0].split("T")[0]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    return None


def _parse_coord(text: str) -> float:
    try:
        v = float(text)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


@dataclass
class IncidentTable:
    """Plain columns of the usable rows of an incident file, and how many rows were skipped why."""

    lat: np.ndarray
    lon: np.ndarray
    date: np.ndarray  # datetime64[D]
    extra: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lat)

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())


def _open_text(path):
    if str(path).endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def placeholder_coords(lats: np.ndarray, lons: np.ndarray, min_share: float = 0.005,
                       min_rows: int = 50) -> np.ndarray:
    """Mask of rows on a *round-number* point that holds an outsized share of rows (e.g. 311 data
    dumping unknown locations at 39,-77). Real snapped points are never whole or half degrees."""
    mask = np.zeros(len(lats), bool)
    if not len(lats):
        return mask
    round_pt = (np.abs(lats * 2 - np.round(lats * 2)) < 1e-9) & (np.abs(lons * 2 - np.round(lons * 2)) < 1e-9)
    if not round_pt.any():
        return mask
    keys, inv, counts = np.unique(np.column_stack([lats, lons]), axis=0, return_inverse=True, return_counts=True)
    big = counts[inv.ravel()] >= max(min_rows, min_share * len(lats))
    return round_pt & big


def _date_key(raw: str) -> str:
    """The part of a timestamp that decides its calendar date (see :func:`parse_date`)."""
    s = raw.strip()
    if len(s) >= 10 and s[4:5] in ("-", "/") and s[7:8] in ("-", "/"):
        return s[:10]
    return s.split(" ")[0].split("T")[0]


def _coords(texts: list[str]) -> np.ndarray:
    """Floats of a column, NaN where unparseable; numpy's C parser first, per item if that fails."""
    try:
        return np.array(texts, dtype=float)
    except ValueError:
        return np.array([_parse_coord(t) for t in texts], dtype=float)


def read_incidents(path, lat: str, lon: str, date: str, extra: Iterable[str] = ()) -> IncidentTable:
    """Read a CSV (optionally .gz), keeping rows with a usable place and date.

    Skipped: missing or unparseable coordinates (and rows too short to hold them), (0, 0) or any
    zero coordinate, coordinates out of range, placeholder points (see :func:`placeholder_coords`),
    unparseable dates. Raises KeyError naming the first missing column.
    """
    extra = list(extra)
    skipped = {"bad_coords": 0, "zero_coords": 0, "bad_date": 0, "placeholder_coords": 0}
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise ValueError("the file is empty")
        header = [h.strip() for h in header]
        idx = {}
        for col in [lat, lon, date, *extra]:
            if col not in header:
                raise KeyError(col)
            idx[col] = header.index(col)
        cols = [idx[lat], idx[lon], idx[date], *(idx[c] for c in extra)]
        width = max(cols) + 1
        pick = operator.itemgetter(*cols)
        rows, short = [], 0
        for row in reader:
            if len(row) >= width:
                rows.append(pick(row))
            elif row:
                short += 1
    skipped["bad_coords"] += short
    columns = list(zip(*rows)) if rows else [[] for _ in cols]
    lat_a, lon_a = _coords(list(columns[0])), _coords(list(columns[1]))
    keys = [_date_key(t) for t in columns[2]]
    parsed = {k: parse_date(k) for k in dict.fromkeys(keys)}
    nat = np.datetime64("NaT", "D")
    date_a = np.array([parsed[k] or nat for k in keys], dtype="datetime64[D]") if keys else np.zeros(0, "datetime64[D]")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(lat_a) | ~np.isfinite(lon_a) | (np.abs(lat_a) > 90) | (np.abs(lon_a) > 180)
    zero = ~bad & ((lat_a == 0) | (lon_a == 0))
    no_date = ~bad & ~zero & np.isnat(date_a)
    keep = ~(bad | zero | no_date)
    skipped["bad_coords"] += int(bad.sum())
    skipped["zero_coords"] = int(zero.sum())
    skipped["bad_date"] = int(no_date.sum())
    ph = np.zeros(len(keep), bool)
    ph[keep] = placeholder_coords(lat_a[keep], lon_a[keep])
    skipped["placeholder_coords"] = int(ph.sum())
    keep &= ~ph
    ext = {c: [v for v, k in zip(columns[3 + j], keep) if k] for j, c in enumerate(extra)}
    return IncidentTable(lat_a[keep], lon_a[keep], date_a[keep], ext, {k: v for k, v in skipped.items() if v})


# ---------------------------------------------------------------------------------------------
# Forecast
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HotspotParams:
    """Forecast knobs; the defaults were chosen on 2017-2018 Toronto forecasts (2019 held out)."""

    cells: str = "grid"             # "grid": a fixed cell_m grid; "places": one cell_m square centred
    #                                 on each snapped point (falls back to grid if not snapped)
    cell_m: float = 100.0           # cell side in metres
    snap_m: float = 5.0             # incidents closer than this are one place
    snapped_share: float = 0.5      # history counts as snapped if this share sits on repeated points
    lookback_days: int = 5 * 365    # older incidents are ignored
    long_weight: float = 1.0        # weight of every incident inside the lookback
    recent_weight: float = 2.0      # extra weight, halving every half_life_days
    half_life_days: float = 60.0
    neighbour_m: float = 120.0      # spill-over radius between places
    neighbour_weight: float = 0.05
    max_share: float = 0.10         # cells are emitted until they cover this share of the land area
    land_km2: float = 630.2         # land area that max_share refers to (Toronto's by default)


def _to_days(dates) -> np.ndarray:
    arr = np.asarray(dates)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]").astype(np.int64)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    out = [d.date() if isinstance(d, dt.datetime) else (d[:10] if isinstance(d, str) else d) for d in arr.tolist()]
    return np.array(out, dtype="datetime64[D]").astype(np.int64)


def is_snapped(x: np.ndarray, y: np.ndarray, params: HotspotParams = HotspotParams()) -> bool:
    """True when most incidents share their exact point with another incident."""
    if len(x) < 2:
        return True
    keys = np.column_stack([np.round(x / params.snap_m), np.round(y / params.snap_m)]).astype(np.int64)
    _, inv, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    return float((counts[inv.ravel()] >= 2).mean()) >= params.snapped_share


def place_scores(x: np.ndarray, y: np.ndarray, days: np.ndarray, until_day: int,
                 params: HotspotParams = HotspotParams(), horizon_days: int = 7, snapped: bool | None = None,
                 weights=None):
    """Score places from incidents strictly before ``until_day`` (days since 1970-01-01).

    Returns ``(px, py, score, snapped)``: place centres in metres and the expected incidents at each
    place over the ``horizon_days`` from ``until_day``. Future rows are dropped first, so they can
    never change a forecast.
    """
    past = (days < until_day) & (days >= until_day - params.lookback_days)
    x, y, days = x[past], y[past], days[past]
    if snapped is None:
        snapped = params.cells == "places" and is_snapped(x, y, params)
    if len(x) == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0), snapped
    if snapped:
        keys = np.column_stack([np.round(x / params.snap_m), np.round(y / params.snap_m)]).astype(np.int64)
    else:
        keys = np.column_stack([np.floor(x / params.cell_m), np.floor(y / params.cell_m)]).astype(np.int64)
    uk, inv = np.unique(keys, axis=0, return_inverse=True)
    inv = inv.ravel()
    n = len(uk)
    if snapped:  # the mean position of the merged incidents
        cnt = np.bincount(inv, minlength=n)
        px = np.bincount(inv, weights=x, minlength=n) / cnt
        py = np.bincount(inv, weights=y, minlength=n) / cnt
    else:
        px = (uk[:, 0] + 0.5) * params.cell_m
        py = (uk[:, 1] + 0.5) * params.cell_m
    age = (until_day - days).astype(float)
    w = params.long_weight + params.recent_weight * 0.5 ** (age / params.half_life_days)
    if weights is not None:
        w = w * np.asarray(weights, float)[past]
    raw = np.bincount(inv, weights=w, minlength=n)
    score = raw.copy()
    if params.neighbour_weight > 0 and params.neighbour_m > 0 and n > 1:
        from scipy.spatial import cKDTree

        pairs = cKDTree(np.column_stack([px, py])).query_pairs(params.neighbour_m, output_type="ndarray")
        if len(pairs):
            score += params.neighbour_weight * (np.bincount(pairs[:, 0], weights=raw[pairs[:, 1]], minlength=n)
                                                + np.bincount(pairs[:, 1], weights=raw[pairs[:, 0]], minlength=n))
    # Rescale to expected incidents in the horizon: total weight -> recent incident rate.
    recent = age <= 28
    rate = recent.sum() / 28.0 if recent.any() else len(age) / max(1.0, float(age.max()))
    total = score.sum()
    if total > 0:
        score = score / total * rate * horizon_days
    return px, py, score, snapped


def forecast_hotspots(lats, lons, dates, until, *, days: int = 7,
                      params: HotspotParams = HotspotParams()) -> list[dict]:
    """Rank cells by the incidents expected in the ``days`` days from ``until``.

    ``lats``/``lons``: degrees (WGS84); ``dates``: dates, datetime64 or ISO strings; ``until``: a
    date or ISO string. Only incidents dated before ``until`` are used. Returns a list of dicts in
    rank order: ``rank`` (1 = most expected), ``score`` (expected incidents in the window),
    ``lat``/``lon`` (centre), ``area_m2`` and ``ring`` (closed list of ``[lon, lat]`` pairs).
    Cells are emitted until they cover ``params.max_share`` of the land area.
    """
    lats = np.asarray(lats, float)
    lons = np.asarray(lons, float)
    day = _to_days(dates)
    until_day = int(np.datetime64(str(until)[:10], "D").astype(np.int64))
    past = day < until_day
    if not past.any():
        return []
    utm = Utm.for_points(lons[past], lats[past])
    x, y = utm.forward(lons[past], lats[past])
    px, py, score, snapped = place_scores(x, y, day[past], until_day, params, days)
    side = params.cell_m
    land_m2 = params.land_km2 * 1e6
    n_cells = int(math.ceil(params.max_share * land_m2 / side ** 2))
    order = np.lexsort((py, px, -score))[:n_cells]  # ties: west to east, then south to north
    order = order[score[order] > 0]
    return _square_cells(utm, px[order], py[order], score[order], side)


def _square_cells(utm: Utm, cx, cy, score, side) -> list[dict]:
    h = side / 2
    corners_x = np.column_stack([cx - h, cx + h, cx + h, cx - h, cx - h])
    corners_y = np.column_stack([cy - h, cy - h, cy + h, cy + h, cy - h])
    lon, lat = utm.inverse(corners_x.ravel(), corners_y.ravel())
    lon, lat = lon.reshape(-1, 5), lat.reshape(-1, 5)
    clon, clat = utm.inverse(cx, cy)
    cells = []
    for i in range(len(cx)):
        ring = [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lon[i], lat[i])]
        ring[-1] = ring[0]
        cells.append({"rank": i + 1, "score": round(float(score[i]), 6), "lat": round(float(clat[i]), 7),
                      "lon": round(float(clon[i]), 7), "area_m2": float(side * side), "ring": ring})
    return cells


def cells_to_geojson(cells: list[dict]) -> dict:
    """A GeoJSON FeatureCollection (WGS84 polygons) with ``rank`` and ``score`` properties."""
    feats = [{"type": "Feature",
              "geometry": {"type": "Polygon", "coordinates": [c["ring"]]},
              "properties": {"rank": c["rank"], "score": c["score"]}} for c in cells]
    return {"type": "FeatureCollection", "features": feats}
