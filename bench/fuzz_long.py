"""The long runs of the suite's fuzzers: schemathesis over every /api/v1 operation
(tests/api/test_openapi_schemathesis.py: positive and negative data, schema and status checks),
schemathesis' stateful mode following the OpenAPI links over /api/v1 and Open311
(tests/api/test_openapi_stateful.py) and the hypothesis state machine of the appeal lifecycle
(tests/appeals/test_lifecycle_stateful.py).

The suite runs them short and derandomised; this runs them with --examples each, random seeds, and
as the baseline the suite's short run in the same process environment, so the figure is examples
per CPU second and the ratio says how the long run's rate compares. Every response the schemathesis
runs get is counted (tests/api/fuzz_stats.py): how many, how many 5xx, and how many with a status
the operation's schema does not declare. A failure prints hypothesis's shrunk counterexample and
exits 1.

Last line: api_examples=… api_passed=… links_passed=… stateful_examples=… stateful_passed=…
responses=… server_errors=… undocumented=… seconds=… ratio_to_suite=…

    python bench/fuzz_long.py [--examples 200] [--database-url postgres://…]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# name: (test file, the variable setting its examples, the suite's examples)
TESTS = {"api": ("tests/api/test_openapi_schemathesis.py", "GONGZHI_FUZZ_EXAMPLES", 8),
         "links": ("tests/api/test_openapi_stateful.py", "GONGZHI_STATEFUL_API_EXAMPLES", 6),
         "stateful": ("tests/appeals/test_lifecycle_stateful.py", "GONGZHI_STATEFUL_EXAMPLES", 8)}


def run(path: str, env_name: str, examples: int | None, database_url: str | None,
        stats: str | None = None) -> tuple[bool, float]:
    env = dict(os.environ)
    for _path, name, _n in TESTS.values():
        env.pop(name, None)
    env.pop("GONGZHI_FUZZ_STATS", None)
    if examples is not None:
        env[env_name] = str(examples)
    if stats:
        env["GONGZHI_FUZZ_STATS"] = stats
    if database_url:
        env.update(GONGZHI_DATABASE_URL=database_url, GONGZHI_TEST_DB_SUFFIX="fuzzlong")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # every operation runs even when one fails (each is a test of its own), so the figures cover all
    done = subprocess.run([sys.executable, "-m", "pytest", path, "-q", "-p", "no:cacheprovider"],
                          cwd=REPO, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done.returncode == 0, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    started = time.monotonic()
    results, rates = {}, []
    stats = tempfile.NamedTemporaryFile(prefix="fuzz-stats-", suffix=".jsonl", delete=False).name
    for name, (path, env_name, suite_examples) in TESTS.items():
        _ok, short_cpu = run(path, env_name, None, args.database_url)  # the suite's run
        ok, long_cpu = run(path, env_name, args.examples, args.database_url, stats=stats)
        results[name] = ok
        short_rate, long_rate = suite_examples / max(short_cpu, 1e-6), args.examples / max(long_cpu, 1e-6)
        rates.append(long_rate / short_rate)
        print(f"{name}: {args.examples} examples in {long_cpu:.1f} CPU s ({long_rate:.2f}/s); "
              f"the suite's {suite_examples} in {short_cpu:.1f} CPU s ({short_rate:.2f}/s); "
              f"{'passed' if ok else 'FAILED'}")
    with open(stats, encoding="utf-8") as lines:
        seen = [json.loads(line) for line in lines]
    os.unlink(stats)
    statuses = Counter(s["status"] for s in seen)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    undocumented = Counter(f"{s['operation']} {s['status']}" for s in seen if not s["documented"])
    probes = [s for s in seen if s.get("method_probe")]
    print("statuses: " + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
          + f"; of them {len(probes)} probes with an undeclared method, answered "
          + ", ".join(f"{status}: {n}" for status, n in sorted(Counter(s["status"] for s in probes).items())))
    for what, n in undocumented.most_common(20):
        print(f"undocumented status: {what} ({n}x)")
    ratio = sum(rates) / len(rates)
    print(f"api_examples={args.examples} api_passed={int(results['api'])} links_passed={int(results['links'])} "
          f"stateful_examples={args.examples} stateful_passed={int(results['stateful'])} responses={len(seen)} "
          f"server_errors={server_errors} undocumented={sum(undocumented.values())} "
          f"seconds={time.monotonic() - started:.0f} ratio_to_suite={ratio:.2f}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
