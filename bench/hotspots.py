#!/usr/bin/env python3
"""Hotspot forecasts vs the reference baselines, scored by the reference scorer (PAI, hit rate).

For the held-out Mondays (default: the 12 of ``--spread 2019-01-01 2019-12-31 12``) and, shown
separately, the tuning Mondays (default 2018: the forecaster's defaults were chosen on forecasts
for 2017-2018, so those figures are optimistic), it writes one GeoJSON per Monday for

* the project (``gongzhi.safety.hotspots.forecast_hotspots``, the code behind the CLI),
* the counts baseline and the KDE baseline (``baseline_hotspots.py``, run as a subprocess),

scores each set with ``score_hotspots.py`` (subprocess), times one real CLI run on the full file
and checks it writes the same cells. The LAST line is the held-out summary:
``pai1= pai5= hit1= hit5= counts_pai1= counts_pai5= kde_pai1= kde_pai5= pai1_ratio= pai5_ratio= weeks=``
(ratios are against the better baseline at each budget).

    .venv/bin/python bench/hotspots.py [--spread 2019-01-01 2019-12-31 12] [--tune-spread ...]
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
SHARED = Path(os.environ.get("GONGZHI_SHARED_DIR", REPO_ROOT.parent / "shared"))
REFERENCE = SHARED / "reference"
DEFAULT_INCIDENTS = SHARED / "data" / "crime-toronto" / "toronto_mci_2014_2019.csv.gz"

from gongzhi.safety.hotspots import HotspotParams, cells_to_geojson, forecast_hotspots, read_incidents  # noqa: E402


def spread_mondays(start: dt.date, end: dt.date, n: int) -> list[dt.date]:
    """The same Mondays as baseline_hotspots.py --spread (imported from it, so they cannot drift)."""
    sys.path.insert(0, str(REFERENCE))
    from baseline_hotspots import spread_mondays as ref  # type: ignore

    return [d.date() for d in ref(start, end, n)]


def last_line_values(stdout: str) -> dict[str, float]:
    line = stdout.strip().splitlines()[-1]
    return {k: float(v) for k, v in (kv.split("=", 1) for kv in line.split())}


def score(cells_dir: Path, incidents: Path) -> dict[str, float]:
    r = subprocess.run([sys.executable, str(REFERENCE / "score_hotspots.py"), "--future", str(incidents),
                        "--cells-dir", str(cells_dir)], capture_output=True, text=True, check=True)
    warnings = [ln for ln in r.stdout.splitlines() if ln.startswith("warning")]
    for w in warnings:
        print(f"  scorer {w}")
    return last_line_values(r.stdout)


def run_baseline(method: str, incidents: Path, mondays: list[dt.date], out: Path, *extra: str) -> None:
    subprocess.run([sys.executable, str(REFERENCE / "baseline_hotspots.py"), "--method", method,
                    "--incidents", str(incidents), "--weeks", *[d.isoformat() for d in mondays],
                    "--out", str(out), *extra], capture_output=True, text=True, check=True, cwd=str(REFERENCE))


def run_project(table, mondays: list[dt.date], out: Path, params: HotspotParams) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for d in mondays:
        cells = forecast_hotspots(table.lat, table.lon, table.date, d.isoformat(), params=params)
        (out / f"{d.isoformat()}.geojson").write_text(json.dumps(cells_to_geojson(cells)), encoding="utf-8")


def evaluate(label: str, table, incidents: Path, mondays: list[dt.date], work: Path, params: HotspotParams) -> dict:
    res = {}
    t = time.perf_counter()
    run_project(table, mondays, work / label / "project", params)
    print(f"[{label}] project forecasts: {time.perf_counter() - t:.1f} s for {len(mondays)} weeks")
    res["project"] = score(work / label / "project", incidents)
    for method in ("counts", "kde"):
        run_baseline(method, incidents, mondays, work / label / method)
        res[method] = score(work / label / method, incidents)
    # Ablation, not a baseline: the counts method on the project's cell size shows how much of the
    # gain is the smaller cells and how much the scoring (5 years + recency + neighbours).
    if params.cells == "grid" and params.cell_m != 250:
        run_baseline("counts", incidents, mondays, work / label / "counts_small", "--cell", str(params.cell_m))
        res[f"counts@{params.cell_m:g}m"] = score(work / label / "counts_small", incidents)
    print(f"[{label}] Mondays {mondays[0]} .. {mondays[-1]} ({len(mondays)} weeks)")
    print(f"  {'method':<12} {'PAI@1%':>7} {'PAI@5%':>7} {'hit@1%':>7} {'hit@5%':>7}")
    for name, r in res.items():
        print(f"  {name:<12} {r['pai1']:>7.2f} {r['pai5']:>7.2f} {r['hit1']:>7.4f} {r['hit5']:>7.4f}")
    if len(res) > 3:
        print("  (counts@…m is an ablation on the project's cell size, not one of the baselines)")
    best1 = max(res["counts"]["pai1"], res["kde"]["pai1"])
    best5 = max(res["counts"]["pai5"], res["kde"]["pai5"])
    res["ratio1"], res["ratio5"] = res["project"]["pai1"] / best1, res["project"]["pai5"] / best5
    print(f"  project / better baseline: PAI@1% x{res['ratio1']:.3f}, PAI@5% x{res['ratio5']:.3f}")
    return res


def patrol_check(incidents: Path, mondays: list[dt.date], params: HotspotParams, n_units: int = 30) -> None:
    """Incidents per day that a roster would have met: ``n_units`` units x 3 two-hour windows in
    three 8-hour shifts, each in one forecast cell, scored on the week after each Monday.
    City-wide hour profile vs per-cell profiles (``lats``/``lons`` given)."""
    import numpy as np

    from gongzhi.safety import analysis
    from gongzhi.safety.hotspots import Utm

    t = read_incidents(incidents, "Lat", "Long", "occurrencedate", extra=["occurrencehour"])
    hours = np.array(t.extra["occurrencehour"], int)
    days = t.date.astype(np.int64)
    utm = Utm.for_points(t.lon, t.lat)
    x, y = utm.forward(t.lon, t.lat)
    met = {"city": [], "cell": []}
    for d in mondays:
        w = int(np.datetime64(d.isoformat(), "D").astype(np.int64))
        past, fut = days < w, (days >= w) & (days < w + 7)
        cells = analysis.forecast_hotspots(t.lat, t.lon, t.date, d.isoformat(), params=params)
        plans = {"city": analysis.patrol_plan_from_forecast(cells, hours[past], n_units),
                 "cell": analysis.patrol_plan_from_forecast(cells, hours[past], n_units,
                                                           lats=t.lat[past], lons=t.lon[past])}
        for name, plan in plans.items():
            n = 0
            for r in plan["roster"]:
                c = cells[r["cell"]]
                cx, cy = utm.forward(c["lon"], c["lat"])
                half = c["area_m2"] ** 0.5 / 2
                n += int(((np.abs(x[fut] - cx) <= half) & (np.abs(y[fut] - cy) <= half)
                          & (hours[fut] // 2 == r["window"])).sum())
            met[name].append(n / 7)
    print(f"patrol ({n_units} units x 3 windows, 2 h each): incidents met per day "
          f"{np.mean(met['cell']):.2f} with per-cell hour profiles vs {np.mean(met['city']):.2f} "
          f"with the city-wide profile (x{np.mean(met['cell']) / np.mean(met['city']):.2f})")


def time_cli(incidents: Path, monday: dt.date, work: Path, params: HotspotParams, expected: Path) -> float:
    out = work / "cli.geojson"
    cmd = [sys.executable, "-m", "gongzhi.safety.cli", "hotspots", "--csv", str(incidents), "--lat", "Lat",
           "--lon", "Long", "--date", "occurrencedate", "--until", monday.isoformat(), "--out", str(out),
           "--cells", params.cells, "--cell-m", str(params.cell_m)]
    t = time.perf_counter()
    subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=str(REPO_ROOT))
    seconds = time.perf_counter() - t
    same = json.loads(out.read_text()) == json.loads(expected.read_text())
    print(f"CLI on the full file ({monday}): {seconds:.2f} s wall; same cells as the bench: {same}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--incidents", type=Path, default=DEFAULT_INCIDENTS)
    ap.add_argument("--spread", nargs=3, metavar=("START", "END", "N"), default=["2019-01-01", "2019-12-31", "12"],
                    help="held-out Mondays (never used for tuning)")
    ap.add_argument("--tune-spread", nargs="+", metavar="START END N", default=["2018-01-01", "2018-12-31", "12"],
                    help="Mondays from the tuning years (2017-2018), reported separately; 'none' to skip")
    ap.add_argument("--cells", choices=["grid", "places"], default=HotspotParams.cells)
    ap.add_argument("--cell-m", type=float, default=None)
    ap.add_argument("--workdir", type=Path, default=None, help="keep the GeoJSON files here")
    ap.add_argument("--no-patrol", action="store_true", help="skip the patrol-plan check")
    a = ap.parse_args()

    cell_m = a.cell_m if a.cell_m is not None else (60.0 if a.cells == "places" else HotspotParams.cell_m)
    params = dataclasses.replace(HotspotParams(), cells=a.cells, cell_m=cell_m)
    print(f"project forecaster: {params}")
    table = read_incidents(a.incidents, "Lat", "Long", "occurrencedate")
    print(f"incidents: {len(table)} usable, {table.n_skipped} skipped")
    tmp = None
    work = a.workdir
    if work is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench-hotspots-")
        work = Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)

    if a.tune_spread != ["none"]:
        if len(a.tune_spread) != 3:
            ap.error("--tune-spread takes START END N, or none")
        s = a.tune_spread
        tune = spread_mondays(dt.date.fromisoformat(s[0]), dt.date.fromisoformat(s[1]), int(s[2]))
        evaluate("tuning", table, a.incidents, tune, work, params)
    s = a.spread
    held = spread_mondays(dt.date.fromisoformat(s[0]), dt.date.fromisoformat(s[1]), int(s[2]))
    res = evaluate("held-out", table, a.incidents, held, work, params)
    if not a.no_patrol:
        patrol_check(a.incidents, held, params)
    time_cli(a.incidents, held[-1], work, params, work / "held-out" / "project" / f"{held[-1].isoformat()}.geojson")
    p, c, k = res["project"], res["counts"], res["kde"]
    print(f"pai1={p['pai1']:.2f} pai5={p['pai5']:.2f} hit1={p['hit1']:.4f} hit5={p['hit5']:.4f} "
          f"counts_pai1={c['pai1']:.2f} counts_pai5={c['pai5']:.2f} kde_pai1={k['pai1']:.2f} kde_pai5={k['pai5']:.2f} "
          f"pai1_ratio={res['ratio1']:.3f} pai5_ratio={res['ratio5']:.3f} weeks={int(p['weeks'])}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
