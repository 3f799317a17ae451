"""The triage pages (hot issues, alerts, the model page) read wholly in English once English is
chosen; only data stays Chinese (hot-issue titles and terms, alert titles and reasons)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from gongzhi.core.errors import ActionRefused
from gongzhi.triage import alerts
from gongzhi.triage.models import Alert, HotIssue
from tests.english import assert_english, chinese_left, english

# the column names of the Chinese training data, quoted in the command the model page suggests
TRAINING_COLUMNS = "留言主题,留言详情 --label 一级标签"


@pytest.fixture
def issue_and_alerts(org, make_appeal):
    appeals = [make_appeal(title="小区电梯故障", appellant_phone=f"1381234567{i}") for i in range(3)]
    now = timezone.now()
    issue = HotIssue.objects.create(key=appeals[0].pk, title="小区电梯故障", place="东湖社区", region=org.east_c,
                                    start=now - dt.timedelta(days=3), end=now, size=3, distinct_people=3, heat=4.5,
                                    terms=["电梯", "故障"])
    issue.appeals.add(*appeals)
    hot = alerts.raise_alert(Alert.Kind.HOT_ISSUE, "热点升温：小区电梯故障", ["3天内3件"], hot_issue=issue,
                               region=org.east_c)
    group = alerts.raise_alert(Alert.Kind.GROUP_SIGNAL, "群体性风险信号：小区电梯故障", ["集体上访（“集体上访”）"],
                                 appeal=appeals[1], region=org.east_c, level=Alert.Level.ORANGE)
    return issue, hot, group


@pytest.mark.django_db
def test_the_triage_pages_have_no_chinese_left_in_english(client, org, issue_and_alerts):
    issue, hot, group = issue_and_alerts
    c = english(client, org.supervisor)
    board = assert_english(c, "/triage/hot/", "hot-issue board")
    assert "Hot issue" in board or "hot issue" in board.lower()
    detail = assert_english(c, f"/triage/hot/{issue.pk}/", "hot issue")
    assert "Keywords: 电梯, 故障" in detail
    assert_english(c, "/triage/alerts/", "open alerts")
    assert_english(c, "/triage/alerts/?state=all", "all alerts")
    page = assert_english(c, f"/triage/alerts/{group.pk}/", "alert")
    assert "Appeal: " in page
    assert_english(c, f"/triage/alerts/{hot.pk}/", "hot-issue alert")
    model = assert_english(c, "/triage/model/", "model page without a model", keep=(TRAINING_COLUMNS,))
    assert "No model has been trained yet" in model
    done = assert_english(c, f"/triage/alerts/{hot.pk}/act/", "acknowledged alert", "post",
                          {"action": "acknowledge", "note": "已知悉"})
    assert "Acknowledged by: " in done


@pytest.mark.django_db
def test_a_refused_alert_action_is_explained_in_english(client, org, issue_and_alerts):
    _issue, hot, group = issue_and_alerts
    c = english(client, org.supervisor)
    page = assert_english(c, f"/triage/alerts/{group.pk}/act/", "dismissal without a note", "post",
                          {"action": "dismiss", "note": ""})
    assert "Please describe how the alert was dealt with" in page and "请填写处置说明" not in page
    alerts.close_alert(hot, org.supervisor, Alert.State.DISMISSED, "误报")
    page = assert_english(c, f"/triage/alerts/{hot.pk}/act/", "acknowledging a closed alert", "post",
                          {"action": "acknowledge"})
    assert "This alert has already been dealt with" in page and "该预警已处理" not in page


def test_alert_refusals_keep_their_chinese_wording_by_default(db, org, issue_and_alerts):
    _issue, hot, _group = issue_and_alerts
    alerts.close_alert(hot, org.supervisor, Alert.State.DISMISSED, "误报")
    with translation.override("zh-hans"), pytest.raises(ActionRefused) as exc:
        alerts.acknowledge_alert(hot, org.supervisor)
    assert str(exc.value) == "该预警已处理"
