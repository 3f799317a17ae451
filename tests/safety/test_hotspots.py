"""Weekly hotspot forecasts: what a duty officer and the `gongzhi safety hotspots` CLI user see."""
from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from gongzhi.safety import analysis
from gongzhi.safety.hotspots import HotspotParams, Utm, parse_date, read_incidents

REPO = Path(__file__).resolve().parents[2]
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32617", always_xy=True)
UNTIL = "2019-03-04"  # a Monday

# Three "intersections" with very different incident rates, plus scattered background incidents.
HOT = (43.6563, -79.3809)
WARM = (43.7000, -79.4200)
COOL = (43.7500, -79.3000)


def history(seed: int = 0, until: str = UNTIL, days: int = 400):
    """(lats, lons, dates) of synthetic incidents in the ``days`` before ``until``."""
    rng = np.random.default_rng(seed)
    end = np.datetime64(until, "D")
    lats, lons, dates = [], [], []
    for (lat, lon), n in ((HOT, 300), (WARM, 120), (COOL, 40)):
        lats += [lat] * n
        lons += [lon] * n
        dates += list(end - rng.integers(1, days, n))
    m = 200
    lats += list(rng.uniform(43.60, 43.80, m))
    lons += list(rng.uniform(-79.55, -79.20, m))
    dates += list(end - rng.integers(1, days, m))
    return np.array(lats), np.array(lons), np.array(dates, dtype="datetime64[D]")


def write_csv(path: Path, rows: list[dict], gz: bool = False) -> Path:
    opener = (lambda p: gzip.open(p, "wt", encoding="utf-8", newline="")) if gz else \
        (lambda p: open(p, "w", encoding="utf-8", newline=""))
    with opener(path) as fh:
        w = csv.DictWriter(fh, fieldnames=["occurrencedate", "MCI", "Lat", "Long"])
        w.writeheader()
        w.writerows(rows)
    return path


def history_rows(**kw) -> list[dict]:
    lats, lons, dates = history(**kw)
    return [{"occurrencedate": f"{str(d).replace('-', '/')} 05:00:00+00", "MCI": "Assault",
             "Lat": f"{a:.8f}", "Long": f"{b:.8f}"} for a, b, d in zip(lats, lons, dates)]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gongzhi.safety.cli", "hotspots", *args],
                          capture_output=True, text=True, cwd=str(REPO))


def cli_args(csv_path: Path, out: Path, until: str = UNTIL) -> list[str]:
    return ["--csv", str(csv_path), "--lat", "Lat", "--lon", "Long", "--date", "occurrencedate",
            "--until", until, "--out", str(out)]


@pytest.fixture(scope="module")
def cells():
    lats, lons, dates = history()
    return analysis.forecast_hotspots(lats, lons, dates, UNTIL)


def contains(cell: dict, lat: float, lon: float) -> bool:
    return shapely.Polygon(cell["ring"]).contains(shapely.Point(lon, lat))


def test_forecast_ranks_cells_one_to_n_by_expected_incidents(cells):
    assert [c["rank"] for c in cells] == list(range(1, len(cells) + 1))
    scores = [c["score"] for c in cells]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)


def test_busiest_intersection_is_the_top_cell_and_quiet_ones_rank_lower(cells):
    assert contains(cells[0], *HOT)
    ranks = {name: next(c["rank"] for c in cells if contains(c, *pt))
             for name, pt in (("hot", HOT), ("warm", WARM), ("cool", COOL))}
    assert ranks["hot"] < ranks["warm"] < ranks["cool"]


def test_scores_are_expected_incidents_in_the_week(cells):
    lats, lons, dates = history()
    last_28 = ((dates >= np.datetime64(UNTIL) - 28) & (dates < np.datetime64(UNTIL))).sum()
    assert sum(c["score"] for c in cells) == pytest.approx(last_28 / 4, rel=0.01)


def test_cells_are_valid_squares_of_the_stated_area_in_utm(cells):
    for c in cells[:50]:
        ring = np.array(c["ring"])
        assert (ring[0] == ring[-1]).all() and len(ring) == 5
        x, y = TO_UTM.transform(ring[:, 0], ring[:, 1])
        poly = shapely.Polygon(np.column_stack([x, y]))
        assert poly.is_valid
        assert poly.area == pytest.approx(HotspotParams().cell_m ** 2, rel=1e-3)
        assert c["area_m2"] == pytest.approx(poly.area, rel=1e-3)


def test_future_incidents_do_not_change_the_forecast(cells):
    lats, lons, dates = history()
    rng = np.random.default_rng(7)
    n = 500  # a flood of incidents on and after --until, most at the coolest corner
    f_lats = np.r_[lats, [COOL[0]] * n, rng.uniform(43.6, 43.8, 50)]
    f_lons = np.r_[lons, [COOL[1]] * n, rng.uniform(-79.5, -79.2, 50)]
    f_dates = np.r_[dates, np.datetime64(UNTIL) + rng.integers(0, 30, n + 50)]
    assert analysis.forecast_hotspots(f_lats, f_lons, f_dates, UNTIL) == cells


def test_recent_surge_outranks_an_equal_but_old_count():
    end = np.datetime64(UNTIL)
    a, b = (43.65, -79.40), (43.72, -79.35)
    lats = np.r_[[a[0]] * 30, [b[0]] * 30]
    lons = np.r_[[a[1]] * 30, [b[1]] * 30]
    dates = np.r_[end - np.arange(1, 31), end - np.arange(300, 330)]
    top = analysis.forecast_hotspots(lats, lons, dates, UNTIL)[0]
    assert contains(top, *a)


def test_places_mode_centres_small_squares_on_snapped_points():
    lats, lons, dates = history()
    params = HotspotParams(cells="places", cell_m=60.0)
    cells = analysis.forecast_hotspots(lats, lons, dates, UNTIL, params=params)
    assert cells[0]["lat"] == pytest.approx(HOT[0], abs=1e-6) and cells[0]["lon"] == pytest.approx(HOT[1], abs=1e-6)
    assert cells[0]["area_m2"] == pytest.approx(3600)


def test_geojson_is_a_feature_collection_of_ranked_polygons(cells):
    fc = analysis.cells_to_geojson(cells)
    assert fc["type"] == "FeatureCollection"
    for f in fc["features"]:
        assert f["geometry"]["type"] == "Polygon"
        assert shape(f["geometry"]).is_valid
        assert isinstance(f["properties"]["rank"], int)


def test_projection_matches_pyproj_to_the_millimetre():
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(-79.7, -79.1, 200), rng.uniform(43.5, 43.9, 200)
    utm = Utm.for_points(lon, lat)
    assert utm.zone == 17
    x, y = utm.forward(lon, lat)
    px, py = TO_UTM.transform(lon, lat)
    assert np.abs(x - px).max() < 1e-3 and np.abs(y - py).max() < 1e-3
    back_lon, back_lat = utm.inverse(px, py)
    assert np.abs(back_lon - lon).max() < 1e-8 and np.abs(back_lat - lat).max() < 1e-8


@pytest.mark.parametrize("text, expected", [
    ("2019/03/04 05:00:00+00", dt.date(2019, 3, 4)),
    ("2019-03-04T10:00:00", dt.date(2019, 3, 4)),
    ("03/04/2019", dt.date(2019, 3, 4)),
    ("2019-02-30", None),
    ("yesterday", None),
    ("", None),
])
def test_dates_are_read_in_the_formats_police_exports_use(text, expected):
    assert parse_date(text) == expected


# --- the CLI -----------------------------------------------------------------------------------

def test_cli_writes_ranked_polygons_and_reports_skipped_rows(tmp_path):
    rows = history_rows()
    rows += [{"occurrencedate": "2019/01/05 05:00:00+00", "MCI": "Robbery", "Lat": "", "Long": ""},
             {"occurrencedate": "2019/01/05 05:00:00+00", "MCI": "Robbery", "Lat": "0", "Long": "0"},
             {"occurrencedate": "not a date", "MCI": "Robbery", "Lat": "43.70", "Long": "-79.40"},
             {"occurrencedate": "2019/01/05 05:00:00+00", "MCI": "Robbery", "Lat": "north", "Long": "-79.40"}]
    src = write_csv(tmp_path / "hist.csv", rows)
    out = tmp_path / "cells.geojson"
    r = run_cli(*cli_args(src, out))
    assert r.returncode == 0, r.stderr
    assert "skipped 4" in r.stderr
    assert "2 bad coords" in r.stderr and "1 zero coords" in r.stderr and "1 bad date" in r.stderr
    fc = json.loads(out.read_text())
    ranks = [f["properties"]["rank"] for f in fc["features"]]
    assert ranks == list(range(1, len(ranks) + 1))
    assert all(f["geometry"]["type"] == "Polygon" for f in fc["features"])
    assert shape(fc["features"][0]["geometry"]).contains(shapely.Point(HOT[1], HOT[0]))


def test_cli_reads_gzip_and_ignores_rows_after_until(tmp_path):
    base = history_rows()
    future = [{"occurrencedate": "2019/03/05 05:00:00+00", "MCI": "Assault",
               "Lat": f"{COOL[0]:.8f}", "Long": f"{COOL[1]:.8f}"}] * 400
    plain = tmp_path / "plain.geojson"
    flooded = tmp_path / "flooded.geojson"
    assert run_cli(*cli_args(write_csv(tmp_path / "a.csv", base), plain)).returncode == 0
    r = run_cli(*cli_args(write_csv(tmp_path / "b.csv.gz", base + future, gz=True), flooded))
    assert r.returncode == 0, r.stderr
    assert json.loads(plain.read_text()) == json.loads(flooded.read_text())


def test_placeholder_points_are_skipped(tmp_path):
    rows = history_rows() + [{"occurrencedate": "2019/01/05 05:00:00+00", "MCI": "Assault",
                              "Lat": "39", "Long": "-77"}] * 60
    table = read_incidents(write_csv(tmp_path / "p.csv", rows), "Lat", "Long", "occurrencedate")
    assert table.skipped == {"placeholder_coords": 60}
    assert len(table) == len(rows) - 60


@pytest.mark.parametrize("change, message", [
    (lambda a: a[:-2], "required"),                                          # no --out
    (lambda a: [*a[:9], "2019-13-01", *a[10:]], "YYYY-MM-DD"),              # bad --until
    (lambda a: [*a[:3], "Latitude", *a[4:]], "column 'Latitude' not found"),  # wrong column
    (lambda a: ["--csv", "/nonexistent/x.csv", *a[2:]], "No such file"),
    (lambda a: [*a[:9], "2010-01-04", *a[10:]], "no usable incidents"),       # nothing before --until
    (lambda a: [*a[:-1], "/nonexistent/dir/out.geojson"], "output folder"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, change, message):
    src = write_csv(tmp_path / "h.csv", history_rows())
    r = run_cli(*change(cli_args(src, tmp_path / "o.geojson")))
    assert r.returncode == 2
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_real_toronto_slice_is_scored_as_honest_area_by_the_reference_scorer(shared_data, tmp_path):
    """A slice of the real file through the CLI; the reference scorer must see 100 m x 100 m cells."""
    src = shared_data / "crime-toronto" / "toronto_mci_2014_2019.csv.gz"
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        lines = [next(fh) for _ in range(4001)]
    sliced = tmp_path / "slice.csv"
    sliced.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "2015-01-05.geojson"
    r = run_cli("--csv", str(sliced), "--lat", "Lat", "--lon", "Long", "--date", "occurrencedate",
                "--until", "2015-01-05", "--out", str(out))
    assert r.returncode == 0, r.stderr
    sys.path.insert(0, str(shared_data.parent / "reference"))
    from score_hotspots import read_forecast

    areas, geoms = read_forecast(out)
    assert len(areas) > 100
    assert np.allclose(areas, 100 * 100, rtol=1e-3)
    assert all(g.is_valid for g in geoms)
