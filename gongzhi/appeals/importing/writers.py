"""Writing converted rows, a batch at a time: Django bulk_create (any database), executemany (SQLite)
or binary COPY (PostgreSQL, ids drawn from the sequence), each filling the appeal, event and
assignment tables (make_writer picks one); the binary COPY encoders that worker processes turn rows
into COPY data with (_RowEncoder, JsonText); and the retry of a batch that met a unique clash."""
from __future__ import annotations

import datetime as dt
import json
from array import array
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring  # the C string quoter json.dumps uses
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg import postgres, pq
from psycopg._copy_base import format_row_binary  # the C encoder Copy.write_row uses
from psycopg.adapt import AdaptersMap, Dumper, Transformer

from ..models import Appeal, AppealEvent, Assignment, Channel, Status
from .convert import tracking_number
from .mapping import ImportError_


class Writer:
    """Writes one batch of converted rows; returns the refs actually inserted."""

    def __init__(self, source_system: str, run_label: str):
        self.source_system = source_system
        self.run_label = run_label
        self.now = timezone.now()

    def existing(self, refs: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(refs), 900):
            chunk = refs[start:start + 900]
            found.update(Appeal.objects.filter(source_system=self.source_system, source_ref__in=chunk)
                         .values_list("source_ref", flat=True))
        return found

    def event_data(self, row: dict) -> dict:
        return {"source_system": self.source_system, "source_ref": row["ref"], "line": row["line"],
                "source_status": row["source_status"], "run": self.run_label}


class BulkCreateWriter(Writer):
    """Any database (SQLite in particular): Django bulk_create, ids returned by the database."""

    def write(self, rows: list[dict]) -> int:
        appeals = [Appeal(
            tracking_number=r["tracking_number"], access_code_hash="", channel=Channel.IMPORT, title=r["title"],
            content=r["content"], category_id=r["category_id"], status=r["status"], location_text=r["location_text"],
            lat=r["lat"], lon=r["lon"], grid_id=r["grid_id"], region_id=r["region_id"],
            appellant_name=r["appellant_name"], lead_department_id=r["lead_department_id"],
            received_at=r["received_at"], due_at=r["due_at"], closed_at=r["closed_at"],
            dispatched_at=r["received_at"] if r["lead_department_id"] else None,
            source_system=self.source_system, source_ref=r["ref"],
        ) for r in rows]
        with transaction.atomic():
            Appeal.objects.bulk_create(appeals)
            AppealEvent.objects.bulk_create([AppealEvent(
                appeal_id=a.pk, kind="imported", actor_label="历史导入", department_id=a.lead_department_id,
                to_status=a.status, note=r["notes"], data=self.event_data(r), created_at=self.now,
            ) for a, r in zip(appeals, rows)])
            Assignment.objects.bulk_create([Assignment(
                appeal_id=a.pk, department_id=a.lead_department_id, state=Assignment.State.ACKNOWLEDGED,
                dispatched_at=a.received_at, acknowledged_at=a.received_at, due_at=a.due_at,
                instructions="历史导入",
            ) for a in appeals if a.status == Status.HANDLING and a.lead_department_id])
        return len(appeals)


class TableWriter(Writer):
    """Builds plain row tuples for the three tables (no model instances: millions of rows) and hands
    them to a sink: COPY on PostgreSQL, executemany elsewhere. Ids are assigned here so events and
    assignments can point at their appeal without reading anything back.

    Each table's column list starts with the columns a row fills, in the order the builder writes
    them; the rest (defaults, and values the same for the whole run) follow as one constant tuple,
    so a row is one tuple display plus one concatenation."""

    #: Which row value fills each foreign key written to another table (any other key stays NULL),
    #: so the keys a load wrote can be checked from the few distinct values instead of every row.
    KEY_SOURCES = {
        (Appeal._meta.db_table, "category_id"): "category_id",
        (Appeal._meta.db_table, "lead_department_id"): "lead_department_id",
        (Appeal._meta.db_table, "grid_id"): "grid_id",
        (Appeal._meta.db_table, "region_id"): "region_id",
        (AppealEvent._meta.db_table, "department_id"): "lead_department_id",
        (Assignment._meta.db_table, "department_id"): "lead_department_id",
    }
    APPEAL_FILLED = ("id", "tracking_number", "title", "content", "category_id", "status", "location_text", "lat",
                     "lon", "grid_id", "region_id", "appellant_name", "lead_department_id", "received_at", "due_at",
                     "closed_at", "dispatched_at", "source_ref")
    EVENT_FILLED = ("appeal_id", "department_id", "to_status", "note", "data")
    ASSIGNMENT_FILLED = ("appeal_id", "department_id", "dispatched_at", "acknowledged_at", "due_at")

    def __init__(self, source_system: str, run_label: str):
        super().__init__(source_system, run_label)
        self.key_values: dict[tuple[str, str], set] = {
            (model._meta.db_table, f.column): set() for model in (Appeal, AppealEvent, Assignment)
            for f in model._meta.concrete_fields if f.is_relation}
        self.appeal_columns, self.appeal_tail = self._layout(Appeal, self.APPEAL_FILLED, {
            "access_code_hash": "", "channel": Channel.IMPORT.value, "source_system": source_system,
            "updated_at": self.now})
        self.event_columns, self.event_tail = self._layout(AppealEvent, self.EVENT_FILLED, {
            "kind": "imported", "actor_label": "历史导入", "created_at": self.now, "from_status": ""})
        self.assignment_columns, self.assignment_tail = self._layout(Assignment, self.ASSIGNMENT_FILLED, {
            "state": Assignment.State.ACKNOWLEDGED.value, "instructions": "历史导入"})

    @staticmethod
    def _layout(model, filled: tuple[str, ...], fixed: dict) -> tuple[list[str], tuple]:
        """(column names: the filled ones first, then the rest; the rest's values for every row)."""
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        rest = [f for f in model._meta.concrete_fields if f.attname not in filled and not f.primary_key]
        tail = []
        for f in rest:
            if f.attname in fixed:
                value = fixed[f.attname]
            else:
                value = f.get_default()  # "" for a text column without default, None for a nullable one
                if f.get_internal_type() == "JSONField":
                    value = json.dumps(value if value is not None else {})
            tail.append(value)
        return [by_name[name].column for name in filled] + [f.column for f in rest], tuple(tail)

    def appeal_rows(self, ids: Iterable[int], rows: list[dict], with_tail: bool = True) -> Iterator[tuple]:
        """Whole rows, or without the tail only the filled columns (for an encoder that adds the
        tail's bytes, encoded once)."""
        tail = self.appeal_tail if with_tail else ()
        for pk, r in zip(ids, rows):
            received, department = r["received_at"], r["lead_department_id"]
            yield (pk, r["tracking_number"], r["title"], r["content"], r["category_id"], r["status"],
                   r["location_text"], r["lat"], r["lon"], r["grid_id"], r["region_id"], r["appellant_name"],
                   department, received, r["due_at"], r["closed_at"], received if department else None,
                   r["ref"]) + tail

    def event_rows(self, ids: Iterable[int], rows: list[dict], with_tail: bool = True) -> Iterator[tuple]:
        tail = self.event_tail if with_tail else ()
        # The same text json.dumps(self.event_data(r), ensure_ascii=False) gives, built from pieces.
        quote = encode_basestring
        head = '{"source_system": ' + quote(self.source_system) + ', "source_ref": '
        end = ', "run": ' + quote(self.run_label) + "}"
        for pk, r in zip(ids, rows):
            yield (pk, r["lead_department_id"], r["status"], r["notes"],
                   f'{head}{quote(r["ref"])}, "line": {r["line"]}, "source_status": {quote(r["source_status"])}{end}'
                   ) + tail

    def assignment_rows(self, ids: Iterable[int], rows: list[dict],
                        with_tail: bool = True) -> Iterator[tuple | None]:
        """An appeal being handled by its lead department has its assignment; the others None."""
        tail = self.assignment_tail if with_tail else ()
        for pk, r in zip(ids, rows):
            if r["status"] != Status.HANDLING or not r["lead_department_id"]:
                yield None
            else:
                yield (pk, r["lead_department_id"], r["received_at"], r["received_at"], r["due_at"]) + tail

    def write(self, rows: list[dict]) -> int:
        # In time order, index insertions (received_at, the date-prefixed tracking number) touch
        # neighbouring pages instead of random ones.
        rows = sorted(rows, key=lambda r: r["tracking_number"])
        with transaction.atomic(), connection.cursor() as cursor:
            ids = self.allocate_ids(cursor, len(rows))
            self.put(cursor, Appeal._meta.db_table, self.appeal_columns, self.appeal_rows(ids, rows))
            self.put(cursor, AppealEvent._meta.db_table, self.event_columns, self.event_rows(ids, rows))
            self.put(cursor, Assignment._meta.db_table, self.assignment_columns,
                     filter(None, self.assignment_rows(ids, rows)))
        seen = {key: {r[key] for r in rows} for key in set(self.KEY_SOURCES.values())}
        for (table, column), key in self.KEY_SOURCES.items():
            self.key_values.setdefault((table, column), set()).update(seen[key])
        return len(rows)


class JsonText(str):
    """Only a key to register JsonTextBinaryDumper under: COPY picks dumpers by column type, and the
    rows carry their JSON columns as serialised text (plain str)."""


class JsonTextBinaryDumper(Dumper):
    """jsonb in binary COPY from JSON text: version 1 and the text, no second serialisation."""

    format = pq.Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj) -> bytes:
        return b"\x01" + obj.encode()


class CopyWriter(TableWriter):
    """PostgreSQL: ids drawn from the table's sequence, rows streamed with COPY."""

    sequence = None

    def __init__(self, source_system: str, run_label: str):
        super().__init__(source_system, run_label)
        self.column_types: dict[str, list[int]] = {}

    #: None until asked once: whether this source had any appeal when the run started. When it had
    #: none, no batch needs probing (a concurrent import of the same source still meets the unique index).
    source_had_rows: bool | None = None

    def existing(self, refs: list[str]) -> set[str]:
        with connection.cursor() as cursor:
            if self.source_had_rows is None:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {Appeal._meta.db_table} WHERE source_system = %s "
                               "AND source_ref <> '')", [self.source_system])
                self.source_had_rows = cursor.fetchone()[0]
            if not self.source_had_rows:
                return set()
            cursor.execute(f"SELECT source_ref FROM {Appeal._meta.db_table} WHERE source_system = %s "
                           "AND source_ref = ANY(%s) AND source_ref <> ''", [self.source_system, refs])
            return {r[0] for r in cursor.fetchall()}

    def allocate_ids(self, cursor, n: int) -> list[int]:
        if self.sequence is None:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Appeal._meta.db_table])
            self.sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [self.sequence, n])
        return [r[0] for r in cursor.fetchall()]

    def put(self, cursor, table: str, columns: list[str], rows: Iterator[tuple]) -> None:
        """Binary COPY: the server stores timestamps, numbers and keys as sent instead of parsing
        their text (a third of its work on the appeal table)."""
        names = ", ".join(f'"{c}"' for c in columns)
        types = self.column_types.get(table)
        if types is None:
            cursor.execute("SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass "
                           "AND attnum > 0 AND NOT attisdropped", [table])
            oids = dict(cursor.fetchall())
            types = self.column_types[table] = [oids[c] for c in columns]
        pg = cursor.cursor
        pg.adapters.register_dumper(JsonText, JsonTextBinaryDumper)  # this cursor only: jsonb from JSON text
        with pg.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)


class ExecuteManyWriter(TableWriter):
    """SQLite: the write lock is held for the whole transaction, so ids can be taken from MAX(id)."""

    def allocate_ids(self, cursor, n: int) -> list[int]:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Appeal._meta.db_table}")
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + n))

    def put(self, cursor, table: str, columns: list[str], rows: Iterator[tuple]) -> None:
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        adapt = connection.ops.adapt_datetimefield_value  # the text Django stores a datetime as
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                           [[adapt(v) if isinstance(v, dt.datetime) else v for v in row] for row in rows])


def make_writer(source_system: str, run_label: str, use_copy: bool | None = None) -> Writer:
    if connection.vendor == "postgresql":
        return CopyWriter(source_system, run_label) if use_copy is not False else BulkCreateWriter(source_system, run_label)
    if use_copy:
        raise ImportError_("COPY needs PostgreSQL")
    if connection.vendor == "sqlite":
        return ExecuteManyWriter(source_system, run_label)
    return BulkCreateWriter(source_system, run_label)


def _write_with_retry(writer: Writer, rows: list[dict]) -> int:
    """A unique clash means another import raced us or a tracking number collided: re-check and redraw once."""
    try:
        return writer.write(rows)
    except IntegrityError:
        if getattr(writer, "source_had_rows", None) is False:
            writer.source_had_rows = True  # someone else imports this source now: probe every batch
        existing = writer.existing([r["ref"] for r in rows])
        rows = [r for r in rows if r["ref"] not in existing]
        for r in rows:
            r["tracking_number"] = tracking_number(r["received_at"].astimezone(ZoneInfo(settings.TIME_ZONE)).date())
        return writer.write(rows) if rows else 0


# ---------------------------------------------------------------- COPY data for the worker processes

_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\0" + b"\0" * 8
_COPY_TRAILER = b"\xff\xff"


class _RowEncoder:
    """Binary COPY rows whose last columns hold the same values in every row: those are encoded
    once, and a row's own columns are encoded and the shared bytes appended (a third of the
    encoding time of a whole appeal row)."""

    def __init__(self, adapters: AdaptersMap, oids: list[int], tail: tuple):
        own = len(oids) - len(tail)
        self.tx = Transformer(adapters)
        self.tx.set_dumper_types(oids[:own], pq.Format.BINARY)
        shared = Transformer(adapters)
        shared.set_dumper_types(oids[own:], pq.Format.BINARY)
        encoded = bytearray()
        format_row_binary(tail, shared, encoded)
        self.tail = bytes(encoded[2:])  # without its field count
        self.count = len(oids).to_bytes(2, "big")

    def encode_all(self, rows: Iterable[tuple | None]) -> tuple[bytes, array]:
        """(the rows' COPY data, where each row ends: None stands for an appeal without a row here)."""
        out, ends = bytearray(), array("q", [0])
        tx, count, tail, mark = self.tx, self.count, self.tail, ends.append
        for values in rows:
            if values is not None:
                at = len(out)
                format_row_binary(values, tx, out)
                out[at:at + 2] = count
                out += tail
            mark(len(out))
        return bytes(out), ends
