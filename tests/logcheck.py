"""No personal data in the logs of a test run: every run of the suite greps its own log.

Everything the platform's configured log handlers (settings.LOGGING: the console and the
development server's) write during the run, in every test process, is copied to a file, exactly as
written: after the handlers' filters (the personal-data scrubber) and formatters. When the run ends
the first process greps all of them for mobile numbers (also written with spaces, dots or dashes,
or +86 in front) and ID numbers, and fails the run naming each line that holds one. So the check
covers every scenario the run went through (the whole suite in CI), and a log call that slips past
the scrubber, or a handler configured without it, fails the suite.

The files are kept in $GONGZHI_TEST_ARTIFACTS/logs when that is set (scripts/test.sh sets it).
tests/conftest.py wires the hooks; tests/core/test_log_leak_check.py tests the check itself.
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path

ENV = "GONGZHI_TEST_LOG_DIR"
# Boundaries: no letter or digit either side (hashes, tokens and tracking numbers are not phones),
# no decimal point before (a float's fraction is not a phone either).
_B, _A = r"(?<![0-9A-Za-z.])", r"(?![0-9A-Za-z])"
MOBILE = re.compile(rf"{_B}(?:\+?86[ -]?)?1[3-9]\d(?:[ .-]?\d{{4}}){{2}}{_A}")
ID_NUMBER = re.compile(rf"{_B}\d{{6}}(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{{3}}[\dXx]{_A}")


def leaks(lines) -> list[str]:
    """The lines holding a mobile or an ID number."""
    return [line.rstrip("\n") for line in lines if MOBILE.search(line) or ID_NUMBER.search(line)]


class _Tee:
    """A handler's stream that also writes to the run's log file."""

    def __init__(self, stream, copy):
        self.stream, self.copy = stream, copy

    def write(self, text):
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self):
        self.copy.flush()
        self.stream.flush()

    def __getattr__(self, name):
        return getattr(self.stream, name)


def log_dir() -> Path:
    return Path(os.environ[ENV])


def start(config) -> None:
    """pytest_configure: the first process picks the directory; xdist's workers inherit it."""
    if ENV in os.environ and hasattr(config, "workerinput"):
        return
    base = os.environ.get("GONGZHI_TEST_ARTIFACTS")
    if base:
        path = Path(base) / "logs"
        path.mkdir(parents=True, exist_ok=True)
        for old in path.glob("*.log"):
            old.unlink()
    else:
        path = Path(tempfile.mkdtemp(prefix="gongzhi-test-logs-"))
    os.environ[ENV] = str(path)


_copy = None


def tee_configured_handlers() -> None:
    """Copy what every handler settings.LOGGING configured writes (called before each test, so a
    handler a test configures again, as the task worker does, is copied too)."""
    global _copy
    from django.conf import settings

    if ENV not in os.environ:
        return
    names = set((getattr(settings, "LOGGING", None) or {}).get("handlers", {}))
    if _copy is None:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        _copy = open(log_dir() / f"{worker}.log", "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    loggers = [logging.getLogger()] + [lg for lg in logging.Logger.manager.loggerDict.values()
                                        if isinstance(lg, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            if (handler.get_name() in names and isinstance(handler, logging.StreamHandler)
                    and not isinstance(handler.stream, _Tee)):
                handler.setStream(_Tee(handler.stream, _copy))


def finish(session) -> None:
    """pytest_sessionfinish: in the first process, grep every process's log."""
    if hasattr(session.config, "workerinput") or ENV not in os.environ:
        return
    if _copy is not None:
        _copy.flush()
    found = []
    for path in sorted(log_dir().glob("*.log")):
        with open(path, encoding="utf-8", errors="replace") as lines:
            found += [f"{path.name}: {line}" for line in leaks(lines)]
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = (f"personal data in the log of this run ({len(found)} lines; the logs: {log_dir()}):\n"
                   + "\n".join(found[:20]))
        if reporter is not None:
            reporter.write_sep("=", "personal data in the logs", red=True)
            reporter.write_line(message)
        session.exitstatus = 1
    elif not os.environ.get("GONGZHI_TEST_ARTIFACTS"):
        import shutil

        shutil.rmtree(log_dir(), ignore_errors=True)
