"""Bulk generator: N realistic appeals with their lead assignments, events and KPI facts, for scale tests.

On PostgreSQL rows go in with COPY (secondary indexes of the big tables are dropped during the load and
rebuilt after, the usual bulk-load practice); on SQLite with executemany. The KPI facts are computed
vectorised with numpy using the same working-day rule as kpis.WorkdayIndex, and the rollups are then
aggregated from the facts, so the dashboards are exact right after a load.
"""
from __future__ import annotations

import datetime as dt
import itertools
import queue
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from gongzhi.core.workdays import WorkCalendar

from . import kpis

SUBJECTS = [
    ("城乡建设", "CXJS", ["物业管理", "房屋质量", "电梯故障", "违章建筑"]),
    ("生态环境", "STHJ", ["噪声污染", "大气污染", "水污染", "垃圾清运"]),
    ("交通运输", "JTYS", ["道路破损", "公交服务", "停车管理", "出租车"]),
    ("市场监管", "SCJG", ["食品安全", "价格投诉", "消费纠纷"]),
    ("劳动保障", "LDBZ", ["拖欠工资", "社保医保"]),
    ("公共服务", "GGFW", ["供水", "供暖", "供电", "燃气"]),
]
NAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
STATUS_FACT = {"received", "dispatched", "handling", "replied", "closed"}


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
    from gongzhi.appeals.models import Category
    from gongzhi.core.models import Department, Grid, Region

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
        self.cum = np.concatenate([[0], np.cumsum(self.work)])

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


def _ts(seconds_utc: np.ndarray) -> np.ndarray:
    """UTC epoch seconds -> timestamp strings for COPY."""
    return np.char.add(seconds_utc.astype("datetime64[s]").astype(str), "+00").astype(object)


def generate_chunk(rng: np.random.Generator, org: Org, cal: Calendar, start_id: int, n: int, t0: int, t1: int,
                   now: int, offset: int) -> dict:
    """Columns of n appeals (ids start_id..), their lead assignments, events and facts."""
    ids = np.arange(start_id, start_id + n, dtype=np.int64)
    received = np.sort(rng.integers(t0, t1, n))
    cat_idx = rng.integers(0, len(org.categories), n)
    cats = np.array(org.categories)[cat_idx]
    comm_idx = rng.integers(0, len(org.communities), n)
    comms = np.array(org.communities)[comm_idx]
    grids = np.array([org.grids[c] for c in org.communities])[comm_idx]
    subs = np.array([org.community_sub[c] for c in org.communities])[comm_idx]
    # most appeals go to the category's department, some to another one
    dept_default = np.array([org.category_dept[c] for c in org.categories])[cat_idx]
    dept_other = np.array(org.departments)[rng.integers(0, len(org.departments), n)]
    depts = np.where(rng.random(n) < 0.7, dept_default, dept_other)
    urgent = rng.random(n) < 0.05
    dispatched = received + rng.integers(600, 4 * 3600, n)
    ack_due = dispatched + np.where(urgent, 2 * 3600, 24 * 3600)
    acked = dispatched + rng.exponential(6 * 3600, n).astype(np.int64) + 60
    due = received + np.where(urgent, 5, 21) * 86400
    replied = acked + (rng.gamma(2.0, 4.0, n) * 86400).astype(np.int64)
    merged = rng.random(n) < 0.02
    returned = (rng.random(n) < 0.03) & ~merged
    # lifecycle state by what has happened before "now"
    status = np.full(n, "closed", dtype=object)
    closed_at = replied + rng.integers(3600, 5 * 86400, n)
    status[closed_at > now] = "replied"
    status[replied > now] = "handling"
    status[acked > now] = "dispatched"
    status[dispatched > now] = "received"
    status[merged] = "merged"
    is_dispatched = np.isin(status, ["dispatched", "handling", "replied", "closed"])
    is_acked = np.isin(status, ["handling", "replied", "closed"])
    is_replied = np.isin(status, ["replied", "closed"])
    is_closed = status == "closed"
    sat_roll = rng.random(n)
    satisfaction = np.where(sat_roll < 0.72, "satisfied", np.where(sat_roll < 0.88, "basic", "dissatisfied"))
    satisfaction = np.where(is_closed, satisfaction, "")
    resolved_reply = rng.random(n) < 0.85
    resolved = np.where(is_replied, resolved_reply, False)
    reopened = is_replied & (rng.random(n) < 0.04)
    # repeats: a merged appeal points at an earlier non-merged appeal of the chunk
    targets = np.zeros(n, dtype=np.int64)
    candidates = np.flatnonzero(~merged)
    merged_idx = np.flatnonzero(merged)
    if len(candidates) and len(merged_idx):
        targets[merged_idx] = candidates[rng.integers(0, len(candidates), len(merged_idx))]
    repeated = np.zeros(n, dtype=bool)
    repeated[targets[merged_idx]] = True
    repeated &= ~merged
    lat = np.array([org.grid_centre[g][0] for g in org.grids.values()])[comm_idx] + rng.uniform(-0.009, 0.009, n)
    lon = np.array([org.grid_centre[g][1] for g in org.grids.values()])[comm_idx] + rng.uniform(-0.009, 0.009, n)

    # facts (exactly what compute_fact gives for these columns)
    counts = ~merged
    handled_days = cal.between(received + offset, replied + offset)
    handled_centi = np.floor(handled_days * 100 + 0.5).astype(np.int64)
    months_local = (received + offset).astype("datetime64[s]").astype("datetime64[M]")
    facts = {
        "appeal_id": ids[counts], "month": months_local[counts].astype("datetime64[D]").astype(str),
        "department_id": np.where(is_dispatched, depts, -1)[counts], "subdistrict_id": subs[counts],
        "community_id": comms[counts], "grid_id": grids[counts],
        "category_id": np.array([org.category_root[c] for c in org.categories])[cat_idx][counts],
        "appeals": np.ones(counts.sum(), dtype=np.int64), "excluded": np.zeros(counts.sum(), dtype=np.int64),
        "dispatched": is_dispatched[counts].astype(int),
        "ack_on_time": (is_acked & (acked <= ack_due))[counts].astype(int),
        "replied": is_replied[counts].astype(int),
        "replied_on_time": (is_replied & (replied <= due))[counts].astype(int),
        "rated": (satisfaction != "")[counts].astype(int),
        "satisfied": (satisfaction == "satisfied")[counts].astype(int),
        "basic": (satisfaction == "basic")[counts].astype(int),
        "dissatisfied": (satisfaction == "dissatisfied")[counts].astype(int),
        "resolved": ((satisfaction != "") & resolved)[counts].astype(int),
        "returned": returned[counts].astype(int), "repeated": repeated[counts].astype(int),
        "reopened": reopened[counts].astype(int), "closed": is_closed[counts].astype(int),
        "open": np.isin(status, ["received", "dispatched", "handling", "replied"])[counts].astype(int),
        "handled_centi": np.where(is_replied, handled_centi, -1)[counts],
    }
    return {
        "ids": ids, "received": received, "cats": cats, "comms": comms, "grids": grids, "depts": depts,
        "urgent": urgent, "dispatched": dispatched, "ack_due": ack_due, "acked": acked, "due": due,
        "replied": replied, "closed_at": closed_at, "status": status, "is_dispatched": is_dispatched,
        "is_acked": is_acked, "is_replied": is_replied, "is_closed": is_closed, "satisfaction": satisfaction,
        "resolved": resolved, "reopened": reopened, "returned": returned, "merged": merged,
        "targets": ids[targets], "lat": lat, "lon": lon, "facts": facts,
    }


# ---------------------------------------------------------------- writing

APPEAL_COLS = ["id", "tracking_number", "access_code_hash", "channel", "title", "content", "category_id", "urgency",
               "status", "due_state", "location_text", "lat", "lon", "region_id", "grid_id", "anonymous",
               "appellant_name", "appellant_phone", "appellant_id_number", "lead_department_id", "received_at",
               "ack_due_at", "due_at", "dispatched_at", "acknowledged_at", "replied_at", "closed_at", "satisfaction",
               "resolved", "reopen_count", "return_count", "urge_count", "supervised", "merged_into_id", "risk_score",
               "triage", "source_system", "source_ref", "updated_at"]
ASSIGN_COLS = ["appeal_id", "department_id", "role", "state", "dispatched_at", "ack_due_at", "due_at",
               "acknowledged_at", "finished_at", "return_reason", "instructions"]
EVENT_COLS = ["appeal_id", "kind", "actor_label", "department_id", "from_status", "to_status", "note", "public",
              "data", "created_at"]
FACT_COLS = ["appeal_id", "month", "department_id", "subdistrict_id", "community_id", "grid_id", "category_id",
             *kpis.FLAG_COUNTERS, "handled_centi"]
N = "\\N"


def _tsv(value) -> str:
    if value is None:
        return N
    return str(value)


def _strs(values: np.ndarray) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(map(str, values.tolist()))
    return out


def _pick(mask: np.ndarray, yes: np.ndarray, no: str = N) -> np.ndarray:
    out = np.full(len(mask), no, dtype=object)
    out[mask] = yes[mask]
    return out


def chunk_rows(c: dict, names: dict[int, str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """TSV lines for COPY (appeal, assignment, event, fact), built column-wise with numpy."""
    n = len(c["ids"])
    ts = {k: _ts(c[k]) for k in ("received", "dispatched", "ack_due", "acked", "due",
                                                          "replied", "closed_at")}
    ids = c["ids"]
    ids_s = _strs(ids)
    status = c["status"].astype(object)
    is_d, is_a, is_r, is_c = c["is_dispatched"], c["is_acked"], c["is_replied"], c["is_closed"]
    merged = status == "merged"
    dept_s = _strs(c["depts"])
    cat_titles = {k: f"{v}问题反映" for k, v in names.items()}
    titles = np.array([cat_titles.get(int(k), "诉求问题反映") for k in c["cats"]], dtype=object)
    contents = titles + "：群众反映相关情况，请尽快处理。"
    phones = np.char.add(np.char.add("1", _strs(3 + ids % 7).astype(str)),
                         np.char.zfill(_strs(ids % 1000000000).astype(str), 9)).astype(object)
    tracking = np.char.add("BK", np.char.zfill(ids_s.astype(str), 10)).astype(object)
    appellant = np.array([NAMES[i] + "先生" for i in range(10)], dtype=object)[ids % 10]
    channel = np.where(ids % 3 == 0, "web", "phone").astype(object)
    urgency = np.where(c["urgent"], "urgent", "normal").astype(object)
    lat = np.char.mod("%.6f", c["lat"]).astype(object)
    lon = np.char.mod("%.6f", c["lon"]).astype(object)
    resolved = _pick(is_r, np.where(c["resolved"], "t", "f").astype(object))
    closed = _pick(is_c, ts["closed_at"])
    closed[merged] = ts["received"][merged]
    const = itertools.repeat
    cols = [ids_s, tracking, const("0" * 64), channel, titles, contents, _strs(c["cats"]), urgency, status,
            const("on_track"), const(""), lat, lon, _strs(c["comms"]), _strs(c["grids"]), const("f"), appellant,
            phones, const(""), _pick(is_d, dept_s), ts["received"], _pick(is_d, ts["ack_due"]), ts["due"],
            _pick(is_d, ts["dispatched"]), _pick(is_a, ts["acked"]), _pick(is_r, ts["replied"]), closed,
            c["satisfaction"].astype(object), resolved, np.where(c["reopened"], "1", "0").astype(object),
            np.where(c["returned"], "1", "0").astype(object), const("0"), const("f"),
            _pick(merged, _strs(c["targets"])), const("0"), const("{}"), const("bench"), const(""), ts["received"]]
    appeals = list(map("\t".join, zip(*cols)))

    d = is_d
    state = np.where(is_r, "done", np.where(is_a, "acknowledged", "pending")).astype(object)
    acols = [ids_s[d], dept_s[d], const("lead"), state[d], ts["dispatched"][d], ts["ack_due"][d], ts["due"][d],
             _pick(is_a, ts["acked"])[d], _pick(is_r, ts["replied"])[d], const(""), const("")]
    assigns = list(map("\t".join, zip(*acols)))

    events = []

    def add(mask, kind, dept, frm, to, note, at):
        cols = [ids_s[mask], const(kind), const("系统"), dept[mask] if isinstance(dept, np.ndarray) else const(dept),
                const(frm), const(to), const(note), const("t"), const("{}"), at[mask]]
        events.extend(map("\t".join, zip(*cols)))

    add(np.ones(n, dtype=bool), "received", N, "", "received", "通过电话受理", ts["received"])
    add(merged, "merged", N, "received", "merged", "合并办理", ts["received"])
    add(is_d, "dispatched", dept_s, "received", "dispatched", "已派单", ts["dispatched"])
    add(is_a, "acknowledged", dept_s, "dispatched", "handling", "已签收", ts["acked"])
    add(is_r, "replied", dept_s, "handling", "replied", "已答复", ts["replied"])
    add(is_c, "rated", N, "replied", "replied", "评价", ts["closed_at"])
    add(is_c, "closed", N, "replied", "closed", "已办结", ts["closed_at"])

    f = c["facts"]
    fcols = []
    for name in FACT_COLS:
        col = f[name]
        if name in ("department_id", "handled_centi"):
            fcols.append(_pick(col != -1, _strs(col)))
        elif name == "month":
            fcols.append(np.asarray(col, dtype=object))
        else:
            fcols.append(_strs(np.asarray(col)))
    facts = list(map("\t".join, zip(*fcols)))
    return appeals, assigns, events, facts


SECONDARY = ("appeals_appeal", "appeals_assignment", "appeals_appealevent", "evaluation_appealfact")


def _drop_secondary_indexes(cur) -> list[str]:
    """Drop non-unique, non-primary indexes of the big tables; return their definitions."""
    cur.execute("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT i.indisunique
    """, [list(SECONDARY)])
    rows = cur.fetchall()
    for name, _ in rows:
        cur.execute(f"DROP INDEX IF EXISTS {name}")
    return [d for _, d in rows]


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _fast_session(cur, off: bool = False) -> None:
    """Skip foreign-key triggers while loading rows generated consistent (superuser only, like pg_restore)."""
    cur.execute("SET synchronous_commit = " + ("DEFAULT" if off else "off"))
    cur.execute("SET maintenance_work_mem = " + ("DEFAULT" if off else "'512MB'"))
    try:
        cur.execute("SET session_replication_role = " + ("DEFAULT" if off else "replica"))
    except Exception:  # not a superuser: keep the checks, just slower
        pass


def _copy(cur, table: str, cols: list[str], lines: list[str]) -> None:
    if not lines:
        return
    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        cp.write("\n".join(lines) + "\n")


def generate(n: int, months: int = 6, seed: int = 1, chunk: int = 200_000, log=print) -> dict:
    """Write n appeals (with assignments, events, facts) and rebuild the rollups. Returns timings."""
    from . import services

    org = build_org()
    rng = np.random.default_rng(seed)
    now_dt = timezone.now()
    now = int(now_dt.timestamp())
    t1 = now
    first_month = services.add_months(services.month_start(timezone.localdate()), -(months - 1))
    t0 = int(dt.datetime.combine(first_month, dt.time(), tzinfo=timezone.get_current_timezone()).timestamp())
    cal = Calendar(first_month - dt.timedelta(days=2), timezone.localdate() + dt.timedelta(days=200))
    offset = _local_offset()
    from gongzhi.appeals.models import Category

    names = dict(Category.objects.values_list("pk", "name"))
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM appeals_appeal")
        next_id = cur.fetchone()[0] + 1
    pg = connection.vendor == "postgresql"
    timings = {"generate": 0.0, "copy": 0.0}
    started = time.perf_counter()
    dropped: list[str] = []
    with (transaction.atomic() if not pg else _nullcontext()):
        with connection.cursor() as cur:
            if pg:
                _fast_session(cur)
                dropped = _drop_secondary_indexes(cur)
            done = 0
            work: queue.Queue = queue.Queue(maxsize=2)
            errors: list[BaseException] = []

            def writer():
                # a second thread feeds the database while the main thread formats the next chunk
                try:
                    while True:
                        item = work.get()
                        if item is None:
                            return
                        t = time.perf_counter()
                        _write(cur, pg, *item)
                        timings["copy"] += time.perf_counter() - t
                except BaseException as exc:  # surfaced after join
                    errors.append(exc)
                    while work.get() is not None:
                        pass

            thread = threading.Thread(target=writer, daemon=True)
            thread.start()
            while done < n and not errors:
                m = min(chunk, n - done)
                t = time.perf_counter()
                c = generate_chunk(rng, org, cal, next_id + done, m, t0, t1, now, offset)
                rows = chunk_rows(c, names)
                timings["generate"] += time.perf_counter() - t
                work.put(rows)
                done += m
                log(f"generated {done}/{n}")
            work.put(None)
            thread.join()
            if errors:
                raise errors[0]
            loaded = time.perf_counter() - started
            t = time.perf_counter()
            if pg:
                for ddl in dropped:
                    cur.execute(ddl)
                _fast_session(cur, off=True)
                cur.execute("SELECT setval(pg_get_serial_sequence('appeals_appeal', 'id'), (SELECT MAX(id) FROM appeals_appeal))")
                cur.execute("SELECT setval(pg_get_serial_sequence('appeals_assignment', 'id'), (SELECT COALESCE(MAX(id), 1) FROM appeals_assignment))")
                cur.execute("SELECT setval(pg_get_serial_sequence('appeals_appealevent', 'id'), (SELECT COALESCE(MAX(id), 1) FROM appeals_appealevent))")
            indexes = time.perf_counter() - t
        t = time.perf_counter()
        rollups = services.rollup_from_facts()
        rollup_time = time.perf_counter() - t
    if pg:
        with connection.cursor() as cur:
            for table in SECONDARY + ("evaluation_kpirollup",):
                # VACUUM sets the visibility map, so counts become index-only scans right after a load
                cur.execute(("ANALYZE " if connection.in_atomic_block else "VACUUM (ANALYZE) ") + table)
    total = time.perf_counter() - started
    return {"appeals": n, "load_seconds": loaded, "appeals_per_s": n / loaded, "index_seconds": indexes,
            "rollup_seconds": rollup_time, "total_seconds": total, "rollups": rollups, **timings,
            "copy_appeals_per_s": n / timings["copy"] if timings["copy"] else 0.0}


def _write(cur, pg: bool, appeals, assigns, events, facts) -> None:
    if pg:
        _copy(cur, "appeals_appeal", APPEAL_COLS, appeals)
        _copy(cur, "appeals_assignment", ASSIGN_COLS, assigns)
        _copy(cur, "appeals_appealevent", EVENT_COLS, events)
        _copy(cur, "evaluation_appealfact", FACT_COLS, facts)
        return
    for table, cols, lines in (("appeals_appeal", APPEAL_COLS, appeals), ("appeals_assignment", ASSIGN_COLS, assigns),
                               ("appeals_appealevent", EVENT_COLS, events), ("evaluation_appealfact", FACT_COLS, facts)):
        if not lines:
            continue
        rows = [[None if v == N else _sqlite_value(v) for v in line.split("\t")] for line in lines]
        cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})", rows)


def _sqlite_value(v: str):
    if v == "t":
        return True
    if v == "f":
        return False
    if v.endswith("+00") and len(v) == 22:
        return v[:10] + " " + v[11:19]
    return v
