"""Work a process does once before it takes requests or tasks (in-process indexes, models).

Apps register a callable in their AppConfig.ready(); `gongzhi serve` runs them before it listens, so
no request waits for them, and `gongzhi worker` before it takes tasks. A failing warm-up is logged
and the process starts anyway (the work is then done lazily, by the first request that needs it).
"""
from __future__ import annotations

import logging
import time
from typing import Callable

log = logging.getLogger("gongzhi.warmup")

WARMUPS: list[Callable[[], None]] = []


def register(fn: Callable[[], None]) -> None:
    if fn not in WARMUPS:
        WARMUPS.append(fn)


def run() -> float:
    """Run every registered warm-up; returns the seconds it took."""
    started = time.perf_counter()
    for fn in list(WARMUPS):
        try:
            fn()
        except Exception:
            log.exception("warm-up %s failed; the work is done on first use", getattr(fn, "__qualname__", fn))
    return time.perf_counter() - started
