"""Simple fixed-window counters in the cache, for login throttling and public lookups."""
from __future__ import annotations

import time

from django.core.cache import cache


def hit(key: str, limit: int, window_seconds: int) -> tuple[bool, int]:
    """Count one hit; returns (allowed, seconds until the window resets)."""
    window = int(time.time() // window_seconds)
    cache_key = f"gz-throttle:{key}:{window}"
    added = cache.add(cache_key, 1, window_seconds + 5)
    count = 1 if added else cache.incr(cache_key)
    retry_after = window_seconds - int(time.time() % window_seconds)
    return count <= limit, retry_after


def count(key: str, window_seconds: int) -> int:
    window = int(time.time() // window_seconds)
    return cache.get(f"gz-throttle:{key}:{window}", 0)


def reset(key: str, window_seconds: int) -> None:
    window = int(time.time() // window_seconds)
    cache.delete(f"gz-throttle:{key}:{window}")
