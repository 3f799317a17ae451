"""Intake through a crash: nothing acknowledged is lost, nothing is written twice or by halves.

Starts a throw-away PostgreSQL cluster of its own (initdb and pg_ctl from Debian's postgresql
binaries), starts `scripts/cluster.sh` on it (which migrates it; nginx, app processes under
supervisord, Redis cache), turns fsync and synchronous commits on as in production (they are off
while the schema is made) with a checkpoint, and lets `--clients` threads submit `--appeals` appeals
over the JSON API. Each client retries a request that got no answer, a 5xx or a 409 (still being
processed) with the same Idempotency-Key until it is acknowledged (201) or `--give-up` seconds pass.
While they run, it kills one app process with SIGKILL (gunicorn's master and its worker at once;
the supervisor restarts it) once `--kill-after` appeals are acknowledged, and restarts PostgreSQL
with an immediate shutdown (no checkpoint: crash recovery at start) once `--restart-after` are.

Afterwards it checks, and prints the counts:
- every acknowledged appeal is present exactly once (its id, its tracking number, and no second
  appeal carries its key), and no appeal exists twice for one key;
- no appeal is half-written: each has exactly one `received` event, a complete idempotency record
  (status and response stored), and no idempotency record is left without its appeal's response;
- the events agree with each appeal's status (the last status-changing event ends in it).

Last line: acknowledged=… present_once=… missing=… doubled=… half_written=… inconsistent=… retries=…

    python bench/crash_intake.py [--clients 8] [--appeals 600] [--processes 2] [--kill-after 150] [--restart-after 350]
"""
from __future__ import annotations

import argparse
import base64
import glob
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
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TITLES = ["路灯不亮", "小区垃圾清运不及时", "道路积水", "噪音扰民", "楼道堆放杂物", "公交站牌损坏"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A throw-away PostgreSQL cluster in a temporary folder (run as the postgres user when root)."""

    def __init__(self):
        bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
        if not bindirs:
            raise SystemExit("bench/crash_intake.py needs Debian's postgresql binaries (apt-get install postgresql)")
        self.bin = Path(bindirs[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="gz-crash-pg-"))
        self.dir.chmod(0o755)
        self.port = free_port()
        self.as_pg: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            self.as_pg = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/gongzhi_crash"

    def _ctl(self, *args) -> None:
        subprocess.run([*self.as_pg, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), *args],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        if not (self.dir / "data").exists():
            subprocess.run([*self.as_pg, str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
                            "-A", "trust"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._ctl("-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200",
                  "-l", str(self.dir / "log"), "-w", "start")

    @staticmethod
    def set_durable(conn, durable: bool) -> None:
        """fsync and synchronous commits on (production) or off (setting up the schema); on again
        ends with a CHECKPOINT, so everything written before is on disk and the crash's recovery
        replays only what the load wrote."""
        if durable:
            conn.execute("ALTER SYSTEM RESET fsync")
            conn.execute("ALTER SYSTEM RESET synchronous_commit")
        else:
            conn.execute("ALTER SYSTEM SET fsync = off")
            conn.execute("ALTER SYSTEM SET synchronous_commit = off")
        conn.execute("SELECT pg_reload_conf()")
        if durable:
            for _ in range(50):  # the reload reaches the server's processes asynchronously
                if conn.execute("SHOW fsync").fetchone()[0] == "on":
                    break
                time.sleep(0.1)
            else:
                raise SystemExit("PostgreSQL did not turn fsync back on")
            conn.execute("CHECKPOINT")

    def restart_immediately(self) -> float:
        """Stop without a checkpoint (what a crash leaves: the WAL replays at start), start again."""
        started = time.perf_counter()
        self._ctl("-m", "immediate", "stop")
        self.start()
        return time.perf_counter() - started

    def stop(self) -> None:
        try:
            self._ctl("-m", "fast", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--appeals", type=int, default=600)
    parser.add_argument("--processes", type=int, default=2, help="app processes (default 2)")
    parser.add_argument("--kill-after", type=int, default=None, help="acknowledged appeals before the kill (default 1/4)")
    parser.add_argument("--restart-after", type=int, default=None,
                        help="acknowledged appeals before PostgreSQL restarts (default 1/2)")
    parser.add_argument("--give-up", type=float, default=120.0, help="seconds a client retries one appeal (default 120)")
    args = parser.parse_args()
    if args.clients < 1 or args.appeals < 4 or args.processes < 1:
        print("bench/crash_intake.py: --clients and --processes must be positive, --appeals at least 4", file=sys.stderr)
        return 2
    kill_after = args.kill_after if args.kill_after is not None else args.appeals // 4
    restart_after = args.restart_after if args.restart_after is not None else args.appeals // 2

    pg = Postgres()
    data_dir = Path(tempfile.mkdtemp(prefix="gz-crash-data-"))
    cluster_dir = data_dir / "cluster"
    port = free_port()
    env = {"GONGZHI_DATABASE_URL": pg.url, "GONGZHI_DATA_DIR": str(data_dir / "data"),
           "GONGZHI_PRODUCTION": "1", "GONGZHI_SECRET_KEY": secrets.token_urlsafe(48),
           "GONGZHI_DATA_KEYS": base64.b64encode(secrets.token_bytes(64)).decode(),
           "GONGZHI_ALLOWED_HOSTS": "127.0.0.1,localhost",
           "GONGZHI_API_RATE_PER_TOKEN": "100000000", "GONGZHI_API_RATE_PER_IP": "100000000",
           "GONGZHI_CLUSTER_REDIS_DB": "6"}
    script = ["bash", str(REPO / "scripts" / "cluster.sh"), "--dir", str(cluster_dir), "--port", str(port)]
    began = time.perf_counter()

    def phase(what: str) -> None:
        print(f"{time.perf_counter() - began:6.1f} s  {what}", file=sys.stderr)

    try:
        pg.start()
        import psycopg

        admin = pg.url.rpartition("/")[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE gongzhi_crash")
            pg.set_durable(conn, False)  # the schema's hundreds of DDL commits need no flush each
        phase("PostgreSQL started")
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
        # scripts/cluster.sh migrates the empty database, as it does on every start.
        up = subprocess.run([*script, "--app-processes", str(args.processes), "--task-workers", "0"],
                            env={**os.environ, **env}, cwd=REPO, capture_output=True, text=True)
        if up.returncode:
            raise SystemExit(f"scripts/cluster.sh failed: {(up.stderr or up.stdout).strip()[-1500:]}\n"
                             f"{log_tails(cluster_dir)}")
        phase("cluster up (migrated)")
        import django

        django.setup()
        from django.db import connections

        token = setup()
        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            pg.set_durable(conn, True)  # from here on every commit is flushed, as in production
        phase("fsync on, checkpoint done")
        try:
            outcome = load(args, port, token, cluster_dir, pg, kill_after, restart_after)
            phase("load done")
            outcome["restarted_app"] = restarted_app(cluster_dir, outcome["events"]["killed"])
            phase("restart checked")
        finally:
            subprocess.run([*script, "--stop"], cwd=REPO, capture_output=True, text=True)
            phase("cluster stopped")
        connections.close_all()
        result = check(outcome)
        phase("checked")
        return result
    finally:
        from django.db import connections

        connections.close_all()
        pg.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def setup() -> str:
    from gongzhi.api.models import ApiToken
    from gongzhi.core.models import Region, Role, RoleAssignment, User

    district = Region.objects.create(name="A2区", code="A2", level=Region.Level.DISTRICT)
    operator = User.objects.create_user(username="crash-operator", password=secrets.token_urlsafe(16))
    RoleAssignment.objects.create(user=operator, role=Role.OPERATOR, region=district)
    return ApiToken.issue(operator, "crash")[1]


def log_tails(cluster_dir: Path, lines: int = 15) -> str:
    """The end of every log of the cluster, for a failure's message (the folder is removed after)."""
    out = []
    for path in sorted((cluster_dir / "log").glob("*.log")):
        tail = path.read_text(errors="replace").splitlines()[-lines:]
        out.append(f"--- {path.name}\n" + "\n".join(tail))
    return "\n".join(out)


def _app_pids(cluster_dir: Path, name: str = "app:") -> tuple[str, list[int]]:
    """The supervisor's name of the first running app process (or of `name`), its gunicorn master
    and the master's worker."""
    conf = cluster_dir / "supervisord.conf"
    status = subprocess.run(["supervisorctl", "-c", str(conf), "status"], capture_output=True, text=True).stdout
    line = next(line for line in status.splitlines() if line.startswith(name) and "RUNNING" in line)
    master = int(line.split("pid", 1)[1].split(",")[0])
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return line.split()[0], [master, *map(int, children)]


def restarted_app(cluster_dir: Path, killed, wait: float = 120.0) -> bool:
    """The supervisor started the killed app process again: it runs with a new pid and answers."""
    if killed is None:
        return False
    _done, name, pids = killed
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            master = _app_pids(cluster_dir, name)[1][0]
        except (StopIteration, ValueError, IndexError):
            master = None
        if master is not None and master not in pids:
            try:
                with socket.create_connection(("127.0.0.1", int(name.rsplit("-", 1)[1])), timeout=2):
                    print(f"app process restarted by the supervisor: pid {master}", file=sys.stderr)
                    return True
            except OSError:
                pass
        time.sleep(0.5)
    status = subprocess.run(["supervisorctl", "-c", str(cluster_dir / "supervisord.conf"), "status"],
                            capture_output=True, text=True).stdout
    print(f"the killed app process {name} did not answer again within {wait:.0f} s:\n{status}{log_tails(cluster_dir)}",
          file=sys.stderr)
    return False


def load(args, port, token, cluster_dir, pg, kill_after, restart_after) -> dict:
    rnd = random.Random(7)
    todo = []
    for i in range(args.appeals):
        key = str(uuid.uuid4())
        todo.append((key, {"title": rnd.choice(TITLES), "content": f"第{i}件：{rnd.choice(TITLES)}，请尽快处理。（{key}）",
                           "appellant_name": "张三", "appellant_phone": f"1{rnd.choice('3589')}{rnd.randrange(10**9):09d}",
                           "location_text": ""}))
    lock = threading.Lock()
    it = iter(todo)
    acked: dict[str, dict] = {}
    gave_up: list[str] = []
    counts = {"retries": 0, "answers": {}}
    events = {"killed": None, "restarted": None}

    def client():
        conn = None
        while True:
            with lock:
                item = next(it, None)
            if item is None:
                return
            key, payload = item
            body = json.dumps(payload, ensure_ascii=False).encode()
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key}
            deadline = time.monotonic() + args.give_up
            attempt = 0
            while True:
                status = 0
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    conn.request("POST", "/api/v1/appeals", body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    if conn is not None:
                        conn.close()
                    conn = None
                with lock:
                    counts["answers"][status] = counts["answers"].get(status, 0) + 1
                if status == 201:
                    with lock:
                        acked[key] = json.loads(data)
                    break
                if status not in (0, 409) and status < 500:
                    raise SystemExit(f"appeal refused with {status}: {data[:300]!r}")
                if time.monotonic() > deadline:
                    with lock:
                        gave_up.append(key)
                    break
                attempt += 1
                with lock:
                    counts["retries"] += 1
                time.sleep(min(2.0, 0.05 * 2 ** min(attempt, 6)))

    def chaos():
        while events["restarted"] is None:
            with lock:
                done = len(acked)
            if events["killed"] is None and done >= kill_after:
                name, pids = _app_pids(cluster_dir)
                for pid in pids:
                    os.kill(pid, signal.SIGKILL)
                events["killed"] = (done, name, pids)
                print(f"killed app process {name} {pids} (SIGKILL) after {done} acknowledged appeals", file=sys.stderr)
            if events["killed"] is not None and done >= restart_after:
                seconds = pg.restart_immediately()
                events["restarted"] = done
                print(f"restarted PostgreSQL (immediate shutdown, crash recovery) after {done} acknowledged "
                      f"appeals, down {seconds:.1f} s", file=sys.stderr)
            if all(not t.is_alive() for t in threads):
                return
            time.sleep(0.02)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    monitor = threading.Thread(target=chaos)
    monitor.start()
    for t in threads:
        t.join()
    monitor.join()
    seconds = time.perf_counter() - started
    print(f"{len(acked)} of {len(todo)} appeals acknowledged in {seconds:.1f} s, {len(gave_up)} given up, "
          f"{counts['retries']} retries; answers {dict(sorted(counts['answers'].items()))}", file=sys.stderr)
    return {"todo": todo, "acked": acked, "gave_up": gave_up, "retries": counts["retries"], "events": events}


def check(outcome: dict) -> int:
    from django.db.models import Count

    from gongzhi.api.models import IdempotencyRecord
    from gongzhi.appeals.models import Appeal

    keys = [key for key, _ in outcome["todo"]]
    by_key: dict[str, list[tuple[int, str]]] = {key: [] for key in keys}
    for pk, tracking, content in Appeal.objects.filter(channel="api").values_list("pk", "tracking_number", "content"):
        key = content.rsplit("（", 1)[-1].rstrip("）")
        by_key.setdefault(key, []).append((pk, tracking))
    acked = outcome["acked"]
    present_once = sum(1 for key, body in acked.items()
                       if by_key.get(key) == [(body["id"], body["tracking_number"])])
    missing = sum(1 for key in acked if not by_key.get(key))
    doubled = sum(1 for found in by_key.values() if len(found) > 1)
    wrong_row = len(acked) - present_once - missing - sum(1 for key in acked if len(by_key.get(key, [])) > 1)

    appeals = Appeal.objects.filter(channel="api")
    received = dict(appeals.filter(events__kind="received").annotate(n=Count("events")).values_list("pk", "n"))
    not_one_received = sum(1 for pk in appeals.values_list("pk", flat=True) if received.get(pk) != 1)
    records = IdempotencyRecord.objects.all()
    incomplete_records = records.filter(status_code=0).count()  # a key taken, its answer never stored
    recorded_ids = {r.response.get("id") for r in records.exclude(response=None) if isinstance(r.response, dict)}
    without_record = sum(1 for pk in appeals.values_list("pk", flat=True) if pk not in recorded_ids)
    half_written = not_one_received + incomplete_records + without_record

    inconsistent = 0
    for appeal in appeals.prefetch_related("events"):
        moves = [e for e in sorted(appeal.events.all(), key=lambda e: (e.created_at, e.pk)) if e.to_status]
        if not moves or moves[-1].to_status != appeal.status:
            inconsistent += 1
    killed, restarted = outcome["events"]["killed"], outcome["events"]["restarted"]
    print(f"appeals sent {len(keys)}, acknowledged {len(acked)}, given up {len(outcome['gave_up'])}; in the database "
          f"{appeals.count()}; app process killed after {killed[0] if killed else '-'}, PostgreSQL restarted after "
          f"{restarted if restarted is not None else '-'} acknowledged", file=sys.stderr)
    print(f"acknowledged={len(acked)} present_once={present_once} missing={missing} doubled={doubled} "
          f"wrong_row={wrong_row} half_written={half_written} inconsistent={inconsistent} retries={outcome['retries']} "
          f"killed={int(killed is not None)} app_restarted={int(outcome['restarted_app'])} "
          f"restarted={int(restarted is not None)}")
    bad = (missing or doubled or wrong_row or half_written or inconsistent or killed is None or restarted is None
           or not outcome["restarted_app"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
