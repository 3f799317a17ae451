"""The demo city's public-safety history, read the way an analyst would read the safety pages.

Built once for the module on the demo organisation (six weeks, a fixed seed and a fixed "now"),
rolled back afterwards.
"""
import datetime as dt
import math
import random
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point, Polygon

from gongzhi.core.geo import find_grid
from gongzhi.core.models import Grid
from gongzhi.core.workdays import WorkCalendar
from gongzhi.demo.organisation import build_organisation
from gongzhi.demo.safety import build_demo_incidents
from gongzhi.safety import analysis
from gongzhi.safety.models import (
    Bulletin, IncidentEvent, Informant, InformantReport, Lead, PoliceIncident, ReportStatus,
)

NOW = dt.datetime(2026, 3, 18, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
YESTERDAY = NOW.date() - dt.timedelta(days=1)
NIGHT = {22, 23, 0, 1, 2, 3, 4, 5}


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            build_organisation(random.Random(7), out=lambda *a: None)
            yield build_demo_incidents(days=42, now=NOW)
            transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def metres(lat1, lon1, lat2, lon2) -> float:
    dy = (lat2 - lat1) * 110_540
    dx = (lon2 - lon1) * 111_320 * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


def hours_of(code: str) -> Counter:
    return Counter(PoliceIncident.objects.filter(type__code=code).values_list("occurred_hour", flat=True))


def share(counter: Counter, hours) -> float:
    return sum(counter[h] for h in hours) / sum(counter.values())


def test_a_month_of_incidents_of_every_kind_up_to_now(city):
    n = PoliceIncident.objects.count()
    assert city["incidents"] == n
    assert 850 <= n <= 1800  # some 30 a day in a district of 30 grids
    codes = set(PoliceIncident.objects.values_list("type__code", flat=True))
    assert {"XS-DQ", "XS-RSDQ", "XS-DQJDC", "XS-QJ", "XS-ZP", "XS-SH", "ZA-DS", "ZA-HW", "JT", "JF", "QZ"} <= codes
    days = set(PoliceIncident.objects.values_list("occurred_on", flat=True))
    assert min(days) >= NOW.date() - dt.timedelta(days=41)
    assert max(PoliceIncident.objects.values_list("occurred_at", flat=True)) <= NOW


def test_every_incident_lies_inside_the_grid_it_is_filed_under(city):
    shapes = {g.pk: (Polygon(g.polygon), g.community_id) for g in Grid.objects.all()}
    rows = list(PoliceIncident.objects.values_list("lat", "lon", "grid_id", "region_id"))
    assert all(grid_id is not None for _, _, grid_id, _ in rows)
    assert all(shapes[grid_id][0].covers(Point(lon, lat)) for lat, lon, grid_id, _ in rows)
    assert all(region_id == shapes[grid_id][1] for _, _, grid_id, region_id in rows)
    for lat, lon, grid_id, _ in rows[::40]:
        assert find_grid(lat, lon).pk == grid_id


def test_the_stored_day_and_hour_are_the_local_ones(city):
    for inc in PoliceIncident.objects.all()[:200]:
        local = timezone.localtime(inc.occurred_at)
        assert (inc.occurred_on, inc.occurred_hour) == (local.date(), local.hour)


def test_burglaries_happen_at_night_thefts_by_day_traffic_at_rush_hour_disputes_in_the_evening(city):
    burglaries, thefts = hours_of("XS-RSDQ"), hours_of("XS-DQ")
    assert share(burglaries, NIGHT) > 0.45           # a third of the day holds about half of them
    assert share(thefts, NIGHT) < 0.2
    assert share(burglaries, NIGHT) > 2.5 * share(thefts, NIGHT)
    calendar = WorkCalendar.current()
    workdays = [day for day in (NOW.date() - dt.timedelta(days=i) for i in range(42)) if calendar.is_workday(day)]
    traffic = Counter(PoliceIncident.objects.filter(type__code="JT", occurred_on__in=workdays)
                      .values_list("occurred_hour", flat=True))
    assert sum(traffic[h] for h in (7, 8, 17, 18)) > 2 * sum(traffic[h] for h in (3, 4, 10, 14))
    assert share(hours_of("JF"), range(18, 23)) > 0.35


def test_the_rush_hour_accidents_are_a_working_day_thing(city):
    calendar = WorkCalendar.current()
    per_day = {True: 0, False: 0}
    days = Counter(calendar.is_workday(NOW.date() - dt.timedelta(days=i)) for i in range(1, 42))
    for day in PoliceIncident.objects.filter(type__code="JT", occurred_on__lt=NOW.date(),
                                             occurred_hour__in=(7, 8, 17, 18)).values_list("occurred_on", flat=True):
        per_day[calendar.is_workday(day)] += 1
    assert per_day[True] / days[True] > 2 * per_day[False] / days[False]


def test_fights_gather_at_the_bar_street_and_thefts_at_the_market_and_metro(city):
    spots = {h["key"]: h for h in city["hotspots"]}
    assert {"market", "metro", "bar"} <= set(spots)

    def near(code, *keys, radius=100):
        rows = list(PoliceIncident.objects.filter(type__code=code).values_list("lat", "lon"))
        close = [r for r in rows if any(metres(*r, spots[k]["lat"], spots[k]["lon"]) < radius for k in keys)]
        return len(close) / len(rows)

    # each hotspot covers well under 0.1% of the district, yet:
    assert near("ZA-DS", "bar") > 0.2
    assert near("XS-DQ", "market", "metro") > 0.15
    assert near("ZA-DS", "market", "metro") < near("ZA-DS", "bar") / 3
    at_bar = PoliceIncident.objects.filter(address=spots["bar"]["name"])
    assert at_bar.filter(occurred_hour__in=NIGHT | {19, 20, 21}).count() > 0.8 * at_bar.count()


def test_the_forecast_in_yesterdays_bulletin_puts_a_hotspot_first_and_well_above_the_rest(city):
    top = Bulletin.objects.get(day=YESTERDAY).data["hotspots"]["cells"][0]
    assert min(metres(top["lat"], top["lon"], s["lat"], s["lon"]) for s in city["hotspots"]) < 150
    lats, lons, days = zip(*PoliceIncident.objects.filter(occurred_on__lte=YESTERDAY)
                           .values_list("lat", "lon", "occurred_on"))
    scores = sorted(c["score"] for c in analysis.forecast_hotspots(lats, lons, days, NOW.date()))
    assert top["score"] > 10 * scores[len(scores) // 2]  # the ordinary cell with incidents


def test_burglaries_come_in_near_repeat_chains(city):
    rows = list(PoliceIncident.objects.filter(type__code="XS-RSDQ").order_by("occurred_at")
                .values_list("lat", "lon", "occurred_at"))
    followed = sum(1 for i, (lat, lon, t) in enumerate(rows)
                   if any(metres(lat, lon, a, b) <= 200 and t - s <= dt.timedelta(days=14) for a, b, s in rows[:i]))
    assert followed / len(rows) > 0.35
    assert city["burglary_chains"] >= 5
    # the near-repeat page on yesterday evening: last night's series stands out as one cluster
    times = [timezone.localtime(t).replace(tzinfo=None) for _, _, t in rows]
    at = dt.datetime.combine(YESTERDAY, dt.time(23, 59, 59))
    flags = analysis.near_repeat_areas([r[0] for r in rows], [r[1] for r in rows], times, at, types=None,
                                       trigger_types=None)
    assert max(f["triggers"] for f in flags) >= 4


def test_yesterdays_bulletin_flags_the_burglary_series_and_lists_the_serious_incidents(city):
    data = Bulletin.objects.get(day=YESTERDAY).data
    burglary = next(r for r in data["rows"] if r["code"] == "XS-RSDQ")
    assert burglary["flag"] == "up" and burglary["count"] >= 5
    listed = Counter(n["type"] for n in data["notable"])
    assert listed["入室盗窃"] >= 5 and listed["抢劫"] >= 1 and listed["伤害"] >= 2
    assert data["notable_total"] == PoliceIncident.objects.filter(occurred_on=YESTERDAY, type__notable=True).count()
    assert any(n["time"] == "22:40" and "地铁站" in n["address"] for n in data["notable"] if n["type"] == "抢劫")
    # a week of bulletins; all but yesterday's already went out
    days = list(Bulletin.objects.order_by("day").values_list("day", "sent_at"))
    assert [d for d, _ in days] == [YESTERDAY - dt.timedelta(days=i) for i in range(6, -1, -1)]
    assert all(sent is not None for _, sent in days[:-1]) and days[-1][1] is None


def test_old_incidents_are_closed_and_recent_crimes_still_open(city):
    old = Counter(PoliceIncident.objects.filter(occurred_on__lt=NOW.date() - dt.timedelta(days=14))
                  .values_list("status", flat=True))
    assert (old["closed"] + old["solved"]) / sum(old.values()) > 0.8
    assert old["closed"] > old["solved"] > 0
    recent = Counter(PoliceIncident.objects.filter(occurred_at__gte=NOW - dt.timedelta(hours=24),
                                                   type__code__startswith="XS")
                     .values_list("status", flat=True))
    assert (recent["reported"] + recent["investigating"]) / sum(recent.values()) > 0.8


def test_each_incident_has_a_history_that_ends_in_its_status(city):
    events = defaultdict(list)
    for e in IncidentEvent.objects.filter(incident__source="manual").order_by("created_at", "id"):
        events[e.incident_id].append(e)
    incidents = list(PoliceIncident.objects.filter(source="manual"))
    assert len(events) == len(incidents)
    for inc in incidents:
        history = events[inc.pk]
        assert history[0].kind == "created" and history[0].to_status == "reported"
        assert history[0].created_at == inc.reported_at >= inc.occurred_at
        assert history[-1].to_status == inc.status
        assert all(a.to_status == b.from_status for a, b in zip(history, history[1:]))
        assert history[-1].created_at <= NOW


def test_burglaries_are_in_homes_robberies_in_the_street(city):
    burglary = Counter(PoliceIncident.objects.filter(type__code="XS-RSDQ").values_list("premises", flat=True))
    assert (burglary["apartment"] + burglary["house"]) / sum(burglary.values()) > 0.75
    robbery = Counter(PoliceIncident.objects.filter(type__code="XS-QJ").values_list("premises", flat=True))
    assert robbery["outside"] + robbery["transit"] + robbery["commercial"] == sum(robbery.values())


def test_informant_reports_became_leads_that_name_no_one(city):
    statuses = Counter(InformantReport.objects.values_list("status", flat=True))
    assert statuses[ReportStatus.LEAD] == Lead.objects.count() == city["leads"] >= 2
    assert statuses[ReportStatus.INCIDENT] == 1 and statuses[ReportStatus.NEW] >= 1
    names = list(Informant.objects.values_list("name", flat=True))
    for lead in Lead.objects.all():
        assert lead.source_alias.startswith("XXY-")
        assert not any(name in lead.summary for name in names)
    assert PoliceIncident.objects.filter(source="informant").count() == 1


def test_running_it_again_adds_nothing(city):
    before = (PoliceIncident.objects.count(), IncidentEvent.objects.count(), Bulletin.objects.count(),
              InformantReport.objects.count(), Lead.objects.count())
    assert build_demo_incidents(days=42, now=NOW) == {"skipped": True}
    assert before == (PoliceIncident.objects.count(), IncidentEvent.objects.count(), Bulletin.objects.count(),
                      InformantReport.objects.count(), Lead.objects.count())
