"""An emergency setup on the shared organisation: an emergency officer, plan types and coverage
rules, units with plans (one missing, one expired), a plan with task templates for two departments,
a rescue team on duty, a warehouse with stock."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from gongzhi.core.models import Role, RoleAssignment, User
from gongzhi.emergency.models import (Category, CoverageRule, DutyShift, Item, Plan, PlanType, TaskTemplate, Team,
                                      TeamMember, Unit, Warehouse)
from gongzhi.emergency import supplies


def build_emergency(org):
    officer = User.objects.create_user(username="emergency", password=org.password, display_name="应急值班员",
                                       email="officer@example.gov.cn")
    RoleAssignment.objects.create(user=officer, role=Role.EMERGENCY, region=org.district)
    # This setup's own small set of types and rules instead of the ones the migration seeds.
    CoverageRule.objects.all().delete()
    PlanType.objects.all().delete()
    flood = PlanType.objects.create(category=Category.NATURAL, name="防汛", code="flood")
    fire = PlanType.objects.create(category=Category.ACCIDENT, name="火灾", code="fire")
    epidemic = PlanType.objects.create(category=Category.HEALTH, name="传染病", code="epidemic")
    for kind, plan_type in (("community", flood), ("community", fire), ("school", fire), ("school", epidemic)):
        CoverageRule.objects.create(unit_kind=kind, plan_type=plan_type)
    east = Unit.objects.create(name="东湖社区居委会", kind="community", region=org.east_c, contact=org.east_supervisor)
    west = Unit.objects.create(name="西山社区居委会", kind="community", region=org.west_c)
    school = Unit.objects.create(name="东湖小学", kind="school", region=org.east_c)
    today = timezone.localdate()
    flood_plan = Plan.objects.create(unit=east, plan_type=flood, title="东湖社区防汛应急预案", level="IV",
                                     owner=org.east_supervisor, effective_on=today - dt.timedelta(days=300),
                                     review_on=today + dt.timedelta(days=10))
    Plan.objects.create(unit=east, plan_type=fire, title="东湖社区火灾预案", effective_on=today - dt.timedelta(days=800),
                        review_on=today - dt.timedelta(days=5))  # expired
    Plan.objects.create(unit=west, plan_type=flood, title="西山社区防汛预案", effective_on=today - dt.timedelta(days=30),
                        review_on=today + dt.timedelta(days=335))
    Plan.objects.create(unit=school, plan_type=fire, title="东湖小学消防预案", effective_on=today - dt.timedelta(days=30),
                        review_on=today + dt.timedelta(days=700))
    TaskTemplate.objects.create(plan=flood_plan, department=org.housing, title="排查危旧房屋，转移住户", hours=2)
    TaskTemplate.objects.create(plan=flood_plan, department=org.water, title="开启泵站排涝", hours=1)
    team = Team.objects.create(name="区综合救援队", region=org.district, specialty="防汛")
    now = timezone.now()
    for order, user in enumerate((org.supervisor, org.leader)):
        user.email = f"duty{order}@example.gov.cn"
        user.save()
        TeamMember.objects.create(team=team, user=user, skills="冲锋舟")
        DutyShift.objects.create(team=team, user=user, starts_at=now - dt.timedelta(hours=1),
                                 ends_at=now + dt.timedelta(hours=11), order=order)
    depot = Warehouse.objects.create(name="区应急物资库", region=org.district, lat=39.91, lon=116.41)
    sandbags = Item.objects.create(name="沙袋", unit="袋")
    supplies.receive(depot, sandbags, 100, officer)
    return SimpleNamespace(officer=officer, flood=flood, fire=fire, epidemic=epidemic, east=east, west=west,
                           school=school, flood_plan=flood_plan, team=team, depot=depot, sandbags=sandbags)


@pytest.fixture
def em(org):
    return build_emergency(org)
