"""Risk score: every point has a readable reason, and more danger never lowers the score."""
from __future__ import annotations

from gongzhi.triage.risk import score_risk

PLAIN = "小区门口的路灯坏了一个星期，晚上出行不方便，请尽快维修。"


def test_an_ordinary_request_is_low_risk_with_nothing_to_explain():
    r = score_risk(PLAIN)
    assert r.score < 25 and r.level == "blue" and r.urgency == "normal" and r.urgency_bump == 0


def test_each_signal_adds_to_the_score_and_names_itself():
    steps = [
        (PLAIN, 0, None),
        (PLAIN + "我们已经忍无可忍，投诉无门。", 0, "情绪激烈"),
        (PLAIN + "我们已经忍无可忍，投诉无门。再不解决就找媒体曝光。", 0, "扬言媒体曝光"),
        (PLAIN + "我们已经忍无可忍，投诉无门。再不解决就找媒体曝光。", 2, "重复来信2次"),
        (PLAIN + "我们已经忍无可忍，投诉无门。再不解决就找媒体曝光。家里有八旬老人和残疾人。", 2, "涉及弱势群体"),
        (PLAIN + "我们已经忍无可忍，投诉无门。再不解决就找媒体曝光。家里有八旬老人和残疾人。上百户业主准备拉横幅。", 2,
         "群体性风险信号：拉横幅"),
        (PLAIN + "我们已经忍无可忍，投诉无门。再不解决就找媒体曝光。家里有八旬老人和残疾人。上百户业主准备拉横幅。"
                 "有人说活不下去了要跳楼。", 2, "自伤"),
    ]
    previous = -1
    for text, repeats, reason in steps:
        r = score_risk(text, repeat_contacts=repeats)
        assert 0 <= r.score <= 100
        assert r.score > previous, (reason, r.score, previous)
        previous = r.score
        if reason:
            assert any(reason in line for line in r.reasons), (reason, r.reasons)
    assert r.level == "red" and r.urgency == "critical" and r.urgency_bump == 2


def test_self_harm_alone_raises_urgency():
    r = score_risk("拖欠我的工资一年了，我真的活不下去了。")
    assert r.urgency in ("urgent", "critical")
    assert any("自伤" in line for line in r.reasons)
