"""The safety pages in Chromium: the daily bulletin and the patterns page render with Chinese text,
drawn charts and maps, and no script blocked by the CSP."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DAY = dt.date(2026, 3, 10)


@pytest.fixture
def analyst(org):
    from gongzhi.core.models import Role, RoleAssignment, User

    user = User.objects.create_user(username="analyst", password=org.password, display_name="研判员")
    RoleAssignment.objects.create(user=user, role=Role.ANALYST, region=org.district)
    return user


@pytest.fixture
def district_history(org, analyst):
    """Five weeks of incidents in the two grids, through the service; robberies jump on DAY."""
    from gongzhi.safety import services
    from gongzhi.safety.models import IncidentType

    services.ensure_default_types()  # transactional tests flush the taxonomy the migration seeded
    rng = random.Random(7)
    types = {t.code: t for t in IncidentType.objects.all()}
    codes = ["XS-DQ", "XS-RSDQ", "XS-SH", "ZA-DS", "JF", "QZ", "JT"]
    for back in range(35, 0, -1):
        day = DAY - dt.timedelta(days=back - 1)
        n = 9 if day == DAY else rng.randint(3, 6)
        for i in range(n):
            code = "XS-QJ" if day == DAY and i < 6 else rng.choice(codes)
            west = rng.random() < 0.4
            when = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.choice([1, 9, 14, 20, 21, 22, 23]))))
            services.create_incident(analyst, type=types[code], occurred_at=when,
                                     lat=39.901 + rng.random() * 0.008,
                                     lon=(116.301 if west else 116.401) + rng.random() * 0.008,
                                     address="西山社区" if west else "东湖社区", premises=rng.choice(["apartment", "outside", "commercial"]))


def _watch_console(page) -> list[str]:
    """Script errors on the page and inline scripts refused by the CSP (our pages have none)."""
    problems = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Refused to execute inline script" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_daily_bulletin_page_renders_counts_flags_and_hotspot_map(page, login, shot, org, analyst, district_history):
    from gongzhi.safety.bulletin import generate_bulletin
    from gongzhi.safety.models import PoliceIncident

    generate_bulletin(DAY)
    problems = _watch_console(page)
    login("analyst")
    page.goto(f"/safety/bulletins/{DAY.isoformat()}/")
    page.wait_for_selector(".map[data-rendered='1'] path.leaflet-interactive")
    assert "治安形势日通报（2026-03-10）" in page.inner_text("h1")
    total = page.inner_text("#bulletin-counts tr.total td.count")
    assert total == str(PoliceIncident.objects.filter(occurred_on=DAY).count())
    assert page.inner_text("#bulletin-counts tr[data-code='XS-QJ'] td.count") == "6"
    assert "显著上升" in page.inner_text("#bulletin-counts tr[data-code='XS-QJ']")
    assert "重点警情" in page.inner_text("main")
    shot(page, "safety-bulletin")
    assert not problems, problems


def test_patterns_page_draws_heatmap_trend_premises_and_density_map(page, login, shot, org, analyst, district_history):
    problems = _watch_console(page)
    login("analyst")
    page.goto("/safety/patterns/")
    page.wait_for_selector("#heatmap[data-rendered='1'] svg")
    page.wait_for_selector("#trend-chart[data-rendered='1'] svg")
    page.wait_for_selector("#premises-chart[data-rendered='1'] svg")
    page.wait_for_selector(".map[data-rendered='1'] path.leaflet-interactive")
    assert "发案规律分析" in page.inner_text("h1")
    assert "周一" in page.inner_text("#heatmap")
    page.select_option("#heat-type", "入室盗窃")
    page.wait_for_timeout(300)
    shot(page, "safety-patterns")
    assert not problems, problems


def test_forecast_patrol_roster_and_near_repeat_pages(page, login, shot, org, analyst, district_history):
    problems = _watch_console(page)
    login("analyst")
    page.goto("/safety/forecast/")
    page.wait_for_selector(".map[data-rendered='1'] path.leaflet-interactive")
    page.fill("input[name=units]", "3")
    page.click("text=生成巡逻方案")
    page.wait_for_selector(".map[data-rendered='1'] path.leaflet-interactive")
    assert "覆盖预计警情" in page.inner_text("main")
    shot(page, "safety-forecast")
    page.click("text=打印排班表")
    page.wait_for_load_state("networkidle")
    assert "巡逻排班表" in page.inner_text("h1")
    shot(page, "safety-roster")
    page.goto(f"/safety/near-repeat/?at={DAY.isoformat()}&window_days=14&radius_m=300")
    page.wait_for_selector(".map[data-rendered='1'] path.leaflet-interactive")
    assert "入室盗窃近重复预警" in page.inner_text("h1") and page.locator("main table tbody tr").count() >= 1
    shot(page, "safety-near-repeat")
    assert not problems, problems
