"""The one way to write the audit trail, and the proof that nobody rewrote it.

Every entry is appended to one hash chain: entry n carries `seq` = n, `prev_hash` = the hash of
entry n-1 ("" for the first) and `hash` = SHA-256 over prev_hash and the entry's own content (time,
actor label, action, target, detail, address). Appending takes the chain's lock (PostgreSQL: a
transaction advisory lock; SQLite: the write lock every transaction takes at BEGIN IMMEDIATE), so the
chain is in commit order even with many processes. `verify()` walks the chain and names the first
entry whose content no longer matches its hash (changed), whose predecessor is missing (removed) or
whose link does not match the entry before it (inserted out of order).

Retention (等保 2.0: at least 180 days): `purge(days)` removes the oldest entries, never younger
than RETENTION_DAYS, and appends an `audit_purged` entry naming the hash the remaining chain now
starts from, so the start of the chain stays checkable.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEntry

RETENTION_DAYS = 180
PURGE_ACTION = "audit_purged"
_LOCK_KEY = 0x67_7A_61_75  # "gzau": the PostgreSQL advisory lock of the chain


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, seq: int, created_at: dt.datetime, actor_label: str, action: str,
               target_type: str, target_id: str, detail: Any, ip: str | None) -> str:
    """The chain hash of one entry's content (the database's own values: detail as JSON, sorted)."""
    body = json.dumps([prev_hash, seq, _stamp(created_at), actor_label, action, target_type, target_id,
                       detail, ip or ""], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _hash_of(entry: AuditEntry) -> str:
    return entry_hash(entry.prev_hash, entry.seq, entry.created_at, entry.actor_label, entry.action,
                      entry.target_type, entry.target_id, entry.detail, entry.ip)


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _append(**fields) -> AuditEntry:
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").values("seq", "hash").first()
        seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, "")
        entry = AuditEntry(seq=seq, prev_hash=prev, created_at=timezone.now(), **fields)
        # The detail as the database will give it back (JSON round trip: tuples become lists …).
        entry.detail = json.loads(json.dumps(entry.detail, default=str))
        entry.hash = _hash_of(entry)
        entry.save(force_insert=True)
        return entry


def record(actor, action: str, target: Any = None, *, request=None, **detail) -> AuditEntry:
    """Append an audit entry. `target` may be a model instance or a (type, id) pair."""
    if target is None:
        target_type, target_id = "", ""
    elif isinstance(target, tuple):
        target_type, target_id = target
    else:
        target_type, target_id = target._meta.label_lower, str(target.pk)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return _append(
        actor=actor if is_user else None,
        actor_label=(str(actor) if is_user else (detail.pop("actor_label", "") or "anonymous"))[:150],
        action=action,
        target_type=str(target_type)[:64],
        target_id=str(target_id)[:64],
        detail=detail,
        ip=client_ip(request),
    )


@dataclass(frozen=True)
class Break:
    seq: int | None
    entry_id: int | None
    reason: str

    def __str__(self) -> str:
        return f"audit entry #{self.seq} (id {self.entry_id}): {self.reason}"


def verify(batch: int = 2000) -> tuple[int, Break | None]:
    """Walk the whole chain; (entries checked, the first break or None)."""
    checked, expected_seq, prev_hash = 0, None, None
    unchained = AuditEntry.objects.filter(seq__isnull=True).order_by("id").values_list("id", flat=True).first()
    if unchained is not None:
        return 0, Break(None, unchained, "not in the chain (written around core.audit, or its seq removed)")
    last_seq = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not rows:
            break
        for entry in rows:
            if expected_seq is None:  # the first remaining entry: the genesis, or the start after a purge
                if entry.seq != 1 or entry.prev_hash:
                    anchor = AuditEntry.objects.filter(action=PURGE_ACTION, detail__first_seq=entry.seq).first()
                    if anchor is None or anchor.detail.get("anchor") != entry.prev_hash:
                        return checked, Break(entry.seq, entry.pk, "the entries before it were removed")
            elif entry.seq != expected_seq:
                return checked, Break(expected_seq, None if entry is None else entry.pk,
                                      f"missing: removed (the chain goes on at #{entry.seq})")
            elif entry.prev_hash != prev_hash:
                return checked, Break(entry.seq, entry.pk,
                                      "its link does not match the entry before it (inserted out of order)")
            if _hash_of(entry) != entry.hash:
                return checked, Break(entry.seq, entry.pk, "its content was changed after it was written")
            checked += 1
            expected_seq, prev_hash, last_seq = entry.seq + 1, entry.hash, entry.seq
    return checked, None


def purge(days: int, actor_label: str = "gongzhi audit purge") -> int:
    """Remove entries older than `days` (never fewer than RETENTION_DAYS); returns how many."""
    if days < RETENTION_DAYS:
        raise ValueError(f"audit entries are kept at least {RETENTION_DAYS} days")
    cutoff = timezone.now() - dt.timedelta(days=days)
    with transaction.atomic():
        _lock_chain()
        old = AuditEntry.objects.filter(created_at__lt=cutoff, seq__isnull=False).order_by("-seq")
        newest_old = old.values("seq", "hash").first()
        if newest_old is None:
            return 0
        first_kept = newest_old["seq"] + 1
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL gongzhi.audit_purge = 'on'")
            table = connection.ops.quote_name(AuditEntry._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE seq < %s", [first_kept])
            removed = cursor.rowcount
    record(None, PURGE_ACTION, actor_label=actor_label, first_seq=first_kept, anchor=newest_old["hash"],
           removed=removed, older_than_days=days)
    return removed


# The database's own refusal on PostgreSQL (migration 0005): no UPDATE or DELETE of an audit row,
# except setting the actor to NULL when the user is deleted (the chain hashes the actor's label, not
# the id) and a purge (its transaction sets gongzhi.audit_purge). SQLite, the single-machine install,
# has the ORM's refusal and the chain only (Django's test flush deletes rows one table at a time there).
POSTGRES_GUARD = """
CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF current_setting('gongzhi.audit_purge', true) = 'on' THEN RETURN OLD; END IF;
    RAISE EXCEPTION 'audit entries are append-only';
  END IF;
  IF NEW.actor_id IS NULL AND (NEW.id, NEW.seq, NEW.hash, NEW.prev_hash, NEW.action, NEW.actor_label,
      NEW.target_type, NEW.target_id, NEW.detail::text, NEW.ip, NEW.created_at)
      IS NOT DISTINCT FROM (OLD.id, OLD.seq, OLD.hash, OLD.prev_hash, OLD.action, OLD.actor_label,
      OLD.target_type, OLD.target_id, OLD.detail::text, OLD.ip, OLD.created_at) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit entries are append-only';
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry
FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();
"""
