"""Screening campaigns (排查): a task per grid worker (or community without one), findings become
disputes, nothing found must be said (零报告), the coverage shows who reported, and a silent unit is
late and escalated to its supervisors."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core.deadlines import DueState
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.models import Notification, Role
from gongzhi.disputes import screening
from gongzhi.disputes.models import Dispute

from .conftest import PARTIES, person


@pytest.fixture
def campaign(org, kinds):
    today = timezone.localdate()
    return screening.launch(actor=org.supervisor, title="元旦前矛盾纠纷大排查", starts_on=today,
                            ends_on=today + dt.timedelta(days=7), regions=[org.district],
                            kinds=[kinds["neighbour"], kinds["labour_wages"]])


def test_each_grid_worker_gets_a_task_and_a_community_without_one_gets_its_own(org, campaign):
    tasks = {(t.community.name, t.grid.name if t.grid else None, t.assignee.username if t.assignee else None)
             for t in campaign.tasks.all()}
    assert tasks == {("东湖社区", "东湖第一网格", "gridworker"), ("西山社区", None, None)}
    assert Notification.objects.filter(user=org.grid_worker, kind="screening_task").exists()


def test_findings_become_disputes_and_a_zero_report_is_explicit(org, campaign, kinds):
    east = campaign.tasks.get(grid=org.east_g)
    with pytest.raises(FieldErrors):
        screening.report_findings(east, org.grid_worker, [])
    with pytest.raises(ActionRefused):
        screening.report_findings(east, org.operator, [{"title": "x", "facts": "y", "kind": kinds["neighbour"],
                                                        "parties": PARTIES}])
    east = screening.report_findings(east, org.grid_worker, [
        {"title": "楼上漏水邻里纠纷", "facts": "卫生间漏水，双方争执。", "kind": kinds["neighbour"], "parties": PARTIES}])
    dispute = Dispute.objects.get()
    assert (east.status, east.found_count, dispute.source, dispute.grid, dispute.screening_task) == (
        "found", 1, "screening", org.east_g, east)
    with pytest.raises(ActionRefused):
        screening.report_nothing(east, org.grid_worker)

    west = campaign.tasks.get(community=org.west_c)
    with pytest.raises(ActionRefused):  # a community's task: whoever works over that community
        screening.report_nothing(west, person("east_only", Role.GRID_WORKER, region=org.east_c))
    west = screening.report_nothing(west, person("west_worker", Role.GRID_WORKER, region=org.west_c))
    assert west.status == "nothing" and west.events.last().kind == "nothing"

    totals = screening.coverage(campaign)["totals"]
    assert totals == {"units": 2, "reported": 2, "found": 1, "nothing": 1, "late": 0, "disputes": 1}


def test_a_unit_silent_at_the_end_is_late_and_escalated_once(org, campaign):
    east = campaign.tasks.get(grid=org.east_g)
    screening.report_nothing(campaign.tasks.get(community=org.west_c), org.supervisor)
    after = east.due_at + dt.timedelta(hours=1)
    assert screening.sweep_deadlines(after)["newly_overdue"] == 1
    assert screening.sweep_deadlines(after + dt.timedelta(hours=1))["newly_overdue"] == 0
    east.refresh_from_db()
    assert east.due_state == DueState.OVERDUE and east.late
    told = set(Notification.objects.filter(kind="overdue").values_list("user__username", flat=True))
    assert told == {"gridworker", "supervisor", "east_supervisor"}


def test_a_campaign_needs_a_period_a_scope_and_a_checklist(org, kinds):
    today = timezone.localdate()
    with pytest.raises(FieldErrors) as refused:
        screening.launch(actor=org.supervisor, title="排查", starts_on=today, ends_on=today - dt.timedelta(days=1),
                         regions=[], kinds=[])
    assert set(refused.value.errors) == {"ends_on", "regions", "kinds"}
    with pytest.raises(ActionRefused):
        screening.launch(actor=org.grid_worker, title="排查", starts_on=today, ends_on=today,
                         regions=[org.east], kinds=[kinds["other"]])


def test_the_grid_worker_reports_on_the_task_page_and_the_coverage_shows_it(org, campaign, kinds):
    from django.test import Client

    client = Client()
    client.force_login(org.grid_worker)
    task = campaign.tasks.get(grid=org.east_g)
    assert f"/disputes/screening/tasks/{task.pk}/" in client.get("/disputes/screening/").content.decode()
    client.post(f"/disputes/screening/tasks/{task.pk}/report/", {"nothing": "1"})
    task.refresh_from_db()
    assert task.status == "nothing"
    supervisor = Client()
    supervisor.force_login(org.supervisor)
    page = supervisor.get(f"/disputes/screening/{campaign.pk}/").content.decode()
    assert "零报告" in page and "已报告 1" in page
    outsider = Client()
    outsider.force_login(org.handler_housing)
    assert outsider.get(f"/disputes/screening/tasks/{task.pk}/").status_code == 404
