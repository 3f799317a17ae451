"""Upgrading a database the old race left with two active rows for one hot issue: the migration
merges them (members, alerts, period) before it makes a second active row impossible."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import migrating

BEFORE = [("triage", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_merges_an_issue_held_twice_into_one_row_with_all_members_and_alerts(org, make_appeal):
    latest = migrating.latest("triage")
    appeals = [make_appeal(appellant_phone=f"1390000000{i}") for i in range(4)]
    old = migrating.migrate(BEFORE)
    try:
        HotIssue, Alert = old.get_model("triage", "HotIssue"), old.get_model("triage", "Alert")
        now = timezone.now()
        first = HotIssue.objects.create(key=appeals[0].pk, title="电梯故障", size=3, distinct_people=3, heat=5.0,
                                        start=now - dt.timedelta(days=3), end=now - dt.timedelta(days=1))
        second = HotIssue.objects.create(key=appeals[0].pk, title="电梯故障", size=2, distinct_people=2, heat=7.0,
                                         start=now - dt.timedelta(days=2), end=now)
        other = HotIssue.objects.create(key=999, title="另一个问题", size=1)
        first.appeals.add(*[a.pk for a in appeals[:3]])
        second.appeals.add(*[a.pk for a in appeals[2:]])
        other.appeals.add(appeals[3].pk)
        Alert.objects.create(kind="hot_issue", title="热点升温：电梯故障", hot_issue=second)
    finally:
        migrating.migrate(latest)

    from gongzhi.triage.models import Alert as NewAlert
    from gongzhi.triage.models import HotIssue as NewHotIssue

    merged = NewHotIssue.objects.get(key=appeals[0].pk, state="active")
    assert merged.pk == first.pk
    assert sorted(merged.appeals.values_list("pk", flat=True)) == [a.pk for a in appeals]
    assert merged.size == 4 and merged.distinct_people == 4 and merged.heat == 7.0
    assert merged.start == first.start and merged.end == second.end
    assert NewAlert.objects.get().hot_issue_id == merged.pk
    assert NewHotIssue.objects.get(key=999).size == 1
