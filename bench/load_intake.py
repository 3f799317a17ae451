"""Intake under load: concurrent clients submit appeals to a real `gongzhi serve` over the JSON API.

Creates a scratch PostgreSQL database on the server of GONGZHI_DATABASE_URL (default: the local
server on 127.0.0.1:5432), migrates it and fills it with a small organisation (the seven
first-level categories of the real data, each with a department), an operator's API token, a
classifier trained on labeled_messages.csv and a few thousand prior appeals of the last year taken
from messages_with_support.csv (real texts). Part of the prior appeals and `--hot-fraction` of the
submitted ones are near-identical reports of one problem at one place (a garbage station that
stinks), so one hot issue grows by hundreds of members while the load runs.

Then it starts `gongzhi serve` as a subprocess (one process, triage inline in the request), waits
until it accepts connections, times the first appeal (cold_first_ms: the first request after a
restart), and lets `--clients` threads, each on its own keep-alive connection (http.client), submit
`--appeals` appeals from messages_with_replies.csv and the rest of messages_with_support.csv.
Afterwards it checks that every appeal was triaged and that no hot issue exists twice, and, for the
ceiling, inserts the same appeal rows again with plain psycopg INSERTs (one transaction per appeal,
as many connections as clients): db_limit_per_s. ratio = appeals_per_s / db_limit_per_s.

Last line: appeals_per_s=… p50_ms=… p99_ms=… cold_first_ms=… db_limit_per_s=… ratio=… server_cpu=…
client_cpu=… machine_busy=… server_cpu_ms_per_appeal=… postgres_cpu_ms_per_appeal=… (CPU during the
load: the server process and this one, the clients, in cores; the machine's share busy, whoever else
runs on it; the server's CPU time per appeal, which bounds one process's rate at 1000 / it per core
while the interpreter lock is what limits it; the CPU time of this machine's PostgreSQL processes
per appeal, which bounds what any number of app processes can do on the same cores)

    python bench/load_intake.py [--clients 8] [--appeals 2000] [--hot-fraction 0.3] [--prior 3000]

`--deployment cluster` sends the same load through nginx to `scripts/cluster.sh` (gunicorn app
processes, Redis cache) instead of one `gongzhi serve`: first with one app process, then with
`--processes N` (default 2), half of `--appeals` each; the figures are the N-process run's, and the
last line adds appeals_per_s_1=… (one process) and scale_1_to_n=… (N processes over one), and
the CPU time per appeal of the deployment's app processes (app_cpu_ms_per_appeal_1=…, …_n=…) and of
all it started (nginx, the workers, the subscriber: deployment_cpu_ms_per_appeal_n=…), read from
/proc for the cluster's supervisor and its descendants, and the machine's share busy
(machine_busy_1=…, machine_busy_n=…, PostgreSQL and the clients included), and PostgreSQL's own CPU
time per appeal (postgres_cpu_ms_per_appeal_n=…). Where the rate grows less
than the processes, these say whether each appeal cost more (indexes kept per process, contention)
or the cores ran out.
"""
from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("GONGZHI_SHARED_DIR", REPO.parent / "shared")) / "data" / "appeals-zh"

# One problem at one place, reported again and again in slightly different words (a hot issue).
HOT_TITLES = ["阳光花园小区垃圾站臭气熏天", "阳光花园小区垃圾站气味难闻", "阳光花园垃圾站臭味影响居民休息",
              "阳光花园小区门口垃圾站太臭了", "再次反映阳光花园小区垃圾站臭味问题"]
HOT_BODIES = ["阳光花园小区{b}栋旁边的垃圾站离住宅楼太近，{w}臭味很大，{x}，希望尽快搬迁垃圾站。",
              "A市A2区阳光花园小区垃圾站{w}散发恶臭，{x}，住在{b}栋的居民窗户都不敢开，请求处理。",
              "阳光花园小区垃圾站长期不清洗，{w}臭气熏天，{x}，{b}栋业主多次向物业反映无果。"]
HOT_WHEN = ["每天", "夏天", "一到晚上", "早晚", "雨后"]
HOT_EXTRA = ["苍蝇蚊子很多", "老人小孩经常咳嗽", "垃圾满了也没人清运", "污水流到路上", "已经持续三个月"]


def hot_text(rnd: random.Random) -> tuple[str, str]:
    body = rnd.choice(HOT_BODIES).format(b=rnd.randrange(1, 30), w=rnd.choice(HOT_WHEN), x=rnd.choice(HOT_EXTRA))
    return rnd.choice(HOT_TITLES), body


def read_messages(name: str) -> list[tuple[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        rows = [(r["留言主题"].strip(), r["留言详情"].strip()) for r in csv.DictReader(f)]
    return [(t[:200], c[:10000]) for t, c in rows if t and c]


def phone(rnd: random.Random) -> str:
    return f"1{rnd.choice('3456789')}{rnd.randrange(10**9):09d}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--appeals", type=int, default=2000, help="appeals submitted under load (default 2000)")
    parser.add_argument("--hot-fraction", type=float, default=0.3,
                        help="share of the submitted appeals that report the one hot issue (default 0.3)")
    parser.add_argument("--prior", type=int, default=3000, help="prior appeals of the last year (default 3000)")
    parser.add_argument("--threads", type=int, default=None, help="waitress threads (default: serve's own)")
    parser.add_argument("--worker", action="store_true", help="let serve start its task worker too")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and data folder")
    parser.add_argument("--deployment", choices=("serve", "cluster"), default="serve",
                        help="one `gongzhi serve` (default) or scripts/cluster.sh with 1, then --processes app processes")
    parser.add_argument("--processes", type=int, default=2, help="app processes of the cluster's second run (default 2)")
    parser.add_argument("--py-spy", metavar="FILE", default=None,
                        help="sample the server's GIL holder with py-spy during the load (collapsed stacks "
                             "to FILE; py-spy installed apart, for profiling only)")
    args = parser.parse_args()
    if args.clients < 1 or args.appeals < 1 or not 0 <= args.hot_fraction <= 1 or args.prior < 0:
        print("bench/load_intake.py: --clients and --appeals must be positive, --hot-fraction in 0..1",
              file=sys.stderr)
        return 2

    import psycopg

    base_url = os.environ.get("GONGZHI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base_url.startswith("postgres"):
        print("bench/load_intake.py needs PostgreSQL: set GONGZHI_DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    root, _, own = base_url.rpartition("/")
    scratch = f"{own if own and own != 'postgres' else 'gongzhi'}_bench_intake_{os.getpid()}"
    admin_url = f"{root}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    data_dir = Path(tempfile.mkdtemp(prefix="gz-bench-intake-"))
    env = {"GONGZHI_DATABASE_URL": f"{root}/{scratch}", "GONGZHI_DATA_DIR": str(data_dir),
           "GONGZHI_PRODUCTION": "1", "GONGZHI_SECRET_KEY": secrets.token_urlsafe(48),
           "GONGZHI_DATA_KEYS": base64.b64encode(secrets.token_bytes(64)).decode(),
           "GONGZHI_ALLOWED_HOSTS": "127.0.0.1,localhost",
           # one client token sends thousands of requests a minute here: the limits are not under test
           "GONGZHI_API_RATE_PER_TOKEN": "100000000", "GONGZHI_API_RATE_PER_IP": "100000000"}
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    try:
        return run(args, env, f"{root}/{scratch}")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            shutil.rmtree(data_dir, ignore_errors=True)


def run(args, env: dict, db_url: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    rnd = random.Random(12345)
    support = read_messages("messages_with_support.csv")
    rnd.shuffle(support)
    prior_texts, rest = support[: args.prior], support[args.prior:]
    token = setup(args, rnd, prior_texts)
    print(f"set up: {args.prior} prior appeals, classifier trained, in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)

    fresh = read_messages("messages_with_replies.csv") + rest + read_messages("labeled_messages.csv")
    rnd.shuffle(fresh)
    payloads = []
    for i in range(args.appeals + 1):
        title, content = hot_text(rnd) if rnd.random() < args.hot_fraction else fresh[i % len(fresh)]
        payloads.append({"title": title, "content": content, "appellant_name": "张三",
                         "appellant_phone": phone(rnd), "location_text": ""})

    if args.deployment == "cluster":
        return run_cluster(args, env, db_url, token, payloads)
    port = free_port()
    command = [sys.executable, "-m", "gongzhi", "serve", "--port", str(port), "--no-migrate"]
    if args.threads:
        command += ["--threads", str(args.threads)]
    if not args.worker:
        command.append("--no-worker")
    server_log = open(Path(env["GONGZHI_DATA_DIR"]) / "serve.log", "w")
    started = time.perf_counter()
    server = subprocess.Popen(command, env={**os.environ, **env}, stdout=server_log, stderr=subprocess.STDOUT,
                              cwd=REPO)
    try:
        wait_until_accepting(port, server)
        print(f"server accepts connections {time.perf_counter() - started:.1f} s after start", file=sys.stderr)
        client = Client(port, token)
        status, cold_first = client.post(payloads[0])
        assert status == 201, f"first request answered {status}: {client.last_body[:300]!r}"
        print(f"first request after the restart: {cold_first * 1000:.0f} ms", file=sys.stderr)
        spy = None
        if args.py_spy:
            spy = subprocess.Popen(["py-spy", "record", "--pid", str(server.pid), "--format", "raw", "--rate", "200",
                                    "--output", args.py_spy, "--nonblocking", "--gil"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        before = cpu_now(server.pid)
        results = load(port, token, payloads[1:], args.clients)
        cpu = cpu_share(before, cpu_now(server.pid))
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()

    ok = [r for r in results if r[1] == 201]
    failed = len(results) - len(ok)
    if failed:
        codes = sorted({r[1] for r in results if r[1] != 201})
        print(f"{failed} requests failed (status {codes})", file=sys.stderr)
    span = max(r[0] + r[2] for r in results) - min(r[0] for r in results)
    latencies = sorted(r[2] for r in ok)
    rate = len(ok) / span
    quarter = max(1, len(results) // 4)
    by_start = sorted(results)
    for name, part in (("first quarter", by_start[:quarter]), ("last quarter", by_start[-quarter:])):
        part_span = max(r[0] + r[2] for r in part) - min(r[0] for r in part)
        part_lat = sorted(r[2] for r in part)
        print(f"{name}: {len(part) / part_span:.1f} appeals/s, p50 {pct(part_lat, 50) * 1000:.0f} ms, "
              f"p99 {pct(part_lat, 99) * 1000:.0f} ms", file=sys.stderr)
    print(f"CPU during the load ({cpu['cores']} cores, {cpu['wall']:.1f} s): server process {cpu['server']:.0%} of one "
          f"core, client (this process, {args.clients} threads) {cpu['client']:.0%} of one core, the machine "
          f"{cpu['machine']:.0%} busy (others' processes, PostgreSQL included)", file=sys.stderr)
    report_triage()
    db_rate = db_limit(db_url, args.clients)
    print(f"appeals_per_s={rate:.1f} p50_ms={pct(latencies, 50) * 1000:.0f} p99_ms={pct(latencies, 99) * 1000:.0f} "
          f"cold_first_ms={cold_first * 1000:.0f} db_limit_per_s={db_rate:.0f} ratio={rate / db_rate:.3f} "
          f"server_cpu={cpu['server']:.2f} client_cpu={cpu['client']:.2f} machine_busy={cpu['machine']:.2f} "
          f"server_cpu_ms_per_appeal={cpu['server'] * cpu['wall'] / len(results) * 1000:.1f} "
          f"postgres_cpu_ms_per_appeal={cpu['postgres'] * cpu['wall'] / len(results) * 1000:.1f}")
    return 0 if not failed else 1


def run_cluster(args, env: dict, db_url: str, token: str, payloads: list[dict]) -> int:
    """The load through scripts/cluster.sh: one app process, then args.processes."""
    half = len(payloads) // 2
    runs = {}
    for processes, part in ((1, payloads[:half]), (args.processes, payloads[half:])):
        port = free_port()
        folder = Path(env["GONGZHI_DATA_DIR"]) / f"cluster-{processes}"
        script = ["bash", str(REPO / "scripts" / "cluster.sh"), "--dir", str(folder), "--port", str(port)]
        started = time.perf_counter()
        up = subprocess.run([*script, "--app-processes", str(processes), "--task-workers", "1" if args.worker else "0",
                             *(["--threads", str(args.threads)] if args.threads else [])],
                            env={**os.environ, **env}, cwd=REPO, capture_output=True, text=True)
        try:
            if up.returncode:
                raise SystemExit(f"scripts/cluster.sh failed: {up.stderr.strip()[-1000:]}")
            print(f"cluster of {processes} app processes up in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            client = Client(port, token)
            status, cold_first = client.post(part[0])
            assert status == 201, f"first request answered {status}: {client.last_body[:300]!r}"
            before, machine_before = cluster_cpu(folder), cpu_now(os.getpid())
            results = load(port, token, part[1:], args.clients)
            after, machine_after = cluster_cpu(folder), cpu_now(os.getpid())
            cpu_ms = {kind: (after.get(kind, 0.0) - before.get(kind, 0.0)) / max(len(results), 1) * 1000
                      for kind in ("app", "all")}
            share = cpu_share(machine_before, machine_after)
            cpu_ms["machine_busy"] = share["machine"]
            cpu_ms["postgres"] = share["postgres"] * share["wall"] / max(len(results), 1) * 1000
        finally:
            subprocess.run([*script, "--stop"], cwd=REPO, capture_output=True, text=True)
        ok = [r for r in results if r[1] == 201]
        span = max(r[0] + r[2] for r in results) - min(r[0] for r in results)
        latencies = sorted(r[2] for r in ok)
        runs[processes] = (len(ok) / span, latencies, cold_first, len(results) - len(ok), cpu_ms)
        print(f"{processes} app process(es): {len(ok) / span:.1f} appeals/s, p50 {pct(latencies, 50) * 1000:.0f} ms, "
              f"p99 {pct(latencies, 99) * 1000:.0f} ms, {len(results) - len(ok)} failed; CPU per appeal: app "
              f"processes {cpu_ms['app']:.1f} ms, everything the cluster started {cpu_ms['all']:.1f} ms; the machine "
              f"{cpu_ms['machine_busy']:.0%} busy", file=sys.stderr)
    report_triage()
    db_rate = db_limit(db_url, args.clients)
    one, many = runs[1], runs[args.processes]
    rate, latencies, cold_first, failed, cpu_ms = many
    print(f"appeals_per_s={rate:.1f} p50_ms={pct(latencies, 50) * 1000:.0f} p99_ms={pct(latencies, 99) * 1000:.0f} "
          f"cold_first_ms={cold_first * 1000:.0f} db_limit_per_s={db_rate:.0f} ratio={rate / db_rate:.3f} "
          f"processes={args.processes} appeals_per_s_1={one[0]:.1f} scale_1_to_n={rate / one[0]:.2f} "
          f"app_cpu_ms_per_appeal_1={one[4]['app']:.1f} app_cpu_ms_per_appeal_n={cpu_ms['app']:.1f} "
          f"deployment_cpu_ms_per_appeal_n={cpu_ms['all']:.1f} machine_busy_1={one[4]['machine_busy']:.2f} "
          f"machine_busy_n={cpu_ms['machine_busy']:.2f} postgres_cpu_ms_per_appeal_n={cpu_ms['postgres']:.1f}")
    return 0 if not (failed or one[3]) else 1


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def setup(args, rnd: random.Random, prior_texts: list[tuple[str, str]]) -> str:
    """The organisation, the operator's token, an active classifier and the prior appeals."""
    from django.utils import timezone

    from gongzhi.api.models import ApiToken
    from gongzhi.appeals.models import Appeal, AppealEvent, Category
    from gongzhi.appeals.services import hash_access_code
    from gongzhi.core.models import Department, Region, Role, RoleAssignment, User
    from gongzhi.triage import services as triage
    from gongzhi.triage.classifier import TextClassifier

    with open(DATA / "labeled_messages.csv", encoding="utf-8", newline="") as f:
        labeled = [(f"{r['留言主题']}\n{r['留言详情']}", r["一级标签"].strip()) for r in csv.DictReader(f)]
    district = Region.objects.create(name="A2区", code="A2", level=Region.Level.DISTRICT)
    for i, label in enumerate(sorted({label for _, label in labeled})):
        dept = Department.objects.create(name=f"{label}主管部门", code=f"D{i}", region=district)
        Category.objects.create(name=label, code=f"C{i}", default_department=dept)
    operator = User.objects.create_user(username="bench-operator", password=secrets.token_urlsafe(16))
    RoleAssignment.objects.create(user=operator, role=Role.OPERATOR, region=district)
    raw = ApiToken.issue(operator, "bench")[1]
    model = TextClassifier().fit([t for t, _ in labeled], [label for _, label in labeled])
    triage.register_model(model, "csv", len(labeled))

    now = timezone.now()
    hot_prior = args.prior // 10
    texts = prior_texts + [hot_text(rnd) for _ in range(hot_prior)]
    rows = []
    for i, (title, content) in enumerate(texts):
        # spread over the last year; the hot issue's earlier reports over the last fortnight
        age = dt.timedelta(days=rnd.uniform(1, 330)) if i < len(prior_texts) else dt.timedelta(days=rnd.uniform(0.1, 14))
        rows.append(Appeal(tracking_number=f"GZP{i:09d}", access_code_hash=hash_access_code("000000"),
                           channel="phone", title=title, content=content, appellant_name="李四",
                           appellant_phone=phone(rnd), region=district, received_at=now - age))
    Appeal.objects.bulk_create(rows, batch_size=1000)
    AppealEvent.objects.bulk_create([AppealEvent(appeal=a, kind="received", to_status="received", public=True,
                                                 created_at=a.received_at, actor_label="系统") for a in rows],
                                    batch_size=1000)
    return raw


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_accepting(port: int, server: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gongzhi serve exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("gongzhi serve did not accept connections in time")


class Client:
    """One keep-alive connection to the server, as an integrating system would hold it."""

    def __init__(self, port: int, token: str):
        self.port, self.conn, self.last_body = port, None, b""
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, payload: dict) -> tuple[int, float]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            started = time.perf_counter()
            try:
                self.conn.request("POST", "/api/v1/appeals", body=body, headers=self.headers)
                response = self.conn.getresponse()
                self.last_body = response.read()
                return response.status, time.perf_counter() - started
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def load(port: int, token: str, payloads: list[dict], clients: int) -> list[tuple[float, int, float]]:
    """(start, status, seconds) of every request; each client takes the next payload until none is left."""
    results: list[tuple[float, int, float]] = []
    lock = threading.Lock()
    todo = iter(payloads)

    def client_loop():
        client = Client(port, token)
        while True:
            with lock:
                payload = next(todo, None)
            if payload is None:
                return
            started = time.perf_counter()
            try:
                status, seconds = client.post(payload)
            except OSError:
                status, seconds = 0, time.perf_counter() - started
            with lock:
                results.append((started, status, seconds))

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def processes() -> dict[int, tuple[int, float, bytes]]:
    """Every process on this machine: {pid: (parent pid, CPU seconds so far, its command line)}."""
    tick, found = os.sysconf("SC_CLK_TCK"), {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read()
        except OSError:  # gone meanwhile
            continue
        found[int(pid)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, command)
    return found


def cluster_cpu(folder: Path) -> dict:
    """CPU seconds so far of the processes scripts/cluster.sh started in `folder` (its supervisor's
    descendants): the app processes (gunicorn) and all of them."""
    procs = processes()
    try:
        ours = {int((folder / "supervisord.pid").read_text().strip())}
    except (OSError, ValueError):
        return {"app": 0.0, "all": 0.0}
    while more := {pid for pid, (parent, _, _) in procs.items() if parent in ours} - ours:
        ours |= more
    found = [procs[pid] for pid in ours if pid in procs]
    return {"app": sum(cpu for _, cpu, command in found if b"gunicorn" in command),
            "all": sum(cpu for _, cpu, _ in found)}


def postgres_cpu() -> float:
    """CPU seconds so far of this machine's PostgreSQL processes (the server, its backends and
    background writers): what the database costs, when the database server is on this machine."""
    seconds = 0.0
    for _, cpu, command in processes().values():
        program = command.split(b"\0", 1)[0]
        if program.startswith(b"postgres") or program.endswith(b"/postgres"):
            seconds += cpu
    return seconds


def cpu_now(server_pid: int) -> dict:
    """CPU seconds so far of the server process, of this one (the clients) and of the whole machine."""
    tick = os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{server_pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    with open("/proc/stat") as f:
        total = [int(v) for v in f.readline().split()[1:]]
    own = os.times()
    return {"wall": time.monotonic(), "server": (int(fields[11]) + int(fields[12])) / tick,
            "client": own.user + own.system, "busy": (sum(total) - total[3] - total[4]) / tick,
            "postgres": postgres_cpu()}


def cpu_share(before: dict, after: dict) -> dict:
    wall, cores = after["wall"] - before["wall"], os.cpu_count() or 1
    return {"wall": wall, "cores": cores, "server": (after["server"] - before["server"]) / wall,
            "client": (after["client"] - before["client"]) / wall,
            "postgres": (after["postgres"] - before["postgres"]) / wall,
            "machine": (after["busy"] - before["busy"]) / wall / cores}


def report_triage() -> None:
    """Every appeal of the run triaged, the hot issue's size, and no hot issue held twice."""
    from django.db.models import Count

    from gongzhi.appeals.models import Appeal
    from gongzhi.triage.models import HotIssue

    api = Appeal.objects.filter(channel="api")
    untriaged = sum(1 for t in api.values_list("triage", flat=True) if not (t or {}).get("risk"))
    dispatched = api.exclude(status="received").count()
    biggest = HotIssue.objects.filter(state="active").order_by("-size").first()
    twice = (HotIssue.objects.filter(state="active").values("key").annotate(n=Count("id")).filter(n__gt=1).count())
    print(f"api appeals: {api.count()}, untriaged {untriaged}, auto-dispatched {dispatched}; biggest hot issue "
          f"{biggest.size if biggest else 0} appeals ({biggest.title if biggest else '-'}); "
          f"active hot issues held twice: {twice}", file=sys.stderr)


def db_limit(db_url: str, clients: int) -> float:
    """The same appeal rows inserted again with plain psycopg, one transaction per appeal, `clients`
    connections at once: what the database alone takes (appeals/s)."""
    import psycopg
    from psycopg.types.json import Jsonb

    with psycopg.connect(db_url) as conn:
        cols = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'appeals_appeal' "
            "AND column_name <> 'id' ORDER BY ordinal_position")]
        rows = conn.execute(f"SELECT {', '.join(cols)} FROM appeals_appeal WHERE channel = 'api' ORDER BY id").fetchall()
    tracking = cols.index("tracking_number")
    jsonish = [i for i, c in enumerate(cols) if c in ("triage",)]
    prepared = []
    for n, row in enumerate(rows):
        row = list(row)
        row[tracking] = f"DB{n:010d}"
        for i in jsonish:
            row[i] = Jsonb(row[i])
        prepared.append(row)
    sql = f"INSERT INTO appeals_appeal ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
    todo = iter(prepared)
    lock = threading.Lock()

    def inserter():
        with psycopg.connect(db_url, autocommit=True) as conn:
            while True:
                with lock:
                    row = next(todo, None)
                if row is None:
                    return
                with conn.transaction():
                    conn.execute(sql, row)

    started = time.perf_counter()
    threads = [threading.Thread(target=inserter) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    print(f"plain INSERTs: {len(prepared)} appeal rows in {seconds:.2f} s", file=sys.stderr)
    return len(prepared) / seconds


if __name__ == "__main__":
    sys.exit(main())
