"""The bulk generator writes realistic appeals whose KPI facts and rollups equal what the services compute."""
from __future__ import annotations

import datetime as dt
import struct

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from gongzhi.appeals.models import Appeal, AppealEvent, Assignment
from gongzhi.core.workdays import WorkCalendar
from gongzhi.demo import generate as gen
from gongzhi.demo.generate import generate
from gongzhi.evaluation import services as ev
from gongzhi.evaluation.models import AppealFact, KpiRollup
from tests.conftest import postgres_only

LIFECYCLE = ["received", "merged", "dispatched", "acknowledged", "replied", "rated", "closed"]


def snapshot():
    facts = {f.appeal_id: f.to_fact() for f in AppealFact.objects.all()}
    rollups = {(r.kind, r.unit_id, r.month): r.counts() for r in KpiRollup.objects.all()}
    return facts, rollups


def assert_exact_rollups():
    facts, rollups = snapshot()
    ev.rebuild()
    facts2, rollups2 = snapshot()
    assert facts == facts2
    assert rollups == rollups2


@pytest.mark.django_db
def test_generated_appeals_have_events_and_exact_rollups():
    result = generate(2500, months=3, seed=7, chunk=1000, log=lambda *_: None)
    assert result["appeals"] == 2500 and Appeal.objects.count() == 2500
    assert result["events"] == AppealEvent.objects.count() > 4 * 2500
    assert AppealEvent.objects.filter(kind="received").count() == 2500
    statuses = set(Appeal.objects.values_list("status", flat=True))
    assert {"closed", "merged"} <= statuses
    assert_exact_rollups()


@pytest.mark.django_db
def test_events_follow_the_lifecycle_and_deadlines_fall_on_working_days():
    generate(600, months=2, seed=3, chunk=250, log=lambda *_: None)
    calendar = WorkCalendar.current()
    events: dict[int, list] = {}
    for e in AppealEvent.objects.order_by("id"):
        events.setdefault(e.appeal_id, []).append(e)
    lead = {a.appeal_id: a for a in Assignment.objects.filter(role="lead")}
    appeals = {a.pk: a for a in Appeal.objects.all()}
    received = [appeals[pk].received_at for pk in sorted(appeals)]
    assert received == sorted(received)      # ids grow with received time, across chunks too
    for a in appeals.values():
        timeline = events[a.pk]
        kinds = [e.kind for e in timeline]
        assert kinds == sorted(kinds, key=LIFECYCLE.index) and kinds[0] == "received"
        times = [e.created_at for e in timeline]
        assert times == sorted(times) and times[0] == a.received_at
        assert timeline[-1].to_status == a.status
        assert timezone.localtime(a.due_at).date() > timezone.localtime(a.received_at).date()
        assert calendar.is_workday(timezone.localtime(a.due_at).date())
        if a.status == "merged":
            original = appeals[a.merged_into_id]
            assert original.pk < a.pk and original.status != "merged" and a.lead_department_id is None
            assert (original.category_id, original.region_id) == (a.category_id, a.region_id)
            continue
        stamps = [a.received_at, a.dispatched_at, a.acknowledged_at, a.replied_at, a.closed_at]
        present = [s for s in stamps if s is not None]
        assert present == stamps[:len(present)] and present == sorted(present)
        assert (a.pk in lead) == (a.dispatched_at is not None)
        if a.pk in lead:
            assert lead[a.pk].department_id == a.lead_department_id
            assert lead[a.pk].acknowledged_at == a.acknowledged_at
        assert (a.satisfaction != "") == (a.status == "closed")


@pytest.mark.django_db
def test_a_second_load_rolls_up_from_the_table():
    generate(800, months=2, seed=1, chunk=500, log=lambda *_: None)
    result = generate(700, months=2, seed=2, chunk=500, log=lambda *_: None)
    assert Appeal.objects.count() == 1500 and result["appeals"] == 700
    assert len(set(Appeal.objects.values_list("tracking_number", flat=True))) == 1500
    assert_exact_rollups()


@pytest.mark.django_db
def test_vectorised_add_workdays_equals_the_calendar():
    calendar = WorkCalendar.current()
    first = dt.date(2025, 9, 1)   # spans the National Day week and its make-up working days
    cal = gen.Calendar(first, dt.date(2026, 3, 1))
    rng = np.random.default_rng(5)
    base = (first - dt.date(1970, 1, 1)).days * 86400
    starts = base + rng.integers(0, 120 * 86400, 400)
    days = rng.choice([1, 3, 15], 400)
    got = cal.add_workdays(starts, days)
    for s, d, g in zip(starts.tolist(), days.tolist(), got.tolist()):
        start = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=s)
        want = calendar.add_workdays(start, d)
        assert dt.datetime(1970, 1, 1) + dt.timedelta(seconds=g) == want, (start, d)


def _decode_binary(data: bytes, cols) -> list[tuple]:
    """A reader of PostgreSQL binary COPY tuples, to check the encoder without a server."""
    out, at = [], 0
    while at < len(data):
        (count,), at = struct.unpack_from(">h", data, at), at + 2
        assert count == len(cols)
        row = []
        for c in cols:
            (size,), at = struct.unpack_from(">i", data, at), at + 4
            if size < 0:
                row.append(None)
                continue
            raw, at = data[at:at + size], at + size
            if c.kind in ("i8", "i4", "i2"):
                row.append(int.from_bytes(raw, "big", signed=True))
            elif c.kind == "bool":
                row.append(raw == b"\x01")
            elif c.kind == "f8":
                row.append(struct.unpack(">d", raw)[0])
            elif c.kind == "ts":
                stamp = dt.datetime(2000, 1, 1) + dt.timedelta(microseconds=int.from_bytes(raw, "big", signed=True))
                row.append(stamp.strftime("%Y-%m-%d %H:%M:%S"))
            elif c.kind == "date":
                days = int.from_bytes(raw, "big", signed=True)
                row.append((dt.date(2000, 1, 1) + dt.timedelta(days=days)).isoformat())
            elif c.kind == "jsonb":
                assert raw[:1] == b"\x01"
                row.append(raw[1:].decode())
            else:
                row.append(raw.decode())
        out.append(tuple(row))
    return out


def test_binary_copy_rows_equal_the_sqlite_rows():
    n = 257
    rng = np.random.default_rng(11)
    null = rng.random(n) < 0.3
    cols = [
        gen.Col("id", "i8", np.arange(10**9, 10**9 + n)),
        gen.Col("small", "i2", rng.integers(-5, 5, n).astype(np.int16)),
        gen.Col("maybe", "i8", rng.integers(0, 10**12, n), null), gen.Col("flag", "bool", rng.random(n) < 0.5, ~null),
        gen.Col("x", "f8", rng.normal(size=n)),
        gen.Col("at", "ts", rng.integers(10**9, 2 * 10**9, n), null[::-1].copy()),
        gen.Col("day", "date", rng.integers(0, 20000, n)), gen.Col("const", "text", 0, choices=("系统",)),
        gen.Col("empty", "text", 0, choices=("",)),
        gen.Col("word", "text", rng.integers(0, 3, n), choices=("", "ab", "噪声污染")),
        gen.Col("code", "raw", gen._prefixed(b"BK", gen._digits(np.arange(n) * 7919, 10))),
        gen.Col("data", "jsonb", 0, choices=("{}",)), gen.Col("none", "i8", 0, np.ones(n, dtype=bool)),
    ]
    decoded = _decode_binary(gen.pg_binary(n, cols).tobytes(), cols)
    assert decoded == gen.sqlite_rows(n, cols)
    assert decoded[3][-3] == f"BK{3 * 7919:010d}"


def secondary_indexes() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT indexrelid::regclass::text FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
                    "WHERE t.relname = ANY(%s)", [list(gen.SECONDARY)])
        return sorted(r[0] for r in cur.fetchall())


@pytest.mark.django_db(transaction=True)
@postgres_only("the pooled COPY path needs PostgreSQL")
def test_parallel_load_on_postgresql_restores_indexes_and_sequences():

    before = secondary_indexes()
    result = generate(3000, months=3, seed=9, chunk=1000, workers=2, log=lambda *_: None)
    assert secondary_indexes() == before
    assert Appeal.objects.count() == 3000 and AppealEvent.objects.count() == result["events"]
    assert Assignment.objects.count() == result["assignments"] and AppealFact.objects.count() == result["facts"]
    assert_exact_rollups()
    # the sequences continue after the generated ids
    appeal = Appeal.objects.first()
    event = AppealEvent.objects.create(appeal=appeal, kind="note", note="after the load", created_at=timezone.now())
    assert event.pk > result["events"]


def test_generate_command_rejects_nonsense():
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate", "--appeals", "0")
    with pytest.raises(CommandError, match="workers"):
        call_command("generate", "--appeals", "10", "--workers", "-1")


@pytest.mark.django_db
def test_generate_command_prints_its_rates():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("generate", "--appeals", "300", "--months", "2", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert "appeals/s" in lines[-2] and "events/s" in lines[-2]
    summary = dict(kv.split("=", 1) for kv in lines[-1].split())
    assert summary["appeals"] == "300" and float(summary["appeals_per_s"]) > 0 and float(summary["events_per_s"]) > 0


@pytest.mark.django_db(transaction=True)
@postgres_only("the pooled COPY path needs PostgreSQL")
def test_a_failed_parallel_load_puts_the_indexes_back(monkeypatch):

    def broken(facts):
        raise RuntimeError("disk full")

    before = secondary_indexes()
    monkeypatch.setattr(gen, "fact_columns", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        generate(1500, months=2, seed=4, chunk=1000, workers=2, log=lambda *_: None)
    assert secondary_indexes() == before
