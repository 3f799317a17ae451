"""No phone or ID number reaches the server log, not even inside a traceback.

The checks run in a fresh Python process configured exactly as `gongzhi serve` and `gongzhi worker`
are (django.setup() with settings.LOGGING, output on stderr), because pytest puts its own capture
handlers on the loggers. Every logger the platform writes through is exercised: a request that fails
(django.request), the development server (django.server), waitress, the task worker (django_tasks,
django_tasks_db, gongzhi.worker) and an app module.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gongzhi.core import pii

REPO = Path(__file__).resolve().parents[2]
PHONE, ID_NUMBER = "13812345678", "110101199003074512"
TITLE = f"PIILOG {PHONE} {ID_NUMBER} \x01"

SCRIPT = textwrap.dedent(r'''
    import json, logging, os, sys, types
    import django
    django.setup()
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import path

    TITLE = os.environ["PIILOG_TITLE"]
    PHONE, ID_NUMBER = os.environ["PIILOG_PHONE"], os.environ["PIILOG_ID"]

    def failing_export(request):
        appeal = {"title": TITLE, "content": "第一行\n" + ID_NUMBER + "\n" + PHONE}
        raise ValueError(f"{TITLE} cannot be used in worksheets; row {appeal!r}")

    urls = types.ModuleType("piilog_urls")
    urls.urlpatterns = [path("export/", failing_export)]

    # The task worker (gongzhi worker runs db_worker) sets its loggers up as it starts.
    from django_tasks_db.management.commands.db_worker import Command as DbWorker
    DbWorker().configure_logging(verbosity=1)

    # Which handlers carry the scrubbing filter, on every logger that exists now.
    loggers = [logging.getLogger()] + [l for l in logging.Logger.manager.loggerDict.values()
                                       if isinstance(l, logging.Logger)]
    unfiltered = sorted({f"{l.name}: {type(h).__name__}" for l in loggers for h in l.handlers
                         if not any(type(f).__name__ == "ScrubPersonalDataFilter" for f in h.filters)})

    with override_settings(ROOT_URLCONF=urls, DEBUG=os.environ.get("GONGZHI_DEBUG") == "1"):
        status = Client(raise_request_exception=False).get("/export/").status_code

    def fail():
        raise RuntimeError(f"task failed for {TITLE!r} ({PHONE})")

    for name in ("waitress", "django_tasks", "django_tasks_db", "gongzhi.worker", "gongzhi.appeals.services"):
        try:
            fail()
        except RuntimeError:
            logging.getLogger(name).exception("while handling %s", TITLE, stack_info=True)
    logging.getLogger("django.server").warning('"GET /track/?phone=%s HTTP/1.1" %s %s', PHONE, "404", "10")
    logging.getLogger("gongzhi.appeals.services").error("id %s", ID_NUMBER, stack_info=True)
    logging.getLogger("gongzhi.appeals.services").error("malformed %s %s", PHONE)
    sys.stdout.write("\nRESULT " + json.dumps({"status": status, "unfiltered": unfiltered}) + "\n")
''')


def run_configured(**env_overrides) -> tuple[dict, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gongzhi.settings", "PIILOG_TITLE": TITLE,
           "PIILOG_PHONE": PHONE, "PIILOG_ID": ID_NUMBER, "GONGZHI_LOG_LEVEL": "INFO", **env_overrides}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert "RESULT " in done.stdout, done.stderr
    result = json.loads(done.stdout.rsplit("RESULT ", 1)[1])
    return result, done.stdout + done.stderr


@pytest.mark.parametrize("debug", ["1", "0"], ids=["development", "production-like"])
def test_the_server_log_never_shows_a_phone_or_id_number_even_in_a_traceback(debug, tmp_path):
    result, output = run_configured(GONGZHI_DEBUG=debug, GONGZHI_DATA_DIR=str(tmp_path))
    assert result["status"] == 500
    assert PHONE not in output and ID_NUMBER not in output, output
    # The log still says what went wrong and where: the traceback is there, scrubbed.
    assert "Internal Server Error: /export/" in output
    assert output.count("Traceback (most recent call last)") >= 6
    assert "ValueError: PIILOG [电话] [身份证号]" in output
    assert "RuntimeError: task failed for 'PIILOG [电话] [身份证号]" in output
    assert "Stack (most recent call last)" in output
    assert "malformed %s %s ('[电话]',)" in output  # a malformed call still logs what it was given, scrubbed


def test_every_configured_log_handler_carries_the_scrubbing_filter(tmp_path):
    result, _ = run_configured(GONGZHI_DEBUG="1", GONGZHI_DATA_DIR=str(tmp_path))
    assert result["unfiltered"] == []


def test_the_filter_scrubs_traceback_stack_and_arguments_of_a_record():
    import logging

    try:
        raise KeyError(f"no row for {PHONE}")
    except KeyError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "lookup %s failed", (ID_NUMBER,),
                                   sys.exc_info(), sinfo=f"Stack:\n  title='a\\n{ID_NUMBER}'")
    assert pii.ScrubPersonalDataFilter().filter(record) is True
    line = logging.Formatter().format(record)
    assert PHONE not in line and ID_NUMBER not in line
    assert "lookup [身份证号] failed" in line and "KeyError: 'no row for [电话]'" in line
    assert "title='a\\n[身份证号]'" in line
