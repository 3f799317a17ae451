"""Fixtures for the triage analysis tests: where the real data is, and running `gongzhi triage` in-process."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def appeals_dir(shared_data: Path) -> Path:
    return shared_data / "appeals-zh"


@pytest.fixture(scope="session")
def reviews_dir(shared_data: Path) -> Path:
    return shared_data / "sentiment-zh"


@pytest.fixture
def triage_cli(capsys):
    """Run `gongzhi triage ARGS...`; returns (exit status, stdout, stderr)."""
    from gongzhi.triage.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run
