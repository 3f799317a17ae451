"""Dashboards rest on enough appeals (issue 13, defect 10): they open on the last complete month
(the running one a click away, marked partial), show the count behind every rate, rank only units
with enough appeals, never list one unit among both the best and the worst, and the trend marks the
running month instead of drawing it as a fall."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.evaluation import kpis

CHARTS = re.compile(r'<script id="chart-data" type="application/json">(.*?)</script>', re.S)


def label(m: dt.date) -> str:
    return f"{m.year}-{m.month:02d}"


@pytest.fixture
def months():
    this = timezone.localdate().replace(day=1)
    return {"this": this, "last": (this - dt.timedelta(days=1)).replace(day=1)}


@pytest.fixture
def last_month(org, make_appeal, months, django_capture_on_commit_callbacks):
    """Last month: 12 appeals each for housing and water, and 3 perfectly handled ones for the
    environment bureau; this month one appeal so far."""
    when = timezone.make_aware(dt.datetime.combine(months["last"] + dt.timedelta(days=9), dt.time(10)))
    with django_capture_on_commit_callbacks(execute=True):
        for dept, handler, n in ((org.housing, org.handler_housing, 12), (org.water, None, 12),
                                 (org.env, org.handler_env, 3)):
            for i in range(n):
                appeal = make_appeal(received_at=when, category=org.cat_noise if dept == org.env else org.cat_property)
                services.dispatch(appeal, org.dispatcher, dept)
                if handler is not None:
                    services.acknowledge(appeal.assignments.get(), handler)
                if dept == org.env or (dept == org.housing and i < 4):
                    services.reply(appeal, handler, "已联系物业清理楼道堆物，问题已解决。")
                    services.follow_up(appeal, "satisfied", resolved=True)
        make_appeal()


def leader_page(client, org, query: str = "") -> str:
    client.force_login(org.leader)
    response = client.get("/evaluation/" + query)
    assert response.status_code == 200
    return response.content.decode()


def test_ranking_needs_enough_cases_and_top_and_bottom_never_share_a_unit():
    perfect = {**kpis.empty_counts(), "appeals": 3, "dispatched": 3, "ack_on_time": 3, "replied": 3,
               "replied_on_time": 3, "rated": 3, "satisfied": 3, "resolved": 3}
    fair = {**kpis.empty_counts(), "appeals": 20, "dispatched": 20, "ack_on_time": 15, "replied": 10,
            "replied_on_time": 8, "rated": 10, "satisfied": 7, "resolved": 7}
    rows = kpis.rank({1: perfect, 2: fair, 3: fair}, min_cases=10)
    assert [r.unit_id for r in rows if r.rank] == [2, 3]
    assert rows[-1].unit_id == 1 and rows[-1].too_few and rows[-1].rank is None
    for n_units in (1, 2, 3, 7, 12, 25):
        units = {uid: {**fair, "resolved": uid % 10} for uid in range(n_units)}
        best, worst = kpis.top_and_bottom(kpis.rank(units), 10)
        assert not {r.unit_id for r in best} & {r.unit_id for r in worst}, n_units
        assert len(best) == len(worst) == min(10, n_units // 2)


def test_a_period_is_partial_until_it_ends_and_the_default_is_the_last_complete_one():
    today = dt.date(2026, 12, 2)
    assert kpis.last_complete("month", today) == dt.date(2026, 11, 1)
    assert kpis.last_complete("quarter", today) == dt.date(2026, 7, 1)
    assert kpis.last_complete("year", today) == dt.date(2025, 1, 1)
    assert kpis.is_partial("month", dt.date(2026, 12, 1), today)
    assert kpis.is_partial("quarter", dt.date(2026, 10, 1), today)
    assert not kpis.is_partial("month", dt.date(2026, 11, 1), today)


@pytest.mark.django_db
def test_the_leader_dashboard_opens_on_the_last_complete_month_with_the_counts(client, org, last_month, months):
    page = leader_page(client, org)
    assert label(months["last"]) in re.search(r"<h1>.*?</h1>", page, re.S).group(0)
    assert f'?month={label(months["this"])}&amp;period=month' in page  # the running month, a click away
    assert "截至今日，未完结" in page
    # the count behind every rate: 27 dispatched last month, 7 rated (4 of housing, 3 of env)
    shown = re.findall(r'<div class="n">(\d+) / (\d+) 件</div>', page)
    assert [den for _num, den in shown] == ["27", "7", "7"]
    assert shown[0][0] == "15"  # acknowledged on time: housing's 12 and env's 3


@pytest.mark.django_db
def test_the_running_month_is_labelled_partial(client, org, last_month, months):
    page = leader_page(client, org, f"?month={label(months['this'])}")
    assert 'class="period-note partial"' in page and "未完结" in page
    assert f'?month={label(months["last"])}&amp;period=month' in page
    charts = {c["id"]: c for c in json.loads(CHARTS.search(page).group(1))}
    for name in ("trend", "volume"):
        spec = charts[name]
        assert spec["partial"] == len(spec["categories"]) - 1
        assert spec["categories"][-1] == f"{label(months['this'])}（未完结）"
        assert spec["rows"][-1]["label"].endswith("（未完结）")  # the table beside the chart says it too


@pytest.mark.django_db
def test_a_unit_with_few_appeals_is_not_ranked_and_none_is_both_best_and_worst(client, org, last_month):
    page = leader_page(client, org)
    best = re.search(r'<table class="best">(.*?)</table>', page, re.S).group(1)
    worst = re.search(r'<table class="worst">(.*?)</table>', page, re.S).group(1)
    assert "区住建局" in best and "区水务公司" in worst
    assert "区住建局" not in worst and "区水务公司" not in best
    assert "区生态环境局" not in best + worst  # perfect, but on three appeals
    assert "另有 1 个单位本期诉求不足 10 件" in page
    rankings = client.get("/evaluation/rankings/").content.decode()
    env_row = next(r for r in re.findall(r"<tr.*?</tr>", rankings, re.S) if "区生态环境局" in r)
    assert "件数不足" in env_row and 'class="unranked"' in env_row
    assert re.search(r"100\.0% <small class=\"muted den\">/3</small>", env_row)  # its rate with its count
