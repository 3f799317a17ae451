"""Sign-in locks that cannot be dodged by spelling a name differently or waiting for a slot to turn
over, and that a stranger cannot turn against a staff member: the (name, address) pair is locked,
an address failing for many names is stopped, the account alone never is.

Each test runs with both places django-axes can keep its counts: the database (the default with
the per-process memory cache) and the cache (GONGZHI_CACHE=redis://… or db; run this file with
GONGZHI_CACHE=redis://127.0.0.1:6379/<n> to use a real Redis)."""
from __future__ import annotations

import datetime as dt
import time
import types

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core.models import AuditEntry

HERE, ELSEWHERE = "10.0.0.7", "203.0.113.9"
SPELLINGS = ["mediator", "mediator ", " mediator", "mediator\t", "Mediator", "ｍｅｄｉａｔｏｒ", "\u3000mediator"]


@pytest.fixture(params=["axes.handlers.database.AxesDatabaseHandler", "axes.handlers.cache.AxesCacheHandler"],
                ids=["database", "cache"])
def handler(request, settings):
    from axes.handlers.proxy import AxesProxyHandler

    settings.AXES_HANDLER = request.param
    AxesProxyHandler.get_implementation(force=True)
    yield request.param
    AxesProxyHandler.implementation = None  # made again from the restored settings on next use


def sign_in(username, password, ip=HERE, client=None):
    return (client or Client()).post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_every_spelling_of_a_name_counts_against_one_lock(org, handler, settings):
    limit = settings.GONGZHI["LOGIN_FAILURES_BEFORE_LOCK"]
    for name in SPELLINGS[:limit - 1]:
        assert sign_in(name, "wrong-password").status_code == 200
    last = sign_in(SPELLINGS[limit - 1], "wrong-password")
    # the last failure allowed is answered as a failure, and says that the next one is locked
    assert last.status_code == 200 and "登录失败次数过多" in last.content.decode()
    for name in SPELLINGS:  # none of them gets through now, not even with the right password
        locked = sign_in(name, org.password)
        assert locked.status_code == 429, repr(name)
        assert "登录失败次数过多" in locked.content.decode() and int(locked["Retry-After"]) > 0
    assert not AuditEntry.objects.filter(action="login").exists()
    assert AuditEntry.objects.filter(action="login_failed").count() == limit


def test_sixteen_failures_spread_over_four_spellings_lock_the_name(org, handler):
    statuses = [sign_in(name, "wrong-password").status_code
                for _ in range(4) for name in ("mediator", "mediator ", " mediator", "mediator\t")]
    assert 429 in statuses
    assert sign_in("mediator ", org.password).status_code == 429


def test_a_stranger_typing_a_staff_name_does_not_lock_that_person_out(org, handler, settings):
    for _ in range(settings.GONGZHI["LOGIN_FAILURES_BEFORE_LOCK"] + 3):
        sign_in("mediator", "guess", ip=ELSEWHERE)
    assert sign_in("mediator", org.password, ip=ELSEWHERE).status_code == 429  # that pair is locked
    assert sign_in("mediator", org.password, ip=HERE).status_code == 302  # the person is not


def test_an_address_failing_for_many_names_is_stopped(org, handler, settings):
    limit = settings.GONGZHI["LOGIN_FAILURES_BEFORE_LOCK"]
    for i in range(limit * 4):
        assert sign_in(f"someone{i}", "guess").status_code == 200  # each name only once
    refused = sign_in("dispatcher", org.password)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert sign_in("dispatcher", org.password, ip=ELSEWHERE).status_code == 302


def test_a_successful_sign_in_does_not_use_up_the_address_allowance(org, handler, settings):
    limit = settings.GONGZHI["LOGIN_FAILURES_BEFORE_LOCK"]
    for _ in range(limit * 4 + 2):
        assert sign_in("dispatcher", org.password).status_code == 302


def test_the_lockout_page_speaks_english_to_an_english_browser(org, handler, settings):
    for _ in range(settings.GONGZHI["LOGIN_FAILURES_BEFORE_LOCK"]):
        sign_in("mediator", "wrong-password")
    page = Client().post(reverse("login"), {"username": "mediator", "password": org.password},
                         REMOTE_ADDR=HERE, HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert page.status_code == 429
    assert "Too many failed sign-ins" in body and "administrator" in body and "登录" not in body


def test_the_admin_sign_in_is_locked_by_the_same_rule(org, handler, settings):
    from gongzhi.core.models import User

    User.objects.create_superuser("root", password="x-Passw0rd!")
    for _ in range(settings.GONGZHI["LOGIN_FAILURES_BEFORE_LOCK"]):
        Client().post("/admin/login/", {"username": "root ", "password": "nope"}, REMOTE_ADDR=HERE)
    page = Client().post("/admin/login/", {"username": "root", "password": "x-Passw0rd!"}, REMOTE_ADDR=HERE)
    assert page.status_code == 429 and "登录失败次数过多" in page.content.decode()


# ------------------------------------------------------------------ time

class Clock:
    """The wall clock as the lock code and the memory cache read it, moved by the test."""

    def __init__(self, start: float):
        self.now = start

    def time(self) -> float:
        return self.now

    def datetime(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.now, tz=dt.timezone.utc)


@pytest.fixture
def clock(monkeypatch, settings):
    import axes.handlers.proxy
    import django.core.cache.backends.base
    import django.core.cache.backends.locmem

    from gongzhi.core import throttle

    # A memory cache whatever GONGZHI_CACHE says: its expiry follows this clock (Redis keeps its own).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "lock-clock"}}
    from django.core.cache import cache

    cache.clear()  # memory caches of one name are shared: start empty
    # Five seconds before a quarter hour turns over, where a fixed 15-minute slot would end.
    c = Clock((int(time.time()) // 900 + 1) * 900 - 5)
    shim = types.SimpleNamespace(time=c.time, monotonic=time.monotonic, sleep=time.sleep)
    for module in (throttle, django.core.cache.backends.base, django.core.cache.backends.locmem):
        monkeypatch.setattr(module, "time", shim)
    monkeypatch.setattr(axes.handlers.proxy, "now", c.datetime)
    axes.handlers.proxy.AxesProxyHandler.get_implementation(force=True)  # on the memory cache
    return c


def test_a_lock_lasts_fifteen_minutes_from_the_last_failure_not_to_the_next_quarter_hour(
        org, handler, clock, settings):
    for _ in range(settings.GONGZHI["LOGIN_FAILURES_BEFORE_LOCK"]):
        sign_in("mediator", "wrong-password")
    clock.now += 10  # a fixed slot would have turned over five seconds ago
    assert sign_in("mediator", org.password).status_code == 429
    clock.now += 14 * 60
    assert sign_in("mediator", org.password).status_code == 429
    clock.now += 60  # fifteen minutes and ten seconds after the last failure
    assert sign_in("mediator", org.password).status_code == 302


def test_a_name_and_address_cannot_be_spliced_into_another_pair(org, handler, settings):
    # django-axes keys its cache on name and address written together: "mediator1" from 10.0.0.7
    # and "mediator" from 110.0.0.7 read the same unless the name has an end of its own.
    for _ in range(settings.GONGZHI["LOGIN_FAILURES_BEFORE_LOCK"] + 1):
        sign_in("mediator1", "guess", ip="10.0.0.7")
    assert sign_in("mediator", org.password, ip="110.0.0.7").status_code == 302
