"""The demo city's grid and community part: region codes in the 6 + 3 + 3 + 3 scheme, grids that
cover their communities without overlap or gap (the import's own check, against each community's
outline), grid-worker and community-staff accounts, care households with visits, organisations
with volunteers and hours, the catalogue and the tasks that show each community's load."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from gongzhi.core.models import Grid, Region, Role, RoleAssignment
from gongzhi.demo import builder
from gongzhi.demo.grid import build_demo_grid
from gongzhi.grid import services, stats
from gongzhi.grid.models import (
    CatalogueItem, CommunityBoundary, CommunityTask, HomeVisit, Household, Organisation, Resident, VolunteerHours,
)

NOW = dt.datetime(2025, 12, 10, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            builder.build(appeals=10, seed=5, now=NOW, out=lambda *a: None)
            from tests.grid.conftest import CARE_CATEGORIES
            from gongzhi.grid.models import CareCategory

            for order, (code, (name, every)) in enumerate(CARE_CATEGORIES.items()):
                CareCategory.objects.get_or_create(code=code, defaults={"name": name, "visit_every_days": every})
            summary = build_demo_grid(now=NOW, out=lambda *a: None)
            yield summary
            transaction.set_rollback(True)


def test_region_and_grid_codes_follow_the_6_3_3_3_scheme(demo):
    for level, digits in (("district", 6), ("subdistrict", 9), ("community", 12)):
        for r in Region.objects.filter(level=level):
            assert re.fullmatch(rf"\d{{{digits}}}", r.code), r.code
            assert r.parent is None or r.code.startswith(r.parent.code)
    for g in Grid.objects.select_related("community"):
        assert re.fullmatch(r"\d{15}", g.code) and g.code[:12] == g.community.code


def test_the_grids_cover_every_community_without_overlap_or_gap(demo):
    assert CommunityBoundary.objects.count() == Region.objects.filter(level="community").count() == 9
    outlines = [{"type": "Feature", "properties": {"code": b.community.code, "name": b.community.name},
                 "geometry": {"type": "Polygon", "coordinates": [b.polygon]}}
                for b in CommunityBoundary.objects.select_related("community")]
    report = services.check_grids({"type": "FeatureCollection", "features": outlines})
    assert report.invalid == [] and report.overlaps == [] and report.gaps == []


def test_grid_workers_and_the_community_staff_have_accounts_and_see_their_residents(demo):
    workers = RoleAssignment.objects.filter(role=Role.GRID_WORKER)
    assert workers.filter(grid__isnull=False).count() == Grid.objects.count()
    staff = workers.get(user__username="community")
    assert staff.region.name == "柳岸社区" and staff.grid is None
    community = Household.objects.restrict(staff.user)
    assert community.exists() and all(h.building.grid.community_id == staff.region_id for h in community)
    mine = Household.objects.restrict(workers.get(user__username="gridworker").user)
    assert 0 < mine.count() < community.count()


def test_care_households_have_visits_and_some_are_due(demo):
    assert demo["care_households"] >= 20 and Resident.objects.count() > 500
    assert Household.objects.filter(care_categories__isnull=False).distinct().count() == demo["care_households"]
    assert HomeVisit.objects.exists()
    assert Household.objects.filter(care_categories__isnull=False, last_visited_at__isnull=True).exists()


def test_organisations_volunteers_and_hours_in_every_community(demo):
    assert Organisation.objects.values("community").distinct().count() == 9
    assert Organisation.objects.filter(volunteers__isnull=False).distinct().count() == Organisation.objects.count()
    assert VolunteerHours.objects.count() > 50


def test_the_catalogue_tasks_and_the_load_show_who_pushes_work_down(demo):
    assert CatalogueItem.objects.count() == 10 and demo["refused"] == 1
    assert CommunityTask.objects.filter(status="done").exists() and CommunityTask.objects.filter(status="assigned").exists()
    since = stats.months_back(3, NOW)
    load = stats.load_per_community(CommunityTask.objects.all(), since)
    assert load[0]["community"] == "柳岸社区"  # the demo's most burdened community
    assert sum(r["tasks"] for r in load) == CommunityTask.objects.filter(requested_at__gte=since).count() > 30
    assert sum(r["hours"] for r in load) > 10
