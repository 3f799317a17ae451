"""Intake's CPU per appeal, in one process: what a change costs or saves, even on a busy machine.

bench/load_intake.py measures the rate of a real `gongzhi serve`; on a machine other work shares,
its wall-clock figures move with the neighbours. This one measures what one appeal costs the
interpreter, which is what bounds one process's rate (its CPU time, time.process_time, and the
statements it sends): it calls the WSGI application directly with POST /api/v1/appeals (the whole
request stack: middleware, django-ninja, intake, triage inline with its hooks, the answer), on a
scratch PostgreSQL database set up as bench/load_intake.py does (the organisation, a trained
classifier, `--prior` appeals of the last year, a hot issue growing among the submitted texts).

Compare two commits by running it in each one's work tree (`git worktree add /tmp/old <commit>`),
several times, alternating: CPU time moves with the machine's load too, far less than wall time.

    python bench/intake_cpu.py [--appeals 400] [--prior 3000] [--warm 30] [--profile FILE]

Last line: cpu_ms_per_appeal=… wall_ms_per_appeal=… statements_per_appeal=… (statements as Django
sends them, BEGIN and COMMIT not included). `--profile FILE` writes cProfile statistics (CPU time)
of the measured requests.
"""
from __future__ import annotations

import argparse
import base64
import io
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=400, help="appeals measured (default 400)")
    parser.add_argument("--prior", type=int, default=3000, help="prior appeals of the last year (default 3000)")
    parser.add_argument("--warm", type=int, default=30, help="appeals sent first, not measured (default 30)")
    parser.add_argument("--hot-fraction", type=float, default=0.3, help="share reporting the hot issue (default 0.3)")
    parser.add_argument("--profile", metavar="FILE", default=None, help="cProfile statistics of the measured requests")
    args = parser.parse_args()
    if args.appeals < 1 or args.prior < 0 or args.warm < 1 or not 0 <= args.hot_fraction <= 1:
        print("bench/intake_cpu.py: --appeals and --warm must be positive, --hot-fraction in 0..1", file=sys.stderr)
        return 2

    import psycopg

    base_url = os.environ.get("GONGZHI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base_url.startswith("postgres"):
        print("bench/intake_cpu.py needs PostgreSQL: set GONGZHI_DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    root, _, own = base_url.rpartition("/")
    scratch = f"{own if own and own != 'postgres' else 'gongzhi'}_bench_cpu_{os.getpid()}"
    admin_url = f"{root}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    data_dir = Path(tempfile.mkdtemp(prefix="gz-bench-cpu-"))
    os.environ.update({
        "GONGZHI_DATABASE_URL": f"{root}/{scratch}", "GONGZHI_DATA_DIR": str(data_dir),
        "GONGZHI_PRODUCTION": "1", "GONGZHI_SECRET_KEY": secrets.token_urlsafe(48),
        "GONGZHI_DATA_KEYS": base64.b64encode(secrets.token_bytes(64)).decode(),
        "GONGZHI_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "GONGZHI_API_RATE_PER_TOKEN": "100000000", "GONGZHI_API_RATE_PER_IP": "100000000",
    })
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    try:
        return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)


def run(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    import load_intake as bench  # the same organisation, texts and hot issue as the load bench

    call_command("migrate", verbosity=0)
    rnd = random.Random(12345)
    support = bench.read_messages("messages_with_support.csv")
    rnd.shuffle(support)
    token = bench.setup(args, rnd, support[: args.prior])
    fresh = bench.read_messages("messages_with_replies.csv") + support[args.prior:]
    rnd.shuffle(fresh)
    bodies = []
    for i in range(args.warm + args.appeals):
        title, content = bench.hot_text(rnd) if rnd.random() < args.hot_fraction else fresh[i % len(fresh)]
        bodies.append(json.dumps({"title": title, "content": content, "appellant_name": "张三",
                                  "appellant_phone": bench.phone(rnd), "location_text": ""},
                                 ensure_ascii=False).encode())

    from gongzhi.core import warmup

    warmup.run()  # as `gongzhi serve` does before it listens
    from gongzhi.wsgi import application

    def post(body: bytes) -> None:
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/appeals", "SCRIPT_NAME": "", "QUERY_STRING": "",
                   "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                   "wsgi.input": io.BytesIO(body), "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
                   "HTTP_HOST": "127.0.0.1:8000", "REMOTE_ADDR": "127.0.0.1",
                   "HTTP_AUTHORIZATION": f"Bearer {token}", "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
                   "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.version": (1, 0), "wsgi.multithread": True,
                   "wsgi.multiprocess": False, "wsgi.run_once": False}
        status = []
        result = application(environ, lambda s, headers, exc_info=None: status.append(s))
        answer = b"".join(result)
        getattr(result, "close", lambda: None)()
        if not status[0].startswith("201"):
            raise SystemExit(f"POST /api/v1/appeals answered {status[0]}: {answer[:300]!r}")

    for body in bodies[: args.warm]:
        post(body)
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
    with connection.execute_wrapper(count):  # the requests run in this thread, on this connection
        if profiler:
            profiler.enable()
        cpu, wall = time.process_time(), time.perf_counter()
        for body in bodies[args.warm:]:
            post(body)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
    n = args.appeals
    print(f"cpu_ms_per_appeal={cpu / n * 1000:.2f} wall_ms_per_appeal={wall / n * 1000:.2f} "
          f"statements_per_appeal={statements[0] / n:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
