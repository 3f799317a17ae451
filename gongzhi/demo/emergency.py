"""The demo city's emergency side: units of every kind with their plans (gaps on purpose: missing,
expired and soon-due ones), a plan with its task templates, warehouses with stock, rescue teams on
duty, sensors with recent events, and one live incident raised by a water-level sensor, its plan
activated, one task under way, supplies dispatched and a public warning out."""
from __future__ import annotations

import datetime as dt
import json
import random

from django.utils import timezone

from gongzhi.core.models import Department, Region, Role, User
from gongzhi.emergency import sensors, services, supplies
from gongzhi.emergency.kinds import ensure_defaults
from gongzhi.emergency.models import (DutyShift, Device, Item, Plan, PlanType, TaskTemplate, Team, TeamMember, Unit,
                                      Warehouse)


def build_demo_emergency(seed: int = 15) -> dict:
    rng = random.Random(seed)
    ensure_defaults()
    types = {t.code: t for t in PlanType.objects.all()}
    officer = User.objects.get(username="emergency")
    district = Region.objects.filter(level=Region.Level.DISTRICT).order_by("pk").first()
    communities = list(Region.objects.filter(level=Region.Level.COMMUNITY).order_by("pk"))
    today = timezone.localdate()
    units = []
    for dept in Department.objects.filter(code__in=["YJJ", "ZJJ", "JYJ", "WJW", "CGJ"]):
        units.append(Unit.objects.create(name=dept.name, kind="department", region=district, department=dept))
    for community in communities:
        units.append(Unit.objects.create(name=f"{community.name}居委会", kind="community", region=community))
    for i, community in enumerate(communities[:4]):
        units.append(Unit.objects.create(name=f"{community.name}小学", kind="school", region=community))
        units.append(Unit.objects.create(name=f"{community.name}商业综合体", kind="venue", region=community))
    for i, community in enumerate(communities[:3]):
        units.append(Unit.objects.create(name=f"{community.name}化工仓储公司", kind="enterprise", region=community))
    from gongzhi.emergency.kinds import RULES

    plans = 0
    for unit in units:
        for code in RULES[unit.kind]:
            roll = rng.random()
            if roll < 0.18:
                continue  # missing: the coverage view's gap
            if roll < 0.28:
                effective, review = today - dt.timedelta(days=1200), today - dt.timedelta(days=rng.randrange(5, 200))
            elif roll < 0.36:
                effective, review = today - dt.timedelta(days=700), today + dt.timedelta(days=rng.randrange(3, 28))
            else:
                effective, review = today - dt.timedelta(days=rng.randrange(30, 600)), today + dt.timedelta(
                    days=rng.randrange(60, 900))
            Plan.objects.create(unit=unit, plan_type=types[code], title=f"{unit.name}{types[code].name}应急预案",
                                level="IV" if unit.kind != "department" else "III", owner=officer,
                                effective_on=effective, review_on=review)
            plans += 1
    flood_plan = Plan.objects.create(unit=Unit.objects.get(name="区应急管理局"), plan_type=types["flood"],
                                     title="共治示范区防汛防台专项应急预案", level="II", owner=officer,
                                     effective_on=today - dt.timedelta(days=200), review_on=today + dt.timedelta(days=500))
    departments = {d.code: d for d in Department.objects.filter(code__in=["ZJJ", "CGJ", "JTJ", "WJW", "MZJ"])}
    for code, title, hours in (("ZJJ", "排查危旧房屋和地下空间，组织转移", 2), ("CGJ", "开启泵站，清理排水口", 1),
                               ("JTJ", "积水路段交通管制与绕行", 1), ("WJW", "医疗救护待命", 2),
                               ("MZJ", "开放避险安置点，发放生活物资", 3)):
        TaskTemplate.objects.create(plan=flood_plan, department=departments[code], title=title, hours=hours)
    plan_ids = list(Plan.objects.values_list("pk", flat=True))
    for pk in rng.sample(plan_ids, k=min(12, len(plan_ids))):
        plan = Plan.objects.get(pk=pk)
        services.add_drill(plan, officer, held_on=today - dt.timedelta(days=rng.randrange(10, 300)),
                           participants=rng.randrange(15, 120), record="按预案流程完成疏散与处置演练，发现问题已整改。")

    depots = [Warehouse.objects.create(name="区应急物资储备库", region=district, lat=30.2755, lon=120.1550),
              Warehouse.objects.create(name=f"{communities[0].name}应急物资点", region=communities[0], lat=30.2805,
                                       lon=120.1620)]
    items = [Item.objects.create(name=n, unit=u) for n, u in (("沙袋", "袋"), ("救生衣", "件"), ("帐篷", "顶"),
                                                                ("矿泉水", "箱"), ("发电机", "台"))]
    for depot, share in zip(depots, (1.0, 0.2)):
        for item, amount in zip(items, (3000, 400, 120, 800, 12)):
            if int(amount * share):
                supplies.receive(depot, item, int(amount * share), officer, note="年度储备")

    now = timezone.now()
    people = list(User.objects.filter(roles__role__in=[Role.SUPERVISOR, Role.LEADER, Role.GRID_WORKER])
                  .distinct().order_by("pk")[:8])
    teams = []
    for name, specialty in (("区综合应急救援队", "防汛、抢险"), ("区消防救援志愿队", "灭火、破拆")):
        team = Team.objects.create(name=name, region=district, specialty=specialty)
        teams.append(team)
    for i, user in enumerate(people):
        team = teams[i % 2]
        TeamMember.objects.create(team=team, user=user, skills=rng.choice(["冲锋舟", "急救", "破拆", "无人机"]))
        DutyShift.objects.create(team=team, user=user, starts_at=now - dt.timedelta(hours=2),
                                 ends_at=now + dt.timedelta(hours=22), order=i)

    devices = []
    for i, community in enumerate(communities[:6]):
        kind = ["water_level", "smoke", "gas", "manhole", "crowd", "smoke"][i]
        devices.append(Device.objects.create(
            code=f"{kind.replace('_', '')}-{i + 1:02d}", kind=kind, name=f"{community.name}{dict(Device.Kind.choices)[kind]}",
            region=community, lat=30.27 + 0.01 * i, lon=120.15 + 0.01 * i,
            threshold={"water_level": 2.5, "gas": 1.0, "crowd": 4.0}.get(kind),
            on_alarm="incident" if kind == "water_level" else "alert"))
    for device in devices:
        sensors.handle(f"gongzhi/sensors/{device.code}/events",
                       json.dumps({"kind": "heartbeat", "value": rng.randrange(40, 100), "at": now.isoformat(),
                                   "message": ""}))
    sensors.handle("gongzhi/sensors/unknown-99/events", b"{\"kind\": \"reading\"}")  # one dead letter to see
    water = devices[0]
    sensors.handle(f"gongzhi/sensors/{water.code}/events",
                   json.dumps({"kind": "reading", "value": 2.83, "at": (now + dt.timedelta(seconds=1)).isoformat(),
                               "message": "水位 2.83 米，超过警戒水位 2.5 米"}))
    incident = water.incidents.first()
    if incident is not None:
        services.set_level(incident, officer, "III")
        incident = services.activate(incident, flood_plan, officer)
        task = incident.tasks.get(department__code="CGJ")
        handler = User.objects.filter(roles__role=Role.HANDLER, roles__department__code="CGJ").first()
        if handler is not None:
            services.update_task(task, handler, "in_progress", "泵站 2 台已开启")
        request = supplies.request(incident, items[0], 500, officer)
        supplies.dispatch(request, depots[0], officer)
        services.deploy(incident, officer, teams[0])
        services.add_statement(incident, officer, "区政府官方微博", "受强降雨影响，相关路段积水，请市民绕行，注意安全。")
        services.issue_warning(incident, officer, headline="暴雨内涝预警", area=incident.region.name,
                               description="受强降雨影响，低洼路段和地下空间可能出现积水。", severity="Severe",
                               instruction="请勿进入积水路段和地下车库，听从现场指挥。", hours=12)
    return {"units": len(units), "plans": plans + 1, "devices": len(devices), "incident": incident.pk if incident else None}
