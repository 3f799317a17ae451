"""Phone numbers encrypted at rest: what sealing and opening cost, and an indexed lookup by phone.

Seal and open: CPU time per value of core.crypto.seal / unseal over 100,000 distinct mobile numbers,
one thread, against the baseline a blind-index column would pay on every write anyway: a keyed
HMAC-SHA256 of the number (hmac.new(...).hexdigest()). The ratio is seal / HMAC.
Lookup: on a scratch SQLite database (in memory) of 100,000 appeals-like rows holding the sealed
number in an indexed column, the median time of one equality lookup as core.fields' sealed lookup
writes it (the column IN the number's form under every configured key and its plain form), against
the lookup of the plain number in a plain indexed column of the same table.
Last line: key=value summary.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")

import django  # noqa: E402

django.setup()

from gongzhi.core import crypto  # noqa: E402

N = 100_000


def per_value(fn, values) -> float:
    start = time.process_time()
    for v in values:
        fn(v)
    return (time.process_time() - start) / len(values) * 1e6


def main() -> int:
    phones = [f"1{3 + i % 7}{i:09d}" for i in range(N)]
    key = b"k" * 32
    hmac_us = per_value(lambda v: hmac.new(key, v.encode(), hashlib.sha256).hexdigest(), phones)
    seal_us = per_value(crypto.seal, phones)
    sealed = [crypto.seal(v) for v in phones]
    unseal_us = per_value(crypto.unseal, sealed)
    print(f"seal {seal_us:.2f} us, open {unseal_us:.2f} us, keyed HMAC {hmac_us:.2f} us per number")

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE appeal (id INTEGER PRIMARY KEY, sealed TEXT, plain TEXT)")
    db.executemany("INSERT INTO appeal (sealed, plain) VALUES (?, ?)", zip(sealed, phones))
    db.execute("CREATE INDEX appeal_sealed ON appeal (sealed)")
    db.execute("CREATE INDEX appeal_plain ON appeal (plain)")
    probes = phones[::997]

    def sealed_lookup(phone):
        forms = crypto.candidates(phone)
        marks = ", ".join("?" * len(forms))
        return db.execute(f"SELECT id FROM appeal WHERE sealed IN ({marks})", forms).fetchall()

    def plain_lookup(phone):
        return db.execute("SELECT id FROM appeal WHERE plain = ?", [phone]).fetchall()

    assert all(len(sealed_lookup(p)) == 1 for p in probes)
    timings = {}
    for name, fn in (("sealed", sealed_lookup), ("plain", plain_lookup)):
        runs = []
        for p in probes:
            start = time.perf_counter()
            fn(p)
            runs.append((time.perf_counter() - start) * 1e6)
        timings[name] = statistics.median(runs)
    print(f"lookup by phone among {N:,} rows: sealed {timings['sealed']:.1f} us, plain {timings['plain']:.1f} us "
          f"(median of {len(probes)})")
    print(f"seal_us={seal_us:.2f} unseal_us={unseal_us:.2f} hmac_us={hmac_us:.2f} ratio={seal_us / hmac_us:.2f} "
          f"lookup_sealed_us={timings['sealed']:.1f} lookup_plain_us={timings['plain']:.1f} "
          f"lookup_ratio={timings['sealed'] / timings['plain']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
