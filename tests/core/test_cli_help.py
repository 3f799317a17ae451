"""`gongzhi --help` lists the platform's commands, one line each, not Django's internals, and
`gongzhi triage --help` lists every triage sub-command, the file-based and the database ones."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.core.management import get_commands, load_command_class

from gongzhi.__main__ import PURE_GROUPS

REPO = Path(__file__).resolve().parents[2]


def gongzhi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gongzhi", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ))


def listed(output: str) -> dict[str, str]:
    return dict(re.findall(r"^  (\S+) +(\S.*)$", output, re.M))


def test_gongzhi_help_lists_the_platforms_commands_one_line_each():
    for args in ((), ("--help",), ("help",), ("-h",)):
        result = gongzhi(*args)
        assert result.returncode == 0, result.stderr
        commands = listed(result.stdout)
        ours = {name for name, app in get_commands().items() if app.startswith("gongzhi")}
        assert ours <= set(commands), f"missing from {args}: {ours - set(commands)}"
        assert {"serve", "demo", "worker", "import", "export", "opendata", "triage", "safety", "migrate"} <= set(commands)
        assert not {"dumpdata", "squashmigrations", "sendtestemail", "db_worker"} & set(commands)
        assert "[auth]" not in result.stdout and "[django]" not in result.stdout
        assert all(len(line) <= 120 for line in result.stdout.splitlines())
    assert "dumpdata" in gongzhi("help", "--django").stdout  # Django's own list is still one command away


def test_gongzhi_triage_help_lists_all_its_subcommands():
    result = gongzhi("triage", "--help")
    assert result.returncode == 0, result.stderr
    shown = set(re.findall(r"^    (\S+)", result.stdout, re.M))
    django_side = load_command_class("gongzhi.triage", "triage").create_parser("gongzhi", "triage")
    database = next(a for a in django_side._actions if a.dest == "action").choices
    assert set(database) | PURE_GROUPS["triage"][1] <= shown, shown
    assert gongzhi("triage").stdout == result.stdout
    safety = gongzhi("safety", "--help")
    assert safety.returncode == 0 and "hotspots" in safety.stdout
