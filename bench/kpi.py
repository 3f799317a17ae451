"""KPI panel, monthly ranking and leader-dashboard times on PostgreSQL, against hand-written SQL.

    .venv/bin/python bench/kpi.py --rows 1000000            # (re)generates gongzhi_bench if it holds fewer rows
    .venv/bin/python bench/kpi.py --rows 1000000 --reuse    # measure what is there

Each figure is printed with its ratio to a hand-written SQL aggregate over the same appeal rows,
measured in the same run (ratio < 1: the rollups are faster than aggregating the raw table).
The last line is the summary in key=value pairs.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def p95(xs):
    xs = sorted(xs)
    return xs[max(0, int(round(0.95 * len(xs))) - 1)]


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="appeals in the bench database")
    ap.add_argument("--db", default="gongzhi_bench", help="PostgreSQL database name (created and dropped by this script)")
    ap.add_argument("--host", default="postgres://postgres@127.0.0.1:5432")
    ap.add_argument("--reuse", action="store_true", help="do not regenerate; measure the database as it is")
    ap.add_argument("--samples", type=int, default=60, help="KPI panels timed")
    ap.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = ap.parse_args(argv)
    if args.rows < 1000:
        print("bench/kpi.py: --rows must be at least 1000", file=sys.stderr)
        return 2
    url = f"{args.host}/{args.db}"
    env = {**os.environ, "GONGZHI_DATABASE_URL": url}
    os.environ["GONGZHI_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    gen = {}
    if not args.reuse:
        import psycopg

        with psycopg.connect(f"{args.host}/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
            c.execute(f'CREATE DATABASE "{args.db}"')
        py = sys.executable
        subprocess.run([py, "-m", "gongzhi", "migrate", "-v0"], check=True, env=env, cwd=REPO)
        t = time.perf_counter()
        out = subprocess.run([py, "-m", "gongzhi", "generate", "--appeals", str(args.rows)], check=True, env=env,
                             cwd=REPO, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        gen = dict(kv.split("=", 1) for kv in out.split())
        print(f"generated {args.rows} appeals in {time.perf_counter() - t:.1f}s: {out}", flush=True)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from gongzhi.appeals.models import Appeal
    from gongzhi.core.models import User
    from gongzhi.evaluation import services, views
    from gongzhi.evaluation.models import KpiRollup

    setup_test_environment()
    rows = Appeal.objects.count()
    months = sorted(set(KpiRollup.objects.filter(kind="city").values_list("month", flat=True)))
    depts = list(KpiRollup.objects.filter(kind="department").values_list("unit_id", flat=True).distinct())
    rng = random.Random(1)
    samples = [(rng.choice(depts), rng.choice(months)) for _ in range(args.samples)]

    def raw_panel(dept, month):
        return services.raw_sql_department_month(dept, month)

    # warm both paths once
    views.kpi_panel("department", samples[0][0], [samples[0][1]])
    raw_panel(*samples[0])
    ours, base = [], []
    for dept, month in samples:
        ours.append(timed(views.kpi_panel, "department", dept, [month])[0])
        base.append(timed(raw_panel, dept, month)[0])
    panel_p95, panel_base = p95(ours), p95(base)
    print(f"KPI panel (any department, any month): p95 {panel_p95 * 1000:.1f} ms; hand-written SQL over appeals "
          f"p95 {panel_base * 1000:.1f} ms; ratio {panel_p95 / panel_base:.3f}", flush=True)

    month = months[-2] if len(months) > 1 else months[-1]

    def ranking_all():
        return [services.ranking(kind, month) for kind in ("department", "subdistrict", "community")]

    def raw_ranking():
        sql = """
            SELECT {key}, count(*),
                   sum(CASE WHEN a.status IN ('replied','closed') AND a.replied_at <= a.due_at THEN 1 ELSE 0 END),
                   sum(CASE WHEN a.satisfaction IN ('satisfied','basic') THEN 1 ELSE 0 END),
                   sum(CASE WHEN a.satisfaction <> '' THEN 1 ELSE 0 END),
                   sum(CASE WHEN a.satisfaction <> '' AND a.resolved THEN 1 ELSE 0 END),
                   sum(CASE WHEN a.return_count > 0 THEN 1 ELSE 0 END)
            FROM appeals_appeal a JOIN core_region r ON r.id = a.region_id
            WHERE a.received_at >= %s AND a.received_at < %s AND a.status <> 'merged'
            GROUP BY {key}
        """
        import datetime as dt

        from django.utils import timezone

        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(month, dt.time(), tzinfo=tz)
        end = dt.datetime.combine(services.add_months(month, 1), dt.time(), tzinfo=tz)
        out = []
        with connection.cursor() as cur:
            for key in ("a.lead_department_id", "r.parent_id", "a.region_id"):
                cur.execute(sql.format(key=key), [start, end])
                out.append(cur.fetchall())
        return out

    ranking_all()
    raw_ranking()
    rank_t = min(timed(ranking_all)[0] for _ in range(3))
    rank_base = min(timed(raw_ranking)[0] for _ in range(3))
    n_units = sum(len(r["rows"]) for r in ranking_all())
    print(f"Monthly ranking of all {n_units} units (3 kinds): {rank_t * 1000:.0f} ms; hand-written SQL "
          f"{rank_base * 1000:.0f} ms; ratio {rank_t / rank_base:.3f}", flush=True)

    leader, _ = User.objects.get_or_create(username="bench-leader", defaults={"is_superuser": True, "is_staff": True})
    client = Client()
    client.force_login(leader)

    def dashboard():
        r = client.get("/evaluation/")
        assert r.status_code == 200, r.status_code
        return r

    def raw_dashboard():
        import datetime as dt

        from django.utils import timezone

        now = timezone.now()
        this = services.month_start()
        tz = timezone.get_current_timezone()
        start12 = dt.datetime.combine(services.add_months(this, -11), dt.time(), tzinfo=tz)
        start = dt.datetime.combine(this, dt.time(), tzinfo=tz)
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM appeals_appeal WHERE received_at >= %s", [now.replace(hour=0, minute=0)])
            cur.execute("SELECT count(*) FROM appeals_appeal WHERE status IN ('received','dispatched','handling','replied')")
            cur.execute("SELECT count(*) FROM appeals_appeal WHERE status IN ('dispatched','handling') AND due_at < %s", [now])
            cur.execute("""SELECT date_trunc('month', received_at AT TIME ZONE 'Asia/Shanghai'), count(*),
                           sum(CASE WHEN satisfaction IN ('satisfied','basic') THEN 1 ELSE 0 END),
                           sum(CASE WHEN satisfaction <> '' THEN 1 ELSE 0 END),
                           sum(CASE WHEN satisfaction <> '' AND resolved THEN 1 ELSE 0 END),
                           sum(CASE WHEN acknowledged_at <= ack_due_at THEN 1 ELSE 0 END)
                           FROM appeals_appeal WHERE received_at >= %s AND status <> 'merged' GROUP BY 1""", [start12])
            cur.execute("SELECT category_id, count(*) FROM appeals_appeal WHERE received_at >= %s GROUP BY 1", [start])
            cur.execute("SELECT grid_id, count(*) FROM appeals_appeal WHERE received_at >= %s GROUP BY 1", [start])
            cur.execute("""SELECT lead_department_id, count(*), sum(CASE WHEN satisfaction <> '' THEN 1 ELSE 0 END)
                           FROM appeals_appeal WHERE received_at >= %s GROUP BY 1""", [start])

    dashboard()
    raw_dashboard()
    dash = statistics.median(timed(dashboard)[0] for _ in range(5))
    dash_base = statistics.median(timed(raw_dashboard)[0] for _ in range(5))
    print(f"Leader dashboard first paint (server render, full HTML): {dash * 1000:.0f} ms; hand-written SQL for its "
          f"figures {dash_base * 1000:.0f} ms; ratio {dash / dash_base:.3f}", flush=True)
    if args.drop:
        connection.close()
        import psycopg

        with psycopg.connect(f"{args.host}/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
    summary = {
        "rows": rows, "panel_p95_ms": f"{panel_p95 * 1000:.1f}", "panel_ratio": f"{panel_p95 / panel_base:.3f}",
        "ranking_ms": f"{rank_t * 1000:.0f}", "ranking_ratio": f"{rank_t / rank_base:.3f}",
        "dashboard_ms": f"{dash * 1000:.0f}", "dashboard_ratio": f"{dash / dash_base:.3f}",
    }
    if gen:
        summary["generate_appeals_per_s"] = f"{float(gen['appeals_per_s']):.0f}"
        summary["copy_appeals_per_s"] = f"{float(gen.get('copy_appeals_per_s', 0)):.0f}"
    print(" ".join(f"{k}={v}" for k, v in summary.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
