"""Sliding-window counters in the cache: rate limits, sign-in and guessing limits.

A window of W seconds is kept as BUCKETS buckets of W/BUCKETS seconds, one cache key each, counted
with the cache's atomic add/incr. The count is the sum of the current bucket and the BUCKETS before
it, so an event counts for at least W seconds (and at most one bucket longer). There is no fixed slot
that empties all at once: a limit holds over any W-second span, and a limit reached stays reached
until the events that filled it are W seconds old.

`take` counts an attempt only when it is allowed (a refused attempt is not counted, so a client that
keeps knocking is let in again once its earlier attempts age out), and its `release` takes the
attempt back, for limits on failures: take before checking a secret, release when it was right.
Counting first and checking after means concurrent attempts cannot all slip under the limit.

The counters are shared by every process when the cache is (GONGZHI_CACHE = redis://… or db);
the default per-process memory cache counts per process. On Redis, counting an attempt and reading
the window's other buckets is one pipelined round trip (`_count_in_redis`) instead of three: every
API request takes two limits, and redis-py's per-command cost showed in each request's CPU.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

BUCKETS = 10


@dataclass
class Taken:
    allowed: bool
    count: int  # attempts in the window, this one included when allowed
    retry_after: int  # seconds until one more would be allowed (0 when allowed)
    _bucket: str | None = field(default=None, repr=False)

    def release(self) -> None:
        """Take this attempt back (it succeeded, or should not count)."""
        if self._bucket is not None:
            _decr(self._bucket)
            self._bucket = None


def _buckets(key: str, seconds: int, now: float) -> list[tuple[str, float]]:
    """(cache key, time its events leave the window) for the window ending now, newest first."""
    size = seconds / BUCKETS
    current = int(now // size)
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]  # any text may be a key: hash it
    return [(f"gz-sw:{digest}:{seconds}:{i}", (i + BUCKETS + 1) * size)
            for i in range(current, current - BUCKETS - 1, -1)]


def _ttl(seconds: int) -> int:
    return int(seconds + 2 * seconds / BUCKETS) + 2


def _incr(cache_key: str, ttl: int) -> int:
    if cache.add(cache_key, 1, ttl):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, ttl)
        return 1


def _decr(cache_key: str) -> None:
    try:
        cache.decr(cache_key)
    except ValueError:
        pass  # already gone with its bucket


def _values(keys: list[str]) -> dict[str, int]:
    found = cache.get_many(keys)
    return {k: max(0, int(found.get(k) or 0)) for k in keys}


def _retry_after(buckets: list[tuple[str, float]], values: dict[str, int], limit: int, now: float) -> int:
    remaining, wait = sum(values.values()), 0.0
    for cache_key, leaves_at in reversed(buckets):  # oldest first
        if remaining < limit:
            break
        remaining -= values[cache_key]
        wait = leaves_at - now
    return max(1, math.ceil(wait))


def _count_in_redis(backend: RedisCache, current: str, older: list[str], ttl: int) -> tuple[int, dict[str, int]]:
    """What `_incr` and `_values` do, in one pipeline on the Redis server that takes the writes.
    The counter is stored as Django's cache stores an integer (plain digits), so `cache.decr`,
    `cache.get_many` and `count` read it as before."""
    key = backend.make_and_validate_key(current)
    client = backend._cache.get_client(key, write=True)  # Django's own client and connection pool
    pipe = client.pipeline(transaction=False)
    pipe.set(key, 0, ex=ttl, nx=True)  # a new bucket starts at 0 with its lifetime
    pipe.incr(key)
    pipe.mget([backend.make_and_validate_key(k) for k in older])
    _, mine, found = pipe.execute()
    return int(mine), {k: max(0, int(v or 0)) for k, v in zip(older, found)}


def take(key: str, limit: int, window_seconds: int) -> Taken:
    """Count one attempt if fewer than `limit` were counted in the last window."""
    now = time.time()
    buckets = _buckets(key, window_seconds, now)
    current = buckets[0][0]
    older = [k for k, _ in buckets[1:]]
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        mine, values = _count_in_redis(backend, current, older, _ttl(window_seconds))
    else:
        mine = _incr(current, _ttl(window_seconds))
        values = _values(older)
    total = mine + sum(values.values())
    if total <= limit:
        return Taken(True, total, 0, current)
    _decr(current)
    values[current] = mine - 1
    return Taken(False, total - 1, _retry_after(buckets, values, limit, now))


def hit(key: str, limit: int, window_seconds: int) -> tuple[bool, int]:
    """Count one request; (allowed, seconds until one more would be allowed)."""
    taken = take(key, limit, window_seconds)
    return taken.allowed, taken.retry_after


def count(key: str, window_seconds: int) -> int:
    buckets = _buckets(key, window_seconds, time.time())
    return sum(_values([k for k, _ in buckets]).values())
