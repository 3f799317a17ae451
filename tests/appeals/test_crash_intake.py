"""The short form of bench/crash_intake.py: appeals keep arriving through the cluster (nginx, two app
processes under supervisord) while one app process is killed with SIGKILL and then PostgreSQL (a
throw-away cluster the script starts itself, fsync on) is stopped without a checkpoint and started
again; clients retry with their Idempotency-Key. Every acknowledged appeal is then present exactly
once, none is half-written, and each appeal's events agree with its status."""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

# The test starts a PostgreSQL cluster of its own whatever the suite's database, so it proves the same
# thing in either of scripts/test.sh's two runs: it runs once, in the PostgreSQL one.
ON_POSTGRESQL = os.environ.get("GONGZHI_DATABASE_URL", "").startswith("postgres")


@pytest.mark.skipif(not ON_POSTGRESQL, reason="runs in the suite's PostgreSQL run (GONGZHI_DATABASE_URL=postgres://…)")
@pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/initdb"), reason="needs Debian's postgresql binaries")
@pytest.mark.skipif(not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")) or not shutil.which("supervisord"),
                    reason="needs nginx and supervisord (scripts/test.sh installs them)")
def test_nothing_acknowledged_is_lost_or_doubled_through_a_kill_and_a_database_crash(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    done = subprocess.run([sys.executable, str(REPO / "bench" / "crash_intake.py"), "--clients", "6",
                           "--appeals", "100", "--kill-after", "25", "--restart-after", "55", "--give-up", "90"],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    figures = dict(re.findall(r"(\w+)=(\d+)", last))
    assert figures, done.stderr[-3000:]
    assert figures["killed"] == "1" and figures["restarted"] == "1", done.stderr[-3000:]
    assert figures["app_restarted"] == "1", done.stderr[-3000:]  # the supervisor brought the killed app process back
    assert int(figures["acknowledged"]) >= 95, done.stderr[-3000:]  # the clients got through both crashes
    assert figures["present_once"] == figures["acknowledged"]
    assert (figures["missing"], figures["doubled"], figures["wrong_row"]) == ("0", "0", "0")
    assert (figures["half_written"], figures["inconsistent"]) == ("0", "0")
    assert int(figures["retries"]) > 0  # the crashes were felt
    assert done.returncode == 0, done.stderr[-3000:]
