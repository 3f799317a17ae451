"""Analysis pages: patterns (发案规律), near-repeat warnings, hotspot forecast and patrol roster."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from gongzhi.safety import services
from gongzhi.safety.importing import import_incidents
from gongzhi.safety.models import PoliceIncident
from tests.safety.test_incidents import analyst, east_analyst, fast_hashers, itype, toronto_subset  # noqa: F401


@pytest.fixture
def toronto_spring(org, tmp_path, shared_data):
    """Real Toronto incidents, 2019-05-01 to 2019-05-31."""
    import_incidents(toronto_subset(tmp_path, shared_data, "2019-05-01", "2019-05-31"), "toronto")
    return PoliceIncident.objects.count()


def json_data(html: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no #{element_id} data on the page"
    return json.loads(match.group(1))


def inline_scripts(html: str) -> list[str]:
    """Script elements the CSP would block: neither a src nor a JSON data block."""
    tags = re.findall(r"<script\b[^>]*>", html)
    return [t for t in tags if "src=" not in t and 'type="application/json"' not in t]


def test_patterns_page_counts_every_incident_in_the_period(client, analyst, toronto_spring):
    client.force_login(analyst)
    html = client.get("/safety/patterns/?start=2019-05-01&end=2019-05-31").content.decode()
    data = json_data(html, "patterns-data")
    assert data["total"] == toronto_spring
    assert sum(map(sum, data["heat"]["all"])) == toronto_spring
    assert len(data["heat"]["all"]) == 7 and len(data["heat"]["all"][0]) == 24
    assert data["trend"]["months"] == ["2019-05"]
    assert sum(data["trend"]["counts"]["all"]) == toronto_spring
    assert sum(p["count"] for p in data["premises"]) == toronto_spring
    assert {"入室盗窃", "伤害", "抢劫"} <= set(data["types"])
    assert 0 < len(data["density"]["cells"]) <= 400
    assert "时段 × 星期 分布" in html and not inline_scripts(html)


def test_pattern_filters_narrow_by_type_and_period(client, analyst, toronto_spring):
    client.force_login(analyst)
    burglary = itype("XS-RSDQ")
    html = client.get(f"/safety/patterns/?type={burglary.pk}&start=2019-05-01&end=2019-05-15").content.decode()
    data = json_data(html, "patterns-data")
    expected = PoliceIncident.objects.filter(type=burglary, occurred_on__range=("2019-05-01", "2019-05-15")).count()
    assert data["total"] == expected > 0 and data["types"] == ["入室盗窃"]
    # a parent type includes its sub-types
    crime = itype("XS")
    html = client.get(f"/safety/patterns/?type={crime.pk}&start=2019-05-01&end=2019-05-31").content.decode()
    assert json_data(html, "patterns-data")["total"] == toronto_spring
    bad = client.get("/safety/patterns/?start=2019-05-01&end=2019-04-01")
    assert bad.status_code == 200 and "起始日期不能晚于截止日期" in bad.content.decode()


def test_patterns_page_filters_by_region_scope(client, org, analyst, east_analyst):
    when = timezone.make_aware(dt.datetime(2026, 3, 2, 22, 0))
    services.create_incident(analyst, type=itype("XS-QJ"), occurred_at=when, lat=39.905, lon=116.405)
    services.create_incident(analyst, type=itype("XS-QJ"), occurred_at=when, lat=39.905, lon=116.305)
    client.force_login(east_analyst)
    assert json_data(client.get("/safety/patterns/").content.decode(), "patterns-data")["total"] == 1
    client.force_login(analyst)
    html = client.get(f"/safety/patterns/?region={org.west.pk}").content.decode()
    data = json_data(html, "patterns-data")
    assert data["total"] == 1 and data["heat"]["all"][0][22] == 1  # a Monday, 22:00


def test_near_repeat_flags_the_area_around_recent_break_ins(client, org, analyst, settings):
    def burglary(day, hour, lat, lon):
        return services.create_incident(analyst, type=itype("XS-RSDQ"), lat=lat, lon=lon,
                                        occurred_at=timezone.make_aware(dt.datetime(2026, 3, day, hour)))

    old = burglary(1, 2, 39.9050, 116.4050)
    a = burglary(10, 3, 39.9050, 116.4050)
    b = burglary(12, 1, 39.9055, 116.4052)  # ~60 m from a
    c = burglary(12, 4, 39.9150, 116.4150)  # ~1.4 km away
    services.create_incident(analyst, type=itype("XS-QJ"), lat=39.905, lon=116.405,  # robbery: no trigger
                             occurred_at=timezone.make_aware(dt.datetime(2026, 3, 12, 5)))
    client.force_login(analyst)
    html = client.get("/safety/near-repeat/?at=2026-03-14&window_days=7&radius_m=200").content.decode()
    flags = {f["id"]: f for f in json_data(html, "nr-data")}
    assert set(flags) == {a.pk, b.pk, c.pk}  # the break-in 13 days ago has expired
    assert flags[a.pk]["triggers"] == flags[b.pk]["triggers"] == 2 and flags[c.pk]["triggers"] == 1
    assert flags[a.pk]["until"] == "2026-03-17 03:00"
    longer = client.get("/safety/near-repeat/?at=2026-03-14&window_days=14&radius_m=200").content.decode()
    assert old.pk in {f["id"] for f in json_data(longer, "nr-data")}
    settings.GONGZHI = {**settings.GONGZHI, "NEAR_REPEAT_DAYS": 3}  # the site's default window
    short = client.get("/safety/near-repeat/?at=2026-03-14").content.decode()
    assert {f["id"] for f in json_data(short, "nr-data")} == {b.pk, c.pk}


def test_forecast_ranks_cells_from_history_before_the_week(client, analyst, toronto_spring):
    client.force_login(analyst)
    html = client.get("/safety/forecast/?until=2019-05-20&cells=30").content.decode()
    cells = json_data(html, "forecast-data")["cells"]
    assert [c["rank"] for c in cells] == list(range(1, 31))
    assert all(len(c["ring"]) == 5 for c in cells)
    # incidents on or after the first forecast day cannot change the forecast
    PoliceIncident.objects.filter(occurred_on__gte="2019-05-20").delete()
    again = json_data(client.get("/safety/forecast/?until=2019-05-20&cells=30").content.decode(), "forecast-data")
    assert again["cells"] == cells
    assert "2019-05-20" in html and "2019-05-26" in html and not inline_scripts(html)


def test_patrol_plan_puts_units_in_their_shifts_and_prints(client, analyst, toronto_spring):
    client.force_login(analyst)
    query = "until=2019-05-20&units=4&shifts=8-16,20-4&windows=2"
    html = client.get(f"/safety/forecast/?{query}").content.decode()
    roster = json_data(html, "forecast-data")["roster"]
    assert len(roster) == 8 and {r["unit"] for r in roster} == {"U1", "U2", "U3", "U4"}
    day_windows = {w for w in range(4, 8)}      # 08:00-16:00
    night_windows = {10, 11, 0, 1}              # 20:00-04:00
    for r in roster:
        allowed = day_windows if r["unit"] in ("U1", "U3") else night_windows
        assert r["window"] in allowed, r
    assert len({(r["unit"], r["window"]) for r in roster}) == 8
    printed = client.get(f"/safety/forecast/roster/?{query}").content.decode()
    assert "巡逻排班表" in printed and printed.count("<tr>") == 9
    bad = client.get("/safety/forecast/?until=2019-05-20&units=2&shifts=7-15&windows=2").content.decode()
    assert "偶数整点" in bad


@pytest.mark.parametrize("url", ["/safety/", "/safety/patterns/", "/safety/near-repeat/", "/safety/forecast/",
                                 "/safety/bulletins/", "/safety/incidents/", "/safety/leads/"])
def test_analysis_pages_are_closed_to_people_without_an_analysis_role(client, org, url):
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for user in (org.grid_worker, org.citizen, org.operator):
        client.force_login(user)
        assert client.get(url).status_code == 403, user
    client.force_login(org.leader)
    assert client.get(url).status_code == 200
