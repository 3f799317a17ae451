"""The demo city's emergency side: plans with gaps in coverage, one live incident on its board,
warehouses with stock, teams on duty and sensors; the emergency office's account opens it."""
import random

import pytest

from gongzhi.demo.emergency import build_demo_emergency
from gongzhi.demo.organisation import build_organisation
from gongzhi.emergency import coverage
from gongzhi.emergency.models import DeadLetter, Device, Incident, PublicWarning, Stock, Team, Unit

pytestmark = pytest.mark.django_db


def test_the_demo_has_gaps_a_live_incident_supplies_teams_and_devices(client):
    build_organisation(random.Random(3), lambda *a: None)
    summary = build_demo_emergency()
    rates = coverage.rates(coverage.cells(Unit.objects.all()))["total"]
    assert rates.missing > 0 and rates.expired > 0 and 0.4 < rates.rate < 0.9
    assert set(Unit.objects.values_list("kind", flat=True)) == {"department", "community", "school", "venue",
                                                                "enterprise"}
    live = Incident.objects.get(pk=summary["incident"])
    assert live.status == "responding" and live.source == "sensor" and live.tasks.count() == 5
    assert live.tasks.filter(status="in_progress").count() == 1
    assert PublicWarning.objects.filter(incident=live).exists()
    assert Stock.objects.filter(quantity__gt=0).count() >= 5 and Team.objects.count() == 2
    assert Device.objects.filter(online=True).count() == 6 and DeadLetter.objects.count() == 1
    client.force_login(live.plan.owner)  # the emergency office's demo account
    assert live.plan.owner.username == "emergency"
    assert client.get(f"/emergency/incidents/{live.pk}/").status_code == 200
    assert client.get("/emergency/coverage/").status_code == 200
