"""import_file, the entry point: reads the file, converts its rows, writes them in batches (each its
own transaction, or all in one for an initial load) and reports every problem; a whole CSV file on
PostgreSQL goes to the worker processes of parallel.py instead. Batches go to a sink that writes
them at once (InlineSink) or, on PostgreSQL, in a thread on its own connection while this one
parses the next batch (BackgroundSink)."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from gongzhi.core import spreadsheet
from gongzhi.core.tabular import read_rows

from .bulk_load import bulk_load_begin, bulk_load_end
from .convert import Converter
from .lookups import GridIndex, Lookups
from .mapping import ImportError_
from .parallel import PARALLEL_CHUNK, _parallel_load, _parallel_load_fits, default_workers
from .report import REPORT_COLUMNS, Issue, Result, default_report_path
from .writers import CopyWriter, Writer, _write_with_retry, make_writer


def import_file(path: str | Path, mapping: dict, *, report_path: str | Path | None = None, batch_size: int = 0,
                limit: int | None = None, dry_run: bool = False, use_copy: bool | None = None,
                progress: Callable[[Result], None] | None = None, initial_load: bool = False,
                workers: int | None = None) -> Result:
    """Import one file; commits batch by batch so an interruption loses at most one batch.

    With `initial_load` (PostgreSQL, for loading history into a new installation) the whole file is
    one transaction instead: secondary indexes of the appeal tables (and the foreign keys among them)
    are dropped and rebuilt (and re-validated) at the end, which is much faster than maintaining them row by row; an
    interruption rolls everything back. A CSV initial load of a source with no rows yet converts rows
    in `workers` processes (default_workers(); 1 = in this process) while this one only reads and writes."""
    path = Path(path)
    if initial_load and (connection.vendor != "postgresql" or use_copy is False or dry_run):
        raise ImportError_("--initial-load needs PostgreSQL with COPY and is not a dry run")
    if initial_load and connection.in_atomic_block:
        raise ImportError_("--initial-load runs its own transaction: call it outside one")
    if not path.is_file():
        raise ImportError_(f"file not found: {path}")
    report = Path(report_path) if report_path else default_report_path(path)
    try:
        report_handle = open(report, "w", newline="", encoding="utf-8")
    except OSError as exc:
        raise ImportError_(f"cannot write the report {report}: {exc.strerror}; give --report PATH") from None
    started = time.perf_counter()
    result = Result(report=str(report))
    with report_handle:
        out = spreadsheet.csv_writer(report_handle)  # values from the source file: no formulas, no controls
        out.writerow(REPORT_COLUMNS)
        header, rows = read_rows(path, mapping.get("encoding") or "utf-8-sig", mapping.get("delimiter") or ",")
        lookups = Lookups(mapping["source_system"], dry_run=dry_run)
        converter = Converter(mapping, header, lookups, GridIndex(), text_only=path.suffix.lower() != ".xlsx")
        run_label = f"{path.name}@{timezone.now():%Y-%m-%dT%H:%M:%S}"
        writer = make_writer(mapping["source_system"], run_label, use_copy)
        if not dry_run and _parallel_load_fits(path, mapping, limit, workers, writer, initial_load):
            next(rows, None)  # started, so that closing it closes the file (the workers' reader reads it)
            rows.close()
            _parallel_load(path, mapping, converter, lookups, writer, out, report_handle, result, started,
                           batch_size or PARALLEL_CHUNK, workers or default_workers(), progress, initial_load)
            return result
        if not batch_size:
            batch_size = 20000 if isinstance(writer, CopyWriter) else 5000
        seen: dict[str, int] = {}
        batch: list[dict] = []
        issues: list[Issue] = []
        # On PostgreSQL outside a transaction, batches are written by a second thread on its own
        # connection while this one parses the next batch: the database and Python work in parallel.
        sink = BackgroundSink(writer, initial_load) if (isinstance(writer, CopyWriter) and not dry_run
                                                        and not connection.in_atomic_block) \
            else InlineSink(writer, dry_run)

        def flush():
            nonlocal batch
            if batch:
                sink.submit(batch)
                batch = []
            for issue in issues:
                out.writerow([issue.line, issue.ref, issue.level, issue.field, issue.problem, issue.value])
                if issue.level == "error":
                    result.errors += 1
                else:
                    result.warnings += 1
            issues.clear()
            report_handle.flush()
            result.imported, result.already = sink.imported, sink.already
            result.seconds = time.perf_counter() - started
            result.created = dict(lookups.created)
            if progress:
                progress(result)

        try:
            for line, values in rows:
                if limit is not None and result.rows >= limit:
                    break
                result.rows += 1
                row = converter.convert(line, values, issues)
                if row is None:
                    continue
                first = seen.get(row["ref"])
                if first is not None:
                    issues.append(Issue(line, row["ref"], "error", "id", f"duplicate id (first at line {first})"))
                    continue
                seen[row["ref"]] = line
                batch.append(row)
                if len(batch) >= batch_size:
                    flush()
            flush()
        except BaseException as exc:
            sink.abort(exc)  # an initial load rolls back; batches already committed stay
            raise
        sink.finish()
    result.imported, result.already = sink.imported, sink.already
    result.seconds = time.perf_counter() - started
    result.created = dict(lookups.created)
    return result


class InlineSink:
    """Writes each batch at once, in the caller's connection and transaction."""

    def __init__(self, writer: Writer, dry_run: bool = False):
        self.writer, self.dry_run = writer, dry_run
        self.imported = self.already = 0

    def process(self, batch: list[dict]) -> None:
        existing = self.writer.existing([r["ref"] for r in batch])
        fresh = [r for r in batch if r["ref"] not in existing] if existing else batch
        self.already += len(batch) - len(fresh)
        if fresh:
            self.imported += len(fresh) if self.dry_run else _write_with_retry(self.writer, fresh)

    submit = process

    def finish(self) -> None:
        pass

    def abort(self, exc: BaseException) -> None:
        pass


class BackgroundSink(InlineSink):
    """Writes batches in a worker thread (its own database connection), one batch ahead of the parser."""

    def __init__(self, writer: Writer, initial_load: bool = False):
        import queue
        import threading

        super().__init__(writer)
        self.initial_load = initial_load
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            if self.initial_load:
                with transaction.atomic():
                    plan = bulk_load_begin(self.writer.source_system)
                    self.writer.source_had_rows = plan.source_had_rows
                    self._drain()
                    if self.error is not None:
                        raise self.error  # roll the whole load back
                    bulk_load_end(plan, self.writer.key_values)
            else:
                self._drain()
        except BaseException as exc:
            self.error = self.error or exc
        finally:
            connection.close()

    def _drain(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.process(batch)
                except BaseException as exc:  # handed to the main thread at its next submit/finish
                    self.error = exc

    def submit(self, batch: list[dict]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def finish(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def abort(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
