"""The emergency office keeps its registers on its own pages: units, the task templates a plan's
activation turns into tasks, teams with members and duty shifts (the roster escalation follows),
sensor devices, warehouses with stock movements, and the supply requests it dispatches or refuses.
Only the office changes them, only in its own regions, and every change is in the audit log."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from gongzhi.core.models import AuditEntry, Role, RoleAssignment, User
from gongzhi.emergency import registry, sensors, services, supplies
from gongzhi.emergency.models import (Device, DutyShift, Incident, Item, Stock, SupplyRequest, TaskTemplate, Team,
                                      TeamMember, Unit, Warehouse)

pytestmark = pytest.mark.django_db


def page(client, url, data=None):
    response = client.post(url, data, follow=True) if data is not None else client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def east_officer(org):
    """An emergency officer of the east sub-district only."""
    user = User.objects.create_user(username="em_east", password=org.password, display_name="东城应急办")
    RoleAssignment.objects.create(user=user, role=Role.EMERGENCY, region=org.east)
    return user


def test_the_office_registers_a_unit_and_a_leader_reads_the_list_without_changing_it(client, org, em):
    client.force_login(em.officer)
    html = page(client, "/emergency/units/", {"name": "东湖中学", "kind": "school", "region": org.east_c.pk,
                                               "department": org.housing.pk, "contact": org.east_supervisor.pk})
    assert "已保存" in html and "东湖中学" in html
    unit = Unit.objects.get(name="东湖中学")
    assert (unit.kind, unit.region, unit.contact) == ("school", org.east_c, org.east_supervisor)
    assert AuditEntry.objects.filter(action="emergency.unit.create", target_id=str(unit.pk), actor=em.officer).exists()
    # A second unit of the same name is a message next to the field, not a 500.
    html = page(client, "/emergency/units/", {"name": "东湖中学", "kind": "school", "region": org.east_c.pk})
    assert "已有同名记录" in html and Unit.objects.filter(name="东湖中学").count() == 1
    # The new school now needs its plans: the coverage view shows them missing.
    coverage = page(client, "/emergency/coverage/?kind=school")
    assert coverage.count("东湖中学") == 2  # fire and epidemic, both missing

    client.force_login(org.leader)
    html = page(client, "/emergency/units/")
    assert "东湖中学" in html and 'data-testid="unit-form"' not in html
    client.post("/emergency/units/", {"name": "领导加的单位", "kind": "venue", "region": org.east_c.pk})
    assert not Unit.objects.filter(name="领导加的单位").exists()
    client.force_login(org.handler_env)
    assert client.get("/emergency/units/").status_code == 404


def test_an_officer_works_only_in_their_own_regions(client, org, em, east_officer):
    client.force_login(east_officer)
    html = page(client, "/emergency/units/")
    assert "东湖社区居委会" in html and "西山社区居委会" not in html  # the west is not theirs
    offered = re.search(r'<select name="region"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert "东湖社区" in offered and "西山社区" not in offered and "示范区" not in offered  # nor offered
    html = page(client, "/emergency/units/", {"name": "西山新单位", "kind": "venue", "region": org.west_c.pk})
    assert not Unit.objects.filter(name="西山新单位").exists()
    assert client.get(f"/emergency/units/{em.west.pk}/").status_code == 404
    with pytest.raises(Exception) as refused:
        registry.save_unit(east_officer, None, name="西山新单位", kind="venue", region=org.west_c)
    assert "管辖范围" in str(refused.value.errors["region"])


def test_task_templates_are_what_activating_the_plan_asks_of_each_department(client, org, em):
    client.force_login(em.officer)
    url = f"/emergency/plans/{em.flood_plan.pk}/tasks/"
    assert "开启泵站排涝" in page(client, url)
    html = page(client, url, {"department": org.env.pk, "title": "监测河道水质", "hours": "0"})
    assert 'class="errorlist"' in html.split('data-testid="task-template-form"')[1]  # refused next to the field
    assert not TaskTemplate.objects.filter(title="监测河道水质").exists()
    page(client, url, {"department": org.env.pk, "title": "监测河道水质", "hours": "6"})
    water = TaskTemplate.objects.get(plan=em.flood_plan, title="开启泵站排涝")
    page(client, url, {"template": water.pk, "department": org.water.pk, "title": "开启泵站排涝并巡查管网", "hours": "3"})
    html = page(client, f"/emergency/plans/{em.flood_plan.pk}/tasks/{water.pk}/delete/", {})
    assert "任务模板已删除" in html
    assert AuditEntry.objects.filter(action="emergency.task_template.update", target_id=str(water.pk)).exists()

    incident = services.report(em.officer, title="东湖路积水", category="natural", level="III", region=org.east_c)
    incident = services.activate(incident, em.flood_plan, em.officer)
    tasks = {(t.department, t.title): t for t in incident.tasks.all()}
    assert set(tasks) == {(org.housing, "排查危旧房屋，转移住户"), (org.env, "监测河道水质")}
    env_task = tasks[(org.env, "监测河道水质")]
    assert dt.timedelta(hours=5, minutes=59) < env_task.due_at - incident.events.get(kind="activated").created_at \
        <= dt.timedelta(hours=6)


def test_members_and_duty_shifts_make_the_roster_that_escalation_follows(client, org, em, settings):
    client.force_login(em.officer)
    html = page(client, "/emergency/teams/", {"name": "东湖防汛突击队", "region": org.east.pk, "specialty": "排涝"})
    team = Team.objects.get(name="东湖防汛突击队")
    url = f"/emergency/teams/{team.pk}/"
    now = timezone.localtime()
    shift = {"action": "shift", "user": org.east_supervisor.pk, "order": "0",
             "starts_at": (now - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
             "ends_at": (now + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")}
    html = page(client, url, shift)
    assert not DutyShift.objects.filter(team=team).exists()  # not a member yet: not offered, not taken
    page(client, url, {"action": "member", "user": org.east_supervisor.pk, "skills": "冲锋舟驾驶"})
    page(client, url, {"action": "member", "user": org.handler_housing.pk, "skills": "结构安全"})
    html = page(client, url, {**shift, "ends_at": (now - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    assert "结束时间应晚于开始时间" in html
    html = page(client, url, shift)
    assert "已保存" in html and "在岗" in html
    page(client, url, {**shift, "user": org.handler_housing.pk, "order": "1"})
    html = page(client, url, shift)
    assert "此人在该时段已有班次" in html

    # The roster of the east: the district team's and the new team's shifts together, by escalation
    # order, then by who came on duty first (the new shifts began an hour before the district's).
    assert services.on_duty(org.east_c) == [org.east_supervisor, org.supervisor, org.handler_housing, org.leader]
    assert services.on_duty(org.west_c) == [org.supervisor, org.leader]  # the east team is not on the west's roster
    assert "东湖防汛突击队" in page(client, "/emergency/teams/")

    member = TeamMember.objects.get(team=team, user=org.handler_housing)
    page(client, url, {"action": "remove_member", "member": member.pk})
    assert not DutyShift.objects.filter(team=team, user=org.handler_housing).exists()  # leaves the roster too
    assert AuditEntry.objects.filter(action="emergency.shift.create").count() == 2
    assert AuditEntry.objects.filter(action="emergency.team_member.delete", target_id=str(member.pk)).exists()


def test_a_registered_device_reports_over_its_topic_and_alarms_at_its_threshold(client, org, em):
    client.force_login(em.officer)
    form = {"code": "wl-east-01", "kind": "water_level", "name": "东湖桥水位计", "region": org.east_c.pk,
            "grid": org.west_g.pk, "owner": org.water.pk, "lat": "39.905", "lon": "116.405", "threshold": "2.5",
            "on_alarm": "incident"}
    html = page(client, "/emergency/devices/new/", form)
    assert "网格不在所选区域内" in html and not Device.objects.exists()
    html = page(client, "/emergency/devices/new/", {**form, "grid": org.east_g.pk, "lon": ""})
    assert "经度和纬度须同时填写" in html
    html = page(client, "/emergency/devices/new/", {**form, "grid": org.east_g.pk})
    assert "wl-east-01" in html and "东湖第一网格" in html and "区水务公司" in html
    device = Device.objects.get(code="wl-east-01")
    html = page(client, f"/emergency/devices/{device.pk}/", {**form, "grid": org.east_g.pk, "code": "renamed"})
    assert "不能修改" in html
    page(client, f"/emergency/devices/{device.pk}/", {**form, "grid": org.east_g.pk, "threshold": "3"})
    device.refresh_from_db()
    assert device.threshold == 3.0

    at = timezone.now().replace(microsecond=0)
    reading = {"kind": "reading", "value": 2.8, "at": at.isoformat(), "message": ""}
    assert sensors.handle("gongzhi/sensors/wl-east-01/events", json.dumps(reading)) == "stored"  # below 3
    reading.update(value=3.2, at=(at + dt.timedelta(seconds=5)).isoformat())
    assert sensors.handle("gongzhi/sensors/wl-east-01/events", json.dumps(reading)) == "alarm"
    assert Incident.objects.get(device=device).region == org.east_c

    client.force_login(org.leader)  # reads the registry, does not keep it
    assert 'data-testid="device-new"' not in page(client, "/emergency/devices/")
    assert client.get("/emergency/devices/new/").status_code == 404


def test_stock_moves_in_out_across_and_by_count_and_never_below_zero(client, org, em):
    client.force_login(em.officer)
    page(client, "/emergency/warehouses/", {"action": "warehouse", "name": "东城物资点", "region": org.east.pk,
                                            "lat": "39.90", "lon": "116.40"})
    page(client, "/emergency/warehouses/", {"action": "item", "name": "救生衣", "unit": "件"})
    east = Warehouse.objects.get(name="东城物资点")
    vests = Item.objects.get(name="救生衣")
    url = f"/emergency/warehouses/{em.depot.pk}/"
    page(client, url, {"action": "move", "kind": "in", "item": vests.pk, "quantity": "40", "note": "采购入库"})
    page(client, url, {"action": "move", "kind": "transfer", "item": vests.pk, "quantity": "15",
                       "to_warehouse": east.pk})
    html = page(client, url, {"action": "move", "kind": "out", "item": vests.pk, "quantity": "26"})
    assert "库存不足" in html  # 25 left
    page(client, url, {"action": "move", "kind": "out", "item": vests.pk, "quantity": "5", "note": "演练领用"})
    html = page(client, url, {"action": "move", "kind": "count", "item": em.sandbags.pk, "quantity": "97"})
    assert "盘点" in html and "-3" in html
    assert supplies.quantity(em.depot, vests) == 20 and supplies.quantity(east, vests) == 15
    assert supplies.quantity(em.depot, em.sandbags) == 97
    assert not Stock.objects.filter(quantity__lt=0).exists()
    assert AuditEntry.objects.filter(action="emergency.stock.transfer").count() == 1
    html = page(client, url, {"action": "move", "kind": "transfer", "item": vests.pk, "quantity": "1"})
    assert "请选择调入仓库" in html

    client.force_login(org.leader)
    html = page(client, url)
    assert "救生衣" in html and 'data-testid="movement-form"' not in html
    client.post(url, {"action": "move", "kind": "out", "item": vests.pk, "quantity": "20"})
    assert supplies.quantity(em.depot, vests) == 20


def test_supply_requests_are_dispatched_or_refused_from_the_office_queue(client, org, em):
    incident = services.report(em.officer, title="东湖路积水", category="natural", level="III", region=org.east_c)
    big = supplies.request(incident, em.sandbags, 500, em.officer)
    small = supplies.request(incident, em.sandbags, 60, em.officer)
    client.force_login(em.officer)
    html = page(client, "/emergency/supplies/requests/")
    assert "东湖路积水" in html and "库存 100" in html
    html = page(client, "/emergency/supplies/requests/", {"action": "dispatch", "request": big.pk,
                                                          "warehouse": em.depot.pk})
    assert "库存不足" in html
    page(client, "/emergency/supplies/requests/", {"action": "refuse", "request": big.pk, "reason": "请市级支援"})
    page(client, "/emergency/supplies/requests/", {"action": "dispatch", "request": small.pk,
                                                   "warehouse": em.depot.pk})
    big.refresh_from_db()
    small.refresh_from_db()
    assert (big.status, small.status) == (SupplyRequest.Status.REFUSED, SupplyRequest.Status.DISPATCHED)
    assert supplies.quantity(em.depot, em.sandbags) == 40
    board = page(client, f"/emergency/incidents/{incident.pk}/board/")
    assert "请市级支援" in board and "沙袋 × 60" in board
