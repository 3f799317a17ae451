"""The bulk generator (`gongzhi generate`): N realistic appeals with their lead assignments, events and
KPI facts, for scale tests.

Every column is generated vectorised with numpy (no per-row Python). On PostgreSQL the rows go in as
binary COPY payloads assembled from numpy structured arrays (big-endian fields, variable-width slots
squeezed out with one boolean mask), written by a pool of connections in parallel while the main
thread builds the next chunk; secondary indexes of the big tables are dropped during the load and
rebuilt after, in parallel too (the usual bulk-load practice). On SQLite (tests) the same columns are
inserted with executemany. The KPI facts use the same working-day rule as evaluation.kpis.WorkdayIndex,
and the rollups are aggregated from the facts, so the dashboards are exact right after a load.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import math
import queue
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from gongzhi.appeals.models import Category
from gongzhi.core import crypto
from gongzhi.core.models import Department, Grid, Region
from gongzhi.core.workdays import WorkCalendar
from gongzhi.evaluation import kpis, services
from gongzhi.evaluation.models import AppealFact, KpiRollup

SUBJECTS = [
    ("城乡建设", "CXJS", ["物业管理", "房屋质量", "电梯故障", "违章建筑"]),
    ("生态环境", "STHJ", ["噪声污染", "大气污染", "水污染", "垃圾清运"]),
    ("交通运输", "JTYS", ["道路破损", "公交服务", "停车管理", "出租车"]),
    ("市场监管", "SCJG", ["食品安全", "价格投诉", "消费纠纷"]),
    ("劳动保障", "LDBZ", ["拖欠工资", "社保医保"]),
    ("公共服务", "GGFW", ["供水", "供暖", "供电", "燃气"]),
]
NAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
# lifecycle states as small integer codes (index into STATUSES)
STATUSES = ("received", "dispatched", "handling", "replied", "closed", "merged")
RECEIVED, DISPATCHED, HANDLING, REPLIED, CLOSED, MERGED = range(6)
SATISFACTION = ("", "satisfied", "basic", "dissatisfied")
PG_EPOCH = 946_684_800  # 2000-01-01 UTC in Unix seconds: the origin of PostgreSQL's binary timestamps
PG_EPOCH_DAYS = 10_957


@dataclass
class Org:
    departments: list[int]
    communities: list[int]
    community_sub: dict[int, int]
    grids: dict[int, int]            # community -> grid
    grid_centre: dict[int, tuple]    # grid -> (lat, lon)
    categories: list[int]            # leaf categories
    category_root: dict[int, int]
    category_dept: dict[int, int] = field(default_factory=dict)


def build_org(subdistricts: int = 20, communities_per: int = 8, departments: int = 40) -> Org:
    """A minimal city (idempotent, codes prefixed BENCH): one district, subdistricts with communities
    and one square grid each, bureaus and subdistrict offices as departments, a two-level category tree."""
    district, _ = Region.objects.get_or_create(code="BENCH", defaults={"name": "基准区", "level": "district"})
    comms, comm_sub, grids, centres = [], {}, {}, {}
    for s in range(subdistricts):
        sub, _ = Region.objects.get_or_create(code=f"BENCH-S{s:02d}",
                                              defaults={"name": f"基准第{s + 1}街道", "level": "subdistrict",
                                                        "parent": district})
        for c in range(communities_per):
            comm, _ = Region.objects.get_or_create(code=f"BENCH-S{s:02d}C{c:02d}",
                                                   defaults={"name": f"基准{s + 1}街{c + 1}社区", "level": "community",
                                                             "parent": sub})
            lon, lat = 116.20 + s * 0.02, 39.80 + c * 0.02
            grid = Grid.objects.filter(code=f"BENCH-G{s:02d}{c:02d}").first()
            if grid is None:
                ring = [[lon, lat], [lon + 0.02, lat], [lon + 0.02, lat + 0.02], [lon, lat + 0.02], [lon, lat]]
                grid = Grid.objects.create(code=f"BENCH-G{s:02d}{c:02d}", name=f"基准{s + 1}-{c + 1}网格",
                                           community=comm, polygon=ring)
            comms.append(comm.pk)
            comm_sub[comm.pk] = sub.pk
            grids[comm.pk] = grid.pk
            centres[grid.pk] = (lat + 0.01, lon + 0.01)
    depts = []
    for d in range(departments):
        dept, _ = Department.objects.get_or_create(code=f"BENCH-D{d:03d}",
                                                   defaults={"name": f"基准第{d + 1}承办单位", "region": district})
        depts.append(dept.pk)
    leaves, roots, cat_dept = [], {}, {}
    for i, (root_name, code, children) in enumerate(SUBJECTS):
        root, _ = Category.objects.get_or_create(code=f"BENCH-{code}", defaults={"name": root_name})
        for j, child in enumerate(children):
            leaf, _ = Category.objects.get_or_create(code=f"BENCH-{code}-{j}",
                                                     defaults={"name": child, "parent": root})
            leaves.append(leaf.pk)
            roots[leaf.pk] = root.pk
            cat_dept[leaf.pk] = depts[(i * 7 + j) % len(depts)]
    return Org(depts, comms, comm_sub, grids, centres, leaves, roots, cat_dept)


@dataclass
class OrgArrays:
    """The org as numpy lookup tables indexed by leaf-category / community position."""
    cats: np.ndarray
    cat_root: np.ndarray
    cat_dept: np.ndarray
    titles: list[str]
    ack_hours: np.ndarray             # [normal, urgent] per leaf category
    handle_days: np.ndarray
    depts: np.ndarray
    comms: np.ndarray
    comm_grid: np.ndarray
    comm_sub: np.ndarray
    comm_lat: np.ndarray
    comm_lon: np.ndarray

    @classmethod
    def of(cls, org: Org) -> "OrgArrays":
        meta = {c.pk: c for c in Category.objects.filter(pk__in=org.categories)}
        grids = [org.grids[c] for c in org.communities]
        return cls(
            cats=np.array(org.categories, dtype=np.int64),
            cat_root=np.array([org.category_root[c] for c in org.categories], dtype=np.int64),
            cat_dept=np.array([org.category_dept[c] for c in org.categories], dtype=np.int64),
            titles=[f"{meta[c].name}问题反映" for c in org.categories],
            ack_hours=np.array([[meta[c].ack_hours, meta[c].urgent_ack_hours] for c in org.categories]),
            handle_days=np.array([[meta[c].handle_days, meta[c].urgent_handle_days] for c in org.categories]),
            depts=np.array(org.departments, dtype=np.int64),
            comms=np.array(org.communities, dtype=np.int64),
            comm_grid=np.array(grids, dtype=np.int64),
            comm_sub=np.array([org.community_sub[c] for c in org.communities], dtype=np.int64),
            comm_lat=np.array([org.grid_centre[g][0] for g in grids]),
            comm_lon=np.array([org.grid_centre[g][1] for g in grids]),
        )


# ---------------------------------------------------------------- vectorised generation

def _local_offset() -> int:
    now = timezone.localtime()
    return int(now.utcoffset().total_seconds())


class Calendar:
    """Working-day flags per local day index (days since the epoch), vectorised."""

    def __init__(self, first: dt.date, last: dt.date):
        cal = WorkCalendar.current()
        self.base = (first - dt.date(1970, 1, 1)).days
        n = (last - first).days + 3
        self.work = np.array([cal.is_workday(first + dt.timedelta(days=i)) for i in range(n)], dtype=bool)
        self.cum = np.concatenate([[0], np.cumsum(self.work)])   # cum[k] = working days among days [0, k)

    def between(self, start_local: np.ndarray, end_local: np.ndarray) -> np.ndarray:
        """kpis.WorkdayIndex.between, vectorised, on local epoch seconds."""
        i = start_local // 86400 - self.base
        j = end_local // 86400 - self.base
        fs = (start_local % 86400) / 86400
        fe = (end_local % 86400) / 86400
        wi, wj = self.work[i], self.work[j]
        same = i == j
        whole = self.cum[j] - self.cum[np.minimum(i + 1, len(self.cum) - 1)]
        out = np.where(wi, 1 - fs, 0.0) + whole + np.where(wj, fe, 0.0)
        out = np.where(same, np.where(wi, (end_local - start_local) / 86400, 0.0), out)
        return np.where(end_local <= start_local, 0.0, out)

    def add_workdays(self, start_local: np.ndarray, days: np.ndarray) -> np.ndarray:
        """WorkCalendar.add_workdays, vectorised, on local epoch seconds: the same clock time `days`
        working days later; a start on a rest day counts from the next working day's 09:00."""
        i = start_local // 86400 - self.base
        tod = start_local % 86400
        rest = ~self.work[i]
        tod = np.where(rest, 9 * 3600, tod)
        first = np.searchsorted(self.cum, self.cum[i] + 1) - 1          # first working day >= i
        i = np.where(rest, first, i)
        j = np.searchsorted(self.cum, self.cum[i + 1] + days) - 1      # the days-th working day after i
        return (j + self.base) * 86400 + tod


class Arrivals:
    """Received times of n appeals in increasing order, handed out chunk by chunk: the order statistics
    of n uniform times over [t0, t1) (cumulated exponential gaps over their total, which a first pass
    over the same seeded stream sums), so ids grow with received time across the whole load."""

    def __init__(self, n: int, chunk: int, t0: int, t1: int, seed: int):
        self.sizes = [min(chunk, n - k) for k in range(0, n, chunk)]
        self.t0, self.t1, self.seed = t0, t1, seed
        gaps = np.random.default_rng([seed, 1])
        self.total = sum(float(gaps.standard_exponential(m).sum()) for m in self.sizes)
        self.total += float(gaps.standard_exponential(1)[0])

    def __iter__(self):
        gaps, done = np.random.default_rng([self.seed, 1]), 0.0
        for m in self.sizes:
            cum = done + np.cumsum(gaps.standard_exponential(m))
            done = float(cum[-1])
            yield np.minimum(self.t0 + np.floor((self.t1 - self.t0) * (cum / self.total)).astype(np.int64),
                             self.t1 - 1)


def generate_chunk(rng: np.random.Generator, org: OrgArrays, cal: Calendar, start_id: int, received: np.ndarray,
                   now: int, offset: int) -> dict:
    """Columns of appeals received at `received` (sorted; ids start_id..) and their facts, all as numpy
    arrays (times: UTC epoch seconds)."""
    n = len(received)
    ids = np.arange(start_id, start_id + n, dtype=np.int64)
    cat_idx = rng.integers(0, len(org.cats), n)
    comm_idx = rng.integers(0, len(org.comms), n)
    # repeats: a merged appeal is about the matter of one of the few hundred non-merged appeals just
    # before it (same category and community)
    merged = rng.random(n) < 0.02
    merged &= np.cumsum(~merged) - ~merged > 0
    candidates = np.flatnonzero(~merged)
    merged_idx = np.flatnonzero(merged)
    before = np.searchsorted(candidates, merged_idx)
    back = (rng.random(len(merged_idx)) * np.minimum(before, 500)).astype(np.int64)
    targets = np.zeros(n, dtype=np.int64)
    targets[merged_idx] = candidates[before - 1 - back]
    cat_idx[merged_idx] = cat_idx[targets[merged_idx]]
    comm_idx[merged_idx] = comm_idx[targets[merged_idx]]
    repeated = np.zeros(n, dtype=bool)
    repeated[targets[merged_idx]] = True
    # most appeals go to the category's department, some to another one
    depts = np.where(rng.random(n) < 0.7, org.cat_dept[cat_idx], org.depts[rng.integers(0, len(org.depts), n)])
    urgent = rng.random(n) < 0.05
    dispatched = received + rng.integers(600, 4 * 3600, n)
    ack_due = dispatched + org.ack_hours[cat_idx, urgent.astype(np.intp)] * 3600
    acked = dispatched + rng.exponential(6 * 3600, n).astype(np.int64) + 60
    due = cal.add_workdays(received + offset, org.handle_days[cat_idx, urgent.astype(np.intp)]) - offset
    replied = acked + (rng.gamma(2.0, 4.0, n) * 86400).astype(np.int64)
    returned = (rng.random(n) < 0.03) & ~merged
    # lifecycle state by what has happened before "now"
    closed_at = replied + rng.integers(3600, 5 * 86400, n)
    status = np.full(n, CLOSED, dtype=np.int8)
    status[closed_at > now] = REPLIED
    status[replied > now] = HANDLING
    status[acked > now] = DISPATCHED
    status[dispatched > now] = RECEIVED
    status[merged] = MERGED
    is_dispatched = (status >= DISPATCHED) & (status <= CLOSED)
    is_acked = (status >= HANDLING) & (status <= CLOSED)
    is_replied = (status == REPLIED) | (status == CLOSED)
    is_closed = status == CLOSED
    sat_roll = rng.random(n)
    satisfaction = np.where(sat_roll < 0.72, 1, np.where(sat_roll < 0.88, 2, 3)).astype(np.int8)
    satisfaction[~is_closed] = 0
    resolved = is_replied & (rng.random(n) < 0.85)
    reopened = is_replied & (rng.random(n) < 0.04)
    lat = org.comm_lat[comm_idx] + rng.uniform(-0.009, 0.009, n)
    lon = org.comm_lon[comm_idx] + rng.uniform(-0.009, 0.009, n)

    # facts (exactly what kpis.compute_fact gives for these columns)
    counts = ~merged
    handled_days = cal.between(received + offset, replied + offset)
    handled_centi = np.floor(handled_days * 100 + 0.5).astype(np.int64)
    month_days = (received + offset).astype("datetime64[s]").astype("datetime64[M]").astype("datetime64[D]")
    rated = satisfaction > 0
    flags = {
        "appeals": np.ones(n, dtype=bool), "excluded": np.zeros(n, dtype=bool), "dispatched": is_dispatched,
        "ack_on_time": is_acked & (acked <= ack_due), "replied": is_replied,
        "replied_on_time": is_replied & (replied <= due), "rated": rated,
        "satisfied": satisfaction == 1, "basic": satisfaction == 2, "dissatisfied": satisfaction == 3,
        "resolved": rated & resolved, "returned": returned, "repeated": repeated, "reopened": reopened,
        "closed": is_closed, "open": status <= REPLIED, "answered_at_intake": np.zeros(n, dtype=bool),
    }
    facts = {
        "appeal_id": ids[counts], "month": month_days[counts].astype(np.int64),
        "department_id": depts[counts], "department_null": ~is_dispatched[counts],
        "subdistrict_id": org.comm_sub[comm_idx][counts], "community_id": org.comms[comm_idx][counts],
        "grid_id": org.comm_grid[comm_idx][counts], "category_id": org.cat_root[cat_idx][counts],
        **{k: flags[k][counts] for k in kpis.FLAG_COUNTERS},
        "handled_centi": handled_centi[counts], "handled_null": ~is_replied[counts],
    }
    return {
        "ids": ids, "received": received, "cat_idx": cat_idx, "cats": org.cats[cat_idx],
        "comms": org.comms[comm_idx], "grids": org.comm_grid[comm_idx], "depts": depts,
        "urgent": urgent, "dispatched": dispatched, "ack_due": ack_due, "acked": acked, "due": due,
        "replied": replied, "closed_at": closed_at, "status": status, "is_dispatched": is_dispatched,
        "is_acked": is_acked, "is_replied": is_replied, "is_closed": is_closed, "satisfaction": satisfaction,
        "resolved": resolved, "reopened": reopened, "returned": returned, "merged": merged,
        "targets": ids[targets], "lat": lat, "lon": lon, "facts": facts,
    }


# ---------------------------------------------------------------- columns and their encodings

@dataclass
class Col:
    """One column of a chunk: numpy values (or one scalar for every row), an optional NULL mask, and a
    kind: i8/i4/i2 (integers), f8, bool, ts (Unix seconds), date (days since 1970-01-01), text (codes
    into `choices`), raw (fixed-width byte strings), jsonb (codes into `choices`)."""
    name: str
    kind: str
    values: object
    null: np.ndarray | None = None
    choices: tuple = ()


INT_DTYPES = {"i8": ">i8", "i4": ">i4", "i2": ">i2", "f8": ">f8", "bool": "?", "ts": ">i8", "date": ">i4"}


def _pg_slot(c: Col):
    """(numpy dtype of the value slot or None, values to store, byte lengths: scalar or per row, -1 = NULL)."""
    scalar = np.ndim(c.values) == 0
    if c.kind in ("text", "jsonb"):
        enc = [(b"\x01" if c.kind == "jsonb" else b"") + s.encode() for s in c.choices]
        if scalar:
            values = enc[int(c.values)]
            dtype, lens = f"S{max(len(values), 1)}", len(values)
        else:
            width = max(1, *map(len, enc))
            dtype, values = f"S{width}", np.array(enc, dtype=f"S{width}")[c.values]
            lens = np.array(list(map(len, enc)), dtype=np.int32)[c.values]
    elif c.kind == "raw":
        dtype, values, lens = c.values.dtype.str, c.values, c.values.dtype.itemsize
    else:
        dtype, values = INT_DTYPES[c.kind], c.values
        if c.kind == "ts":
            values = (np.asarray(values, dtype=np.int64) - PG_EPOCH) * 1_000_000
        elif c.kind == "date":
            values = np.asarray(values, dtype=np.int64) - PG_EPOCH_DAYS
        lens = np.dtype(dtype).itemsize
    if c.null is not None:
        lens = np.where(c.null, -1, lens).astype(np.int32)
    if np.ndim(lens) and len(lens) and lens.min() == lens.max():
        lens = int(lens[0])
    if np.ndim(lens) == 0 and lens <= 0:
        dtype = None                                   # NULL or empty in every row: no value bytes
    elif np.ndim(lens) == 0 and dtype.startswith("S"):
        dtype = f"S{lens}"
    return dtype, values, lens


PG_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
PG_TRAILER = b"\xff\xff"


def pg_binary(n: int, cols: list[Col]) -> np.ndarray:
    """The tuples of a binary COPY (no header/trailer) as one uint8 array: every row is laid out in a
    packed structured array with a slot of the widest value per column, then the unused bytes of
    variable-width slots (NULLs, shorter strings) are squeezed out with one boolean mask."""
    slots = [_pg_slot(c) for c in cols]
    fields = [("count", ">i2")]
    for j, (dtype, _, _) in enumerate(slots):
        fields.append((f"l{j}", ">i4"))
        if dtype is not None:
            fields.append((f"v{j}", dtype))
    rowtype = np.dtype(fields)
    # what is the same in every row goes in once, through a template row copied to all rows
    template = np.zeros(1, dtype=rowtype)
    template["count"] = len(cols)
    for j, (dtype, values, lens) in enumerate(slots):
        if np.ndim(lens) == 0:
            template[f"l{j}"] = lens
        if dtype is not None and np.ndim(values) == 0:
            template[f"v{j}"] = values
    rows = np.empty(n, dtype=rowtype)
    rows[:] = template[0]
    ragged = []
    for j, (dtype, values, lens) in enumerate(slots):
        if np.ndim(lens):
            rows[f"l{j}"] = lens
        if dtype is None:
            continue
        if np.ndim(values):
            rows[f"v{j}"] = values
        if np.ndim(lens):
            ragged.append((rowtype.fields[f"v{j}"][1], rowtype.fields[f"v{j}"][0].itemsize, lens))
    flat = rows.view(np.uint8).reshape(n, rowtype.itemsize)
    if not ragged:
        return flat.reshape(-1)
    if math.prod(width + 2 for _, width, _ in ragged) >= 1 << 62:      # too many layouts to number
        keep = np.ones(flat.shape, dtype=bool)
        for offset, width, lens in ragged:
            keep[:, offset:offset + width] = np.arange(width) < lens[:, None]
        return flat[keep]
    # rows share a handful of layouts (which values are NULL, which string is how long): one mask row
    # per layout, gathered per row, is cheaper than comparing every slot of every row
    layout = np.zeros(n, dtype=np.int64)
    for _, width, lens in ragged:
        layout = layout * (width + 2) + (lens + 1)
    layouts, first, inv = np.unique(layout, return_index=True, return_inverse=True)
    masks = np.ones((len(layouts), rowtype.itemsize), dtype=bool)
    for offset, width, lens in ragged:
        masks[:, offset:offset + width] = np.arange(width) < lens[first][:, None]
    return flat[masks[inv]]


def sqlite_rows(n: int, cols: list[Col]) -> list[tuple]:
    """The same columns as Python values for executemany (small N: tests and demos)."""
    out = []
    for c in cols:
        scalar = np.ndim(c.values) == 0
        if c.kind in ("text", "jsonb"):
            vals = [c.choices[int(c.values)]] * n if scalar else [c.choices[i] for i in c.values.tolist()]
        elif c.kind == "raw":
            vals = [v.decode() for v in c.values.tolist()]
        elif c.kind == "ts":
            stamps = np.broadcast_to(np.asarray(c.values, dtype=np.int64), n).astype("datetime64[s]").astype(str)
            vals = [s.replace("T", " ") for s in stamps.tolist()]
        elif c.kind == "date":
            vals = np.broadcast_to(np.asarray(c.values, dtype=np.int64), n).astype("datetime64[D]").astype(str).tolist()
        else:
            vals = np.broadcast_to(np.asarray(c.values), n).tolist()
        if c.null is not None:
            vals = [None if isnull else v for v, isnull in zip(vals, c.null.tolist())]
        out.append(vals)
    return list(zip(*out))


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal strings of non-negative integers as a fixed-width byte array (no Python loop)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (values[:, None] // powers % 10 + 48).astype(np.uint8)
    return np.ascontiguousarray(digits).view(f"S{width}").reshape(-1)


def _prefixed(prefix: bytes, digits: np.ndarray) -> np.ndarray:
    n, w = len(digits), digits.dtype.itemsize
    out = np.empty((n, len(prefix) + w), dtype=np.uint8)
    out[:, :len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    out[:, len(prefix):] = digits.view(np.uint8).reshape(n, w)
    return out.view(f"S{len(prefix) + w}").reshape(-1)


def _sealed(values: np.ndarray) -> np.ndarray:
    """Phone numbers as the column holds them: sealed (core.crypto), all of one width for one width in."""
    sealed = [crypto.seal(v.decode()).encode() for v in values]
    return np.array(sealed, dtype=f"S{max(map(len, sealed), default=1)}")


APPEAL_TABLE, ASSIGN_TABLE, EVENT_TABLE, FACT_TABLE = (
    "appeals_appeal", "appeals_assignment", "appeals_appealevent", "evaluation_appealfact")
# (kind, happened mask, with department, from, to, note choices, time column)
EVENT_KINDS = (
    ("received", None, False, "", "received", None, "received"),
    ("merged", "merged", False, "received", "merged", ("合并办理",), "received"),
    ("dispatched", "is_dispatched", True, "received", "dispatched", ("已派单",), "dispatched"),
    ("acknowledged", "is_acked", True, "dispatched", "handling", ("已签收",), "acked"),
    ("replied", "is_replied", True, "handling", "replied", ("已答复",), "replied"),
    ("rated", "is_closed", False, "replied", "replied", ("评价",), "closed_at"),
    ("closed", "is_closed", False, "replied", "closed", ("已办结",), "closed_at"),
)
CHANNELS = ("phone", "web")
CHANNEL_NOTES = ("通过电话受理", "通过网站受理")


def appeal_columns(c: dict, titles: list[str]) -> list[Col]:
    ids = c["ids"]
    merged, is_d, is_a, is_r, is_c = c["merged"], c["is_dispatched"], c["is_acked"], c["is_replied"], c["is_closed"]
    channel = (ids % 3 == 0).astype(np.int8)
    contents = [t + "：群众反映相关情况，请尽快处理。" for t in titles]
    phones = _sealed(_prefixed(b"1", _digits((3 + ids % 7) * 10**9 + ids % 10**9, 10)))
    closed = np.where(merged, c["received"], c["closed_at"])
    return [
        Col("id", "i8", ids), Col("tracking_number", "raw", _prefixed(b"BK", _digits(ids, 10))),
        Col("access_code_hash", "text", 0, choices=("0" * 64,)), Col("channel", "text", channel, choices=CHANNELS),
        Col("title", "text", c["cat_idx"], choices=tuple(titles)),
        Col("content", "text", c["cat_idx"], choices=tuple(contents)), Col("category_id", "i8", c["cats"]),
        Col("urgency", "text", c["urgent"].astype(np.int8), choices=("normal", "urgent")),
        Col("status", "text", c["status"], choices=STATUSES), Col("due_state", "text", 0, choices=("on_track",)),
        Col("location_text", "text", 0, choices=("",)), Col("lat", "f8", c["lat"]), Col("lon", "f8", c["lon"]),
        Col("region_id", "i8", c["comms"]), Col("grid_id", "i8", c["grids"]), Col("anonymous", "bool", False),
        Col("appellant_name", "text", ids % 10, choices=tuple(name + "先生" for name in NAMES)),
        Col("appellant_phone", "raw", phones), Col("appellant_id_number", "text", 0, choices=("",)),
        Col("lead_department_id", "i8", c["depts"], ~is_d), Col("received_at", "ts", c["received"]),
        Col("ack_due_at", "ts", c["ack_due"], ~is_d), Col("due_at", "ts", c["due"]),
        Col("dispatched_at", "ts", c["dispatched"], ~is_d), Col("acknowledged_at", "ts", c["acked"], ~is_a),
        Col("replied_at", "ts", c["replied"], ~is_r), Col("closed_at", "ts", closed, ~(is_c | merged)),
        Col("satisfaction", "text", c["satisfaction"], choices=SATISFACTION),
        Col("resolved", "bool", c["resolved"], ~is_r), Col("reopen_count", "i2", c["reopened"].astype(np.int16)),
        Col("return_count", "i2", c["returned"].astype(np.int16)), Col("urge_count", "i2", 0),
        Col("supervised", "bool", False), Col("merged_into_id", "i8", c["targets"], ~merged),
        Col("risk_score", "i2", 0), Col("triage", "jsonb", 0, choices=("{}",)),
        Col("source_system", "text", 0, choices=("bench",)), Col("source_ref", "text", 0, choices=("",)),
        Col("updated_at", "ts", c["received"]),
    ]


def assignment_columns(c: dict, first_id: int) -> list[Col]:
    d = c["is_dispatched"]
    is_a, is_r = c["is_acked"][d], c["is_replied"][d]
    state = np.where(is_r, 2, np.where(is_a, 1, 0)).astype(np.int8)
    return [
        Col("id", "i8", np.arange(first_id, first_id + int(d.sum()), dtype=np.int64)),
        Col("appeal_id", "i8", c["ids"][d]), Col("department_id", "i8", c["depts"][d]),
        Col("role", "text", 0, choices=("lead",)),
        Col("state", "text", state, choices=("pending", "acknowledged", "done")),
        Col("dispatched_at", "ts", c["dispatched"][d]), Col("ack_due_at", "ts", c["ack_due"][d]),
        Col("due_at", "ts", c["due"][d]), Col("acknowledged_at", "ts", c["acked"][d], ~is_a),
        Col("finished_at", "ts", c["replied"][d], ~is_r), Col("return_reason", "text", 0, choices=("",)),
        Col("instructions", "text", 0, choices=("",)),
    ]


def event_columns(c: dict, first_id: int) -> list[tuple[int, list[Col]]]:
    """One column set per event kind (constant columns per kind keep the rows fixed-width); ids follow
    the lifecycle, so an appeal's events sort by id and by time alike."""
    out, next_id = [], first_id
    for kind, happened, with_dept, frm, to, notes, at in EVENT_KINDS:
        sel = slice(None) if happened is None else c[happened]
        ids = c["ids"][sel]
        m = len(ids)
        if not m:
            continue
        note = (Col("note", "text", (ids % 3 == 0).astype(np.int8), choices=CHANNEL_NOTES) if notes is None
                else Col("note", "text", 0, choices=notes))
        dept = (Col("department_id", "i8", c["depts"][sel]) if with_dept
                else Col("department_id", "i8", 0, np.ones(m, dtype=bool)))
        cols = [Col("id", "i8", np.arange(next_id, next_id + m, dtype=np.int64)), Col("appeal_id", "i8", ids),
                Col("kind", "text", 0, choices=(kind,)), Col("actor_label", "text", 0, choices=("系统",)), dept,
                Col("from_status", "text", 0, choices=(frm,)), Col("to_status", "text", 0, choices=(to,)), note,
                Col("public", "bool", True), Col("data", "jsonb", 0, choices=("{}",)),
                Col("created_at", "ts", c[at][sel])]
        out.append((m, cols))
        next_id += m
    return out


def fact_columns(f: dict) -> list[Col]:
    return [
        Col("appeal_id", "i8", f["appeal_id"]), Col("month", "date", f["month"]),
        Col("department_id", "i8", f["department_id"], f["department_null"]),
        Col("subdistrict_id", "i8", f["subdistrict_id"]), Col("community_id", "i8", f["community_id"]),
        Col("grid_id", "i8", f["grid_id"]), Col("category_id", "i8", f["category_id"]),
        *(Col(k, "i2", f[k].astype(np.int16)) for k in kpis.FLAG_COUNTERS),
        Col("handled_centi", "i4", f["handled_centi"], f["handled_null"]),
    ]


# ---------------------------------------------------------------- rollups of the generated facts

UNIT_COLUMN = {"city": None, "department": "department_id", "subdistrict": "subdistrict_id",
               "community": "community_id", "grid": "grid_id", "category": "category_id"}


class RollupSums:
    """(kind, unit, month) sums of the facts written, accumulated chunk by chunk into dense arrays with
    bincount, so the rollup rows are written without scanning the facts again (used when the load
    starts from no facts; otherwise services.rollup_from_facts aggregates the whole table)."""

    TENTHS_BITS = 24

    def __init__(self, org: OrgArrays, first_month: dt.date, months: int):
        self.units = {"city": np.zeros(1, dtype=np.int64), "department": np.unique(org.depts),
                      "subdistrict": np.unique(org.comm_sub), "community": np.unique(org.comms),
                      "grid": np.unique(org.comm_grid), "category": np.unique(org.cat_root)}
        self.m0 = (first_month.year - 1970) * 12 + first_month.month - 1
        self.months = months
        width = 2 + len(kpis.FLAG_COUNTERS)      # fact rows, the flag counters, handled_centi
        self.sums = {kind: np.zeros((width, len(u) * months), dtype=np.int64) for kind, u in self.units.items()}
        self.hist: dict[str, list[tuple]] = {kind: [] for kind in self.units}

    def add(self, f: dict) -> None:
        month = f["month"].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) - self.m0
        if len(month) and not (0 <= month.min() and month.max() < self.months):
            raise ValueError("fact month outside the generated range")
        handled = ~f["handled_null"]
        centi = np.where(handled, f["handled_centi"], 0)
        rows = [np.ones(len(month), dtype=bool)] + [f[c] for c in kpis.FLAG_COUNTERS] + [centi]
        tenths = (centi + 9) // 10
        for kind, units in self.units.items():
            col = UNIT_COLUMN[kind]
            pos = np.zeros(len(month), dtype=np.int64) if col is None else np.searchsorted(units, f[col])
            if col is not None and not np.array_equal(units[np.minimum(pos, len(units) - 1)], f[col]):
                raise ValueError(f"{kind} outside the generated org")
            key = pos * self.months + month
            keep = ~f["department_null"] if kind == "department" else slice(None)
            k, size = key[keep], self.sums[kind].shape[1]
            for r, row in enumerate(rows):
                self.sums[kind][r] += np.bincount(k, weights=row[keep], minlength=size).astype(np.int64)
            hk = (key << self.TENTHS_BITS | tenths)[keep][handled[keep]]
            self.hist[kind].append(np.unique(hk, return_counts=True))

    def rollups(self) -> list:
        """KpiRollup rows (unsaved) equal to what services.rollup_from_facts makes of the same facts."""
        rows = []
        mask = (1 << self.TENTHS_BITS) - 1
        for kind, units in self.units.items():
            hists: dict[int, dict] = {}
            if self.hist[kind]:
                keys, inv = np.unique(np.concatenate([h[0] for h in self.hist[kind]]), return_inverse=True)
                counts = np.bincount(inv, weights=np.concatenate([h[1] for h in self.hist[kind]]), minlength=len(keys))
                for key, n in zip(keys.tolist(), counts.astype(np.int64).tolist()):
                    hists.setdefault(key >> self.TENTHS_BITS, {})[str(key & mask)] = n
            sums = self.sums[kind]
            for key in np.flatnonzero(sums[0]).tolist():
                unit, month = divmod(key, self.months)
                y, m = divmod(self.m0 + month, 12)
                col = sums[:, key].tolist()
                rows.append(KpiRollup(kind=kind, unit_id=int(units[unit]), month=dt.date(1970 + y, m + 1, 1),
                                      handled_centi=col[-1], hist=hists.get(key, {}),
                                      **dict(zip(kpis.FLAG_COUNTERS, col[1:-1]))))
        return rows


# ---------------------------------------------------------------- writing

SECONDARY = (APPEAL_TABLE, ASSIGN_TABLE, EVENT_TABLE, FACT_TABLE)


def _drop_secondary_indexes(cur) -> list[tuple[str, str]]:
    """Drop non-unique, non-primary indexes of the big tables; return (table, definition), biggest first."""
    cur.execute("""
        SELECT t.relname, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT i.indisunique
    """, [list(SECONDARY)])
    rows = cur.fetchall()
    for _, name, _ in rows:
        cur.execute(f"DROP INDEX IF EXISTS {name}")
    order = {EVENT_TABLE: 0, APPEAL_TABLE: 1, ASSIGN_TABLE: 2, FACT_TABLE: 3}
    return sorted(((t, d) for t, _, d in rows), key=lambda r: order[r[0]])


def _fast_session(cur) -> bool:
    """Session settings for a bulk load; skip foreign-key triggers for rows generated consistent
    (superuser only, like pg_restore). Returns whether the triggers are skipped."""
    cur.execute("SET synchronous_commit = off")
    cur.execute("SET maintenance_work_mem = '512MB'")
    cur.execute("SET max_parallel_maintenance_workers = 0")   # the pool already runs one build per core
    cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if not cur.fetchone()[0]:
        return False        # keep the checks: rows then go in parents first, by one writer
    cur.execute("SET session_replication_role = replica")
    return True


def _reset_session(cur) -> None:
    for name in ("synchronous_commit", "maintenance_work_mem", "max_parallel_maintenance_workers",
                 "session_replication_role"):
        cur.execute(f"RESET {name}")


class Pool:
    """Writer threads, each with its own autocommitted connection (psycopg releases the GIL while the
    server works, so the next chunk is built while the previous ones are copied)."""

    def __init__(self, size: int):
        import psycopg

        params = {k: v for k, v in connection.get_connection_params().items() if k not in ("cursor_factory", "context")}
        self.conns = [psycopg.connect(**params, autocommit=True) for _ in range(size)]
        self.skip_fk = all([_fast_session(c.cursor()) for c in self.conns])
        self.tasks: queue.Queue = queue.Queue(maxsize=2 * size + 2)
        self.errors: list[BaseException] = []
        self.busy = [0.0] * size
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(size)]
        for t in self.threads:
            t.start()

    def _run(self, i: int) -> None:
        cur = self.conns[i].cursor()
        while True:
            task = self.tasks.get()
            if task is None:
                return
            if self.errors:
                continue
            try:
                t = time.perf_counter()
                task(cur)
                self.busy[i] += time.perf_counter() - t
            except BaseException as exc:  # surfaced by join()
                self.errors.append(exc)

    def put(self, task) -> None:
        if self.errors:
            raise self.errors[0]
        self.tasks.put(task)

    def join(self) -> None:
        for _ in self.threads:
            self.tasks.put(None)
        for t in self.threads:
            t.join()
        if self.errors:
            raise self.errors[0]
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(len(self.conns))]
        for t in self.threads:
            t.start()

    def close(self) -> None:
        for _ in self.threads:
            self.tasks.put(None)
        for t in self.threads:
            t.join()
        for c in self.conns:
            c.close()


def _copy_task(table: str, cols: list[Col], n: int):
    """Encode now (main thread), copy later (a writer thread)."""
    body = pg_binary(n, cols)
    sql = f"COPY {table} ({', '.join(c.name for c in cols)}) FROM STDIN (FORMAT BINARY)"

    def run(cur):
        with cur.copy(sql) as cp:
            cp.write(PG_SIGNATURE)
            cp.write(memoryview(body))
            cp.write(PG_TRAILER)
    return run, body.nbytes


def _sql_task(sql: str):
    def run(cur):
        cur.execute(sql)
    return run


def generate(n: int, months: int = 6, seed: int = 1, chunk: int = 100_000, workers: int = 2, log=print) -> dict:
    """Write n appeals (with assignments, events, facts) and rebuild the rollups. Returns timings."""
    org = build_org()
    arrays = OrgArrays.of(org)
    rng = np.random.default_rng(seed)
    now = int(timezone.now().timestamp())
    first_month = services.add_months(services.month_start(timezone.localdate()), -(months - 1))
    t0 = int(dt.datetime.combine(first_month, dt.time(), tzinfo=timezone.get_current_timezone()).timestamp())
    cal = Calendar(first_month - dt.timedelta(days=2), timezone.localdate() + dt.timedelta(days=400))
    offset = _local_offset()
    with connection.cursor() as cur:
        next_ids = []
        for table in (APPEAL_TABLE, ASSIGN_TABLE, EVENT_TABLE):
            cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            next_ids.append(cur.fetchone()[0] + 1)
    next_id, next_assign, next_event = next_ids
    sums = RollupSums(arrays, first_month, months) if not AppealFact.objects.exists() else None
    pg = connection.vendor == "postgresql"
    # a pool of own connections cannot see (or wait for) an open transaction here, e.g. in a test
    pooled = pg and not connection.in_atomic_block and workers > 0
    timings = {"generate": 0.0, "encode": 0.0}
    counts = {"events": 0, "assignments": 0, "facts": 0, "bytes": 0}
    started = time.perf_counter()
    pool = Pool(workers) if pooled else None
    if pool is not None and not pool.skip_fk:
        pool.close()
        pool = Pool(1)      # foreign keys checked: one writer, parents first
    dropped: list[tuple[str, str]] = []
    try:
        with (transaction.atomic() if not pooled else contextlib.nullcontext()):
            with connection.cursor() as cur:
                if pg:
                    dropped = _drop_secondary_indexes(cur)
                    if not pooled:
                        _fast_session(cur)
                done = 0
                for received in Arrivals(n, chunk, t0, now, seed):
                    m = len(received)
                    t = time.perf_counter()
                    c = generate_chunk(rng, arrays, cal, next_id + done, received, now=now, offset=offset)
                    if sums is not None:
                        sums.add(c["facts"])
                    tables = [(APPEAL_TABLE, m, appeal_columns(c, arrays.titles))]
                    acols = assignment_columns(c, next_assign)
                    na = len(acols[0].values)
                    tables.append((ASSIGN_TABLE, na, acols))
                    for k, cols in event_columns(c, next_event):
                        tables.append((EVENT_TABLE, k, cols))
                        next_event += k
                        counts["events"] += k
                    nf = len(c["facts"]["appeal_id"])
                    tables.append((FACT_TABLE, nf, fact_columns(c["facts"])))
                    next_assign += na
                    counts["assignments"] += na
                    counts["facts"] += nf
                    timings["generate"] += time.perf_counter() - t
                    for table, k, cols in tables:
                        t = time.perf_counter()
                        if pg:
                            task, size = _copy_task(table, cols, k)
                            counts["bytes"] += size
                            timings["encode"] += time.perf_counter() - t
                            if pool is not None:
                                pool.put(task)
                            else:
                                task(cur)
                        else:
                            rows = sqlite_rows(k, cols)
                            timings["encode"] += time.perf_counter() - t
                            cur.executemany(f"INSERT INTO {table} ({', '.join(c.name for c in cols)}) "
                                            f"VALUES ({', '.join(['%s'] * len(cols))})", rows)
                    done += m
                    log(f"generated {done}/{n}")
                if pool is not None:
                    pool.join()
                    timings["copy"] = sum(pool.busy) / len(pool.busy)
                loaded = time.perf_counter() - started
                t = time.perf_counter()
                if pg:
                    for table, ddl in dropped:
                        if pool is not None:
                            pool.put(_sql_task(ddl))
                        else:
                            cur.execute(ddl)
                    if pool is not None:
                        pool.join()
                    dropped = []
                    for table in (APPEAL_TABLE, ASSIGN_TABLE, EVENT_TABLE):
                        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
                    if not pooled:
                        _reset_session(cur)
                indexes = time.perf_counter() - t
            t = time.perf_counter()
            if sums is not None:
                KpiRollup.objects.all().delete()
                rows = sums.rollups()
                KpiRollup.objects.bulk_create(rows, batch_size=2000)
                rollups = len(rows)
            else:
                rollups = services.rollup_from_facts()
            rollup_time = time.perf_counter() - t
        t = time.perf_counter()
        if pg:
            # VACUUM sets the visibility map, so counts become index-only scans right after a load
            verb = "ANALYZE " if connection.in_atomic_block else "VACUUM (ANALYZE) "
            for table in SECONDARY + ("evaluation_kpirollup",):
                if pool is not None:
                    pool.put(_sql_task(verb + table))
                else:
                    with connection.cursor() as cur:
                        cur.execute(verb + table)
            if pool is not None:
                pool.join()
        vacuum = time.perf_counter() - t
    except BaseException:
        if pooled and dropped:
            # autocommitted rows stay; put the dropped indexes back so the schema is whole again
            with connection.cursor() as cur:
                for _, ddl in dropped:
                    cur.execute(ddl.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        raise
    finally:
        if pool is not None:
            pool.close()
    total = time.perf_counter() - started
    return {"appeals": n, **counts, "load_seconds": loaded, "index_seconds": indexes, "rollup_seconds": rollup_time,
            "vacuum_seconds": vacuum, "total_seconds": total, "rollups": rollups, **timings,
            "appeals_per_s": n / loaded, "events_per_s": counts["events"] / loaded,
            "total_appeals_per_s": n / total, "total_events_per_s": counts["events"] / total,
            # appeals per second of one writer's COPY time (bench/kpi.py reports it)
            "copy_appeals_per_s": n / timings["copy"] if timings.get("copy") else 0.0}
