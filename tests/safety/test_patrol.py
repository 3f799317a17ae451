"""Patrol plans: units go where and when the most incidents are expected, within their shifts."""
from __future__ import annotations

import numpy as np
import pytest

from gongzhi.safety import analysis
from gongzhi.safety.patrol import N_WINDOWS, plan_patrols, shift_windows


def random_expected(n_cells=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.gamma(0.6, 1.0, (n_cells, N_WINDOWS))


def test_shift_windows_follow_the_clock_and_cross_midnight():
    assert shift_windows(6, 14) == [3, 4, 5, 6]
    assert shift_windows(22, 6) == [11, 0, 1, 2]
    assert len(shift_windows(0, 24)) == 12
    with pytest.raises(ValueError):
        shift_windows(7, 15)


def test_a_full_day_unit_patrols_the_best_cell_windows():
    e = np.zeros((5, N_WINDOWS))
    e[3, 10], e[1, 4], e[0, 0], e[2, 7] = 9.0, 7.0, 5.0, 1.0
    plan = plan_patrols(e, [{"name": "A", "start_hour": 0, "end_hour": 24, "windows": 3}])
    assert [(r["cell"], r["window"]) for r in plan["roster"]] == [(0, 0), (1, 4), (3, 10)]
    assert plan["covered"] == pytest.approx(21.0)
    assert plan["coverage"] == pytest.approx(21.0 / 22.0)


def test_roster_respects_units_windows_shifts_and_one_unit_per_cell_window():
    e = random_expected()
    units = analysis.make_units(7, windows_per_unit=3)
    plan = plan_patrols(e, units)
    roster = plan["roster"]
    assert {r["unit"] for r in roster} <= {u["name"] for u in units}
    assert len(roster) == 7 * 3
    by_unit = {}
    for r in roster:
        by_unit.setdefault(r["unit"], []).append(r["window"])
    shifts = {u["name"]: set(shift_windows(u["start_hour"], u["end_hour"])) for u in units}
    for name, windows in by_unit.items():
        assert len(windows) <= 3
        assert len(set(windows)) == len(windows)  # never in two places at once
        assert set(windows) <= shifts[name]
    pairs = [(r["cell"], r["window"]) for r in roster]
    assert len(set(pairs)) == len(pairs)


def test_greedy_takes_the_top_pairs_when_shifts_do_not_bind():
    e = random_expected(seed=4)
    units = [{"name": f"U{i}", "start_hour": 0, "end_hour": 24, "windows": 2} for i in range(5)]
    plan = plan_patrols(e, units)
    # ten unit-windows; five round-the-clock units can hold the top ten pairs as long as no window
    # holds more than five of them, so greedy must cover exactly the top ten
    flat = np.argsort(e, axis=None)[::-1][:10]
    assert np.bincount(flat % N_WINDOWS).max() <= 5
    top = e.ravel()[flat]
    assert plan["covered"] == pytest.approx(top.sum())


def test_more_units_cover_more_and_never_more_than_everything():
    e = random_expected(seed=2)
    covered = [plan_patrols(e, analysis.make_units(n))["covered"] for n in (1, 3, 6, 12)]
    assert covered == sorted(covered)
    assert covered[0] > 0
    total = plan_patrols(e, analysis.make_units(200, windows_per_unit=4))
    assert total["covered"] == pytest.approx(e.sum())


def test_plan_from_a_forecast_sends_units_to_top_cells_at_busy_hours():
    rng = np.random.default_rng(5)
    hot, cool = (43.6563, -79.3809), (43.7500, -79.3000)
    lats = np.r_[[hot[0]] * 200, [cool[0]] * 20, rng.uniform(43.6, 43.8, 100)]
    lons = np.r_[[hot[1]] * 200, [cool[1]] * 20, rng.uniform(-79.5, -79.2, 100)]
    dates = np.datetime64("2019-03-04") - rng.integers(1, 300, len(lats))
    cells = analysis.forecast_hotspots(lats, lons, dates, "2019-03-04")
    hours = [22] * 50 + [23] * 40 + [14] * 10 + list(range(24))
    plan = analysis.patrol_plan_from_forecast(cells, hours, n_units=2, shifts=((18, 2), (6, 14)),
                                              windows_per_unit=1)
    roster = plan["roster"]
    assert len(roster) == 2
    night = next(r for r in roster if r["unit"] == "U1")
    assert night["rank"] == 1 and night["hours"] == "22:00-00:00"
    assert "ring" not in night and {"lat", "lon", "score"} <= set(night)


def test_bad_expected_matrix_is_rejected():
    with pytest.raises(ValueError):
        plan_patrols(np.zeros((3, 24)), analysis.make_units(1))


def test_each_cell_gets_its_own_hours_so_night_spots_are_patrolled_at_night():
    rng = np.random.default_rng(9)
    bar, school = (43.6500, -79.4000), (43.7200, -79.3300)
    lats = np.r_[[bar[0]] * 120, [school[0]] * 100]
    lons = np.r_[[bar[1]] * 120, [school[1]] * 100]
    hours = np.r_[rng.choice([22, 23, 0, 1], 120), rng.choice([8, 9, 15, 16], 100)]
    dates = np.datetime64("2019-03-04") - rng.integers(1, 300, len(lats))
    cells = analysis.forecast_hotspots(lats, lons, dates, "2019-03-04")[:2]
    profiles = analysis.cell_hour_profiles(cells, lats, lons, hours)
    assert profiles.shape == (2, 24) and np.allclose(profiles.sum(axis=1), 1)
    bar_row = 0 if abs(cells[0]["lat"] - bar[0]) < 1e-3 else 1
    assert profiles[bar_row, 23] > profiles[bar_row, 9]
    assert profiles[1 - bar_row, 9] > profiles[1 - bar_row, 23]
    plan = analysis.patrol_plan_from_forecast(cells, hours, 1, shifts=((0, 24),), windows_per_unit=4,
                                              lats=lats, lons=lons)
    by_cell = {}
    for r in plan["roster"]:
        by_cell.setdefault(r["cell"], set()).add(r["window"])
    assert by_cell == {bar_row: {11, 0}, 1 - bar_row: {4, 7}}
