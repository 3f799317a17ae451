"""`gongzhi serve`, the command the README's first line ends in."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path):
    env = dict(os.environ, GONGZHI_DATA_DIR=str(tmp_path))
    env.pop("GONGZHI_DATABASE_URL", None)  # its own SQLite file, migrated by the command
    env.pop("GONGZHI_DEBUG", None)  # as the README's demo runs
    return env


def test_serve_migrates_and_answers_http(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gongzhi", "serve", "--port", str(port), "--no-worker"],
                            env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    assert response.status == 200
                    page = response.read().decode()
                    assert "我要反映" in page
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "the server did not answer in time"
                time.sleep(0.5)
        # Without GONGZHI_DEBUG (as the README's demo runs) the static files are still served ...
        stylesheet = re.search(r'href="(/static/css/gongzhi[^"]*\.css)"', page).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{stylesheet}", timeout=5) as response:
            assert response.status == 200 and b".topbar" in response.read()
        # ... and a wrong address gets the product's own page, not Django's list of every URL pattern.
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/", timeout=5)
        body = missing.value.read().decode()
        assert missing.value.code == 404
        assert "页面不存在" in body and "URLconf" not in body and "staff/" not in body
    finally:
        proc.terminate()
        proc.wait(20)


def test_serve_on_a_busy_port_says_so_in_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "gongzhi", "serve", "--port", str(port), "--no-worker"],
                                env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "cannot serve on 127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has finished
    except OSError:
        return False


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_serve_takes_its_task_worker_with_it(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gongzhi", "serve", "--port", str(port)],
                            env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _answers(port) or proc.poll() is not None, 120, "the server did not answer in time")
        assert proc.poll() is None
        _wait_for(lambda: _children(proc.pid), 30, "serve started no worker")
        started = _children(proc.pid)  # the task worker and every registered process (the sensor subscriber)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        _wait_for(lambda: not any(_alive(pid) for pid in started), 15, "a process of serve outlived it")
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)


PARENT = """
import subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-m", "gongzhi", "worker", "--parent-pid", str(__import__("os").getpid())])
print(worker.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_worker_whose_parent_died_without_telling_it_stops_by_itself(tmp_path):
    """The fallback when no parent-death signal was set (another launcher, another kernel)."""
    subprocess.run([sys.executable, "-m", "gongzhi", "migrate", "--verbosity", "0"], env=_env(tmp_path), check=True,
                   timeout=180)
    parent = subprocess.Popen([sys.executable, "-c", PARENT], env=_env(tmp_path), stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    try:
        time.sleep(1)
        assert _alive(worker)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        _wait_for(lambda: not _alive(worker), 20, "the orphaned worker kept running")
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)
