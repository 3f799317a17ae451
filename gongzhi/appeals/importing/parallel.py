"""The import of a whole CSV file on PostgreSQL with the per-row Python work in worker processes:
forked, they inherit the converter, the row builder and the COPY encoders, and each reads, converts
and encodes its byte range of the file; the main process splits the file, resolves (creates) the
names the workers meet first, draws ids, drops duplicate ids, writes the report in line order and
streams the finished chunks into COPY. What the pool runs in a worker (_convert_chunk, _start_worker)
is defined at module level here, so it is found by its qualified name."""
from __future__ import annotations

import csv
import gc
import heapq
import io
import itertools
import operator
import os
import signal
import time
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path

from django.db import connection, transaction
import psycopg
from psycopg.adapt import AdaptersMap

from gongzhi.core.tabular import _byte_splittable, _read_chunk, _split_csv

from ..models import Appeal, AppealEvent, Assignment
from . import bulk_load
from .bulk_load import BULK_TABLES, _check_keys, _outside_keys, bulk_load_begin, bulk_load_end
from .convert import Converter
from .lookups import Lookups, _KnownLookups
from .mapping import ImportError_
from .report import Issue, Result
from .writers import (_COPY_SIGNATURE, _COPY_TRAILER, CopyWriter, JsonText, JsonTextBinaryDumper, TableWriter, Writer,
                      _RowEncoder)


#: Rows per chunk a worker converts (and per COPY): big enough that the per-chunk round trips vanish.
PARALLEL_CHUNK = 20000
#: What a converting process inherits (fork): the converter, the row builder and the COPY encoders.
_worker: dict = {}


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def default_workers() -> int:
    """Converting processes: a core each, less one for the database server and this process (both
    busy a third of the time), at least two (on two cores, two workers beat one) and at most eight
    (beyond that the one writing connection is the limit)."""
    return max(2, min(usable_cores() - 1, 8))


def _parallel_load_fits(path: Path, mapping: dict, limit: int | None, workers: int | None, writer: Writer,
                        initial_load: bool) -> bool:
    """Worker processes convert a whole CSV file on PostgreSQL, outside any transaction of the
    caller's (batches commit on their own); an initial load only into a source with no rows yet (no
    existence probes, unique constraints rebuilt at the end, so a worker's rows never need redrawing)."""
    import multiprocessing

    if not isinstance(writer, CopyWriter) or limit is not None or path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        return False
    if connection.in_atomic_block:
        return False
    if (workers if workers is not None else default_workers()) < 2 or usable_cores() < 2:
        return False
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    if not _byte_splittable(mapping.get("encoding") or "utf-8-sig", mapping.get("delimiter") or ","):
        return False
    if not initial_load:
        return True
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {Appeal._meta.db_table} WHERE source_system = %s "
                       "AND source_ref <> '')", [writer.source_system])
        return not cursor.fetchone()[0]


def _convert_chunk(*args) -> dict:
    """In a worker: _convert_rows, with any exception (Ctrl-C too, which would otherwise end the
    worker and leave its result pending for ever) handed back to the main process."""
    try:
        return _convert_rows(*args)
    except BaseException as exc:
        return {"error": exc}


def _convert_rows(base: int, start: int, end: int, ids: Sequence[int], delimiter: str, categories: dict,
                  departments: dict) -> dict:
    """In a worker: one chunk's rows as binary COPY payloads for the three tables, with each row's
    offsets (so the main process can still leave a row out), its refs and lines in file order, the
    report entries and the keys written; or the names still to be resolved."""
    converter, writer = _worker["converter"], _worker["writer"]
    text = _read_chunk(_worker["path"], _worker["encoding"], base, start, end)
    lookups = converter.lookups
    lookups.categories.update(categories)
    lookups.departments.update(departments)
    issues: list[Issue] = []
    rows: list[dict] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)  # line ends as a file opened with newline=""
    last = records = 0
    convert = converter.convert
    for values in reader:
        first_line, last = last + 1, reader.line_num
        if values:
            records += 1
            row = convert(base + first_line, values, issues)
            if row is not None:
                rows.append(row)
    if lookups.missing_categories or lookups.missing_departments:
        missing = (lookups.missing_categories, lookups.missing_departments)
        lookups.missing_categories, lookups.missing_departments = set(), set()
        converter.category_cache.clear()  # they may hold a None for a name not resolved yet
        converter.department_cache.clear()
        return {"missing": missing}
    # Time order, as write() does.
    order = sorted(range(len(rows)), key=list(map(operator.itemgetter("tracking_number"), rows)).__getitem__)
    ordered = [rows[i] for i in order]
    ids = ids[:len(rows)]
    encoders = _worker["encoders"]
    payloads = {name: encoders[name].encode_all(rows_of(ids, ordered, with_tail=False)) for name, rows_of in (
        ("appeal", writer.appeal_rows), ("event", writer.event_rows), ("assignment", writer.assignment_rows))}
    keys = {key: set(map(operator.itemgetter(key), rows)) for key in set(TableWriter.KEY_SOURCES.values())}
    return {"records": records, "payloads": payloads, "order": array("q", order),
            "refs": list(map(operator.itemgetter("ref"), rows)),
            "lines": array("q", map(operator.itemgetter("line"), rows)), "issues": issues, "keys": keys}


def _parallel_load(path: Path, mapping: dict, converter: Converter, lookups: Lookups, writer: CopyWriter,
                   out, report_handle, result: Result, started: float, chunk_rows: int, workers: int,
                   progress: Callable[[Result], None] | None, initial_load: bool) -> None:
    """A load with the per-row Python work spread over worker processes (forked, so they inherit the
    converter and the lookups): this process splits the file, draws each chunk's ids from the
    sequence, checks ids for duplicates across chunks, writes the report in line order and streams
    the finished payloads into COPY: an initial load in its one transaction, otherwise a chunk per
    transaction, leaving out the rows already imported (a re-run, a resumed run)."""
    import multiprocessing
    from collections import deque

    appeals = Appeal._meta.db_table
    tables = {"appeal": (appeals, writer.appeal_columns), "event": (AppealEvent._meta.db_table, writer.event_columns),
              "assignment": (Assignment._meta.db_table, writer.assignment_columns)}
    tails = {"appeal": writer.appeal_tail, "event": writer.event_tail, "assignment": writer.assignment_tail}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [appeals])
        sequence = cursor.fetchone()[0]
        adapters = AdaptersMap(cursor.cursor.adapters)
        adapters.register_dumper(JsonText, JsonTextBinaryDumper)  # jsonb from JSON text
        encoders = {}
        for name, (table, columns) in tables.items():
            cursor.execute("SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass "
                           "AND attnum > 0 AND NOT attisdropped", [table])
            oids = dict(cursor.fetchall())
            encoders[name] = _RowEncoder(adapters, [oids[c] for c in columns], tails[name])
    delimiter = "\t" if path.suffix.lower() == ".tsv" else mapping.get("delimiter") or ","
    encoding = mapping.get("encoding") or "utf-8-sig"
    real_lookups = converter.lookups
    converter.lookups = _KnownLookups()
    _worker.update(converter=converter, writer=writer, encoders=encoders, path=path, encoding=encoding)
    # No connection may cross the fork: a child closing its copy would end the parent's session.
    connection.close()
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker)
    finally:
        converter.lookups = real_lookups
        _worker.clear()
    seen: dict[str, int] = {}
    names = {name: ", ".join(f'"{c}"' for c in columns) for name, (_, columns) in tables.items()}
    # Outside an initial load each chunk is its own transaction; when the role may, it skips the
    # per-row key triggers and checks the chunk's few distinct keys at once (as bulk_load_end does).
    outside_keys: list[tuple[str, str, str, str]] = []
    if not initial_load:
        with connection.cursor() as cursor:
            # Called through its module, as bulk_load_begin calls it: one function to replace to
            # pretend the role may or may not switch the triggers off.
            if bulk_load._key_triggers_may_be_off(cursor, list(BULK_TABLES)):
                outside_keys = _outside_keys(cursor)

    def submit(base: int, start: int, end: int, ids: Sequence[int]):
        return pool.apply_async(_convert_chunk, (base, start, end, ids, delimiter, dict(lookups.categories),
                                                 dict(lookups.departments)))

    def merge(cursor, base: int, lines: int, start: int, end: int, ids: Sequence[int], pending) -> None:
        done = pending.get()
        for attempt in itertools.count():
            if "error" in done:
                raise done["error"]
            if "missing" not in done:
                break
            if attempt == 2:  # resolved twice and still unknown: a bug, not a reason to loop for ever
                raise ImportError_(f"names not resolved for lines after {base}: {done['missing']}")
            # Names seen for the first time: resolved (created) here, then the chunk is converted again.
            categories, departments = done["missing"]
            for category_path in sorted(categories):
                lookups.category(category_path)
            for name in sorted(departments):
                lookups.department(name)
            done = submit(base, start, end, ids).get()
        if initial_load:
            record(done, *write(cursor, done))
            return
        for attempt in range(3):  # a unique clash: another run of this source, or a tracking number drawn twice
            try:
                with transaction.atomic():
                    written = write(cursor, done)
                break
            except psycopg.errors.UniqueViolation:  # from the raw COPY, unwrapped
                if attempt == 2:
                    raise
                writer.source_had_rows = True  # probe every chunk from now on
                done = submit(base, start, end, ids).get()  # fresh tracking numbers
        record(done, *written)

    def write(cursor, done: dict) -> tuple[dict, list[Issue], set[int], int]:
        """COPY the chunk's rows but those already seen in the file (or, outside an initial load,
        already imported); (their refs and lines, the duplicates, the rows left out, how many of them
        were imported before). Nothing outside the database changes here: a clash retries it."""
        refs, lines, order = done["refs"], done["lines"], done["order"]
        fresh = dict(zip(refs, lines))
        duplicates: list[Issue] = []
        drop: set[int] = set()
        if len(fresh) != len(refs) or not seen.keys().isdisjoint(fresh):
            fresh = {}
            for i, (ref, line) in enumerate(zip(refs, lines)):
                first = seen.get(ref) or fresh.get(ref)
                if first is not None:
                    duplicates.append(Issue(line, ref, "error", "id", f"duplicate id (first at line {first})"))
                    drop.add(i)
                else:
                    fresh[ref] = line
        already = 0
        if not initial_load:  # imported by an earlier run: left out, counted
            existing = writer.existing([ref for i, ref in enumerate(refs) if i not in drop])
            for i, ref in enumerate(refs):
                if ref in existing and i not in drop:
                    drop.add(i)
                    already += 1
            if outside_keys:  # per-row key triggers off for this chunk, its keys checked at once below
                cursor.execute("SET LOCAL session_replication_role = replica")
        for name, (payload, offsets) in done["payloads"].items():
            if drop:
                payload = b"".join(payload[offsets[p]:offsets[p + 1]] for p in range(len(order))
                                   if order[p] not in drop)
            if payload:
                with cursor.cursor.copy(f"COPY {tables[name][0]} ({names[name]}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(_COPY_SIGNATURE)
                    copy.write(memoryview(payload))  # sent in slices: a view slices without copying
                    copy.write(_COPY_TRAILER)
        if not initial_load and outside_keys:
            written = {column: set() for column in writer.key_values}  # columns never filled: NULL
            written.update({column: done["keys"][key] for column, key in TableWriter.KEY_SOURCES.items()})
            _check_keys(cursor, outside_keys, written)
        return fresh, duplicates, drop, already

    def record(done: dict, fresh: dict, duplicates: list[Issue], drop: set[int], already: int) -> None:
        """What a written chunk adds to the run: its refs, its report lines, its counts."""
        seen.update(fresh)
        for issue in heapq.merge(done["issues"], duplicates, key=lambda issue: issue.line):
            out.writerow([issue.line, issue.ref, issue.level, issue.field, issue.problem, issue.value])
            if issue.level == "error":
                result.errors += 1
            else:
                result.warnings += 1
        for key, values in done["keys"].items():
            for table_column, source in TableWriter.KEY_SOURCES.items():
                if source == key:
                    writer.key_values.setdefault(table_column, set()).update(values)
        result.rows += done["records"]
        result.imported += len(done["refs"]) - len(drop)
        result.already += already
        report_handle.flush()
        result.seconds = time.perf_counter() - started
        result.created = dict(lookups.created)
        if progress:
            progress(result)

    def load() -> None:
        with connection.cursor() as cursor:
            pending: deque = deque()
            for base, lines, start, end in _split_csv(path, encoding, delimiter, chunk_rows, first_rows=1000):
                # Ids for every line of the chunk (a skipped row leaves a gap). In an initial load the
                # appeal table is locked, so nothing else draws from the sequence meanwhile and one
                # setval reserves a range; otherwise each id is drawn.
                if initial_load:
                    cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, lines])
                    last = cursor.fetchone()[0]
                    ids: Sequence[int] = range(last - lines + 1, last + 1)
                else:
                    cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, lines])
                    ids = array("q", (row[0] for row in cursor.fetchall()))
                pending.append((base, lines, start, end, ids, submit(base, start, end, ids)))
                # The first (small) chunk is merged before any other is sent, so the names it
                # brings are known to the workers from then on.
                while len(pending) > (workers + 1 if seen or result.errors else 0):
                    merge(cursor, *pending.popleft())
            while pending:
                merge(cursor, *pending.popleft())

    try:
        if initial_load:
            with transaction.atomic():
                plan = bulk_load_begin(writer.source_system)
                if plan.source_had_rows:
                    raise ImportError_(f"another import of {writer.source_system} started meanwhile: "
                                       "run this one again")
                load()
                bulk_load_end(plan, writer.key_values)
        else:
            load()
    finally:
        pool.terminate()
        pool.join()
    result.seconds = time.perf_counter() - started
    result.created = dict(lookups.created)


def _start_worker() -> None:
    """Workers inherit the parent's signal handlers (a test runner's or a server's): with a SIGTERM
    handler that does not exit, Pool.terminate() would wait for them forever. Ctrl-C is the parent's.
    They inherit its whole heap too: frozen, the garbage collector stops walking it (and copying its
    pages) every few thousand rows."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()
