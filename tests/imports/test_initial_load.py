"""--initial-load: one transaction, indexes and keys rebuilt at the end, all or nothing (PostgreSQL)."""
from __future__ import annotations

import os

import pytest
from django.db import IntegrityError, connection

from gongzhi.appeals import importing
from gongzhi.appeals.importing import bulk_load, run
from gongzhi.core import tabular
from gongzhi.appeals.importing.bulk_load import BULK_TABLES
from gongzhi.appeals.importing.convert import Converter, TrackingNumbers
from gongzhi.appeals.importing.lookups import Lookups
from gongzhi.appeals.importing.parallel import default_workers, usable_cores
from gongzhi.appeals.importing.writers import CopyWriter
from gongzhi.appeals.models import Appeal, AppealEvent
from tests.conftest import postgres_only


def schema_objects() -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
                       [list(BULK_TABLES)])
        indexes = set(cursor.fetchall())
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' "
                       "AND conrelid::regclass::text = ANY(%s)", [list(BULK_TABLES)])
        return indexes | set(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_initial_load_is_all_or_nothing_and_restores_the_schema(shared_data, tmp_path, monkeypatch):
    source = shared_data / "service-requests-311" / "nyc_311_1k.csv"
    mapping = importing.load_mapping("nyc", None)
    if connection.vendor != "postgresql":
        with pytest.raises(importing.ImportError_, match="needs PostgreSQL"):
            importing.import_file(source, mapping, report_path=tmp_path / "r.csv", initial_load=True)
        return
    before = schema_objects()
    assert any("received_at" in str(o) for o in before)

    real_write, calls = CopyWriter.write, []

    def fail_second_batch(self, rows):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_write(self, rows)

    monkeypatch.setattr(CopyWriter, "write", fail_second_batch)
    with pytest.raises(RuntimeError, match="disk full"):
        importing.import_file(source, mapping, report_path=tmp_path / "r.csv", initial_load=True, batch_size=200,
                              limit=600)
    assert Appeal.objects.count() == 0 and schema_objects() == before  # rolled back, indexes back

    monkeypatch.setattr(CopyWriter, "write", real_write)
    real_convert, seen = Converter.convert, []

    def interrupt_late(self, line, values, issues):  # Ctrl-C while parsing, after batches were written
        seen.append(line)
        if line == 500:  # by line, not by call: worker processes each see only their chunks
            raise KeyboardInterrupt
        return real_convert(self, line, values, issues)

    monkeypatch.setattr(Converter, "convert", interrupt_late)
    with pytest.raises(KeyboardInterrupt):
        importing.import_file(source, mapping, report_path=tmp_path / "r.csv", initial_load=True, batch_size=100)
    assert Appeal.objects.count() == 0 and schema_objects() == before

    monkeypatch.setattr(Converter, "convert", real_convert)
    result = importing.import_file(source, mapping, report_path=tmp_path / "r.csv", initial_load=True, batch_size=200,
                                   limit=600)
    assert result.imported == 600 and Appeal.objects.count() == AppealEvent.objects.count() == 600
    assert schema_objects() == before
    again = importing.import_file(source, mapping, report_path=tmp_path / "r.csv", initial_load=True, limit=600)
    assert again.already == 600 and Appeal.objects.count() == 600


@pytest.mark.django_db(transaction=True)
@postgres_only("--initial-load is PostgreSQL only")
def test_initial_load_redraws_clashing_tracking_numbers(shared_data, tmp_path, monkeypatch):
    """A fresh source loads without its unique constraints; a clash found when they are rebuilt is redrawn."""
    source = shared_data / "service-requests-311" / "nyc_311_1k.csv"
    before = schema_objects()
    monkeypatch.setattr(TrackingNumbers, "__call__", lambda self, day: f"GZ{day:%Y%m%d}SAME0000")
    result = importing.import_file(source, importing.load_mapping("nyc", None), report_path=tmp_path / "r.csv",
                                   initial_load=True, limit=300)
    numbers = list(Appeal.objects.values_list("tracking_number", flat=True))
    assert result.imported == 300 and len(set(numbers)) == 300
    assert schema_objects() == before


@pytest.mark.django_db(transaction=True)
@postgres_only("--initial-load is PostgreSQL only")
def test_initial_load_refuses_a_key_to_nothing(shared_data, tmp_path, monkeypatch):
    """Per-row key checks may be switched off for the load; the keys are still checked before the commit."""
    source = shared_data / "service-requests-311" / "nyc_311_1k.csv"
    before = schema_objects()
    monkeypatch.setattr(Lookups, "department", lambda self, name: 987654321 if name else None)
    with pytest.raises(IntegrityError, match="refers to no row|violates foreign key"):
        importing.import_file(source, importing.load_mapping("nyc", None), report_path=tmp_path / "r.csv",
                              initial_load=True, limit=300)
    assert Appeal.objects.count() == 0 and schema_objects() == before


def _snapshot(source_system: str) -> tuple[list, int, int]:
    from gongzhi.appeals.models import Assignment

    appeals = list(Appeal.objects.filter(source_system=source_system).order_by("source_ref").values_list(
        "source_ref", "status", "title", "content", "received_at", "closed_at", "due_at", "category_id",
        "lead_department_id", "lat", "lon", "location_text", "appellant_name"))
    events = AppealEvent.objects.filter(appeal__source_system=source_system)
    assignments = Assignment.objects.filter(appeal__source_system=source_system).count()
    return appeals, events.count(), assignments


@pytest.mark.django_db(transaction=True)
@postgres_only("--initial-load is PostgreSQL only")
def test_parallel_load_matches_the_serial_one(shared_data, tmp_path, monkeypatch):
    """Worker processes convert chunks; the rows, the report (line order, duplicate ids across chunks,
    a record with a quoted line break) and the counts are those of a load in one process."""
    import csv

    original = shared_data / "service-requests-311" / "nyc_311_1k.csv"
    with open(original, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:401]
    body[10][header.index("descriptor")] = "two\nlines"  # a record spanning two physical lines
    body[250] = list(body[5])  # duplicate id in a later chunk
    body[251] = list(body[251])
    body[251][header.index("created_date")] = "not a date"
    body.append(list(body[250]))  # and once more at the very end
    for row in body[300:380]:  # a stretch without quotes: split at line ends, unparsed
        row[:] = [value.replace(",", " ").replace('"', "") for value in row]
    body[320][header.index("descriptor")] = ""  # an empty line in that stretch (a serial import skips it too)
    source = tmp_path / "export.csv"
    with open(source, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *body[:320], [], *body[320:], []])
    monkeypatch.setattr(tabular, "SPLIT_BLOCK", 5000)  # blocks with and without quotes
    data = source.read_bytes()
    chunks = list(tabular._split_csv(source, "utf-8", ",", 37, 5))
    texts = [data[start:end].decode("utf-8") for _, _, start, end in chunks]
    assert "".join(texts) == data.decode("utf-8").split("\r\n", 1)[1]  # every byte after the header, once
    assert [end for *_, end in chunks[:-1]] == [start for *_, start, _ in chunks[1:]]
    assert [base for base, *_ in chunks] == [1] + [base + n for base, n, *_ in chunks[:-1]]
    assert [n for _, n, *_ in chunks] == [len(text.splitlines()) for text in texts]
    with open(source, newline="", encoding="utf-8") as f:
        assert [r for text in texts for r in csv.reader(text.splitlines(True))] == list(csv.reader(f))[1:]
    real_parallel, parallel_runs = run._parallel_load, []
    monkeypatch.setattr(run, "_parallel_load", lambda *a: parallel_runs.append(1) or real_parallel(*a))
    results, reports, snapshots = [], [], []
    for system, workers in (("serial", 1), ("parallel", 2)):
        mapping = dict(importing.load_mapping("nyc", None), source_system=system)
        report = tmp_path / f"{system}.csv"
        results.append(importing.import_file(source, mapping, report_path=report, initial_load=True,
                                             batch_size=60, workers=workers))
        reports.append(report.read_text("utf-8"))
        snapshots.append(_snapshot(system))
    serial, parallel = results
    assert parallel_runs == [1]
    assert (parallel.rows, parallel.imported, parallel.errors, parallel.warnings) == \
           (serial.rows, serial.imported, serial.errors, serial.warnings)
    assert reports[0] == reports[1] and "duplicate id (first at line 7)" in reports[1]
    assert snapshots[0] == snapshots[1] and len(snapshots[1][0]) == parallel.imported == snapshots[1][1]
    ids = list(Appeal.objects.filter(source_system="parallel").values_list("id", flat=True))
    assert len(set(ids)) == len(ids)
    again = importing.import_file(source, dict(importing.load_mapping("nyc", None), source_system="parallel"),
                                  report_path=tmp_path / "again.csv", initial_load=True, batch_size=60, workers=2)
    assert again.already == parallel.imported and again.imported == 0  # the source has rows: probed, no duplicates
    assert _snapshot("parallel") == snapshots[1] and parallel_runs == [1]


@pytest.mark.django_db(transaction=True)
@postgres_only("--initial-load is PostgreSQL only")
def test_the_command_says_an_interrupted_initial_load_wrote_nothing(shared_data, tmp_path, monkeypatch):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    real_convert = Converter.convert

    def interrupt(self, line, values, issues):
        if line == 300:
            raise KeyboardInterrupt
        return real_convert(self, line, values, issues)

    monkeypatch.setattr(Converter, "convert", interrupt)
    source = shared_data / "service-requests-311" / "nyc_311_1k.csv"
    with pytest.raises(CommandError, match="all or nothing, so nothing was written"):
        call_command("import", "appeals", str(source), "--format", "nyc", "--initial-load", "--workers", "2",
                     "--report", str(tmp_path / "r.csv"))
    assert Appeal.objects.count() == 0
    with pytest.raises(CommandError, match="--workers must be between 1 and 64"):
        call_command("import", "appeals", str(source), "--format", "nyc", "--initial-load", "--workers", "0")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("superuser", [True, False], ids=["key-triggers-off", "keys-dropped-and-revalidated"])
@postgres_only("--initial-load is PostgreSQL only")
def test_every_event_and_assignment_of_a_load_belongs_to_an_appeal(shared_data, tmp_path, monkeypatch, superuser):
    """Either way of skipping the per-row key checks leaves the keys among the appeal tables whole,
    whether the rows came from worker processes or from this one."""
    from gongzhi.appeals.models import Assignment

    monkeypatch.setattr(bulk_load, "_key_triggers_may_be_off", lambda cursor, tables: superuser)
    source = shared_data / "service-requests-311" / "nyc_311_1k.csv"
    before = schema_objects()
    for system, workers in (("serial", 1), ("parallel", 2)):
        mapping = dict(importing.load_mapping("nyc", None), source_system=system)
        result = importing.import_file(source, mapping, report_path=tmp_path / f"{system}.csv", initial_load=True,
                                       batch_size=150, workers=workers)
        assert result.imported > 900
    assert schema_objects() == before
    assert AppealEvent.objects.count() == Appeal.objects.count() == 2 * result.imported
    assert Assignment.objects.exists()
    with connection.cursor() as cursor:
        for model in (AppealEvent, Assignment):
            cursor.execute(f"SELECT count(*) FROM {model._meta.db_table} x WHERE NOT EXISTS "
                           f"(SELECT 1 FROM {Appeal._meta.db_table} a WHERE a.id = x.appeal_id)")
            assert cursor.fetchone()[0] == 0
    assert set(AppealEvent.objects.values_list("appeal_id", flat=True)) == set(Appeal.objects.values_list("id", flat=True))


@pytest.mark.django_db(transaction=True)
@postgres_only("--initial-load is PostgreSQL only")
def test_initial_load_reads_chinese_encodings_and_names_a_broken_line(shared_data, tmp_path, monkeypatch):
    """Worker processes read their own part of the file: a GB18030 export goes through them, a
    UTF-16 one (whose bytes cannot be cut blindly) loads in one process, and a byte that is not text
    stops the load, naming its line, with nothing written."""
    text = (shared_data / "service-requests-311" / "nyc_311_1k.csv").read_text("utf-8-sig")
    real_parallel, parallel_runs = run._parallel_load, []
    monkeypatch.setattr(run, "_parallel_load", lambda *a: parallel_runs.append(1) or real_parallel(*a))
    results = {}
    for encoding in ("gb18030", "utf-16"):
        source = tmp_path / f"{encoding}.csv"
        source.write_text(text, encoding=encoding)
        mapping = dict(importing.load_mapping("nyc", None), source_system=encoding, encoding=encoding)
        results[encoding] = importing.import_file(source, mapping, report_path=tmp_path / f"{encoding}.report.csv",
                                                  initial_load=True, workers=2)
    assert parallel_runs == [1]
    assert results["gb18030"].imported == results["utf-16"].imported > 900
    assert _snapshot("gb18030")[0] == _snapshot("utf-16")[0]

    import csv
    import io

    unquoted = io.StringIO()  # no quote anywhere: the file is cut unread and only a worker decodes it
    csv.writer(unquoted).writerows([[v.replace(",", " ").replace('"', "") for v in row]
                                    for row in csv.reader(io.StringIO(text))])
    for kind, content in (("quoted", text), ("unquoted", unquoted.getvalue())):
        lines = content.encode("utf-8").split(b"\n")
        lines[600] = lines[600][:20] + b"\xff" + lines[600][20:]
        source = tmp_path / f"broken-{kind}.csv"
        source.write_bytes(b"\n".join(lines))
        mapping = dict(importing.load_mapping("nyc", None), source_system="broken", encoding="utf-8")
        with pytest.raises(importing.ImportError_, match="bad utf-8 text at line 601$"):
            importing.import_file(source, mapping, report_path=tmp_path / "broken.report.csv", initial_load=True,
                                  workers=2)
        assert not Appeal.objects.filter(source_system="broken").exists()


@pytest.mark.parametrize("cores, workers", [(1, 2), (2, 2), (4, 3), (16, 8)])
def test_the_initial_load_uses_the_cores_it_is_given(monkeypatch, cores, workers):
    """One converting process per core it may run on, less one for the database and the writer, and
    never fewer than two (a single core converts in the writing process instead)."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert default_workers() == workers
    assert usable_cores() == cores


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("line_end", ["\r", "\r\n", "\n"], ids=["cr", "crlf", "lf"])
@postgres_only("--initial-load is PostgreSQL only")
def test_every_line_ending_loads_through_the_workers_as_in_one_process(tmp_path, monkeypatch, line_end):
    """Old Mac exports end lines with a bare CR: the workers read them as csv does a file."""
    monkeypatch.setattr(tabular, "SPLIT_BLOCK", 20000)
    rows = [f"{i},2024-01-0{1 + i % 9} 10:00:00,标题{i}" for i in range(3000)]
    rows[2000] = "2000,not a date,标题"
    source = tmp_path / "export.csv"
    source.write_bytes(line_end.join(["id,created,title", *rows, ""]).encode("utf-8"))
    reports = []
    for system, workers in (("serial", 1), ("parallel", 2)):
        mapping = {"source_system": system, "id": "id", "created": "created", "title": "title"}
        result = importing.import_file(source, mapping, report_path=tmp_path / f"{system}.csv", initial_load=True,
                                       batch_size=700, workers=workers)
        assert (result.rows, result.imported, result.errors) == (3000, 2999, 1)
        reports.append((tmp_path / f"{system}.csv").read_text("utf-8"))
    assert reports[0] == reports[1] and "\n2002,2000,error,created," in reports[1]
