"""What a rate limit costs a request on Redis: `throttle.take` (one pipelined round trip) against
the same count done with three cache calls (add or incr, then get_many), in the same run.

Every API request takes two limits (its token's and its address's), so this is paid twice per
request by every app process of a deployment whose cache is Redis (scripts/cluster.sh). Times are
CPU (time.process_time) and wall time per limit taken, the median of `--rounds` rounds that
alternate the two ways, each round `--takes` takes spread over 50 keys.

    python bench/throttle.py [--redis redis://127.0.0.1:6379/9] [--takes 1000] [--rounds 7]

Last line: take_cpu_us=… take_wall_us=… three_calls_cpu_us=… three_calls_wall_us=… ratio=… (ratio:
the pipelined take's CPU over the three calls').
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9", help="the Redis to count on")
    parser.add_argument("--takes", type=int, default=1000, help="takes per round and way (default 1000)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds, alternating the two ways (default 7)")
    args = parser.parse_args()
    if args.takes < 1 or args.rounds < 1:
        print("bench/throttle.py: --takes and --rounds must be positive", file=sys.stderr)
        return 2
    os.environ["GONGZHI_CACHE"] = args.redis
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.cache import caches

    from gongzhi.core import throttle

    settings.CACHES["default"]["KEY_PREFIX"] = f"bench-{uuid.uuid4().hex}"  # nothing of anyone else's
    backend = caches["default"]
    try:
        backend.get("ping")
    except redis.RedisError as exc:
        print(f"bench/throttle.py: no Redis at {args.redis}: {exc}", file=sys.stderr)
        return 2
    window = 60
    ttl = throttle._ttl(window)

    def pipelined(key: str) -> None:
        throttle.take(key, 10**9, window)

    def three_calls(key: str) -> None:  # what take did before: add (or incr), then get_many
        buckets = throttle._buckets(key, window, time.time())
        throttle._incr(buckets[0][0], ttl)
        throttle._values([k for k, _ in buckets[1:]])

    timings: dict[str, list[tuple[float, float]]] = {"take": [], "three": []}
    for _ in range(args.rounds):
        for name, fn in (("take", pipelined), ("three", three_calls)):
            cpu, wall = time.process_time(), time.perf_counter()
            for i in range(args.takes):
                fn(f"bench-key-{i % 50}")
            timings[name].append(((time.process_time() - cpu) / args.takes * 1e6,
                                  (time.perf_counter() - wall) / args.takes * 1e6))
    med = {name: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v)) for name, v in timings.items()}
    print(f"take_cpu_us={med['take'][0]:.0f} take_wall_us={med['take'][1]:.0f} "
          f"three_calls_cpu_us={med['three'][0]:.0f} three_calls_wall_us={med['three'][1]:.0f} "
          f"ratio={med['take'][0] / med['three'][0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
