"""The shared limit counters slide: a limit holds over any window-long span, never resetting all at
once at a fixed slot boundary; refused attempts are not counted; a released attempt is taken back."""
from __future__ import annotations

import time
import types

import pytest

from gongzhi.core import throttle


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis(port=6379, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["memory", "redis"])
def clock(request, monkeypatch, settings):
    """A clock the limits read, on the per-process memory cache and on a real Redis (which counts in
    one pipelined round trip); scripts/test.sh starts Redis when none answers."""
    import uuid

    import django.core.cache.backends.base
    import django.core.cache.backends.locmem

    if request.param == "redis":
        if not _redis_answers():
            pytest.skip("no Redis on 127.0.0.1:6379 (scripts/test.sh starts one)")
        # A prefix of its own instead of clearing: parallel test processes share the server.
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": "redis://127.0.0.1:6379/9", "KEY_PREFIX": uuid.uuid4().hex}}
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": "throttle-clock"}}
        from django.core.cache import cache

        cache.clear()  # memory caches of one name are shared: start empty
    state = types.SimpleNamespace(now=(int(time.time()) // 3600 + 1) * 3600 - 2)  # 2 s before the hour
    shim = types.SimpleNamespace(time=lambda: state.now, monotonic=time.monotonic, sleep=time.sleep)
    for module in (throttle, django.core.cache.backends.base, django.core.cache.backends.locmem):
        monkeypatch.setattr(module, "time", shim)
    return state


def test_a_limit_reached_just_before_the_hour_still_holds_after_it(clock):
    for _ in range(3):
        assert throttle.hit("k", 3, 3600)[0]
    clock.now += 5  # a fixed one-hour slot would have started afresh
    allowed, retry_after = throttle.hit("k", 3, 3600)
    assert not allowed and 3500 < retry_after <= 3600 + 360
    clock.now += retry_after
    assert throttle.hit("k", 3, 3600)[0]


def test_refused_attempts_do_not_extend_the_wait(clock):
    for _ in range(2):
        throttle.hit("k", 2, 60)
    for _ in range(50):
        assert not throttle.hit("k", 2, 60)[0]
    clock.now += 60 + 6
    assert throttle.hit("k", 2, 60)[0]


def test_a_released_attempt_does_not_count(clock):
    for _ in range(10):
        taken = throttle.take("k", 2, 60)
        assert taken.allowed
        taken.release()
    assert throttle.count("k", 60) == 0
    first, second, third = [throttle.take("k", 2, 60) for _ in range(3)]
    assert first.allowed and second.allowed and not third.allowed and third.retry_after > 0


def test_keys_may_be_any_text(clock):
    assert throttle.hit("名字 with spaces\t\n" + "x" * 300, 1, 60)[0]
    assert not throttle.hit("名字 with spaces\t\n" + "x" * 300, 1, 60)[0]
