"""The safety part of the demo city: a public-safety history of the project's own making (nothing real).

``build_demo_incidents`` writes a few months of police incidents (警情) over the demo grids with
the patterns an analyst expects to find: hour-of-day and workday profiles per type (thefts in the
afternoon and evening, burglaries at night, fights late on Friday and Saturday, traffic at the rush
hours), a handful of persistent hotspots (a market, a metro station, a bar street, a mall, a busy
junction), a seasonal drift, near-repeat burglary chains (a break-in followed by 1-3 more close by
within days), statuses that age (recent ones under investigation, old ones closed) with the event
history the services would have written, a burglary series and a few serious incidents yesterday
so the bulletin has something to flag, some informant reports and leads, and a week of bulletins.

Incidents are written the way the bulk import writes them (``bulk_create`` of incidents and their
events in one transaction); informant reports, leads and bulletins go through the app's services.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.utils import timezone

from gongzhi.core import audit
from gongzhi.core.models import Department, Grid, Role, RoleAssignment
from gongzhi.core.workdays import WorkCalendar
from gongzhi.safety import bulletin as bl
from gongzhi.safety import services
from gongzhi.safety.importing import GridLocator
from gongzhi.safety.models import (
    IncidentEvent, IncidentStatus, IncidentType, InformantReport, Lead, LeadStatus, PoliceIncident, Premises, Source,
)

from . import organisation
from .people import person_name, phone

P = Premises
INTAKE_LABEL = "110接处警平台"
M_PER_DEG_LAT = 110_540.0

# ------------------------------------------------------------------ the incident types' habits


def _profile(base: float, *peaks: tuple[float, float, float]) -> np.ndarray:
    """24 hourly weights: a floor plus circular Gaussian bumps (centre hour, width, height)."""
    h = np.arange(24)
    w = np.full(24, base, float)
    for centre, width, height in peaks:
        d = np.minimum(abs(h - centre), 24 - abs(h - centre))
        w += height * np.exp(-0.5 * (d / width) ** 2)
    return w / w.sum()


@dataclass
class Habit:
    """How one incident type behaves in the demo city."""
    code: str
    per_day: float                                  # citywide mean on an ordinary day
    hours: np.ndarray                               # hour profile on working days
    rest_hours: np.ndarray | None = None            # hour profile on rest days (None = same)
    workday: float = 1.0                            # day factor on working days
    restday: float = 1.0                            # day factor on weekends and holidays
    party_night: float = 1.0                        # factor on Friday and Saturday (and holiday eves)
    season: tuple[float, int] = (0.1, 200)          # amplitude, day of year of the peak
    premises: dict = field(default_factory=dict)    # premises -> weight, away from hotspots
    hotspots: dict = field(default_factory=dict)    # hotspot key -> share of this type's incidents
    texts: tuple = ()


HABITS = [
    Habit("XS-DQ", 7.0, _profile(0.04, (15, 3.0, 1.0), (19.5, 2.0, 0.9), (10.5, 1.5, 0.4)), restday=1.15,
          season=(0.15, 200),
          premises={P.OUTSIDE: 4, P.COMMERCIAL: 3, P.APARTMENT: 1, P.VEHICLE: 1.5, P.EDUCATIONAL: 0.3},
          hotspots={"market": 0.13, "metro": 0.13, "mall": 0.09},
          texts=("{place}发生一起扒窃，被盗手机一部", "{place}停放的电动自行车被盗", "{place}电动车电瓶被盗",
                 "@shop {place}顾客随身包内钱包被盗", "@home {place}快递包裹被人冒领", "@shop {place}店内收银台现金被盗")),
    Habit("XS-RSDQ", 0.8, _profile(0.08, (3, 1.8, 1.0), (11, 2.2, 0.35)), rest_hours=_profile(0.08, (3, 1.8, 1.0)),
          workday=1.2, restday=0.7, season=(0.2, 20),
          premises={P.APARTMENT: 7, P.HOUSE: 2, P.COMMERCIAL: 1},
          texts=("@home {place}住户家中被撬门入室盗窃，损失现金及首饰", "@home {place}一住户窗户被撬，室内财物被翻动",
                 "@home {place}底层住户家中被盗笔记本电脑一台", "@home {place}住户外出期间家中被盗",
                 "@shop {place}夜间被撬门盗窃，收银台现金被盗")),
    Habit("XS-DQJDC", 1.2, _profile(0.1, (2, 2.5, 1.0)), season=(0.1, 20),
          premises={P.OUTSIDE: 6, P.APARTMENT: 2.5, P.COMMERCIAL: 1.5},
          texts=("{place}停放的小型汽车被盗", "@home {place}地下车库一辆摩托车被盗", "{place}路边停放的汽车被盗")),
    Habit("XS-QJ", 0.15, _profile(0.06, (23, 2.2, 1.0)), party_night=1.4,
          premises={P.OUTSIDE: 8, P.COMMERCIAL: 1.5, P.TRANSIT: 0.5}, hotspots={"bar": 0.2, "metro": 0.15},
          texts=("{place}一名行人被抢走手机", "{place}发生一起抢夺挎包案件", "{place}一男子持械抢劫路人财物")),
    Habit("XS-ZP", 3.0, _profile(0.08, (10, 2.0, 0.8), (15, 2.5, 0.8), (20, 1.5, 0.5)), workday=1.1, restday=0.8,
          season=(0.05, 350), premises={P.APARTMENT: 5, P.COMMERCIAL: 2, P.OTHER: 2, P.UNKNOWN: 1},
          hotspots={"mall": 0.04},
          texts=("@home {place}居民接到冒充客服电话被骗", "@home {place}居民遭遇刷单返利诈骗", "@home {place}居民被冒充公检法诈骗",
                 "@shop {place}商户收到假冒转账截图被骗", "{place}老人购买“保健品”被骗")),
    Habit("XS-SH", 0.5, _profile(0.08, (23, 2.0, 1.0), (20, 2.0, 0.4)), party_night=1.4, season=(0.2, 200),
          premises={P.OUTSIDE: 5, P.COMMERCIAL: 3, P.APARTMENT: 2}, hotspots={"bar": 0.35},
          texts=("{place}两人发生口角后一人持械致人受伤", "{place}一男子酒后殴打他人致伤", "{place}发生一起故意伤害案件")),
    Habit("XS-QT", 0.3, _profile(0.3, (14, 5, 0.6)),
          premises={P.OUTSIDE: 3, P.COMMERCIAL: 2, P.APARTMENT: 2, P.OTHER: 1},
          texts=("{place}发生一起其他刑事案件", "{place}发现有人伪造证件")),
    Habit("ZA-DS", 2.0, _profile(0.08, (22, 2.0, 1.0), (1, 1.5, 0.6)), party_night=1.4, season=(0.25, 200),
          premises={P.COMMERCIAL: 5, P.OUTSIDE: 5}, hotspots={"bar": 0.35, "market": 0.04},
          texts=("{place}多人酒后发生打架", "@shop {place}食客与店主发生肢体冲突", "{place}两名司机因让行问题互殴")),
    Habit("ZA-HW", 1.0, _profile(0.15, (1, 3, 1.0)),
          premises={P.OUTSIDE: 6, P.VEHICLE: 3, P.COMMERCIAL: 1}, hotspots={"bar": 0.15},
          texts=("{place}停放车辆车窗被砸", "@shop {place}店铺玻璃门被人砸坏", "{place}公共设施被人故意损坏")),
    Habit("ZA-SD", 0.15, _profile(0.1, (1, 2.5, 1.0)), premises={P.APARTMENT: 3, P.COMMERCIAL: 2},
          hotspots={"bar": 0.3}, texts=("{place}查获吸毒人员一名", "{place}群众举报有人聚众吸毒")),
    Habit("ZA-QT", 1.5, _profile(0.3, (21, 3, 0.7)), party_night=1.2,
          premises={P.OUTSIDE: 4, P.COMMERCIAL: 3, P.APARTMENT: 2}, hotspots={"bar": 0.15},
          texts=("{place}有人醉酒滋事", "{place}夜间噪音扰民", "{place}有人无证占道经营并辱骂管理人员")),
    Habit("JT", 4.5, _profile(0.1, (8, 1.0, 1.0), (18, 1.3, 1.0), (13, 3, 0.3)),
          rest_hours=_profile(0.15, (11, 3, 0.8), (17, 3, 0.8)), workday=1.2, restday=0.65, season=(0.1, 20),
          premises={P.OUTSIDE: 1}, hotspots={"junction": 0.2},
          texts=("{place}两车追尾，无人员受伤", "{place}电动自行车与行人相撞，一人轻伤", "{place}车辆剐蹭后双方争执",
                 "{place}机动车违停堵塞通道")),
    Habit("JF", 4.0, _profile(0.1, (20, 2.0, 1.0), (12, 2.0, 0.4)), workday=0.9, restday=1.25, season=(0.15, 200),
          premises={P.APARTMENT: 5, P.COMMERCIAL: 3, P.OUTSIDE: 2, P.EDUCATIONAL: 0.2}, hotspots={"market": 0.08},
          texts=("@home {place}邻里因噪音发生纠纷", "@home {place}家庭纠纷", "@shop {place}顾客与商家因退货发生纠纷",
                 "@home {place}租客与房东因押金发生纠纷", "@home {place}楼上漏水引发邻里纠纷",
                 "{place}路人之间因琐事发生口角推搡")),
    Habit("QZ", 3.0, _profile(0.3, (10, 3, 0.6), (20, 3, 0.6)), season=(0.1, 200),
          premises={P.OUTSIDE: 4, P.APARTMENT: 3, P.TRANSIT: 1, P.EDUCATIONAL: 0.5}, hotspots={"metro": 0.05},
          texts=("{place}老人走失求助", "{place}儿童与家人走散求助", "@home {place}群众钥匙锁在屋内求助",
                 "{place}醉酒人员倒地求助", "{place}群众捡到钱包求助寻找失主")),
]

# Hotspots: (key, index of the grid among the grids ordered by code, premises, how the place is named)
HOTSPOTS = [
    ("market", 4, P.COMMERCIAL, "{community}农贸市场"),
    ("metro", 13, P.TRANSIT, "{road}地铁站B口"),
    ("bar", 20, P.COMMERCIAL, "{road}酒吧街"),
    ("mall", 25, P.COMMERCIAL, "{road}购物中心"),
    ("junction", 9, P.OUTSIDE, "{road}与{road2}交叉口"),
]
HOTSPOT_PREMISES = {key: premises for key, _, premises, _ in HOTSPOTS}
# A place keeps its own hours whatever the type: the wet market in the morning, the metro at the
# rush hours, the bar street from the evening into the small hours.
HOTSPOT_HOURS = {
    "market": _profile(0.02, (8, 1.5, 1.0), (17, 1.5, 0.5)),
    "metro": _profile(0.02, (8, 1.0, 1.0), (18, 1.2, 1.0), (22, 1.0, 0.3)),
    "bar": _profile(0.02, (23, 2.0, 1.0), (1.5, 1.5, 0.8)),
    "mall": _profile(0.02, (15, 2.5, 0.8), (20, 1.5, 1.0)),
}
HOTSPOT_SPREAD_M = 25.0        # incidents at a hotspot scatter this much around its centre
CHAIN_PROBABILITY = 0.5        # a burglary followed by more nearby
CHAIN_FOLLOWERS = ((1, 0.5), (2, 0.3), (3, 0.2))
CHAIN_MEAN_DAYS = 3.0          # delay to the next break-in of a chain (exponential, at most 14 days)
FALLBACK_ROADS = ["中山路", "解放路", "人民路", "建设路", "文化路"]
SHOPS = ["便利店", "小吃店", "五金店", "网吧", "超市", "理发店", "水果店", "药店"]
CRIME = "XS"


# ------------------------------------------------------------------ places


@dataclass
class Site:
    lat: float
    lon: float
    address: str
    kind: str                  # compound, road, shop, hotspot
    grid: object
    weight: float = 1.0


class Places:
    """Where things happen: per grid a few compounds, street addresses and shops, plus the hotspots."""

    def __init__(self, grids, rng: np.random.Generator, locator):
        from shapely.geometry import Polygon
        from shapely.prepared import prep

        self.rng = rng
        self.grids = grids
        self.locate = locator.find   # (lat, lon) -> Grid or None, the same answer as core.geo.find_grid
        self.shapes = {g.pk: Polygon(g.polygon) for g in grids}
        self.inner = {g.pk: prep(self.shapes[g.pk].buffer(-0.0004) if self.shapes[g.pk].buffer(-0.0004).area > 0
                                 else self.shapes[g.pk]) for g in grids}
        roads = {name: r for name, _, r in organisation.SUBDISTRICTS}
        names = [h + t for h in organisation.COMPOUND_HEADS for t in organisation.COMPOUND_TAILS]
        order = rng.permutation(len(names))
        self.roads = {}
        self.sites: dict[int, dict[str, list[Site]]] = {}
        used = 0
        for g in grids:
            sub = g.community.parent
            self.roads[g.pk] = roads.get(sub.name if sub is not None else "", FALLBACK_ROADS)
            by_kind = {"compound": [], "road": [], "shop": []}
            for _ in range(3):
                lat, lon = self.point_in(g)
                # one compound in each grid is old and poorly secured: break-ins keep coming back there
                by_kind["compound"].append(Site(lat, lon, names[order[used % len(names)]], "compound", g,
                                                weight=3.0 if not by_kind["compound"] else 1.0))
                used += 1
            for _ in range(4):
                lat, lon = self.point_in(g)
                by_kind["road"].append(Site(lat, lon, f"{self.road(g)}{int(rng.integers(1, 400))}号", "road", g))
            for _ in range(2):
                lat, lon = self.point_in(g)
                by_kind["shop"].append(Site(lat, lon, f"{self.road(g)}{int(rng.integers(1, 400))}号"
                                                      f"{SHOPS[int(rng.integers(len(SHOPS)))]}", "shop", g))
            self.sites[g.pk] = by_kind
        # Busier and quieter grids: a city is not uniform.
        self.grid_weight = rng.lognormal(0.0, 0.45, len(grids))
        self.grid_weight /= self.grid_weight.sum()
        self.hotspots: dict[str, Site] = {}
        for key, index, _premises, pattern in HOTSPOTS:
            g = grids[index % len(grids)]
            lat, lon = self.point_in(g)
            road, road2 = rng.choice(self.roads[g.pk], 2, replace=False)
            name = pattern.format(community=g.community.name, road=road, road2=road2)
            self.hotspots[key] = Site(lat, lon, name, "hotspot", g)

    def road(self, g) -> str:
        roads = self.roads[g.pk]
        return roads[int(self.rng.integers(len(roads)))]

    def point_in(self, g) -> tuple[float, float]:
        from shapely.geometry import Point

        x0, y0, x1, y1 = self.shapes[g.pk].bounds
        for _ in range(200):
            lon, lat = self.rng.uniform(x0, x1), self.rng.uniform(y0, y1)
            if self.inner[g.pk].covers(Point(lon, lat)):
                return float(lat), float(lon)
        c = self.shapes[g.pk].representative_point()
        return float(c.y), float(c.x)

    def jitter(self, lat: float, lon: float, sd_m: float) -> tuple[float, float]:
        dy, dx = self.rng.normal(0, sd_m, 2)
        return lat + dy / M_PER_DEG_LAT, lon + dx / (M_PER_DEG_LAT * math.cos(math.radians(lat)))

    def pick_grid(self):
        return self.grids[int(self.rng.choice(len(self.grids), p=self.grid_weight))]

    def pick_site(self, g, kind: str) -> Site:
        sites = self.sites[g.pk][kind]
        w = np.array([s.weight for s in sites])
        return sites[int(self.rng.choice(len(sites), p=w / w.sum()))]

    def address_at(self, site: Site, premises: str) -> str:
        if site.kind == "compound":
            if premises == P.HOUSE:
                return f"{site.address}{int(self.rng.integers(1, 40))}号"
            return f"{site.address}{int(self.rng.integers(1, 25))}幢{int(self.rng.integers(1, 4))}单元"
        if site.kind == "road" and premises == P.EDUCATIONAL:
            return f"{site.address}学校附近"
        return site.address if site.kind != "road" else f"{site.address}附近"


# ------------------------------------------------------------------ the history


@dataclass
class Draft:
    code: str
    when: dt.datetime            # local, naive
    lat: float
    lon: float
    address: str
    premises: str
    summary: str
    grid: object = None
    status: str = ""
    chain: int = 0               # > 0: part of a near-repeat chain
    base: str = ""               # the compound's name, for incidents in a compound
    notable_script: bool = False


def _premises_for(habit: Habit, rng) -> str:
    keys = list(habit.premises)
    w = np.array([habit.premises[k] for k in keys], float)
    return keys[int(rng.choice(len(keys), p=w / w.sum()))]


def _site_kind(premises: str) -> str:
    if premises in (P.APARTMENT, P.HOUSE):
        return "compound"
    if premises == P.COMMERCIAL:
        return "shop"
    return "road"


def _season(habit: Habit, day: dt.date) -> float:
    amplitude, peak = habit.season
    return 1.0 + amplitude * math.cos(2 * math.pi * (day.timetuple().tm_yday - peak) / 365.25)


class History:
    def __init__(self, places: Places, rng: np.random.Generator, calendar, now_local: dt.datetime):
        self.places, self.rng, self.calendar, self.now = places, rng, calendar, now_local
        self.drafts: list[Draft] = []
        self.chains = 0

    def text(self, habit: Habit, place: str, premises: str) -> str:
        """A summary that fits the place: "@home " texts happen in homes, "@shop " ones in shops."""
        tag = "@home " if premises in (P.APARTMENT, P.HOUSE) else "@shop " if premises == P.COMMERCIAL else None
        texts = [t for t in habit.texts if not t.startswith("@") or (tag and t.startswith(tag))] or list(habit.texts)
        chosen = texts[int(self.rng.integers(len(texts)))]
        return (chosen.split(" ", 1)[1] if chosen.startswith("@") else chosen).format(place=place)

    def moment(self, habit: Habit, day: dt.date, workday: bool, spot: str = "") -> dt.datetime:
        profile = habit.hours if workday or habit.rest_hours is None else habit.rest_hours
        if spot in HOTSPOT_HOURS:
            profile = HOTSPOT_HOURS[spot]
        hour = int(self.rng.choice(24, p=profile))
        return dt.datetime.combine(day, dt.time(hour, int(self.rng.integers(60)), int(self.rng.integers(60))))

    def place(self, habit: Habit) -> tuple[float, float, str, str, object, str, str]:
        """(lat, lon, address, premises, grid, compound name or "", hotspot key or "") for one incident."""
        r = self.rng.random()
        for key, share in habit.hotspots.items():
            if r < share:
                spot = self.places.hotspots[key]
                premises = HOTSPOT_PREMISES[key]
                if habit.code == "XS-DQ" and key == "market" and self.rng.random() < 0.3:
                    premises = P.OUTSIDE
                lat, lon = self.places.jitter(spot.lat, spot.lon, HOTSPOT_SPREAD_M)
                return lat, lon, spot.address, premises, spot.grid, "", key
            r -= share
        premises = _premises_for(habit, self.rng)
        g = self.places.pick_grid()
        site = self.places.pick_site(g, _site_kind(premises))
        lat, lon = self.places.jitter(site.lat, site.lon, 12.0)
        return (lat, lon, self.places.address_at(site, premises), premises, g,
                site.address if site.kind == "compound" else "", "")

    def add(self, habit: Habit, when: dt.datetime, lat, lon, address, premises, grid, **extra) -> Draft | None:
        if when >= self.now:
            return None
        d = Draft(habit.code, when, lat, lon, address, premises, self.text(habit, address, premises), grid, **extra)
        self.drafts.append(d)
        return d

    def ordinary_days(self, first: dt.date, last: dt.date) -> None:
        day = first
        while day <= last:
            workday = self.calendar.is_workday(day)
            before_rest = not self.calendar.is_workday(day + dt.timedelta(days=1))
            for habit in HABITS:
                mean = habit.per_day * _season(habit, day) * (habit.workday if workday else habit.restday)
                if before_rest:
                    mean *= habit.party_night
                for _ in range(int(self.rng.poisson(mean))):
                    lat, lon, address, premises, grid, base, spot = self.place(habit)
                    d = self.add(habit, self.moment(habit, day, workday, spot), lat, lon, address, premises,
                                 grid, base=base)
                    if d is not None and habit.code == "XS-RSDQ" and self.rng.random() < CHAIN_PROBABILITY:
                        self.chain(habit, d)
            day += dt.timedelta(days=1)

    def chain(self, habit: Habit, seed: Draft) -> None:
        """Near-repeat: the same burglars come back to the same few streets within days."""
        self.chains += 1
        seed.chain = self.chains
        counts, weights = zip(*CHAIN_FOLLOWERS)
        followers = int(self.rng.choice(counts, p=np.array(weights) / sum(weights)))
        when = seed.when
        for _ in range(followers):
            when = when + dt.timedelta(days=min(14.0, float(self.rng.exponential(CHAIN_MEAN_DAYS))) + 0.2)
            day = when.date()
            when = self.moment(habit, day, self.calendar.is_workday(day))
            lat, lon, grid = self.near(seed.lat, seed.lon, 50, 180)
            if grid is None:
                continue
            premises = seed.premises if self.rng.random() < 0.8 else _premises_for(habit, self.rng)
            # the same compound, another building; or the compound next door
            base = seed.base if seed.base and self.rng.random() < 0.6 \
                else self.places.pick_site(grid, "compound").address
            address = self.places.address_at(Site(lat, lon, base, "compound", grid), premises)
            self.add(habit, when, lat, lon, address, premises, grid, chain=self.chains, base=base)

    def near(self, lat, lon, low_m, high_m):
        for _ in range(20):
            dist, angle = self.rng.uniform(low_m, high_m), self.rng.uniform(0, 2 * math.pi)
            nlat = lat + dist * math.sin(angle) / M_PER_DEG_LAT
            nlon = lon + dist * math.cos(angle) / (M_PER_DEG_LAT * math.cos(math.radians(lat)))
            grid = self.places.locate(nlat, nlon)
            if grid is not None:
                return nlat, nlon, grid
        return lat, lon, None


# ------------------------------------------------------------------ statuses and their history


def _final_status(code: str, age_days: float, rng) -> str:
    S = IncidentStatus
    if age_days < 2 / 24:
        return S.REPORTED  # the patrol is still on its way
    if code.startswith(CRIME):
        solve = 0.1 if code in ("XS-ZP", "XS-RSDQ", "XS-DQ") else 0.35
        if age_days < 1:
            table = {S.REPORTED: 0.35, S.INVESTIGATING: 0.65}
        elif age_days < 7:
            table = {S.INVESTIGATING: 0.75, S.SOLVED: solve * 0.5, S.CLOSED: 0.25 - solve * 0.5}
        elif age_days < 30:
            table = {S.INVESTIGATING: 0.35, S.SOLVED: solve, S.CLOSED: 0.65 - solve}
        else:
            table = {S.INVESTIGATING: 0.12, S.SOLVED: solve, S.CLOSED: 0.88 - solve}
    elif code.startswith("ZA"):
        if age_days < 1:
            table = {S.REPORTED: 0.3, S.INVESTIGATING: 0.45, S.CLOSED: 0.25}
        elif age_days < 7:
            table = {S.INVESTIGATING: 0.3, S.SOLVED: 0.1, S.CLOSED: 0.6}
        else:
            table = {S.INVESTIGATING: 0.03, S.SOLVED: 0.12, S.CLOSED: 0.85}
    else:  # traffic, disputes, calls for help: dealt with on the spot
        table = {S.REPORTED: 0.3, S.CLOSED: 0.7} if age_days < 1 else (
            {S.INVESTIGATING: 0.1, S.CLOSED: 0.9} if age_days < 3 else {S.CLOSED: 1.0})
    keys = list(table)
    w = np.array([table[k] for k in keys])
    return keys[int(rng.choice(len(keys), p=w / w.sum()))]


def _reported_after(d: Draft, rng) -> dt.timedelta:
    """Burglaries at night are found in the morning; most other things are called in at once."""
    if d.code == "XS-RSDQ" and (d.when.hour >= 22 or d.when.hour < 6):
        morning = dt.datetime.combine(d.when.date() + dt.timedelta(days=1 if d.when.hour >= 22 else 0),
                                      dt.time(6, 30)) + dt.timedelta(minutes=float(rng.uniform(0, 150)))
        return morning - d.when
    if d.code in ("XS-ZP", "XS-DQJDC"):
        return dt.timedelta(hours=float(rng.uniform(0.5, 20)))
    return dt.timedelta(minutes=float(rng.uniform(2, 40)))


def _events(d: Draft, reported: dt.datetime, now: dt.datetime, station: str, rng) -> list[tuple]:
    """(time, kind, actor_label, from, to, data) in order, ending in the draft's status."""
    S = IncidentStatus
    out = [(reported, "created", INTAKE_LABEL, "", S.REPORTED, {"type": d.code})]
    if d.status == S.REPORTED:
        return out
    t = reported + dt.timedelta(minutes=float(rng.uniform(20, 180)))
    path = {S.INVESTIGATING: [S.INVESTIGATING], S.SOLVED: [S.INVESTIGATING, S.SOLVED]}.get(d.status)
    if path is None:  # closed: crimes after an investigation, the rest on the spot
        path = [S.INVESTIGATING, S.CLOSED] if d.code.startswith(CRIME) or d.code.startswith("ZA") else [S.CLOSED]
    prev = S.REPORTED
    for i, status in enumerate(path):
        if i:
            span = max(0.05, (now - t).total_seconds() / 86400 * 0.8)
            t = t + dt.timedelta(days=float(rng.uniform(0.05, min(span, 25.0))))
        t = max(min(t, now - dt.timedelta(minutes=len(path) - i)), out[-1][0])
        out.append((t, "status", station, prev, status, {}))
        prev = status
    return out


# ------------------------------------------------------------------ entry point


def build_demo_incidents(days: int = 120, seed: int = 2026, now: dt.datetime | None = None) -> dict:
    """Write the demo city's safety history; nothing if any incident exists already."""
    started = time.monotonic()
    days = max(1, int(days))
    if PoliceIncident.objects.exists():
        return {"skipped": True}
    grids = list(Grid.objects.select_related("community__parent").order_by("code"))
    grids = [g for g in grids if len(g.polygon) >= 3]
    if not grids:
        return {"skipped": True, "reason": "no grids"}
    rng = np.random.default_rng(seed)
    zone = timezone.get_current_timezone()
    now = now or timezone.now()
    now_local = timezone.localtime(now, zone).replace(tzinfo=None)
    today = now_local.date()
    yesterday = today - dt.timedelta(days=1)
    with transaction.atomic():
        services.ensure_default_types()
        types = {t.code: t for t in IncidentType.objects.all()}
        locator = GridLocator()
        places = Places(grids, rng, locator)
        history = History(places, rng, WorkCalendar.current(), now_local)
        history.ordinary_days(today - dt.timedelta(days=days - 1), today)
        scripted = _last_night(history, types, yesterday)

        stations = _stations()
        made, events = _write(history.drafts, types, locator, stations, now_local, zone, rng)
        informants = _informants(places, types, now, zone, rng)
        bulletins = 0
        for back in range(min(7, days) - 1, -1, -1):
            day = yesterday - dt.timedelta(days=back)
            b = bl.generate_bulletin(day, regenerate=True)
            if back:
                b.sent_at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(7, 30), tzinfo=zone)
                b.save(update_fields=["sent_at"])
            bulletins += 1
        audit.record(None, "safety.demo_incidents", None, actor_label="系统", incidents=made, days=days, seed=seed)
    by_type = Counter(d.code for d in history.drafts)
    return {
        "incidents": PoliceIncident.objects.count(),
        "events": events,
        "by_type": {types[c].name: n for c, n in sorted(by_type.items())},
        "burglary_chains": history.chains,
        "notable_yesterday": PoliceIncident.objects.filter(occurred_on=yesterday, type__notable=True).count(),
        "scripted_yesterday": scripted,
        "hotspots": [{"key": k, "name": s.address, "lat": round(s.lat, 6), "lon": round(s.lon, 6)}
                     for k, s in places.hotspots.items()],
        "bulletins": bulletins,
        **informants,
        "seconds": round(time.monotonic() - started, 1),
    }


def _stations() -> dict:
    """Subdistrict region id -> the police station covering it (the bureau for anything else)."""
    out = {None: "公安分局"}
    for dept in Department.objects.filter(kind="police").select_related("region").order_by("code"):
        out[dept.region_id if dept.region_id and dept.region.parent_id else None] = dept.name
    return out


def _last_night(history: History, types: dict, yesterday: dt.date) -> int:
    """Yesterday's scripted events: a burglary series in one compound, big enough for the bulletin's
    significance test, a robbery at the metro and two injuries. Returns how many were added."""
    from scipy.stats import poisson

    by_code = {h.code: h for h in HABITS}
    rng, places = history.rng, history.places
    burglaries = [d for d in history.drafts if d.code == "XS-RSDQ"]
    already = sum(1 for d in burglaries if d.when.date() == yesterday)
    before = sum(1 for d in burglaries if yesterday - dt.timedelta(days=28) <= d.when.date() < yesterday)
    mean = max(before / 28.0, 1 / 28)
    series = 4
    while series < 8 and poisson.sf(already + series - 1, mean) >= 0.005:
        series += 1
    g = places.grids[(7 * len(places.grids)) // 10]
    site = places.pick_site(g, "compound")
    added = 0
    start = dt.datetime.combine(yesterday, dt.time(1, 40))
    for i in range(series):
        lat, lon = places.jitter(site.lat, site.lon, 30.0)
        when = start + dt.timedelta(minutes=25 * i + int(rng.integers(0, 15)))
        address = f"{site.address}{3 + i // 2}幢{1 + i % 2}单元"
        d = history.add(by_code["XS-RSDQ"], when, lat, lon, address, P.APARTMENT, g, notable_script=True,
                        base=site.address)
        if d is not None:
            d.summary = f"{address}住户家中被撬门入室盗窃（同一小区当晚连发）"
            added += 1
    spots = places.hotspots
    for code, hotspot, clock, text, premises in (
        ("XS-QJ", "metro", dt.time(22, 40), "{place}一名女乘客出站时被抢走手机和挎包，嫌疑人骑电动车逃离", P.TRANSIT),
        ("XS-SH", "bar", dt.time(0, 50), "{place}两伙人酒后斗殴，一人头部被酒瓶砸伤送医", P.COMMERCIAL),
        ("XS-SH", "market", dt.time(9, 15), "{place}两名摊主因摊位争执，一人被刀划伤手臂", P.COMMERCIAL),
    ):
        spot = spots[hotspot]
        lat, lon = places.jitter(spot.lat, spot.lon, 15.0)
        d = history.add(by_code[code], dt.datetime.combine(yesterday, clock), lat, lon, spot.address, premises,
                        spot.grid, notable_script=True)
        if d is not None:
            d.summary = text.format(place=spot.address)
            added += 1
    return added


def _write(drafts: list[Draft], types: dict, locator, stations: dict, now_local: dt.datetime, zone, rng):
    """Bulk-insert the incidents and their events, as the import path does. Returns (incidents, events)."""
    drafts.sort(key=lambda d: d.when)
    rows, histories = [], []
    seq = Counter()
    for d in drafts:
        grid = locator.find(d.lat, d.lon) or d.grid
        region = grid.community if grid is not None else None
        reported = min(d.when + _reported_after(d, rng), now_local - dt.timedelta(minutes=1))
        reported = max(reported, d.when)
        age = (now_local - d.when).total_seconds() / 86400
        d.status = _final_status(d.code, age, rng)
        if d.notable_script and d.status in (IncidentStatus.SOLVED, IncidentStatus.CLOSED):
            d.status = IncidentStatus.INVESTIGATING
        if d.notable_script and d.code == "XS-SH" and d.when.hour < 6:
            d.status = IncidentStatus.SOLVED  # the bar fight: suspects held at the scene
        seq[d.when.date()] += 1
        station = stations.get(region.parent_id if region is not None else None, stations[None])
        histories.append(_events(d, reported, now_local, station, rng))
        rows.append(PoliceIncident(
            type_id=types[d.code].pk, summary=d.summary[:300], occurred_at=d.when.replace(tzinfo=zone),
            occurred_on=d.when.date(), occurred_hour=d.when.hour, reported_at=reported.replace(tzinfo=zone),
            lat=round(d.lat, 6), lon=round(d.lon, 6), address=d.address[:200],
            grid_id=grid.pk if grid is not None else None, region_id=region.pk if region is not None else None,
            premises=d.premises, status=d.status, source=Source.MANUAL,
            source_ref=f"JQ{d.when:%Y%m%d}{seq[d.when.date()]:04d}"))
    made = PoliceIncident.objects.bulk_create(rows, batch_size=1000)
    if not all(m.pk for m in made):  # a backend that does not return ids from bulk inserts
        ids = dict(PoliceIncident.objects.filter(source=Source.MANUAL).values_list("source_ref", "pk"))
        for m in made:
            m.pk = ids[m.source_ref]
    events = [IncidentEvent(incident_id=m.pk, kind=kind, actor_label=label, from_status=old, to_status=new,
                            data=data, created_at=t.replace(tzinfo=zone))
              for m, history in zip(made, histories) for t, kind, label, old, new, data in history]
    IncidentEvent.objects.bulk_create(events, batch_size=2000)
    return len(made), len(events)


def _informants(places: Places, types: dict, now: dt.datetime, zone, rng) -> dict:
    """Three informants and their recent reports, handled through the services: leads for the
    analysts, one turned into an incident, one dismissed, one still waiting."""
    handler = (RoleAssignment.objects.filter(role=Role.INFORMANT_HANDLER, user__is_active=True)
               .select_related("user").order_by("pk").first())
    if handler is None:
        return {"informant_reports": 0, "leads": 0}
    handler = handler.user
    analyst = (RoleAssignment.objects.filter(role=Role.ANALYST, user__is_active=True)
               .select_related("user").order_by("pk").first())
    pick = random.Random(int(rng.integers(1 << 30)))
    subs = sorted({g.community.parent_id: g.community.parent for g in places.grids if g.community.parent_id}.values(),
                  key=lambda r: r.code)
    people = [services.register_informant(handler, name=person_name(pick), phone=phone(pick),
                                          region=subs[i % len(subs)] if subs else None) for i in range(3)]
    spots = places.hotspots
    burgled = PoliceIncident.objects.filter(type__code="XS-RSDQ").order_by("-occurred_at").first()
    plan = [  # (days ago, informant, where, text, outcome, type code)
        (9, 0, spots["bar"], "{addr}附近有人深夜在巷子里兜售不明药丸，常在凌晨一点后出现", "lead_verified", "ZA-SD"),
        (6, 1, spots["metro"], "{addr}出口晚高峰有三四个人专门盯着看手机的乘客，疑似扒窃团伙", "lead", "XS-DQ"),
        (4, 2, spots["market"], "{addr}两名摊主因摊位划分多次争吵，扬言要动手", "incident", "JF"),
        (3, 0, None, "听说附近有人聚众赌博，具体地点说不清楚", "dismissed", None),
        (2, 1, None, "{addr}最近白天常有陌生人挨家挨户敲门推销，疑似踩点", "lead", "XS-RSDQ"),
        (1, 2, spots["bar"], "{addr}夜宵摊附近常有醉酒人员滋事，周末尤其多", "new", None),
    ]
    reports = leads = 0
    for ago, who, spot, text, outcome, code in plan:
        when = now - dt.timedelta(days=ago, hours=pick.uniform(0, 8))
        if spot is None and burgled is not None and "{addr}" in text:
            addr, lat, lon = burgled.address.split("幢")[0].rstrip("0123456789"), burgled.lat, burgled.lon
        elif spot is not None:
            addr, lat, lon = spot.address, spot.lat, spot.lon
        else:
            addr, lat, lon = "", None, None
        report = services.record_report(handler, people[who], content=text.format(addr=addr), address=addr,
                                        lat=lat, lon=lon, occurred_at=when - dt.timedelta(hours=12))
        InformantReport.objects.filter(pk=report.pk).update(received_at=when)
        reports += 1
        if outcome.startswith("lead"):
            lead = services.report_to_lead(handler, report, type=types.get(code), note="转研判员核查")
            Lead.objects.filter(pk=lead.pk).update(created_at=when + dt.timedelta(hours=2))
            leads += 1
            if outcome == "lead_verified":
                services.set_lead_status(analyst.user if analyst else handler, lead, LeadStatus.VERIFIED,
                                         note="连续两晚蹲守核实，已移交禁毒部门")
        elif outcome == "incident":
            services.report_to_incident(handler, report, type=types[code], premises=P.COMMERCIAL,
                                        occurred_at=when - dt.timedelta(hours=12), note="情况属实，已立警情")
        elif outcome == "dismissed":
            services.dismiss_report(handler, report, note="地点不明，无法核查")
    return {"informant_reports": reports, "leads": leads}
