"""The product's own error pages (issue 13, defect 9): a wrong address, a refused page and a failure
are told in the platform's look and the reader's language, and Django's debug pages (every URL
pattern, tracebacks) appear only when a developer asks for them with GONGZHI_DEBUG=1."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import include, path

REPO = Path(__file__).resolve().parents[2]


def _boom(request):
    raise RuntimeError("a failure the reader must not see")


urlpatterns = [path("boom/", _boom), path("", include("gongzhi.urls"))]


def _debug_setting(**env) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
             "GONGZHI_DATA_DIR": os.environ.get("GONGZHI_DATA_DIR", str(REPO / "var")), **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_debug_is_off_unless_a_developer_asks_for_it():
    assert _debug_setting() == "False"
    assert _debug_setting(GONGZHI_DEBUG="1") == "True"
    assert _debug_setting(GONGZHI_DEBUG="1", GONGZHI_PRODUCTION="1", GONGZHI_SECRET_KEY="s" * 50,
                          GONGZHI_DATA_KEYS="Gz" * 42 + "GQ==") == "False"


@pytest.mark.django_db
def test_a_wrong_address_gets_the_products_page_in_chinese_and_english(client):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "返回首页" in page and 'class="topbar"' in page
    assert "URLconf" not in page
    client.cookies["django_language"] = "en"
    page = client.get("/no-such-page/").content.decode()
    assert "Page not found" in page and "Back to the home page" in page and "页面不存在" not in page


@pytest.mark.django_db
def test_a_refused_page_says_it_is_refused(client, org):
    client.force_login(org.operator)
    response = client.get("/safety/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权访问" in page and "电话受理" in page  # the operator's own menu stays
    client.cookies["django_language"] = "en"
    assert "Access denied" in client.get("/safety/").content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_failure_shows_the_products_page_without_the_traceback():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "系统出错" in page and "gongzhi.css" in page
    assert "a failure the reader must not see" not in page and "Traceback" not in page
    client.cookies["django_language"] = "en"
    assert "Something went wrong" in client.get("/boom/").content.decode()
