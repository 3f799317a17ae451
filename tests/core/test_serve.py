"""`gongzhi serve`, the command the README's first line ends in."""
import os
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path):
    env = dict(os.environ, GONGZHI_DATA_DIR=str(tmp_path))
    env.pop("GONGZHI_DATABASE_URL", None)  # its own SQLite file, migrated by the command
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
                    assert "我要反映" in response.read().decode()
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "the server did not answer in time"
                time.sleep(0.5)
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
