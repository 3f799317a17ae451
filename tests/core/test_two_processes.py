"""No app process keeps state the others need: two real app processes (gunicorn, as scripts/cluster.sh
runs them) on one database and one Redis cache, a client going back and forth between them.

- a session signed in at one process is signed in at the other;
- failed sign-ins at both count against one lock;
- an API token's rate limit counts the requests of both;
- near-identical reports sent to alternate processes make one hot issue holding all of them, and each
  report finds the earlier ones as duplicates, wherever they came in.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/9"  # this test's own database, emptied when it starts
RATE = 12

SETUP = textwrap.dedent("""
    import json, django
    django.setup()
    from gongzhi.api.models import ApiToken
    from gongzhi.core.models import Region, Role, RoleAssignment, User
    district = Region.objects.create(name="A2区", code="A2", level=Region.Level.DISTRICT)
    operator = User.objects.create_user(username="op-two", password="Gongzhi#two-2026")
    RoleAssignment.objects.create(user=operator, role=Role.OPERATOR, region=district)
    staff = User.objects.create_user(username="staff-two", password="Gongzhi#two-2026")
    RoleAssignment.objects.create(user=staff, role=Role.DISPATCHER, region=district)
    print(json.dumps({"intake": ApiToken.issue(operator, "intake")[1], "reads": ApiToken.issue(operator, "reads")[1]}))
""")

REPORT = textwrap.dedent("""
    import json, django
    django.setup()
    from gongzhi.appeals.models import Appeal
    from gongzhi.triage.models import HotIssue
    issues = [{"size": h.size, "members": sorted(h.appeals.values_list("pk", flat=True))}
              for h in HotIssue.objects.filter(state="active")]
    appeals = {a.pk: [d["id"] for d in (a.triage or {}).get("duplicates") or []]
               for a in Appeal.objects.filter(channel="api")}
    print(json.dumps({"issues": issues, "duplicates": appeals}))
""")

HOT = ["阳光花园小区垃圾站臭气熏天，{b}栋旁边的垃圾站离住宅楼太近，每天臭味很大，希望尽快搬迁垃圾站。",
       "阳光花园小区垃圾站气味难闻，{b}栋旁边的垃圾站离住宅楼太近，夏天臭味很大，希望尽快搬迁垃圾站。"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_available() -> bool:
    """Redis answers; its test database is emptied (a fresh database's token ids repeat run to run)."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
        return True
    except Exception:
        return False


@pytest.fixture
def database(tmp_path):
    url = os.environ.get("GONGZHI_DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'two.sqlite3'}"
        return
    import psycopg

    root = url.rpartition("/")[0]
    name = f"gz_two_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{root}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{root}/{name}"
    finally:
        with psycopg.connect(f"{root}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def two_processes(tmp_path, database):
    if not _redis_available():
        pytest.skip("needs Redis on 127.0.0.1:6379 (the shared cache)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env.update({"GONGZHI_DATABASE_URL": database, "GONGZHI_DATA_DIR": str(tmp_path / "data"),
                "GONGZHI_CACHE": REDIS_URL, "GONGZHI_API_RATE_PER_TOKEN": str(RATE),
                "GONGZHI_SECRET_KEY": "two-processes-" + uuid.uuid4().hex * 2, "GONGZHI_APP_THREADS": "4",
                "DJANGO_SETTINGS_MODULE": "gongzhi.settings"})
    run = dict(env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    migrated = subprocess.run([sys.executable, "-m", "gongzhi", "migrate", "--noinput", "-v0"], **run)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    made = subprocess.run([sys.executable, "-c", SETUP], **run)
    assert made.returncode == 0, made.stderr[-2000:]
    tokens = json.loads(made.stdout)
    ports, procs = [_free_port(), _free_port()], []
    gunicorn = Path(sys.executable).with_name("gunicorn")
    try:
        for port in ports:
            procs.append(subprocess.Popen(
                [str(gunicorn), "gongzhi.wsgi:application", "-c", str(REPO / "scripts/cluster/gunicorn.conf.py"),
                 "--bind", f"127.0.0.1:{port}"], env=env, cwd=REPO,
                stdout=subprocess.DEVNULL, stderr=open(tmp_path / f"app-{port}.log", "w")))
        for port, proc in zip(ports, procs):
            _wait(port, proc, tmp_path / f"app-{port}.log")
        yield [f"http://127.0.0.1:{p}" for p in ports], tokens, (lambda: json.loads(
            _ok(subprocess.run([sys.executable, "-c", REPORT], **run))))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _ok(done):
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _wait(port, proc, log, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the app process on {port} did not answer in time")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _browser():
    jar = http.cookiejar.CookieJar()
    return jar, urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())


def _open(opener, url, data=None, headers=None):
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode() if data else None,
                                     headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def _sign_in(opener, base, username, password):
    status, _, page = _open(opener, f"{base}/accounts/login/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return _open(opener, f"{base}/accounts/login/", {"csrfmiddlewaretoken": token, "username": username,
                                                     "password": password}, headers={"Referer": f"{base}/"})


def _api(base, token, method="GET", path="/api/v1/appeals", payload=None):
    body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
    request = urllib.request.Request(f"{base}{path}", data=body, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_sessions_lockouts_rate_limits_and_triage_hold_across_two_processes(two_processes):
    (a, b), tokens, report = two_processes

    # A session signed in at one process is signed in at the other.
    jar, opener = _browser()
    status, headers, _ = _sign_in(opener, a, "staff-two", "Gongzhi#two-2026")
    assert status == 302 and "/accounts/login/" not in headers.get("Location", "")
    # where a signed-in dispatcher starts: the workbench, or first the two-factor step its role needs
    signed_in = ("/staff/", "/accounts/two-factor/")
    status, headers, _ = _open(opener, f"{b}/accounts/welcome/")
    assert status == 302 and headers["Location"].startswith(signed_in), "signed in at A, not at B"
    _, stranger = _browser()
    status, headers, _ = _open(stranger, f"{b}/accounts/welcome/")
    assert status == 302 and not headers["Location"].startswith(signed_in)  # the control: no session

    # Failed sign-ins at both processes count against one lock (5 by default).
    _, guesser = _browser()
    for i in range(5):
        status, _, _ = _sign_in(guesser, (a, b)[i % 2], "staff-two", "wrong-password")
        assert status == 200
    for base in (a, b):  # now locked at both, even with the right password
        status, _, page = _sign_in(guesser, base, "staff-two", "Gongzhi#two-2026")
        assert status == 429 and "登录失败次数过多" in page

    # One token's rate limit counts the requests at both processes.
    answers = [_api((a, b)[i % 2], tokens["reads"])[0] for i in range(RATE + 2)]
    assert answers[:RATE] == [200] * RATE and answers[RATE:] == [429, 429]

    # Near-identical reports at alternate processes: one hot issue, and duplicates found across processes.
    ids = []
    for i in range(6):
        status, body = _api((a, b)[i % 2], tokens["intake"], "POST", payload={
            "title": "阳光花园小区垃圾站臭味", "content": HOT[i % 2].format(b=i + 1), "appellant_name": "张三",
            "appellant_phone": f"1380013{i:04d}", "location_text": "阳光花园小区"})
        assert status == 201, body
        ids.append(body["id"])
    found = report()
    holding = [issue for issue in found["issues"] if set(ids) & set(issue["members"])]
    assert len(holding) == 1, found["issues"]
    assert holding[0]["members"] == sorted(ids) and holding[0]["size"] == len(ids)
    for i, appeal in enumerate(ids[1:], 1):
        # the report just before it came in at the other process, and is found
        assert ids[i - 1] in found["duplicates"][str(appeal)], (i, found["duplicates"])
