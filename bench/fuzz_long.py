"""The long runs of the suite's two fuzzers: schemathesis over every /api/v1 operation
(tests/api/test_openapi_schemathesis.py: positive and negative data, schema and status checks) and
the hypothesis state machine of the appeal lifecycle (tests/appeals/test_lifecycle_stateful.py).

The suite runs them short and derandomised (8 examples each); this runs them with --examples each,
random seeds, and as the baseline the suite's short run in the same process environment, so the
figure is examples per CPU second and the ratio says how the long run's rate compares. A failure
prints hypothesis's shrunk counterexample and exits 1.

Last line: api_examples=… api_passed=… stateful_examples=… stateful_passed=… seconds=… ratio_to_suite=…

    python bench/fuzz_long.py [--examples 200] [--database-url postgres://…]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTS = {"api": ("tests/api/test_openapi_schemathesis.py", "GONGZHI_FUZZ_EXAMPLES"),
         "stateful": ("tests/appeals/test_lifecycle_stateful.py", "GONGZHI_STATEFUL_EXAMPLES")}


def run(path: str, env_name: str, examples: int | None, database_url: str | None) -> tuple[bool, float]:
    env = dict(os.environ)
    env.pop("GONGZHI_FUZZ_EXAMPLES", None)
    env.pop("GONGZHI_STATEFUL_EXAMPLES", None)
    if examples is not None:
        env[env_name] = str(examples)
    if database_url:
        env.update(GONGZHI_DATABASE_URL=database_url, GONGZHI_TEST_DB_SUFFIX="fuzzlong")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "pytest", path, "-q", "-p", "no:cacheprovider", "-x"],
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
    for name, (path, env_name) in TESTS.items():
        _ok, short_cpu = run(path, env_name, None, args.database_url)  # the suite's run: 8 examples
        ok, long_cpu = run(path, env_name, args.examples, args.database_url)
        results[name] = ok
        short_rate, long_rate = 8 / max(short_cpu, 1e-6), args.examples / max(long_cpu, 1e-6)
        rates.append(long_rate / short_rate)
        print(f"{name}: {args.examples} examples in {long_cpu:.1f} CPU s ({long_rate:.2f}/s); "
              f"the suite's 8 in {short_cpu:.1f} CPU s ({short_rate:.2f}/s); {'passed' if ok else 'FAILED'}")
    ratio = sum(rates) / len(rates)
    print(f"api_examples={args.examples} api_passed={int(results['api'])} stateful_examples={args.examples} "
          f"stateful_passed={int(results['stateful'])} seconds={time.monotonic() - started:.0f} ratio_to_suite={ratio:.2f}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
