"""The audit log is append-only and tamper-evident (等保 2.0 安全审计): every entry is chained to the
one before it by hash, and `gongzhi audit verify` exits non-zero naming the first entry that was
changed, removed or inserted out of order. Entries are kept at least 180 days."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gongzhi.core import audit
from gongzhi.core.models import AuditEntry, AuditTampering, User

TABLE = "core_auditentry"


@pytest.fixture
def trail(db):
    who = User.objects.create_user("auditor", password="x")
    return [audit.record(who, "reveal_personal_data", ("appeals.appeal", i), field="phone") for i in range(1, 6)]


def verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def raw(sql: str, params=()):
    """What someone with the database's password, not the platform, would do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the trigger refuses even them, unless they drop it first
            cursor.execute("SET LOCAL session_replication_role = replica")  # a superuser: no triggers
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_an_untouched_log_verifies_and_prints_its_head(trail):
    out = verify()
    assert "audit chain intact" in out and f"head {trail[-1].seq}:{trail[-1].hash}" in out
    assert [e.seq for e in trail] == list(range(trail[0].seq, trail[0].seq + 5))
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(trail, trail[1:]))


def test_a_changed_entry_is_named(trail):
    raw(f"UPDATE {TABLE} SET target_id = '999' WHERE id = %s", [trail[2].pk])
    with pytest.raises(CommandError, match=rf"#{trail[2].seq} \(id {trail[2].pk}\).*changed"):
        verify()


def test_a_changed_detail_is_named(trail):
    raw(f"UPDATE {TABLE} SET detail = %s WHERE id = %s", ['{"field": "id_number"}', trail[1].pk])
    with pytest.raises(CommandError, match=rf"#{trail[1].seq} .*changed"):
        verify()


def test_a_removed_entry_is_named(trail):
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [trail[3].pk])
    with pytest.raises(CommandError, match=rf"#{trail[3].seq} .*removed"):
        verify()


def test_an_entry_inserted_out_of_order_is_named(trail):
    # Renumber the last entry out of the way and put a forged one in its place, with a correct hash
    # of its own content but a link to a made-up predecessor.
    last = trail[-1]
    raw(f"UPDATE {TABLE} SET seq = seq + 100 WHERE id = %s", [last.pk])
    forged = audit.entry_hash("0" * 64, last.seq, last.created_at, "intruder", "login", "", "", {}, None)
    raw(f"INSERT INTO {TABLE} (actor_label, action, target_type, target_id, detail, created_at, seq, prev_hash, hash)"
        " VALUES ('intruder', 'login', '', '', '{}', %s, %s, %s, %s)", [last.created_at, last.seq, "0" * 64, forged])
    with pytest.raises(CommandError, match=rf"#{last.seq} .*out of order"):
        verify()


def test_a_row_written_around_the_chain_is_named(trail):
    raw(f"INSERT INTO {TABLE} (actor_label, action, target_type, target_id, detail, created_at, prev_hash, hash)"
        " VALUES ('intruder', 'login', '', '', '{}', %s, '', '')", [trail[0].created_at])
    with pytest.raises(CommandError, match="not in the chain"):
        verify()


def test_removing_the_newest_entries_is_found_with_a_recorded_head(trail):
    head = f"{trail[-1].seq}:{trail[-1].hash}"
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [trail[-1].pk])
    verify()  # the rest of the chain is whole
    with pytest.raises(CommandError, match="gone"):
        call_command("audit", "verify", "--head", head)


def test_the_platform_never_changes_or_deletes_an_entry(trail):
    entry = AuditEntry.objects.get(pk=trail[0].pk)
    entry.action = "nothing_happened"
    with pytest.raises(AuditTampering):
        entry.save()
    with pytest.raises(AuditTampering):
        entry.delete()
    with pytest.raises(AuditTampering):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AuditTampering):
        AuditEntry.objects.all().delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_refuses_even_raw_sql(trail):
    from django.db import DatabaseError, transaction

    for sql in (f"UPDATE {TABLE} SET action = 'x' WHERE id = %s", f"DELETE FROM {TABLE} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [trail[0].pk])


def test_deleting_a_user_keeps_their_entries_verifiable(trail):
    User.objects.filter(username="auditor").delete()
    assert AuditEntry.objects.filter(pk=trail[0].pk, actor__isnull=True, actor_label="auditor").exists()
    assert "intact" in verify()


def test_entries_are_kept_at_least_180_days(trail):
    with pytest.raises(CommandError, match="at least 180 days"):
        call_command("audit", "purge", "--older-than", "90")
    old = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    # Age the first two entries, rewriting the chain as it would have been written then.
    prev = trail[0].prev_hash
    for entry in AuditEntry.objects.filter(seq__gte=trail[0].seq).order_by("seq"):
        created = old if entry.pk in (trail[0].pk, trail[1].pk) else entry.created_at
        digest = audit.entry_hash(prev, entry.seq, created, entry.actor_label, entry.action, entry.target_type,
                                  entry.target_id, entry.detail, entry.ip)
        raw(f"UPDATE {TABLE} SET created_at = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [created, prev, digest, entry.pk])
        prev = digest
    assert "intact" in verify()
    call_command("audit", "purge", "--older-than", "180")
    assert not AuditEntry.objects.filter(pk__in=[trail[0].pk, trail[1].pk]).exists()
    assert AuditEntry.objects.filter(pk=trail[2].pk).exists()
    purge = AuditEntry.objects.get(action=audit.PURGE_ACTION)
    assert purge.detail["removed"] >= 2
    assert "intact" in verify()  # the chain now starts at the anchor the purge recorded


def test_the_command_is_listed_in_gongzhi_help():
    from gongzhi import clihelp

    assert "audit" in clihelp.platform_commands()
