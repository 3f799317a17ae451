"""The layer rule (docs/architecture.md, "Layers"): the import contracts in pyproject.toml are kept.

core imports no app; the pure analysis modules import no Django, not even through another gongzhi
module; nothing outside gongzhi.demo imports the demo package; staff and portal do not import each
other. import-linter reads every import (lazy ones inside functions too) and prints the chain of a
broken contract. Known breaches are its `ignore_imports` entries, each to be removed when fixed.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONTRACTS = [
    "core imports no app (nor anything else of gongzhi)",
    "pure analysis imports no Django (nor any gongzhi module that does)",
    "nothing outside gongzhi.demo imports it",
    "staff and portal do not import each other",
]


def lint_imports() -> subprocess.CompletedProcess:
    """`lint-imports pyproject.toml`, with the interpreter running the tests."""
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code, "--no-cache", "--no-logo", "pyproject.toml"],
                          cwd=REPO, capture_output=True, text=True)


def test_every_layer_contract_is_kept():
    run = lint_imports()
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    kept = [line for line in report.splitlines() if " KEPT" in line]
    for name in CONTRACTS:
        assert any(line.startswith(name) for line in kept), f"{name!r} not checked:\n{report}"
