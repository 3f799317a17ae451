"""A leader or supervisor sees the figures of the part of the city they answer for, and no more."""
from __future__ import annotations

import pytest

from gongzhi.appeals import services
from gongzhi.core.models import Role, RoleAssignment, User
from gongzhi.evaluation import services as ev


@pytest.fixture
def city(org, make_appeal, django_capture_on_commit_callbacks):
    """Three appeals in the east subdistrict (two property, one noise), one in the west; rollups kept by the hook."""
    with django_capture_on_commit_callbacks(execute=True):
        return _history(org, make_appeal)


def _history(org, make_appeal):
    east = [make_appeal(title=f"东湖社区电梯故障{i}") for i in range(2)]
    east.append(make_appeal(title="东湖社区夜间施工噪音", category=org.cat_noise))
    west = make_appeal(title="西山社区电梯故障", lat=39.905, lon=116.305)
    for a in east[:2] + [west]:
        services.dispatch(a, org.dispatcher, org.housing)
    services.dispatch(east[2], org.dispatcher, org.env)
    assert {a.region for a in east} == {org.east_c} and west.region == org.west_c
    return {"east": east, "west": west}


def test_a_district_supervisor_answers_for_the_whole_city(org):
    assert ev.jurisdiction_of(org.supervisor).whole_city
    assert ev.jurisdiction_of(org.leader).whole_city


def test_a_subdistrict_supervisor_sees_only_the_subdistricts_figures(org, city):
    j = ev.jurisdiction_of(org.east_supervisor)
    assert not j.whole_city and j.label == "东城街道"
    this = ev.month_start()
    series = ev.jurisdiction_series(j, this, this)
    assert series[this]["appeals"] == 3 and series[this]["dispatched"] == 3
    assert ev.jurisdiction_series(ev.CITY, this, this)[this]["appeals"] == 4
    assert ev.jurisdiction_categories(j, this) == {org.cat_root.pk: 2, org.cat_noise.pk: 1}
    health = ev.jurisdiction_health(j)
    assert health["today"] == 3 and health["open"] == 3 and health["awaiting_ack"] == 3
    assert list(ev.jurisdiction_grids(j)) == [org.east_g]
    assert [r.unit_id for r in ev.jurisdiction_ranking(j, this)["rows"]] == [org.east_c.pk]


def test_a_department_leader_sees_the_departments_figures(org, city):
    boss = User.objects.create_user("env_leader", password="x-Passw0rd!")
    RoleAssignment.objects.create(user=boss, role=Role.LEADER, department=org.env)
    j = ev.jurisdiction_of(boss)
    this = ev.month_start()
    assert j.label == "区生态环境局"
    assert ev.jurisdiction_series(j, this, this)[this]["appeals"] == 1
    assert ev.jurisdiction_health(j)["awaiting_ack"] == 1
    assert [r.unit_id for r in ev.jurisdiction_ranking(j, this)["rows"]] == [org.env.pk]


def test_overlapping_region_scopes_count_once(org, city):
    both = User.objects.create_user("both", password="x-Passw0rd!")
    RoleAssignment.objects.create(user=both, role=Role.SUPERVISOR, region=org.east)
    RoleAssignment.objects.create(user=both, role=Role.LEADER, region=org.east_c)
    j = ev.jurisdiction_of(both)
    assert j.units == (("subdistrict", org.east.pk),)
    this = ev.month_start()
    assert ev.jurisdiction_series(j, this, this)[this]["appeals"] == 3
