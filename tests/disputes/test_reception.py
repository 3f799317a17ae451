"""领导接访日: scheduled, petitions put on it, the outcome recorded per case and in its history."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.disputes import petition_services as petitions
from gongzhi.disputes import reception


def test_a_reception_day_hears_petitions_and_records_each_outcome(org, officer):
    petition = petitions.register(actor=officer, channel="visit", received_at=timezone.now(), petitioner_name="某",
                                  subject="征地补偿", content="补偿款未发", region=org.east_c)
    with pytest.raises(FieldErrors) as refused:
        reception.schedule(officer, leader=org.mediator, day=None, place="", region=org.district)
    assert set(refused.value.errors) == {"leader", "day", "place"}
    with pytest.raises(ActionRefused):
        reception.schedule(org.grid_worker, leader=org.leader, day=timezone.localdate(), place="x", region=org.district)
    day = reception.schedule(officer, leader=org.leader, day=timezone.localdate() + dt.timedelta(days=3),
                             place="区信访接待中心", region=org.district)
    item = reception.add_case(day, officer, petition)
    with pytest.raises(ActionRefused):
        reception.add_case(day, officer, petition)

    leader = Client()
    leader.force_login(org.leader)
    assert petition.number in leader.get("/disputes/reception/").content.decode()
    leader.post("/disputes/reception/outcome/", {"item": item.pk, "outcome": "责成街道十日内兑现补偿"})
    item.refresh_from_db()
    assert item.outcome == "责成街道十日内兑现补偿"
    assert list(petition.events.values_list("kind", flat=True))[-2:] == ["reception_listed", "reception_outcome"]
