"""Incident patterns, near-repeat warnings and the daily bulletin's figures."""
from __future__ import annotations

import datetime as dt
import gzip
import itertools

import numpy as np
import pytest

from gongzhi.safety import analysis
from gongzhi.safety.patterns import WEEKDAYS

# --- hour x weekday, monthly trend, premises, density --------------------------------------------

def test_hour_weekday_matrix_puts_each_incident_in_its_weekday_row_and_hour_column():
    m = analysis.hour_weekday_matrix(["2019-01-07", "2019-01-08", "2019-01-13"], [0, 23, 12],
                                     ["Assault", "Robbery", "Assault"])
    assert m["all"][0][0] == 1    # Monday 00h
    assert m["all"][1][23] == 1   # Tuesday 23h
    assert m["all"][6][12] == 1   # Sunday 12h
    assert m["Robbery"][1][23] == 1 and sum(map(sum, m["Robbery"])) == 1


def test_hour_weekday_matrix_sums_to_the_incident_count_on_real_data(shared_data):
    """A slice of the real Toronto file: every type's matrix sums to that type's count, and the
    weekday we compute from the date agrees with the publisher's own weekday column."""
    import csv

    with gzip.open(shared_data / "crime-toronto" / "toronto_mci_2014_2019.csv.gz", "rt", encoding="utf-8") as fh:
        rows = list(itertools.islice(csv.DictReader(fh), 5000))
    dates = [r["occurrencedate"][:10].replace("/", "-") for r in rows]
    hours = [int(r["occurrencehour"]) for r in rows]
    types = [r["MCI"] for r in rows]
    m = analysis.hour_weekday_matrix(dates, hours, types)
    assert sum(map(sum, m["all"])) == len(rows)
    for t in set(types):
        assert sum(map(sum, m[t])) == types.count(t)
    named = [(d, h, r["occurrencedayofweek"].strip()) for d, h, r in zip(dates, hours, rows)
             if r["occurrencedayofweek"].strip()]
    assert len(named) > 4000
    by_day = np.array(analysis.hour_weekday_matrix([d for d, _, _ in named], [h for _, h, _ in named])["all"]).sum(axis=1)
    assert by_day.tolist() == [sum(1 for *_, w in named if w == day) for day in WEEKDAYS]


def test_monthly_trend_lists_every_month_including_empty_ones():
    t = analysis.monthly_trend(["2019-01-07", "2019-01-20", "2019-04-01"], ["a", "b", "a"])
    assert t["months"] == ["2019-01", "2019-02", "2019-03", "2019-04"]
    assert t["counts"]["all"] == [2, 0, 0, 1]
    assert t["counts"]["a"] == [1, 0, 0, 1]


def test_premises_breakdown_is_largest_first_with_shares_summing_to_one():
    rows = analysis.premises_breakdown(["House", "Apartment", "House", "Outside", "House"],
                                       ["B&E", "Assault", "B&E", "Assault", "Assault"])
    assert [r["premises"] for r in rows][0] == "House"
    assert rows[0]["count"] == 3 and rows[0]["by_type"] == {"B&E": 2, "Assault": 1}
    assert sum(r["share"] for r in rows) == pytest.approx(1.0)


def test_density_grid_counts_every_incident_once():
    rng = np.random.default_rng(3)
    lats, lons = rng.uniform(43.6, 43.8, 500), rng.uniform(-79.5, -79.2, 500)
    g = analysis.density_grid(lats, lons, cell_m=500)
    assert sum(c["count"] for c in g["cells"]) == 500
    counts = [c["count"] for c in g["cells"]]
    assert counts == sorted(counts, reverse=True)


def test_hour_profile_is_a_smoothed_share_per_hour():
    p = analysis.hour_profile([22, 22, 23, 2])["all"]
    assert len(p) == 24 and sum(p) == pytest.approx(1.0)
    assert p[22] > p[2] > p[10] > 0


# --- near-repeat ---------------------------------------------------------------------------------

BURGLARY_AT = dt.datetime(2019, 3, 1, 14, 0)


def test_a_break_in_flags_its_surroundings_for_the_window_and_then_expires():
    flags = analysis.near_repeat_flags([43.65], [-79.40], [BURGLARY_AT], ["Break and Enter"],
                                       radius_m=200, window_days=14)
    assert len(flags) == 1 and flags[0]["radius_m"] == 200
    assert analysis.active_flags(flags, BURGLARY_AT + dt.timedelta(days=13, hours=23))
    assert not analysis.active_flags(flags, BURGLARY_AT + dt.timedelta(days=14))
    assert not analysis.active_flags(flags, BURGLARY_AT - dt.timedelta(minutes=1))


def test_only_trigger_types_raise_near_repeat_flags():
    flags = analysis.near_repeat_flags([43.65, 43.66], [-79.40, -79.41], [BURGLARY_AT, BURGLARY_AT],
                                       ["Assault", "Break and Enter"])
    assert [f["source"] for f in flags] == [1]


def test_near_repeat_areas_count_nearby_break_ins_and_ignore_later_ones():
    lats = [43.6500, 43.6505, 43.7000, 43.6501]
    lons = [-79.400, -79.400, -79.300, -79.400]
    times = [BURGLARY_AT, BURGLARY_AT + dt.timedelta(days=2), BURGLARY_AT + dt.timedelta(days=3),
             BURGLARY_AT + dt.timedelta(days=9)]  # the last one is after the moment we look at
    at = BURGLARY_AT + dt.timedelta(days=5)
    areas = analysis.near_repeat_areas(lats, lons, times, at, ["Break and Enter"] * 4, window_days=14)
    assert sorted(a["source"] for a in areas) == [0, 1, 2]
    triggers = {a["source"]: a["triggers"] for a in areas}
    assert triggers == {0: 2, 1: 2, 2: 1}


# --- bulletin statistics ---------------------------------------------------------------------------

def daily_counts(per_day: dict[str, int], kind: str = "Robbery") -> tuple[list[str], list[str]]:
    dates = [d for d, n in per_day.items() for _ in range(n)]
    return dates, [kind] * len(dates)


def steady_month(day: dt.date, level: int = 5, jitter=(0, 1, -1, 2, -2, 0, 1)) -> dict[str, int]:
    return {(day - dt.timedelta(days=k)).isoformat(): level + jitter[k % len(jitter)] for k in range(1, 29)}


def test_bulletin_flags_a_spike_against_the_28_day_mean():
    day = dt.date(2019, 6, 10)
    counts = steady_month(day) | {day.isoformat(): 18}
    dates, types = daily_counts(counts)
    row = next(r for r in analysis.bulletin_stats(dates, types, day)["rows"] if r["type"] == "Robbery")
    assert row["count"] == 18 and row["flag"] == "up"
    assert row["mean_28"] == pytest.approx(sum(v for k, v in counts.items() if k != day.isoformat()) / 28, abs=1e-3)


def test_bulletin_does_not_flag_an_ordinary_day():
    day = dt.date(2019, 6, 10)
    dates, types = daily_counts(steady_month(day) | {day.isoformat(): 7})
    rows = analysis.bulletin_stats(dates, types, day)["rows"]
    assert all(r["flag"] is None for r in rows)


def test_bulletin_flags_a_collapse_only_when_the_usual_level_is_meaningful():
    day = dt.date(2019, 6, 10)
    dates, types = daily_counts(steady_month(day, level=12) | {day.isoformat(): 1})
    assert analysis.bulletin_stats(dates, types, day)["rows"][0]["flag"] == "down"
    dates, types = daily_counts(steady_month(day, level=2, jitter=(0,)) | {day.isoformat(): 0})
    assert analysis.bulletin_stats(dates, types, day)["rows"][0]["flag"] is None


def test_bulletin_compares_with_the_day_before_and_the_same_day_last_week():
    day = dt.date(2019, 6, 10)
    counts = {day.isoformat(): 4, (day - dt.timedelta(days=1)).isoformat(): 6,
              (day - dt.timedelta(days=7)).isoformat(): 1}
    dates, types = daily_counts(counts, "Assault")
    dates += [day.isoformat()]
    types += ["Robbery"]
    stats = analysis.bulletin_stats(dates, types, day)
    rows = {r["type"]: r for r in stats["rows"]}
    assert stats["rows"][0]["type"] == "all" and rows["all"]["count"] == 5
    a = rows["Assault"]
    assert (a["count"], a["prev_day"], a["last_week"], a["delta_prev"], a["delta_week"]) == (4, 6, 1, -2, 3)
    assert rows["Robbery"]["count"] == 1
    assert "Poisson" in stats["rule"]
