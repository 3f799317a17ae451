"""The check that greps the logs of every test run for personal data (tests/logcheck.py): what it
finds, and that it sees what the platform's handlers write, after their scrubbing."""
from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

from tests import logcheck
from tests.conftest import REPO


def test_it_finds_phones_and_id_numbers_however_written():
    lines = ["appeal from 13812345678 failed", "call 138 1234 5678", "tel +86-138-1234-5678",
             "ID 110101199003074512 refused", "ID 11010119900307451x", "电话：13912345678。"]
    assert logcheck.leaks(lines) == lines


def test_it_leaves_masked_numbers_hashes_and_times_alone():
    lines = ["appeal from 138****5678", "from [电话], ID [身份证号]", "sha256 3a13812345678b9f0c",
             "took 0.13812345678 s", "GZ20261203000123 received", "at 1733212345678 ms",
             "id 110101999903074512 is not a date"]
    assert logcheck.leaks(lines) == []


def test_the_run_keeps_what_the_configured_handlers_write_scrubbed():
    """A warning with a phone and an ID number in it reaches this run's log, as the console handler
    wrote it: the scrubber replaced both."""
    logcheck.tee_configured_handlers()
    logging.getLogger("gongzhi.appeals").warning("delivery to %s for %s failed", "13812345678",
                                                 "110101199003074512")
    text = "".join(path.read_text(encoding="utf-8") for path in logcheck.log_dir().glob("*.log"))
    line = next(line for line in text.splitlines() if line.startswith("delivery to "))
    assert line == "delivery to [电话] for [身份证号] failed"


def test_a_run_whose_log_holds_a_phone_fails(tmp_path):
    """A handler configured without the scrubber: the run's tests pass, the run fails and names the line."""
    (tmp_path / "conftest.py").write_text(textwrap.dedent("""
        from tests.conftest import pytest_configure, pytest_sessionfinish, _logs_kept  # noqa: F401
    """))
    (tmp_path / "test_leaky.py").write_text(textwrap.dedent("""
        import logging

        def test_logs_a_phone(settings):
            handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
            saved = handler.filters[:]
            handler.filters.clear()  # the scrubber taken off the console handler
            try:
                from tests import logcheck
                logcheck.tee_configured_handlers()
                logging.getLogger("gongzhi.x").warning("sms to 13812345678 failed")
            finally:
                handler.filters[:] = saved
    """))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
           "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "--rootdir", str(tmp_path), "-c", "/dev/null", str(tmp_path / "test_leaky.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert "1 passed" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 1, done.stdout
    assert "personal data in the logs" in done.stdout and "sms to 13812345678 failed" in done.stdout
