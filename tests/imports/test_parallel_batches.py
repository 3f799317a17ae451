"""A plain (resumable) import of a CSV on PostgreSQL converts in worker processes too: each chunk
commits on its own, a re-run or a resumed run leaves out what is already there, and a unique clash
is retried with fresh tracking numbers."""
from __future__ import annotations

import csv
import os

import pytest
from django.db import IntegrityError

from gongzhi.appeals import importing
from gongzhi.appeals.importing import bulk_load, run
from gongzhi.appeals.importing.convert import Converter, TrackingNumbers
from gongzhi.appeals.importing.lookups import Lookups
from gongzhi.appeals.importing.writers import CopyWriter
from gongzhi.appeals.models import Appeal, AppealEvent
from tests.conftest import postgres_only

# Worker processes write with COPY, and each chunk commits: PostgreSQL, outside a test transaction.
pytestmark = [pytest.mark.django_db(transaction=True), postgres_only("worker processes write with COPY: PostgreSQL")]


@pytest.fixture
def export(shared_data, tmp_path):
    """The NYC sample with a duplicate id and a bad date, cut small so the load has many chunks."""
    original = shared_data / "service-requests-311" / "nyc_311_1k.csv"
    with open(original, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:601]
    body[400] = list(body[3])
    body[450][header.index("created_date")] = "not a date"
    source = tmp_path / "export.csv"
    with open(source, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *body])
    return source


@pytest.fixture
def runs(monkeypatch):
    real, calls = run._parallel_load, []
    monkeypatch.setattr(run, "_parallel_load", lambda *a: calls.append(a[-1]) or real(*a))
    return calls


def load(source, tmp_path, system: str, workers: int, name: str = "r"):
    mapping = dict(importing.load_mapping("nyc", None), source_system=system)
    result = importing.import_file(source, mapping, report_path=tmp_path / f"{name}.csv", batch_size=70,
                                   workers=workers)
    return result, (tmp_path / f"{name}.csv").read_text("utf-8")


def stored(system: str) -> list[tuple]:
    return list(Appeal.objects.filter(source_system=system).order_by("source_ref").values_list(
        "source_ref", "status", "title", "received_at", "closed_at", "category_id", "lead_department_id"))


def test_workers_import_what_one_process_imports(export, tmp_path, runs):
    serial, serial_report = load(export, tmp_path, "serial", 1, "serial")
    parallel, parallel_report = load(export, tmp_path, "parallel", 2, "parallel")
    assert runs == [False]  # the second load only, and not as an initial load
    assert (parallel.rows, parallel.imported, parallel.errors, parallel.warnings) == \
           (serial.rows, serial.imported, serial.errors, serial.warnings) == (600, 598, 2, serial.warnings)
    assert parallel_report == serial_report and "duplicate id (first at line 5)" in parallel_report
    assert stored("parallel") == stored("serial")
    assert AppealEvent.objects.filter(appeal__source_system="parallel").count() == 598


def test_a_rerun_and_a_resumed_run_import_nothing_twice(export, tmp_path, runs, monkeypatch):
    real_convert = Converter.convert

    def stop_at_line_300(self, line, values, issues):  # in a worker: the run stops there
        if line == 300:
            raise RuntimeError("power cut")
        return real_convert(self, line, values, issues)

    monkeypatch.setattr(Converter, "convert", stop_at_line_300)
    with pytest.raises(RuntimeError, match="power cut"):
        load(export, tmp_path, "resume", 2)
    committed = Appeal.objects.filter(source_system="resume").count()
    assert 0 < committed < 299  # the chunks before the cut are kept
    monkeypatch.setattr(Converter, "convert", real_convert)
    resumed, _ = load(export, tmp_path, "resume", 2)
    assert (resumed.already, resumed.imported) == (committed, 598 - committed)
    again, _ = load(export, tmp_path, "resume", 2)
    assert (again.already, again.imported) == (598, 0)
    refs = list(Appeal.objects.filter(source_system="resume").values_list("source_ref", flat=True))
    assert len(refs) == len(set(refs)) == 598
    assert runs == [False, False, False]


def test_a_tracking_number_clash_is_retried_with_fresh_numbers(export, tmp_path, runs, monkeypatch, make_appeal):
    """Another appeal already holds the number a worker draws: that chunk is converted again."""
    taken = make_appeal(title="已有的诉求")
    draws = tmp_path / "draws"
    draws.touch()
    real_call = TrackingNumbers.__call__
    clashes = []

    def clash_once(self, day):
        # Counted across the worker processes (a byte appended per number: appends do not race).
        # The first chunk's first pass comes back for its new category names, so the 100th number
        # is one that the second pass writes.
        fd = os.open(draws, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, b".")
            n = os.lseek(fd, 0, os.SEEK_CUR)
        finally:
            os.close(fd)
        return taken.tracking_number if n == 100 else real_call(self, day)

    monkeypatch.setattr(TrackingNumbers, "__call__", clash_once)
    real_existing = CopyWriter.existing

    def existing(self, refs):
        clashes.append(self.source_had_rows)
        return real_existing(self, refs)

    monkeypatch.setattr(CopyWriter, "existing", existing)
    result, _ = load(export, tmp_path, "clash", 2)
    assert result.imported == 598 and True in clashes  # probing from the clash on
    numbers = list(Appeal.objects.values_list("tracking_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 599


@pytest.mark.parametrize("superuser", [True, False], ids=["keys-checked-per-chunk", "key-triggers"])
def test_a_key_to_nothing_stops_the_import_before_its_chunk_is_written(export, tmp_path, monkeypatch, superuser):
    monkeypatch.setattr(bulk_load, "_key_triggers_may_be_off", lambda cursor, tables: superuser)
    monkeypatch.setattr(Lookups, "department",
                        lambda self, name: self.departments.setdefault(name[:100], 987654321) if name else None)
    with pytest.raises(IntegrityError, match="refers to no row|violates foreign key"):
        load(export, tmp_path, "bogus", 2)
    assert not Appeal.objects.filter(source_system="bogus").exists()


def test_a_name_that_cannot_be_resolved_stops_the_import_instead_of_looping(export, tmp_path, monkeypatch):
    monkeypatch.setattr(Lookups, "department", lambda self, name: None)  # resolves, remembers nothing
    with pytest.raises(importing.ImportError_, match="names not resolved"):
        load(export, tmp_path, "unresolved", 2)
