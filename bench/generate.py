"""Bulk generator speed on PostgreSQL: `gongzhi generate --appeals N` against a plain COPY of N appeal rows.

Creates a scratch database on the server of --host, migrates it, then in the same run times
  * generate: the command as a user runs it (appeals, lead assignments, ~5.7 events per appeal,
    KPI facts, rollups; secondary indexes dropped and rebuilt, VACUUM ANALYZE at the end), and
  * baseline: the generated appeal rows copied out to a file (untimed), then one plain
    `COPY ... FROM STDIN (FORMAT binary)` of that file into a bare table with the appeal columns and
    no index, key or constraint (the fastest PostgreSQL takes these rows on this machine right now).
Ratios: generator appeals/s ÷ plain COPY appeal rows/s, for the load phase (ratio_load: COPY of
all four tables, as the command's appeals_per_s) and end to end (ratio: with index rebuild, rollups
and VACUUM). The machine is shared: run it twice. Last line: key=value summary.

    .venv/bin/python bench/generate.py [--rows 1000000] [--workers 2] [--keep]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COPY_BLOCK = 1 << 20


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="appeals to generate")
    ap.add_argument("--db", default="gongzhi_bench_generate", help="scratch database (dropped and recreated)")
    ap.add_argument("--host", default="postgresql://postgres@127.0.0.1:5432")
    ap.add_argument("--workers", type=int, default=2, help="writer connections of the generator")
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = ap.parse_args(argv)
    if args.rows < 1000:
        print("bench/generate.py: --rows must be at least 1000", file=sys.stderr)
        return 2
    import psycopg

    with psycopg.connect(f"{args.host}/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
        c.execute(f'CREATE DATABASE "{args.db}"')
    url = f"{args.host}/{args.db}"
    env = {**os.environ, "GONGZHI_DATABASE_URL": url}
    py = sys.executable
    try:
        subprocess.run([py, "-m", "gongzhi", "migrate", "-v0"], check=True, env=env, cwd=REPO)
        t = time.perf_counter()
        out = subprocess.run([py, "-m", "gongzhi", "generate", "--appeals", str(args.rows), "--workers",
                              str(args.workers)], check=True, env=env, cwd=REPO, capture_output=True,
                             text=True).stdout.strip().splitlines()
        wall = time.perf_counter() - t
        gen = dict(kv.split("=", 1) for kv in out[-1].split())
        print(out[-2] if len(out) > 1 else out[-1], flush=True)
        print(f"generate: {args.rows} appeals in {wall:.1f}s wall (process start to exit); load "
              f"{float(gen['load_seconds']):.1f}s, index rebuild {float(gen['index_seconds']):.1f}s, rollups "
              f"{float(gen['rollup_seconds']):.1f}s, VACUUM {float(gen['vacuum_seconds']):.1f}s; main thread "
              f"generate {float(gen['generate']):.1f}s + encode {float(gen['encode']):.1f}s, writers busy "
              f"{float(gen.get('copy', 0)):.1f}s each", flush=True)

        with psycopg.connect(url, autocommit=True) as c, tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "appeals.copy"
            cols = ", ".join(r[0] for r in c.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = 'appeals_appeal'::regclass AND attnum > 0 "
                "AND NOT attisdropped ORDER BY attnum"))
            copy_out = f"COPY appeals_appeal ({cols}) TO STDOUT (FORMAT binary)"
            with open(path, "wb") as f, c.cursor().copy(copy_out) as cp:
                for block in cp:
                    f.write(block)
            c.execute("DROP TABLE IF EXISTS bench_plain_appeal")
            c.execute("CREATE TABLE bench_plain_appeal AS SELECT * FROM appeals_appeal WITH NO DATA")
            c.execute("SET synchronous_commit = off")
            t = time.perf_counter()
            copy_in = f"COPY bench_plain_appeal ({cols}) FROM STDIN (FORMAT binary)"
            with open(path, "rb") as f, c.cursor().copy(copy_in) as cp:
                while block := f.read(COPY_BLOCK):
                    cp.write(block)
            plain = time.perf_counter() - t
            size = path.stat().st_size
            c.execute("DROP TABLE bench_plain_appeal")
    finally:
        if not args.keep:
            with psycopg.connect(f"{args.host}/postgres", autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    plain_rate = args.rows / plain
    load_rate, total_rate = float(gen["appeals_per_s"]), float(gen["total_appeals_per_s"])
    print(f"baseline: plain binary COPY of the {args.rows} appeal rows ({size / 1e6:.0f} MB) into a bare table: "
          f"{plain:.1f}s, {plain_rate:.0f} rows/s", flush=True)
    print(f"generator {total_rate:.0f} appeals/s end to end ({load_rate:.0f}/s load phase), "
          f"{float(gen['total_events_per_s']):.0f} events/s end to end; ratio to plain COPY "
          f"{total_rate / plain_rate:.3f} (load phase {load_rate / plain_rate:.3f})", flush=True)
    summary = {
        "rows": args.rows, "events": gen["events"], "appeals_per_s": f"{total_rate:.0f}",
        "load_appeals_per_s": f"{load_rate:.0f}", "events_per_s": f"{float(gen['total_events_per_s']):.0f}",
        "load_events_per_s": f"{float(gen['events_per_s']):.0f}", "plain_copy_rows_per_s": f"{plain_rate:.0f}",
        "ratio": f"{total_rate / plain_rate:.3f}", "ratio_load": f"{load_rate / plain_rate:.3f}",
        "load_s": f"{float(gen['load_seconds']):.1f}", "index_s": f"{float(gen['index_seconds']):.1f}",
        "rollup_s": f"{float(gen['rollup_seconds']):.1f}", "vacuum_s": f"{float(gen['vacuum_seconds']):.1f}",
        "load_avg": f"{os.getloadavg()[0]:.1f}",
    }
    print(" ".join(f"{k}={v}" for k, v in summary.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
