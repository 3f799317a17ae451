"""The all-or-nothing initial load's work on the tables (PostgreSQL): inside the load's transaction,
bulk_load_begin drops the appeal tables' secondary indexes (and, for a source with no rows yet, their
unique constraints) and skips or drops the per-row foreign key checks; bulk_load_end rebuilds them,
one sort each, and checks every skipped key at once. A parallel batched import uses the same key
check for each chunk (_outside_keys, _check_keys)."""
from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from ..models import Appeal, AppealEvent, Assignment
from .convert import tracking_number


BULK_TABLES = (Appeal._meta.db_table, AppealEvent._meta.db_table, Assignment._meta.db_table)


@dataclass
class BulkLoadPlan:
    """What bulk_load_begin took away and bulk_load_end puts back."""

    rebuild: list[str] = field(default_factory=list)
    #: Unique constraints of the appeal table, dropped only when the source had no rows yet.
    unique_rebuild: list[str] = field(default_factory=list)
    source_had_rows: bool = True
    #: (table, column, referenced table, referenced column) checked once each at the end, when the
    #: per-row key triggers were switched off for the load.
    keys: list[tuple[str, str, str, str]] = field(default_factory=list)


def bulk_load_begin(source_system: str) -> BulkLoadPlan:
    """Inside the load's transaction: drop the secondary indexes of the appeal tables and the foreign
    keys among them (unique indexes stay, so a source's rows already there are still refused). Keys to categories,
    departments and users stay: dropping them would lock those tables, which the load (and the rest of
    the site) keeps writing. The appeal table is now locked for the whole load, so when this source
    has no rows yet nothing but the load can insert there: its unique constraints are dropped too and
    rebuilt at the end (a clash still fails the load), and batches need no existence probe. Key
    checks to the other tables (one trigger call per key per row, queued until commit: a third of
    the load's time) are switched off instead when the role may do so and the tables have no
    triggers of their own; bulk_load_end then checks each key in one pass, and the keys among the
    three tables, which the loader fills from one set of rows, are neither dropped nor re-checked."""
    plan = BulkLoadPlan()
    tables = list(BULK_TABLES)
    with connection.cursor() as cursor:
        # The end's index builds sort in memory, on up to 2 parallel workers each (PostgreSQL's own).
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 2")
        cursor.execute("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT i.indisunique
        """, [tables])
        for name, definition in cursor.fetchall():
            cursor.execute(f"DROP INDEX {name}")
            plan.rebuild.append(definition)
        appeals = Appeal._meta.db_table
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {appeals} WHERE source_system = %s AND source_ref <> '')",
                       [source_system])
        plan.source_had_rows = cursor.fetchone()[0]
        if not plan.source_had_rows:
            cursor.execute("""
                SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname,
                       pg_get_constraintdef(c.oid)
                FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype = 'u'
                WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
            """, [appeals])
            for index, index_definition, constraint, definition in cursor.fetchall():
                if constraint:
                    cursor.execute(f'ALTER TABLE {appeals} DROP CONSTRAINT "{constraint}"')
                    plan.unique_rebuild.append(f'ALTER TABLE {appeals} ADD CONSTRAINT "{constraint}" {definition}')
                else:
                    cursor.execute(f"DROP INDEX {index}")
                    plan.unique_rebuild.append(index_definition)
        if not _key_triggers_may_be_off(cursor, tables):
            # The keys among the three tables, re-validated in one pass each at the end. With the
            # triggers off they stay: the loader writes an appeal's events and assignment from the
            # same rows and ids, so they hold by construction (and merged_into stays empty).
            cursor.execute("""
                SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
                FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                JOIN pg_class r ON r.oid = c.confrelid
                WHERE c.contype = 'f' AND t.relname = ANY(%s) AND r.relname = ANY(%s)
            """, [tables, tables])
            for table, name, definition in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                plan.rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        else:
            plan.keys = _outside_keys(cursor)
            # Like pg_restore --disable-triggers: only the key checks are skipped (the tables have no
            # other triggers); unique indexes keep working. Ends with the transaction.
            cursor.execute("SET LOCAL session_replication_role = replica")
    return plan


def _outside_keys(cursor) -> list[tuple[str, str, str, str]]:
    """(table, column, referenced table, referenced column) of each key from the appeal tables to
    another table: what _check_keys checks when the per-row triggers are off."""
    tables = list(BULK_TABLES)
    cursor.execute("""
        SELECT t.relname, a.attname, r.relname, ra.attname
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND t.relname = ANY(%s) AND NOT r.relname = ANY(%s)
          AND cardinality(c.conkey) = 1
    """, [tables, tables])
    return cursor.fetchall()


def _check_keys(cursor, keys: list[tuple[str, str, str, str]], key_values: dict[tuple[str, str], set] | None) -> None:
    """Check keys whose per-row triggers were off: from `key_values`, the distinct values written
    into a (table, column) when the writer knows them (columns it never fills are NULL), else by one
    anti-join over the table. The rows found stay locked until the commit, as the triggers would."""
    for table, column, ref_table, ref_column in keys:
        values = key_values.get((table, column)) if key_values is not None else None
        if values is not None:
            wanted = [v for v in values if v is not None]
            if not wanted:
                continue
            cursor.execute(f'SELECT r."{ref_column}" FROM {ref_table} r WHERE r."{ref_column}" = ANY(%s) '
                           f'FOR KEY SHARE OF r', [wanted])
            found = {row[0] for row in cursor.fetchall()}
            missing = next((v for v in wanted if v not in found), None)
        else:
            cursor.execute(f'SELECT 1 FROM {ref_table} r WHERE r."{ref_column}" IN '
                           f'(SELECT t."{column}" FROM {table} t) FOR KEY SHARE OF r')
            cursor.execute(f'SELECT t."{column}" FROM {table} t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '
                           f'(SELECT 1 FROM {ref_table} r WHERE r."{ref_column}" = t."{column}") LIMIT 1')
            missing = (cursor.fetchone() or [None])[0]
        if missing is not None:
            raise IntegrityError(f"{table}.{column}={missing} refers to no row of {ref_table}")


def _key_triggers_may_be_off(cursor, tables: list[str]) -> bool:
    """Only a superuser may switch triggers off, and only key checks may be lost by it."""
    cursor.execute("""
        SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
           AND NOT EXISTS (SELECT 1 FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
                           WHERE t.relname = ANY(%s) AND NOT g.tgisinternal)
    """, [tables])
    return cursor.fetchone()[0]


def bulk_load_end(plan: BulkLoadPlan, key_values: dict[tuple[str, str], set] | None = None) -> None:
    """Rebuild the indexes in one sort each and re-validate the internal foreign keys in one pass
    each, then check every skipped key (_check_keys)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the pending key checks before rebuilding
        for statement in plan.unique_rebuild:
            _add_unique(cursor, statement)
        for statement in plan.rebuild:
            cursor.execute(statement)
        for table in BULK_TABLES:
            cursor.execute(f"ANALYZE {table}")
        _check_keys(cursor, plan.keys, key_values)


def _add_unique(cursor, statement: str) -> None:
    """Rebuild one unique constraint; tracking numbers drawn twice (40 random bits a day: rare, not
    impossible) are drawn again first, as _write_with_retry does for a batch."""
    table = Appeal._meta.db_table
    for _ in range(5):
        try:
            with transaction.atomic():
                cursor.execute(statement)
            return
        except IntegrityError:
            if "tracking_number" not in statement:
                raise
            cursor.execute(f"""
                SELECT id, received_at FROM (
                    SELECT id, received_at, row_number() OVER (PARTITION BY tracking_number ORDER BY id) AS n
                    FROM {table} WHERE tracking_number IN
                        (SELECT tracking_number FROM {table} GROUP BY tracking_number HAVING count(*) > 1)
                ) d WHERE n > 1""")
            site = ZoneInfo(settings.TIME_ZONE)
            for pk, received in cursor.fetchall():
                cursor.execute(f"UPDATE {table} SET tracking_number = %s WHERE id = %s",
                               [tracking_number(received.astimezone(site).date()), pk])
    cursor.execute(statement)
