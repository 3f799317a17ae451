"""The demo city: a believable invented district whose appeals went through the real services.

Built once for the module (160 appeals, a fixed seed and a fixed "now"), rolled back afterwards.
"""
import datetime as dt
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from gongzhi.appeals.models import Appeal, AppealEvent, Category, Status
from gongzhi.core.models import Department, Grid, Region, Role, RoleAssignment, User
from gongzhi.demo import builder
from gongzhi.demo.organisation import DEMO_PASSWORD, PRINTED_ACCOUNTS

NOW = dt.datetime(2025, 12, 10, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            summary = builder.build(appeals=160, seed=11, now=NOW, out=lambda *a: None)
            yield summary
            transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_the_territory_is_one_district_three_subdistricts_nine_communities_thirty_grids(city):
    assert Region.objects.filter(level="district").count() == 1
    assert Region.objects.filter(level="subdistrict").count() == 3
    assert Region.objects.filter(level="community", parent__level="subdistrict").count() == 9
    assert Grid.objects.count() == 30
    assert all(g.community.level == "community" for g in Grid.objects.select_related("community"))


def test_grid_polygons_tile_each_community_without_overlapping(city):
    shapes = {g.pk: Polygon(g.polygon) for g in Grid.objects.all()}
    assert all(s.is_valid and s.area > 0 for s in shapes.values())
    for community in Region.objects.filter(level="community"):
        parts = [shapes[g.pk] for g in community.grids.all()]
        union = unary_union(parts)
        assert union.area == pytest.approx(sum(p.area for p in parts), rel=1e-9)  # no overlaps
        assert union.area == pytest.approx(union.envelope.area, rel=1e-9)  # a whole rectangle, no gaps
    everything = unary_union(list(shapes.values()))
    minx, miny, maxx, maxy = everything.bounds
    assert 120.0 < minx < maxx < 120.3 and 30.2 < miny < maxy < 30.35  # around 30.27N, 120.15E
    assert everything.area == pytest.approx(sum(s.area for s in shapes.values()), rel=1e-9)


def test_departments_cover_bureaus_police_companies_and_subdistrict_offices(city):
    assert Department.objects.count() >= 25
    kinds = Counter(Department.objects.values_list("kind", flat=True))
    assert kinds["police"] >= 4 and kinds["company"] >= 3 and kinds["subdistrict"] == 3 and kinds["bureau"] >= 10
    for name in ("区住房和城乡建设局", "区生态环境分局", "区城市管理局", "区交通运输局", "区教育局", "区卫生健康委员会",
                 "区人力资源和社会保障局", "区市场监督管理局", "区水务集团", "区供电公司", "区燃气公司"):
        assert Department.objects.filter(name=name).exists(), name


def test_a_two_level_category_tree_routes_every_leaf(city):
    roots = Category.objects.filter(parent=None)
    assert roots.count() >= 15
    for root in roots:
        assert root.children.exists(), root.name
    for leaf in Category.objects.exclude(parent=None):
        assert leaf.default_department_id and leaf.ack_hours > 0 and leaf.handle_days > 0


def test_every_role_has_an_account_and_the_printed_accounts_sign_in(city, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]  # as the city was built
    held = set(RoleAssignment.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    printed = User.objects.filter(username__in=[name for name, _ in PRINTED_ACCOUNTS])
    assert printed.count() == len(PRINTED_ACCOUNTS)
    assert len({u.password for u in printed}) == 1  # one shared demo password (hashed once: Argon2 is slow)
    assert printed.first().check_password(DEMO_PASSWORD)
    assert User.objects.get(username="admin").is_superuser
    handler = User.objects.get(username="handler_zjj")
    assert handler.roles.get().department.code == "ZJJ"


def test_appeals_are_in_every_state(city):
    assert Appeal.objects.count() == 160 == city["appeals"]
    statuses = set(Appeal.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)


def test_the_history_has_returns_reopens_ratings_merges_extensions_and_late_work(city):
    kinds = Counter(AppealEvent.objects.values_list("kind", flat=True))
    for kind in ("returned", "reopened", "rated", "merged", "extension_approved", "overdue", "urged", "note",
                 "supervised", "closed"):
        assert kinds[kind] > 0, kind
    assert AppealEvent.objects.filter(kind="replied", data__late=True).exists()
    assert Appeal.objects.open().filter(due_state="overdue").exists()
    assert Appeal.objects.filter(satisfaction="dissatisfied").exists()
    assert Appeal.objects.filter(reopen_count__gt=0, status=Status.CLOSED).exists()


def test_appeals_spread_over_the_last_ninety_days_with_coherent_timelines(city):
    received = list(Appeal.objects.values_list("received_at", flat=True))
    assert min(received) >= NOW - dt.timedelta(days=90) and max(received) <= NOW
    assert (max(received) - min(received)).days > 80
    for appeal in Appeal.objects.order_by("?")[:40]:
        times = [e.created_at for e in appeal.events.all()]
        assert times == sorted(times) and times[0] == appeal.received_at and times[-1] <= NOW
        assert appeal.events.first().kind == "received"


def test_appeal_texts_are_chinese_with_places_in_their_grid(city):
    located = Appeal.objects.exclude(lat=None).select_related("grid")
    assert located.count() > 120
    for appeal in located:
        assert CJK.search(appeal.title) and CJK.search(appeal.content) and CJK.search(appeal.location_text)
        assert appeal.grid and Polygon(appeal.grid.polygon).covers(Point(appeal.lon, appeal.lat))
        assert appeal.region_id == appeal.grid.community_id
    assert len(set(Appeal.objects.values_list("content", flat=True))) > 140  # varied, not one template


def test_appellants_have_realistic_phones_and_anonymous_ones_none(city):
    for phone, anonymous in Appeal.objects.values_list("appellant_phone", "anonymous"):
        if anonymous:
            assert phone == ""
        else:
            assert re.fullmatch(r"1[3-9]\d{9}", phone)
    phones = Counter(Appeal.objects.exclude(appellant_phone="").values_list("appellant_phone", flat=True))
    assert phones.most_common(1)[0][1] > 1  # some people call more than once


def test_building_leaves_the_services_clock_and_hooks_as_they_were(city):
    from gongzhi.appeals import services
    from gongzhi.core import hooks

    assert services._now.__module__ == "gongzhi.appeals.services" and services._now.__name__ == "_now"
    assert services.calendar.__name__ == "calendar"
    assert abs((services._now() - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 60
    from django.apps import apps

    if apps.is_installed("gongzhi.triage"):
        assert hooks.subscribers(services.RECEIVED), "the triage app's intake hook is back in place"


def test_the_desk_knows_the_demos_roads_and_compounds_and_has_standard_answers(city):
    from gongzhi.appeals.models import KnowledgeEntry
    from gongzhi.triage import desk
    from gongzhi.triage.models import PlaceName

    assert PlaceName.objects.filter(kind="road").count() == 15
    assert PlaceName.objects.filter(kind="compound", grid__isnull=False).count() == 60
    desk.forget_gazetteer()
    road = desk.locate("柳岸路与石桥路交叉口")[0]
    assert road["kind"] == "road" and road["context"] == "清河街道"
    entries = KnowledgeEntry.objects.filter(active=True)
    assert {"住房公积金如何提取？", "如何查询社保缴费记录？", "停水了，什么时候恢复供水？"} <= set(entries.values_list("question", flat=True))
    assert all(e.category_id and e.keyword_list for e in entries)


def test_some_replies_carry_photos_before_and_after_that_the_appellant_sees(city):
    from gongzhi.appeals.models import Attachment

    photos = Attachment.objects.filter(reply__isnull=False)
    shown = photos.filter(stage="after", public=True).exclude(public_file="")
    assert shown.exists() and photos.filter(stage="before").exists()
    assert all(p.content_type == "image/jpeg" for p in photos)
