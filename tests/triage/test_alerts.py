"""An alert's life, as its services keep it: raised, acknowledged, converted into a case that
follows it up (a real link, and a line in both histories) or dismissed; who may do what is the
alert lifecycle's, and a refused action changes nothing."""
from __future__ import annotations

import pytest

from gongzhi.appeals.models import Appeal, Channel, Status, Urgency
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.triage import alerts
from gongzhi.triage.models import Alert


@pytest.fixture
def alert(org, make_appeal):
    appeal = make_appeal(title="工地拖欠工资", content="工地拖欠五十多名农民工工资，准备集体上访。")
    return alerts.raise_alert(Alert.Kind.GROUP_SIGNAL, "群体性风险信号：工地拖欠工资", ["集体上访（“集体上访”）"],
                              appeal=appeal, region=org.east_c, level=Alert.Level.RED)


def state(alert):
    alert.refresh_from_db()
    return alert.state, alert.events.count(), alert.converted_id, Appeal.objects.count()


def test_raising_an_alert_starts_its_history_and_a_repeat_does_not_add_to_it(org, alert):
    again = alerts.raise_alert(Alert.Kind.GROUP_SIGNAL, "群体性风险信号：工地拖欠工资（再次）", ["横幅"],
                               appeal=alert.appeal, region=org.east_c)
    assert again.pk == alert.pk and again.reasons == ["横幅"]
    event = alert.events.get()
    assert (event.kind, event.to_status, event.actor_id, event.data["level"]) == ("raised", "open", None, "red")


def test_converting_links_the_new_appeal_and_both_histories_say_so(org, alert):
    appeal = alerts.convert_alert(alert, org.east_supervisor, "appeal", "转人民调解")
    alert.refresh_from_db()
    assert alert.converted_to == appeal and alert.state == Alert.State.CONVERTED
    assert appeal.channel == Channel.ALERT and appeal.status == Status.RECEIVED and appeal.urgency == Urgency.CRITICAL
    assert appeal.region == org.east_c and appeal.anonymous and appeal.title == alert.title
    assert alert.appeal.tracking_number in appeal.content
    assert list(appeal.events.values_list("kind", flat=True)) == ["received", "from_alert"]
    converted = alert.events.last()
    assert (converted.kind, converted.from_status, converted.to_status, converted.actor) == (
        "converted", "open", "converted", org.east_supervisor)
    assert converted.data == {"into": "appeal", "into_id": appeal.pk}
    assert alerts.conversion_of(alert)["link"] == f"/staff/appeals/{appeal.pk}/"


@pytest.mark.parametrize("who", ["handler_housing", "operator", "dispatcher", "grid_worker"])
def test_only_supervisors_and_leaders_deal_with_alerts(org, alert, who):
    before = state(alert)
    with pytest.raises(ActionRefused):
        alerts.acknowledge_alert(alert, getattr(org, who))
    with pytest.raises(ActionRefused):
        alerts.convert_alert(alert, getattr(org, who), "appeal", "转办")
    assert state(alert) == before
    alerts.acknowledge_alert(alert, org.leader, "已知悉")
    assert alert.events.last().kind == "acknowledged"


def test_a_conversion_into_an_unknown_kind_or_without_a_note_changes_nothing(org, alert):
    before = state(alert)
    with pytest.raises(FieldErrors) as error:
        alerts.close_alert(alert, org.supervisor, Alert.State.CONVERTED, "转办", into="信访事项")
    assert "target" in error.value.errors
    with pytest.raises(FieldErrors) as error:
        alerts.convert_alert(alert, org.supervisor, "appeal", "  ")
    assert "note" in error.value.errors
    assert state(alert) == before


def test_a_dismissed_alert_is_done_with(org, alert):
    alerts.close_alert(alert, org.supervisor, Alert.State.DISMISSED, "误报")
    before = state(alert)
    for act in (lambda: alerts.acknowledge_alert(alert, org.supervisor),
                lambda: alerts.convert_alert(alert, org.supervisor, "appeal", "还是转办")):
        with pytest.raises(ActionRefused):
            act()
    assert state(alert) == before
    assert [e.kind for e in alert.events.all()] == ["raised", "dismissed"]


def test_each_supervisor_is_told_of_an_alert_in_their_own_language(org, make_appeal, django_capture_on_commit_callbacks):
    from gongzhi.core.models import Notification, NotificationPreference

    NotificationPreference.objects.create(user=org.east_supervisor, language="en")
    appeal = make_appeal(title="工地拖欠工资", content="工地拖欠五十多名农民工工资。")
    with django_capture_on_commit_callbacks(execute=True):
        alerts.raise_alert(Alert.Kind.HIGH_RISK, "高风险诉求：工地拖欠工资", ["重复来信3次"], appeal=appeal,
                           region=org.east_c)
    texts = dict(Notification.objects.filter(kind="alert").values_list("user__username", "text"))
    assert texts[org.east_supervisor.username] == "Alert: High-risk appeal: 工地拖欠工资"
    others = [t for user, t in texts.items() if user != org.east_supervisor.username]
    assert others and all(t == "预警：高风险诉求：工地拖欠工资" for t in others)
