"""Upgrading a database whose alerts had a free-text converted_to: each alert gets a "raised"
event, and what a converted one was converted into stays in its history and on its page."""
from __future__ import annotations

import pytest
from django.urls import reverse

from tests import migrating

BEFORE = [("triage", "0003_one_active_hot_issue_per_key")]


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_keeps_what_old_alerts_were_converted_into(org, client):
    latest = migrating.latest("triage")
    old = migrating.migrate(BEFORE)
    try:
        Alert = old.get_model("triage", "Alert")
        converted = Alert.objects.create(kind="group_signal", title="群体性风险信号：拖欠工资", state="converted",
                                         converted_to="矛盾纠纷", resolution="转为矛盾纠纷：转人民调解",
                                         acknowledged_by_id=org.east_supervisor.pk, region_id=org.east_c.pk)
        still_open = Alert.objects.create(kind="hot_issue", title="热点升温：电梯故障")
    finally:
        migrating.migrate(latest)

    from gongzhi.triage.models import Alert as NewAlert

    converted, still_open = NewAlert.objects.get(pk=converted.pk), NewAlert.objects.get(pk=still_open.pk)
    assert [e.kind for e in still_open.events.all()] == ["raised"]
    assert [e.kind for e in converted.events.all()] == ["raised", "converted"]
    event = converted.events.last()
    assert event.data == {"into_label": "矛盾纠纷"} and event.actor == org.east_supervisor
    assert converted.converted_to is None and converted.state == "converted"
    client.force_login(org.east_supervisor)
    page = client.get(reverse("triage:alert", args=[converted.pk])).content.decode()
    assert "矛盾纠纷" in page and "转人民调解" in page
