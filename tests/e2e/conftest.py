"""Real-browser tests: Debian's Chromium driven by Playwright against Django's live server.

Screenshots land in test-artifacts/screenshots/ (GONGZHI_TEST_ARTIFACTS overrides) so a person can
look at what each step showed.
"""
from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import ARTIFACTS

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("GONGZHI_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    from django.db import connections
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}: the test command installs Debian's chromium"
    # Inside Playwright's event loop Django sees a new context and opens new connections; the ones
    # opened before (and those opened inside, at the end) are closed here, or the test database
    # could not be dropped at the end of the run ("being accessed by other users").
    connections.close_all()
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"],
        )
        yield b
        b.close()
        connections.close_all()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def shot():
    """shot(page, "name") saves a full-page screenshot and returns its path."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(pg, name: str):
        path = folder / f"{name}.png"
        pg.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(page):
    def do(username: str, password: str = "Passw0rd!x"):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        second_factor(page, username)
        return page

    return do


def second_factor(page, username: str) -> None:
    """Past the two-factor page, when the account needs it: the code its authenticator shows now
    (the test's stand-in for the user's phone is a device made for them here)."""
    if "/accounts/two-factor/" not in page.url:
        return
    from gongzhi.core import twofactor
    from gongzhi.core.models import User

    device = twofactor.seed_device(User.objects.get(username=username))
    type(device).objects.filter(pk=device.pk).update(last_t=-1)  # a second sign-in in the same 30 s
    page.fill("input[name=token]", twofactor.current_code(device))
    page.click("[data-testid=two-factor] form button[type=submit] >> nth=0")
    page.wait_for_load_state("networkidle")
