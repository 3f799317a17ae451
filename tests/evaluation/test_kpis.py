"""KPI arithmetic as documented in docs/kpis.md: rates, weights, percentiles, scores, ranks, periods."""
from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.evaluation import kpis


def counts(**kw):
    c = kpis.empty_counts()
    c.update(kw)
    return c


def test_rates_are_ratios_of_counters_and_empty_denominators_have_no_value():
    v = kpis.kpis(counts(appeals=10, dispatched=8, ack_on_time=6, replied=5, replied_on_time=4, rated=4,
                         satisfied=2, basic=1, dissatisfied=1, resolved=3, returned=2, repeated=1, reopened=1,
                         handled_centi=1250, hist={"20": 2, "30": 2, "41": 1}))
    assert v["response_rate"] == 6 / 8
    assert v["on_time_rate"] == 4 / 5
    assert v["resolution_rate"] == 3 / 4
    assert v["satisfaction_rate"] == 3 / 4
    assert v["return_rate"] == 2 / 8 and v["repeat_rate"] == 1 / 10 and v["reopen_rate"] == 1 / 5
    assert v["mean_days"] == pytest.approx(12.5 / 5)
    assert v["p90_days"] == 4.1
    empty = kpis.kpis(kpis.empty_counts())
    assert empty["response_rate"] is None and empty["mean_days"] is None and empty["p90_days"] is None


def test_satisfaction_weights_of_a_scheme_count_basically_satisfied_partly():
    c = counts(rated=4, satisfied=2, basic=2)
    assert kpis.kpis(c, {"satisfied": 1, "basic": 0.5})["satisfaction_rate"] == 0.75


def test_p90_is_the_nearest_rank_over_tenths_of_a_day():
    # ten values 0.1 .. 1.0: the 9th is the p90
    hist = {str(i): 1 for i in range(1, 11)}
    assert kpis.percentile_nearest_rank(hist, 0.9) == 0.9
    assert kpis.percentile_nearest_rank({"7": 1}, 0.9) == 0.7
    assert kpis.tenths_ceil(101) == 11 and kpis.tenths_ceil(100) == 10 and kpis.centi_days(1.005) in (100, 101)


def test_quarters_and_units_add_up_exactly():
    a = counts(appeals=3, rated=2, satisfied=1, hist={"10": 1})
    b = counts(appeals=5, rated=1, satisfied=1, hist={"10": 2, "30": 1})
    total = kpis.sum_counts([a, b])
    assert total["appeals"] == 8 and total["satisfied"] == 2 and total["hist"] == {"10": 3, "30": 1}
    kpis.add_counts(total, b, -1)
    assert total["appeals"] == 3 and total["hist"] == {"10": 1}


def test_score_inverts_lower_is_better_rates_and_skips_missing_ones():
    values = {"satisfaction_rate": 0.9, "return_rate": 0.1, "response_rate": None}
    assert kpis.score(values, {"satisfaction_rate": 1, "return_rate": 1, "response_rate": 5}) == 90.0
    assert kpis.score({}, kpis.DEFAULT_WEIGHTS) is None


def test_ranking_shares_ranks_on_ties_and_reports_movement():
    good = counts(rated=10, satisfied=10, resolved=10)
    bad = counts(rated=10, satisfied=5, resolved=5)
    weights = {"satisfaction_rate": 1, "resolution_rate": 1}
    rows = kpis.rank({1: bad, 2: good, 3: good, 4: kpis.empty_counts()}, weights,
                     previous={1: good, 2: bad, 3: good})
    by_id = {r.unit_id: r for r in rows}
    assert by_id[2].rank == by_id[3].rank == 1 and by_id[1].rank == 3
    assert by_id[4].rank is None and rows[-1].unit_id == 4
    assert by_id[1].movement == -2 and by_id[2].movement == 2 and by_id[3].movement == 0
    assert by_id[4].movement is None


def test_periods():
    assert kpis.period_months("quarter", dt.date(2025, 5, 17)) == [dt.date(2025, m, 1) for m in (4, 5, 6)]
    assert kpis.previous_anchor("quarter", dt.date(2025, 2, 1)) == dt.date(2024, 12, 1)
    assert len(kpis.period_months("year", dt.date(2025, 5, 1))) == 12
    with pytest.raises(ValueError):
        kpis.period_months("week", dt.date(2025, 5, 1))


def test_a_merged_appeal_is_no_fact_and_an_excluded_one_counts_only_as_excluded():
    base = dict(status="closed", received_at=dt.datetime(2025, 3, 3, 9), region=5, subdistrict=2, grid=7, category=1,
                lead_department=3, dispatched_at=dt.datetime(2025, 3, 3, 10), lead_ack_at=dt.datetime(2025, 3, 3, 11),
                lead_ack_due_at=dt.datetime(2025, 3, 4, 10), replied_at=dt.datetime(2025, 3, 5, 9),
                due_at=dt.datetime(2025, 3, 20), satisfaction="basic", resolved=True, return_count=0, reopen_count=0,
                merged_count=0, excluded=False)
    days = lambda a, b: (b - a).total_seconds() / 86400  # noqa: E731
    fact = kpis.compute_fact(base, days)
    c = fact.as_counts()
    assert c["ack_on_time"] == 1 and c["replied_on_time"] == 1 and c["basic"] == 1 and c["resolved"] == 1
    assert fact.handled_centi == 200 and fact.month == dt.date(2025, 3, 1)
    assert kpis.compute_fact({**base, "status": "merged"}, days) is None
    ex = kpis.compute_fact({**base, "excluded": True}, days).as_counts()
    assert ex["excluded"] == 1 and sum(v for k, v in ex.items() if k != "excluded") == 0
