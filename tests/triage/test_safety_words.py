"""Danger first: safety words raise urgency and reach the region's supervisors at intake, the
reasons say which words fired, and naming a problem (扰民) is not the same as being furious."""
from __future__ import annotations

import pytest

from gongzhi.appeals import services
from gongzhi.appeals.models import Urgency
from gongzhi.core.models import Notification
from gongzhi.triage.models import Alert
from gongzhi.triage.risk import score_risk

GAS = ("楼道里有燃气味", "3栋2单元楼道里有很浓的燃气味，已经两天了，担心是燃气泄漏，请尽快派人来看看。")


def real_messages(appeals_dir, word: str) -> list[str]:
    from gongzhi.triage.text import column_values, join_fields, read_csv_rows

    texts = []
    for name in ("labeled_messages.csv", "messages_with_support.csv"):
        path = appeals_dir / name
        header, rows = read_csv_rows(path)
        texts += [join_fields(v) for v in zip(column_values(header, rows, "留言主题", path),
                                              column_values(header, rows, "留言详情", path))]
    return [t for t in dict.fromkeys(texts) if word in t]


def test_a_gas_smell_is_urgent_and_its_reason_names_the_words():
    r = score_risk("\n".join(GAS))
    assert r.urgency in ("urgent", "critical") and r.level != "blue"
    assert r.safety == ["燃气泄漏"]
    assert any(line.startswith("安全隐患：燃气泄漏") and "燃气味" in line for line in r.reasons), r.reasons


@pytest.mark.parametrize("text, kind", [
    ("小区配电箱冒烟起火了，请赶紧处理", "火灾"),
    ("路边电线掉落在地上，下雨天很容易触电", "触电"),
    ("老房子外墙开裂，随时可能倒塌", "坍塌"),
    ("河边没有护栏，上周有小孩落水溺水", "溺水"),
    ("工地上有两个人受伤了，脚手架砸伤路人", "有人受伤"),
])
def test_each_kind_of_danger_is_named(text, kind):
    r = score_risk(text)
    assert kind in r.safety and r.urgency != "normal"


def test_a_danger_that_is_denied_does_not_fire():
    assert "有人受伤" not in score_risk("电动车撞到了护栏，没有人受伤，护栏需要修一下").safety


def test_safety_words_can_be_added_in_the_settings(settings):
    assert not score_risk("小区门口的窨井盖不见了").safety
    assert score_risk("小区门口的窨井盖不见了", extra_safety=["窨井盖不见"]).safety == ["窨井盖不见"]


def test_real_appeals_naming_a_danger_carry_the_reason(appeals_dir):
    found = real_messages(appeals_dir, "燃气泄漏") + real_messages(appeals_dir, "火灾")
    assert len(found) > 20
    fired = [t for t in found if score_risk(t).safety]
    # the rest speak of prevention only ("以防发生火灾", "防止火灾")
    assert len(fired) > 0.8 * len(found)
    assert all(score_risk(t).urgency != "normal" for t in fired)


def test_real_noise_complaints_are_not_intense_for_saying_noise(appeals_dir):
    noise = real_messages(appeals_dir, "扰民")
    assert len(noise) > 100
    intense = [t for t in noise if any(line.startswith("情绪激烈") for line in score_risk(t).reasons)]
    assert len(intense) < 0.3 * len(noise)  # every one of them was "情绪激烈：扰民" before
    plain = "楼下广场舞音响声音很大，晚上十点还不停，严重影响休息，扰民，请管一管。"
    assert not any(line.startswith("情绪激烈") for line in score_risk(plain).reasons)
    assert any(line.startswith("情绪激烈") for line in score_risk(plain + "我们已经忍无可忍！").reasons)


def test_a_gas_leak_at_intake_raises_urgency_and_tells_the_regions_supervisor(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appeal, _ = services.receive(channel="web", title=GAS[0], content=GAS[1], appellant_name="李四",
                                     appellant_phone="13812345678", lat=39.905, lon=116.405)
    appeal.refresh_from_db()
    assert appeal.urgency in (Urgency.URGENT, Urgency.CRITICAL)
    assert any("燃气" in line for line in appeal.triage["risk"]["reasons"])
    alert = Alert.objects.get(appeal=appeal, kind=Alert.Kind.HIGH_RISK)
    assert alert.level == Alert.Level.RED and "燃气泄漏" in alert.title
    assert Notification.objects.filter(user=org.east_supervisor, kind="alert").exists()
    assert not Notification.objects.filter(user=org.handler_housing, kind="alert").exists()
    assert appeal.events.filter(kind="triaged", note__contains="安全隐患").exists()
