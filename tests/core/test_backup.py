"""`gongzhi backup OUT` and `gongzhi restore IN`: a backup taken while appeals keep arriving restores
into a fresh database with every table's rows and content equal to the moment it was taken, the
uploads with it; on the engine the suite runs on (scripts/test.sh runs it on SQLite, then on
PostgreSQL)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Appeals through the real intake service, each with a photo, until the stop file appears (or N).
WRITER = textwrap.dedent("""
    import io, os, sys, time
    import django
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image
    from gongzhi.appeals import services
    from gongzhi.core.models import Region

    stop, most = sys.argv[1], int(sys.argv[2])
    region = Region.objects.get_or_create(code="B1", defaults={"name": "备份区", "level": Region.Level.DISTRICT})[0]
    buf = io.BytesIO(); Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG"); png = buf.getvalue()
    for i in range(most):
        if os.path.exists(stop):
            break
        services.receive(channel="web", title=f"路灯不亮 {i}", content=f"幸福路{i}号路灯坏了", region=region,
                         appellant_name="王五", appellant_phone="13800138000", run_hooks=False,
                         attachments=[SimpleUploadedFile(f"photo{i}.png", png, "image/png")])
        print(i, flush=True)
""")

SUMMARY = ("import json, django; django.setup(); from gongzhi.core import backup; "
           "print(json.dumps(backup.database_summary()))")

COUNTS = textwrap.dedent("""
    import json, django
    django.setup()
    from django.conf import settings
    from gongzhi.appeals.models import Appeal, Attachment
    missing = [a.file.name for a in Attachment.objects.all() if not (settings.MEDIA_ROOT / a.file.name).is_file()]
    without_event = Appeal.objects.exclude(events__kind="received").count()
    print(json.dumps({"appeals": Appeal.objects.count(), "attachments": Attachment.objects.count(),
                      "missing_files": missing, "without_received_event": without_event}))
""")


def _engine() -> str:
    return "postgresql" if os.environ.get("GONGZHI_DATABASE_URL", "").startswith("postgres") else "sqlite"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """One database of the suite's engine migrated once for the module: each test's source starts
    as a copy of it (a migration from nothing costs more than all the rest of a test)."""
    folder = tmp_path_factory.mktemp("migrated")
    if _engine() == "sqlite":
        url = f"sqlite:///{folder / 'gongzhi.sqlite3'}"
        _gongzhi(_env(folder, {"GONGZHI_DATABASE_URL": url}), "migrate", "--noinput", "-v0")
        yield folder / "gongzhi.sqlite3"
        return
    import psycopg

    root = os.environ["GONGZHI_DATABASE_URL"].rpartition("/")[0]
    name = f"gz_backup_{uuid.uuid4().hex[:8]}_template"
    with psycopg.connect(f"{root}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        _gongzhi(_env(folder, {"GONGZHI_DATABASE_URL": f"{root}/{name}"}), "migrate", "--noinput", "-v0")
        yield name
    finally:
        with psycopg.connect(f"{root}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def two_databases(migrated, tmp_path):
    """(source env, fresh env): the source a copy of the migrated database, the other empty, each
    with its own data folder."""
    if _engine() == "sqlite":
        import sqlite3
        from contextlib import closing

        source = tmp_path / "a" / "gongzhi.sqlite3"
        source.parent.mkdir(parents=True)
        with closing(sqlite3.connect(migrated)) as template, closing(sqlite3.connect(source)) as copy:
            template.backup(copy)
        envs = [{"GONGZHI_DATABASE_URL": f"sqlite:///{tmp_path / name / 'gongzhi.sqlite3'}"} for name in "ab"]
        yield [_env(tmp_path / name, e) for name, e in zip("ab", envs)]
        return
    import psycopg

    root = os.environ["GONGZHI_DATABASE_URL"].rpartition("/")[0]
    names = [f"gz_backup_{uuid.uuid4().hex[:8]}_{n}" for n in "ab"]
    with psycopg.connect(f"{root}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{names[0]}" TEMPLATE "{migrated}"')
        conn.execute(f'CREATE DATABASE "{names[1]}"')
    try:
        yield [_env(tmp_path / n, {"GONGZHI_DATABASE_URL": f"{root}/{name}"}) for n, name in zip("ab", names)]
    finally:
        with psycopg.connect(f"{root}/postgres", autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(data_dir: Path, extra: dict) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    return {**env, "GONGZHI_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "gongzhi.settings", **extra}


def _gongzhi(env, *args, check=True):
    proc = subprocess.run([sys.executable, "-m", "gongzhi", *args], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def _python(env, code, *args) -> str:
    proc = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_a_backup_taken_while_appeals_arrive_restores_exactly_with_its_uploads(two_databases, tmp_path):
    source, fresh = two_databases
    _python(source, WRITER, str(tmp_path / "never"), "5")  # a few appeals before the load
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(stop), "100000"], env=source, cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        writer.stdout.readline()  # it is writing
        out = tmp_path / "gongzhi.backup"
        made = _gongzhi(source, "backup", str(out))
        written_during = writer.stdout.readline()
    finally:
        stop.touch()
        _, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err[-2000:]
    assert written_during, "the writer was still writing while the backup ran"
    assert "backed up" in made.stdout

    restored = _gongzhi(fresh, "restore", str(out))
    assert "every table's row count and checksum equal the backup's" in restored.stdout
    counts = json.loads(_python(fresh, COUNTS))
    assert counts["appeals"] >= 6
    assert counts["attachments"] == counts["appeals"]  # each appeal came with one photo ...
    assert counts["missing_files"] == []  # ... and every photo's file came back with its row
    assert counts["without_received_event"] == 0  # no half-written appeal in the snapshot

    # The source, now quiet, backed up again: the fresh copy equals it table by table.
    quiet = tmp_path / "quiet.backup"
    _gongzhi(source, "backup", str(quiet))
    _gongzhi(fresh, "restore", "--replace", str(quiet))
    want, got = json.loads(_python(source, SUMMARY)), json.loads(_python(fresh, SUMMARY))
    assert set(want) == set(got) and len(want) > 50
    assert {t: v["rows"] for t, v in got.items()} == {t: v["rows"] for t, v in want.items()}
    assert got == want


def test_restore_refuses_a_database_in_use_a_file_that_is_no_backup_and_a_changed_row(two_databases, tmp_path):
    """The check compares content, not only counts: a backup whose manifest disagrees with its
    database copy in one table fails, naming the table."""
    import io
    import tarfile

    source, fresh = two_databases
    _python(source, WRITER, str(tmp_path / "never"), "2")
    out = tmp_path / "b.backup"
    _gongzhi(source, "backup", str(out))
    refused = _gongzhi(source, "restore", str(out), check=False)
    assert refused.returncode != 0
    assert "already holds" in refused.stderr and "Traceback" not in refused.stderr
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a tar file")
    refused = _gongzhi(fresh, "restore", str(junk), check=False)
    assert refused.returncode != 0 and "is not a Gongzhi backup" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1

    with tarfile.open(out) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    manifest["tables"]["appeals_appeal"]["sha256"] = "0" * 64  # as if one appeal had changed
    members["manifest.json"] = json.dumps(manifest).encode()
    forged = tmp_path / "forged.backup"
    with tarfile.open(forged, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), int(time.time())
            tar.addfile(info, io.BytesIO(data))
    failed = _gongzhi(fresh, "restore", str(forged), check=False)
    assert failed.returncode != 0
    assert "appeals_appeal differs from the backup" in failed.stderr
