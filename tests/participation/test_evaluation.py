"""The duty to answer counts in the department's evaluation: participation's figures reach the
evaluation app's rankings, score and department dashboard through core.indicators (neither app
imports the other), and each figure links to the proposals behind it."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core import indicators
from gongzhi.evaluation import services as evaluation
from gongzhi.participation import services, tasks

pytestmark = pytest.mark.django_db
RATE, LATE = "participation.answer_on_time_rate", "participation.late_answers"
ANSWER = "我局已将该建议纳入明年的公园改造计划。"


def housing_row(org):
    table = evaluation.ranking("department", evaluation.month_start())
    return next(r for r in table["rows"] if r.unit_id == org.housing.pk)


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_an_overdue_answer_lowers_the_departments_rate_count_and_score(org, propose):
    answered = services.assign(propose(title="多建口袋公园"), org.dispatcher, org.housing)
    services.answer(answered, org.handler_housing, outcome="adopted", text=ANSWER)
    before = housing_row(org)
    assert before.values[RATE] == 1.0 and before.values[LATE] == 0
    assert before.score == 100.0  # no appeals this month: the answers' rate is all there is to score

    waiting = services.assign(propose(title="夜间延长图书馆开放"), org.dispatcher, org.housing)
    tasks.run_sweeps(waiting.due_at + dt.timedelta(hours=1))  # the deadline passes unanswered
    after = housing_row(org)
    assert after.values[RATE] == 0.5 and after.values[LATE] == 1
    assert after.score == 50.0
    assert after.indicators[RATE].cases == 2

    # a department without proposals has no value, and is not scored on them
    env = next(r for r in evaluation.ranking("department", evaluation.month_start())["rows"]
               if r.unit_id == org.env.pk)
    assert env.values.get(RATE) is None and env.score is None


def test_the_rankings_and_the_department_dashboard_show_it_and_link_to_the_late_proposals(org, propose):
    on_time = services.assign(propose(title="多建口袋公园"), org.dispatcher, org.housing)
    services.answer(on_time, org.handler_housing, outcome="adopted", text=ANSWER)
    late = services.assign(propose(title="夜间延长图书馆开放"), org.dispatcher, org.housing)
    tasks.run_sweeps(late.due_at + dt.timedelta(hours=1))

    page = signed_in(org.leader).get(reverse("evaluation:rankings")
                                     + f"?month={evaluation.month_start():%Y-%m}").content.decode()
    assert "金点子按时答复率" in page and "50.0%" in page
    dashboard = signed_in(org.handler_housing).get(
        reverse("evaluation:department", args=[org.housing.pk]) + f"?month={evaluation.month_start():%Y-%m}")
    text = dashboard.content.decode()
    assert 'data-testid="other-indicators"' in text and "50.0%" in text
    link = f"/participation/staff/proposals/?department={org.housing.pk}&late=1"
    assert link.replace("&", "&amp;") in text
    listed = signed_in(org.handler_housing).get(link).content.decode()
    assert late.number in listed and on_time.number not in listed


def test_a_failing_indicator_is_left_out_and_the_ranking_still_opens(org, propose):
    def broken(kind, since, until):
        raise RuntimeError("figures unavailable")

    indicators.register("test.broken", "broken", broken, weight=5)
    try:
        row = housing_row(org)
        assert "test.broken" not in row.indicators and RATE in row.indicators
    finally:
        indicators.unregister("test.broken")


def test_a_scheme_may_weigh_the_answers_differently(org, propose):
    from gongzhi.evaluation.models import EvaluationScheme

    scheme = EvaluationScheme(name="不计金点子", weights={RATE: 0})
    assert scheme.kpi_weights()[RATE] == 0
    assert EvaluationScheme(name="默认").kpi_weights()[RATE] == 10
