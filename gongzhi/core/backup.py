"""`gongzhi backup OUT` and `gongzhi restore IN`: the whole platform in one file, taken while it runs.

A backup is a tar file holding
  manifest.json   engine, time, the migrations applied, and for every table its row count and a
                  content checksum, computed inside the same snapshot the database copy comes from;
  database.dump   PostgreSQL: `pg_dump --format=custom --snapshot=…` of that exported snapshot;
  database.sqlite3  SQLite: a copy made with SQLite's online backup API (consistent while writers go on);
  data/…          the uploads (`GONGZHI_DATA_DIR/media`) and trained models (`…/models`), copied after
                  the database: a file newer than the copy is harmless, a row without its file is not.

`restore` loads it into the configured database, which must hold no tables (a fresh database;
`--replace` drops what is there first), puts the files back under `GONGZHI_DATA_DIR`, then counts and
checksums every table again and fails, naming the table, when any differs from the manifest.

A table's checksum is the SHA-256 of its rows in primary-key order, each value written in a form
that does not depend on the driver (text, ISO times in UTC, hex bytes, JSON with sorted keys).
"""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

FORMAT = 1
DATA_PARTS = ("media", "models")


class BackupError(Exception):
    """A backup or restore that cannot go on: one line for the operator."""


# ---------------------------------------------------------------------------- checksums

def _value(v) -> str:
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, (bytes, memoryview, bytearray)):
        return bytes(v).hex()
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return v.isoformat(sep=" ")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return format(v.normalize(), "f")
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, ensure_ascii=False)
    if isinstance(v, uuid.UUID):
        return v.hex
    return str(v)


def _tables(cursor) -> list[str]:
    return sorted(t.name for t in connection.introspection.get_table_list(cursor) if t.type == "t")


def database_summary() -> dict[str, dict]:
    """{table: {"rows": n, "sha256": hex}} for every table of the configured database."""
    if connection.vendor == "sqlite":
        connection.close()  # read the file itself, as the backup's copy is read
        return _summary_of_sqlite_file(_sqlite_path())
    with connection.cursor() as cur:
        return _summary_with(connection, cur)


def _summary_of_sqlite_file(path: Path) -> dict[str, dict]:
    """The same summary, of an SQLite file other than the live database (the backup copy)."""
    conn = sqlite3.connect(path, detect_types=0)
    try:
        cur = conn.cursor()
        tables = [r[0] for r in cur.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        summary = {}
        for table in sorted(tables):
            cols = cur.execute(f'PRAGMA table_info("{table}")').fetchall()
            pk = [c[1] for c in sorted(cols, key=lambda c: c[5]) if c[5]] or [c[1] for c in cols]
            order = ", ".join(f'"{c}"' for c in pk)
            digest, rows = hashlib.sha256(), 0
            cur.execute(f'SELECT * FROM "{table}" ORDER BY {order}')
            while chunk := cur.fetchmany(2000):
                for row in chunk:
                    digest.update("\x1f".join(_value(v) for v in row).encode())
                    digest.update(b"\x1e")
                rows += len(chunk)
            summary[table] = {"rows": rows, "sha256": digest.hexdigest()}
        return summary
    finally:
        conn.close()


# ---------------------------------------------------------------------------- backup

def _pg_env() -> tuple[list[str], dict]:
    db = connection.settings_dict
    args = []
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                         if p.parent.name.isdigit() else 0, reverse=True):
        if (bindir / name).exists():
            return str(bindir / name)
    raise BackupError(f"{name} not found: install PostgreSQL's client programs (Debian: postgresql-client)")


def _migrations(cursor) -> list[list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [list(r) for r in cursor.fetchall()]


def backup(out: Path) -> dict:
    """Write the backup file; returns its manifest."""
    out = Path(out)
    if out.exists() and out.is_dir():
        raise BackupError(f"{out} is a folder: give a file name, e.g. {out / 'gongzhi.backup'}")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gongzhi-backup-", dir=out.parent))
    try:
        vendor = connection.vendor
        if vendor == "postgresql":
            manifest, db_file = _backup_postgres(work)
        elif vendor == "sqlite":
            manifest, db_file = _backup_sqlite(work)
        else:
            raise BackupError(f"backups of {vendor} databases are not supported (PostgreSQL or SQLite)")
        files = _data_files()
        manifest.update({"format": FORMAT, "created_at": timezone.now().isoformat(),
                         "files": {name: {"bytes": path.stat().st_size} for name, path in files}})
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            tar.add(db_file, arcname=db_file.name)
            for name, path in files:
                tar.add(path, arcname=f"data/{name}", recursive=False)
        os.replace(partial, out)  # a backup file is whole or absent
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _data_files() -> list[tuple[str, Path]]:
    root = Path(settings.DATA_DIR)
    found = []
    for part in DATA_PARTS:
        base = root / part
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    found.append((path.relative_to(root).as_posix(), path))
    return found


def _backup_postgres(work: Path) -> tuple[dict, Path]:
    """One REPEATABLE READ transaction exports its snapshot; pg_dump dumps exactly that snapshot
    while the manifest's counts and checksums are read in it too."""
    from django.db import connections

    dump = work / "database.dump"
    conn = connections.create_connection("default")  # its own session: the snapshot lives as long as it does
    try:
        conn.set_autocommit(False)
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            args, env = _pg_env()
            proc = subprocess.Popen([_pg_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges",
                                     f"--snapshot={snapshot}", "--file", str(dump), connection.settings_dict["NAME"]],
                                    env=env, stderr=subprocess.PIPE, text=True)
            tables = _summary_with(conn, cur)
            migrations = _migrations(cur)
            _, err = proc.communicate()
            if proc.returncode:
                raise BackupError(f"pg_dump failed: {err.strip().splitlines()[-1] if err.strip() else proc.returncode}")
        conn.rollback()
    finally:
        conn.close()
    return {"engine": "postgresql", "database": "database.dump", "tables": tables, "migrations": migrations}, dump


def _summary_with(conn, cur) -> dict:
    """table_summary over another connection of the same backend (introspection is per backend)."""
    qn = conn.ops.quote_name
    summary = {}
    for table in sorted(t.name for t in conn.introspection.get_table_list(cur) if t.type == "t"):
        pk = conn.introspection.get_primary_key_columns(cur, table) or [
            c.name for c in conn.introspection.get_table_description(cur, table)]
        digest, rows = hashlib.sha256(), 0
        cur.execute(f"SELECT * FROM {qn(table)} ORDER BY {', '.join(qn(c) for c in pk)}")
        while chunk := cur.fetchmany(2000):
            for row in chunk:
                digest.update("\x1f".join(_value(v) for v in row).encode())
                digest.update(b"\x1e")
            rows += len(chunk)
        summary[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return summary


def _sqlite_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(name)


def _backup_sqlite(work: Path) -> tuple[dict, Path]:
    copy = work / "database.sqlite3"
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    try:
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # the online backup API: a consistent copy while others write
        finally:
            target.close()
    finally:
        source.close()
    with sqlite3.connect(copy) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        migrations = [list(r) for r in conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name")]
    conn.close()
    return {"engine": "sqlite", "database": "database.sqlite3", "tables": _summary_of_sqlite_file(copy),
            "migrations": migrations}, copy


# ---------------------------------------------------------------------------- restore

def read_manifest(path: Path) -> dict:
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.extractfile("manifest.json")
            return json.loads(member.read())
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist") from None
    except (OSError, tarfile.TarError, KeyError, ValueError, AttributeError):
        raise BackupError(f"{path} is not a Gongzhi backup (a tar file with a manifest.json)") from None


def restore(path: Path, *, replace: bool = False) -> dict:
    """Load the backup into the configured database and data folder; returns the verification
    ({table: (expected rows, restored rows, checksum equal)}). Raises BackupError on any difference."""
    path = Path(path)
    manifest = read_manifest(path)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: backup format {manifest.get('format')} is not {FORMAT}")
    vendor = connection.vendor
    if manifest["engine"] != vendor:
        raise BackupError(f"{path} is a {manifest['engine']} backup; the configured database is {vendor}")
    with connection.cursor() as cur:
        existing = _tables(cur)
    if existing and not replace:
        raise BackupError(f"the database already holds {len(existing)} tables: restore into a fresh database, "
                          "or give --replace to drop them first")
    work = Path(tempfile.mkdtemp(prefix="gongzhi-restore-"))
    try:
        with tarfile.open(path, "r") as tar:
            tar.extractall(work, filter="data")
        if vendor == "postgresql":
            _restore_postgres(work / manifest["database"], existing)
        else:
            _restore_sqlite(work / manifest["database"])
        _restore_files(work / "data")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return verify(manifest)


def verify(manifest: dict) -> dict:
    connection.close()
    now = database_summary()
    report, wrong = {}, []
    for table in sorted(set(manifest["tables"]) | set(now)):
        want, got = manifest["tables"].get(table), now.get(table)
        same = want is not None and got is not None and want["sha256"] == got["sha256"]
        report[table] = ((want or {}).get("rows"), (got or {}).get("rows"), same)
        if not same:
            wrong.append(table)
    if wrong:
        t = wrong[0]
        raise BackupError(f"restored table {t} differs from the backup (rows {report[t][0]} in the backup, "
                          f"{report[t][1]} restored); {len(wrong)} table(s) differ")
    return report


def _restore_postgres(dump: Path, existing: list[str]) -> None:
    if existing:  # --replace: everything of the schema goes (tables, sequences, functions, triggers)
        with connection.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE")
            cur.execute("CREATE SCHEMA public")
    connection.close()
    args, env = _pg_env()
    proc = subprocess.run([_pg_tool("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error",
                           "--single-transaction", "--dbname", connection.settings_dict["NAME"], str(dump)],
                          env=env, capture_output=True, text=True)
    if proc.returncode:
        lines = [line for line in proc.stderr.splitlines() if "error:" in line] or proc.stderr.strip().splitlines()
        raise BackupError(f"pg_restore failed: {lines[0].strip() if lines else proc.returncode}")


def _restore_sqlite(copy: Path) -> None:
    target_path = _sqlite_path()
    connection.close()
    source = sqlite3.connect(copy)
    try:
        target = sqlite3.connect(target_path, timeout=30)
        try:
            source.backup(target)  # replaces the whole target database, page by page, in one step
        finally:
            target.close()
    finally:
        source.close()


def _restore_files(data: Path) -> None:
    if not data.is_dir():
        return
    root = Path(settings.DATA_DIR)
    for path in sorted(data.rglob("*")):
        if path.is_file():
            dest = root / path.relative_to(data)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
