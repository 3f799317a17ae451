"""Phone and ID numbers encrypted at rest (等保 2.0 三级: 重要个人信息存储保密性).

Each value is sealed with AES-SIV (RFC 5297), deterministic authenticated encryption: its synthetic
IV is a keyed hash (CMAC-based S2V) of the number, so the same number always seals to the same text
under one key. That is what keeps the operator desk's "earlier appeals from this phone" an indexed
equality search without a second column; the price, that two rows holding the same number are
recognisably equal to whoever reads the raw database, is the same as a blind-index column's.

Keys come from GONGZHI_DATA_KEYS: comma-separated, base64, 64 bytes each, the first seals and all
open. Every sealed value names its key (`enc1$<key id>$<base64>`), so after a new key is put first,
`gongzhi keys rotate` re-seals the rows under it while lookups still find rows under any listed key;
an old key may be dropped once `gongzhi keys status` counts no row under it. A value without the
prefix is one written before encryption (or by a raw bulk load) and is read as it is; rotate seals it.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import math
import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1$"
KEY_BYTES = 64
TAG_BYTES = 16
KID_CHARS = 6


class DataKeyError(ImproperlyConfigured):
    """A stored value cannot be opened with the configured keys (missing key, or altered text)."""


def new_key() -> str:
    """A fresh key for GONGZHI_DATA_KEYS."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:KID_CHARS]


def _decode(text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured("GONGZHI_DATA_KEYS: each key is base64 (`gongzhi keys new` makes one)") from None
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"GONGZHI_DATA_KEYS: each key is {KEY_BYTES} bytes, one is {len(key)}")
    return key


@lru_cache(maxsize=8)
def _ring(configured: tuple[str, ...]) -> tuple[tuple[str, AESSIV], ...]:
    if not configured:
        raise ImproperlyConfigured("GONGZHI_DATA_KEYS is empty")
    ring = []
    for text in configured:
        key = _decode(text)
        ring.append((key_id(key), AESSIV(key)))
    return tuple(ring)


def ring() -> tuple[tuple[str, AESSIV], ...]:
    """(key id, cipher) for every configured key, the sealing one first."""
    return _ring(tuple(settings.DATA_KEYS))


def current_key_id() -> str:
    return ring()[0][0]


def _seal_with(kid: str, cipher: AESSIV, plain: str) -> str:
    sealed = cipher.encrypt(plain.encode(), None)
    return f"{PREFIX}{kid}${base64.urlsafe_b64encode(sealed).decode().rstrip('=')}"


def seal(plain: str) -> str:
    """The stored form of a value under the current key; the empty value stays empty."""
    if not plain:
        return plain
    kid, cipher = ring()[0]
    return _seal_with(kid, cipher, plain)


def is_sealed(stored: str) -> bool:
    return bool(stored) and stored.startswith(PREFIX)


def stored_key_id(stored: str) -> str:
    """The key a stored value is sealed with ("" when it is not sealed)."""
    return stored[len(PREFIX):len(PREFIX) + KID_CHARS] if is_sealed(stored) else ""


def unseal(stored: str) -> str:
    if not is_sealed(stored):
        return stored
    kid, _sep, body = stored[len(PREFIX):].partition("$")
    cipher = dict(ring()).get(kid)
    if cipher is None:
        raise DataKeyError(f"a value is sealed with data key {kid}, which GONGZHI_DATA_KEYS does not hold")
    try:
        return cipher.decrypt(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), None).decode()
    except (InvalidTag, binascii.Error, ValueError, UnicodeDecodeError):
        raise DataKeyError(f"a value sealed with data key {kid} does not open: it was altered") from None


def candidates(plain: str) -> list[str]:
    """Every stored form the value may have: sealed under each key, or not yet sealed."""
    if not plain:
        return [plain]
    return [_seal_with(kid, cipher, plain) for kid, cipher in ring()] + [plain]


def stored_length(max_chars: int) -> int:
    """The column width a sealed value of at most `max_chars` characters needs (UTF-8: 4 bytes each)."""
    return len(PREFIX) + KID_CHARS + 1 + math.ceil((TAG_BYTES + 4 * max_chars) * 4 / 3)


# ---------------------------------------------------------------- the rows (rotation, migrations)

def sealed_fields(registry=None) -> list[tuple[type, list[str]]]:
    """Every model with encrypted fields and their names (the installed apps', or a migration's)."""
    from django.apps import apps as installed

    from .fields import SealedCodeField

    found = []
    for model in (registry or installed).get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, SealedCodeField)]
        if names:
            found.append((model, names))
    return found


def _raw(fields):
    from django.db.models import F, TextField
    from django.db.models.functions import Cast

    return {f"raw_{f}": Cast(F(f), TextField()) for f in fields}


def reseal(model, fields, batch: int = 500) -> int:
    """Seal under the current key every row whose values are not yet (a new key, or rows written
    before encryption). Returns the rows rewritten; safe to run again or while the platform runs."""
    from django.db import transaction
    from django.db.models import Q

    current = f"{PREFIX}{current_key_id()}$"
    stale = Q()
    for f in fields:
        stale |= ~Q(**{f"raw_{f}": ""}) & ~Q(**{f"raw_{f}__startswith": current})
    rows = model._base_manager.annotate(**_raw(fields)).filter(stale).order_by("pk")
    done, last = 0, None
    while True:
        page = rows if last is None else rows.filter(pk__gt=last)
        chunk = list(page.values_list("pk", flat=True)[:batch])
        if not chunk:
            return done
        with transaction.atomic():
            objects = list(model._base_manager.select_for_update().filter(pk__in=chunk).only("pk", *fields))
            model._base_manager.bulk_update(objects, fields)  # read opened, written sealed
        done, last = done + len(objects), chunk[-1]


def unseal_all(model, fields, connection) -> None:
    """Back to plain text (a migration's reverse)."""
    table, pk = model._meta.db_table, model._meta.pk.column
    quote = connection.ops.quote_name
    for f in fields:
        column = quote(model._meta.get_field(f).column)
        rows = model._base_manager.annotate(**_raw([f])).filter(**{f"raw_{f}__startswith": PREFIX})
        with connection.cursor() as cursor:
            for row_pk, raw in rows.values_list("pk", f"raw_{f}").iterator():
                cursor.execute(f"UPDATE {quote(table)} SET {column} = %s WHERE {quote(pk)} = %s", [unseal(raw), row_pk])


def seal_existing(app_label: str, model_name: str, *fields: str):
    """The migration step after a field became encrypted: its rows are sealed (and opened on reverse)."""
    from django.db import migrations

    def settle(connection):
        # PostgreSQL refuses to ALTER a table with deferred constraint checks pending from these
        # UPDATEs (the reverse alters right after): run the checks now, then defer again.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def forward(apps, schema_editor):
        reseal(apps.get_model(app_label, model_name), list(fields))
        settle(schema_editor.connection)

    def backward(apps, schema_editor):
        unseal_all(apps.get_model(app_label, model_name), list(fields), schema_editor.connection)
        settle(schema_editor.connection)

    return migrations.RunPython(forward, backward)


def status() -> list[tuple[str, str, dict[str, int]]]:
    """(model, field, {key id or "plain": rows}) for every encrypted field; empty values are not counted."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    report = []
    for model, fields in sealed_fields():
        for f in fields:
            counts = (model._base_manager.annotate(**_raw([f])).exclude(**{f"raw_{f}": ""})
                      .annotate(kid=Substr(f"raw_{f}", len(PREFIX) + 1, KID_CHARS),
                                head=Substr(f"raw_{f}", 1, len(PREFIX)))
                      .values("kid", "head").annotate(n=Count("pk")).order_by())
            tally: dict[str, int] = {}
            for row in counts:
                name = row["kid"] if row["head"] == PREFIX else "plain"
                tally[name] = tally.get(name, 0) + row["n"]
            report.append((model._meta.label, f, tally))
    return report
