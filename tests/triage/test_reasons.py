"""What triage's analysis writes (risk reasons, hot-issue alert reasons and titles, reply-quality
hints) reads in the reader's language on every page that shows it; the words quoted from the
citizen's text stay as written, and the stored sentences stay Chinese (the API and history keep one
wording)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation

from gongzhi.core.reasons import translate
from gongzhi.triage import hotissues, reply_quality, risk
from gongzhi.triage.duplicates import Appeal
from tests.english import english

HAN = re.compile(r"[\u4e00-\u9fff]")


def quoted(sentence: str) -> str:
    """The sentence without the words it quotes from a citizen's text (those stay as written)."""
    return re.sub(r"“[^”]*”", "", sentence)


def test_every_risk_reason_the_scorer_writes_reads_in_english():
    text = "楼道里有燃气泄漏的味道，我家老人和孩子都在，再不管我就去上访，真是气死了，活不下去了"
    reasons = risk.score_risk(text, repeat_contacts=3).reasons
    assert len(reasons) >= 4
    with translation.override("en"):
        for sentence in reasons:  # the interface part translates; the words after the colon are the citizen's
            english = translate(sentence)
            assert english != sentence and not HAN.search(quoted(english).split(": ")[0]), (sentence, english)
        assert "Safety hazard: gas leak (“燃气泄漏”)" in [translate(s) for s in reasons]
    with translation.override("zh-hans"):
        assert [translate(s) for s in reasons] == reasons


def test_every_reply_quality_hint_reads_in_english():
    appeal_time = dt.datetime(2026, 3, 2, 9)
    score = reply_quality.score_reply("幸福路12号路灯坏了一个月，晚上很黑", "已收到。", "幸福路路灯不亮",
                                      appeal_time=appeal_time, reply_time=appeal_time - dt.timedelta(days=1))
    assert len(score.reasons) >= 4
    with translation.override("en"):
        for sentence in score.reasons:
            assert not HAN.search(translate(sentence).split(": ")[0]), (sentence, translate(sentence))


def test_hot_issue_alert_reasons_read_in_english():
    start = dt.datetime(2026, 3, 1, 9)
    index = hotissues.HotIssueIndex()
    index.rebuild([Appeal(str(i), f"阳光花园垃圾站臭气熏天\n阳光花园小区垃圾站臭气熏天，没人清运", start + dt.timedelta(hours=i),
                          f"user{i}", "阳光花园垃圾站臭气熏天") for i in range(12)])
    issue = index.ranked()[0]
    checks = hotissues.alert_checks(issue, hotissues.AlertThresholds(window_days=7, growth=3, distinct_people=4, size=10),
                                    texts=["上百户业主准备拉横幅集体上访"])
    assert {c.kind for c in checks} == {"growth", "people", "size", "group_signal"}
    with translation.override("en"):
        for check in checks:
            assert not HAN.search(quoted(translate(check.message))), translate(check.message)


@pytest.mark.django_db
def test_the_appeal_and_alert_pages_show_triage_reasons_in_english(client, org, make_appeal):
    from gongzhi.triage import services
    from gongzhi.triage.models import Alert

    appeal = make_appeal(title="楼道燃气泄漏", content="楼道里燃气泄漏的味道很重，老人在家，再不管就去上访")
    services.on_intake(appeal=appeal)
    appeal.refresh_from_db()
    alert = Alert.objects.filter(appeal=appeal).first()
    assert alert is not None and alert.title.startswith("安全隐患")
    c = english(client, org.supervisor)
    page = c.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert "Safety hazard: " in page and "安全隐患：" not in page
    page = c.get(f"/triage/alerts/{alert.pk}/").content.decode()
    assert "Safety hazard (" in page and "安全隐患" not in page
    assert "楼道燃气泄漏" in page  # the appeal's own title stays as written
