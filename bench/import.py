"""Bulk import speed on PostgreSQL: `gongzhi import appeals` against a plain COPY of the same rows.

Generates N work orders as a CSV export (3% dirty: bad dates, placeholder coordinates, missing close
dates), creates a scratch database on the server of GONGZHI_DATABASE_URL (default: the local
server), migrates it, then in the same run times
  * baseline: one plain `COPY ... FROM STDIN (FORMAT csv)` of the file into an unindexed table typed
    like the data (the fastest PostgreSQL can take these rows), and
  * import: importing.import_file with a user mapping (parse, validate, report, match categories and
    departments, COPY into the indexed appeal, event and assignment tables, batch commits), and
  * for reference, a COPY of the finished appeal and event rows into index-identical tables (the
    floor any loader pays for this schema's ~25 indexes; ratio_vs_indexed_copy).
Last line: key=value summary; ratio = import rows/s ÷ plain COPY rows/s.

    python bench/import.py [--rows 1000000] [--keep]
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

COLUMNS = ["ticket", "opened", "closed", "state", "type", "subtype", "agency", "subject", "body", "address", "lat", "lon"]
TYPES = {f"类别{i:02d}": [f"子类{i:02d}-{j}" for j in range(4)] for i in range(12)}
AGENCIES = [f"部门{i:02d}" for i in range(20)]
STREETS = ["人民路", "解放路", "中山路", "建设路", "和平街", "新华街", "滨江路", "文化路"]

MAPPING = {
    "source_system": "bench",
    "id": "ticket",
    "created": "opened",
    "closed": "closed",
    "status": "state",
    "timezone": "Asia/Shanghai",
    "title": "subject",
    "content": "body",
    "category": ["type", "subtype"],
    "department": "agency",
    "address": "address",
    "lat": "lat",
    "lon": "lon",
}


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    start = 1_546_300_800  # 2019-01-01
    span = 5 * 365 * 86400
    types = list(TYPES)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for i in range(rows):
            opened = start + rnd.randrange(span)
            t = time.gmtime(opened)
            opened_s = time.strftime("%Y-%m-%d %H:%M:%S", t)
            state = "closed" if rnd.random() < 0.9 else "open"
            closed_s = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(opened + rnd.randrange(3600, 30 * 86400))) \
                if state == "closed" else ""
            lat, lon = f"{30 + rnd.random():.6f}", f"{120 + rnd.random():.6f}"
            dirt = rnd.random()
            if dirt < 0.01:
                opened_s = "00/00/0000"          # bad date: the row is skipped and reported
            elif dirt < 0.02:
                lat, lon = "0", "0"              # placeholder coordinates: kept without them, reported
            elif dirt < 0.03 and state == "closed":
                closed_s = ""                    # closed without a close date: reported
            kind = rnd.choice(types)
            street = rnd.choice(STREETS)
            out.writerow([f"B{i:08d}", opened_s, closed_s, state, kind, rnd.choice(TYPES[kind]), rnd.choice(AGENCIES),
                          f"{street}{rnd.randrange(1, 300)}号{kind}问题", f"{street}附近{kind}问题反映，请尽快处理。编号{i}",
                          f"{street}{rnd.randrange(1, 300)}号", lat, lon])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and the generated export")
    parser.add_argument("--mode", choices=["initial", "batched"], default="initial",
                        help="initial: `--initial-load` (one transaction, indexes and foreign keys rebuilt at the "
                             "end: a new installation's history); batched: the default resumable batches")
    args = parser.parse_args()

    import psycopg

    base_url = os.environ.get("GONGZHI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base_url.startswith("postgres"):
        print("bench/import.py needs PostgreSQL: set GONGZHI_DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    root, _, own = base_url.rpartition("/")
    # Named after the configured database, so parallel runs by different people never collide.
    scratch = f"{own if own and own != 'postgres' else 'gongzhi'}_bench_import_{os.getpid()}"
    admin_url = f"{root}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    os.environ["GONGZHI_DATABASE_URL"] = f"{root}/{scratch}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    try:
        return run(args, scratch)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')


def run(args, scratch: str) -> int:
    import django

    django.setup()
    work = Path(tempfile.mkdtemp(prefix="gz-bench-import-"))
    try:
        return measure(args, work)
    finally:
        if not args.keep:  # the generated export is ~220 MB per million rows
            shutil.rmtree(work, ignore_errors=True)


def measure(args, work: Path) -> int:
    from django.core.management import call_command

    from gongzhi.appeals import importing
    from gongzhi.appeals.models import Appeal, AppealEvent

    source = work / "export.csv"
    t0 = time.perf_counter()
    generate(source, args.rows)
    print(f"generated {args.rows} rows ({source.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    call_command("migrate", verbosity=0)
    source.read_bytes()  # both contenders read a warm file

    copied, copy_before = plain_copy(source)
    print(f"plain COPY: {copied} rows in {copy_before:.2f} s", file=sys.stderr)

    started = time.perf_counter()
    result = importing.import_file(source, dict(MAPPING), report_path=work / "report.csv",
                                   initial_load=args.mode == "initial")
    import_seconds = time.perf_counter() - started
    stored, events = Appeal.objects.count(), AppealEvent.objects.count()
    print(result.summary(), file=sys.stderr)
    floor_seconds = indexed_copy_floor(work)
    # The machine is shared: the baseline runs before and after the import and the faster run counts
    # (a stricter ratio than either alone).
    _, copy_after = plain_copy(source)
    print(f"plain COPY again: {copy_after:.2f} s", file=sys.stderr)
    copy_seconds = min(copy_before, copy_after)
    copy_rate = copied / copy_seconds
    import_rate = result.rows / import_seconds
    print(f"mode={args.mode} rows={result.rows} imported={result.imported} stored={stored} events={events} "
          f"reported={result.errors + result.warnings} "
          f"import_seconds={import_seconds:.2f} import_rows_per_s={import_rate:.0f} "
          f"copy_seconds={copy_seconds:.2f} copy_rows_per_s={copy_rate:.0f} "
          f"indexed_copy_seconds={floor_seconds:.2f} ratio_vs_indexed_copy={floor_seconds / import_seconds:.2f} "
          f"ratio={import_rate / copy_rate:.2f}")
    return 0


def plain_copy(source: Path) -> tuple[int, float]:
    """One plain `COPY ... FROM STDIN (FORMAT csv)` of the file into a bare table: (rows, seconds)."""
    from django.db import connection

    with connection.cursor() as cursor:
        # Dates stay text here: the dirty ones would abort a typed COPY (which is the point of importing).
        cursor.execute("CREATE TABLE bench_plain (ticket text, opened text, closed text, state text, "
                       "type text, subtype text, agency text, subject text, body text, address text, "
                       "lat double precision, lon double precision)")
        started = time.perf_counter()
        with cursor.cursor.copy("COPY bench_plain FROM STDIN (FORMAT csv, HEADER true)") as copy, \
                open(source, "rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_plain")
        copied = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_plain")
    return copied, seconds


def indexed_copy_floor(work: Path) -> float:
    """A second, informative baseline: COPY of the finished rows into copies of the appeal and event
    tables with the same indexes (no foreign keys): what any loader pays for this schema."""
    from django.db import connection

    from gongzhi.appeals.models import Appeal, AppealEvent

    total = 0.0
    with connection.cursor() as cursor:
        for model in (Appeal, AppealEvent):
            table = model._meta.db_table
            dump = work / f"{table}.copy"
            with open(dump, "wb") as f, cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
                for chunk in copy:
                    f.write(chunk)
            cursor.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING DEFAULTS INCLUDING INDEXES)")
            started = time.perf_counter()
            with connection.cursor() as c2, c2.cursor.copy(f"COPY floor_{table} FROM STDIN") as copy, \
                    open(dump, "rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            total += time.perf_counter() - started
            cursor.execute(f"DROP TABLE floor_{table}")
            dump.unlink()
    return total


if __name__ == "__main__":
    raise SystemExit(main())
