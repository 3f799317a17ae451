"""The one audited way to show a protected field in full (personal data, sealed identities, free
text with phone and ID numbers in it).

A model with protected fields declares them and who may see them::

    class Dispute(models.Model):
        PROTECTED_FIELDS = {"party_phone": "当事人电话"}        # field -> label
        REVEAL_ROLES = (Role.MEDIATOR, Role.ADMIN)             # every role may_reveal can allow
        REVEAL_REFUSAL = _("您无权查看当事人信息")                # optional; shown as is
        REVEAL_AUDIT_ACTION = "reveal_personal_data"            # optional, the default

        def may_reveal(self, user) -> bool: ...

        def reveal_audit_detail(self) -> dict: ...              # optional: more (never the value)

REVEAL_ROLES is the outer bound of may_reveal (which may narrow it to a department or a region):
`revealing_roles()` collects them, and core.twofactor requires a second factor of every role in it.
tests/core/test_two_factor.py checks each model's may_reveal never allows a role not listed.

Everywhere else the pages show the field masked (core.pii); `reveal` checks the field and the
user, writes one AuditEntry (who, what, which field; never the value) and returns the value.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from . import audit
from .errors import ActionRefused, FieldErrors

DEFAULT_REFUSAL = _("您的角色无权执行此操作")
DEFAULT_AUDIT_ACTION = "reveal_personal_data"


def protected_models() -> list[type]:
    from django.apps import apps

    return [m for m in apps.get_models() if getattr(m, "PROTECTED_FIELDS", None)]


_revealing: frozenset[str] | None = None


def revealing_roles() -> frozenset[str]:
    """Every role some model's may_reveal can allow to see personal data in full."""
    global _revealing
    if _revealing is None:
        _revealing = frozenset(str(r) for m in protected_models() for r in getattr(m, "REVEAL_ROLES", ()))
    return _revealing


def protected_fields(obj) -> dict[str, str]:
    return dict(getattr(type(obj), "PROTECTED_FIELDS", {}))


def reveal_fields(obj, user, fields: Iterable[str], request=None) -> dict[str, object]:
    """Several protected fields of `obj` at once, in one audit entry."""
    fields = list(fields)
    known = protected_fields(obj)
    if not fields or any(f not in known for f in fields):
        raise FieldErrors({"field": _("未知字段")})
    if not obj.may_reveal(user):
        raise ActionRefused(str(getattr(obj, "REVEAL_REFUSAL", DEFAULT_REFUSAL)))
    which = {"field": fields[0]} if len(fields) == 1 else {"fields": fields}
    extra = obj.reveal_audit_detail() if hasattr(obj, "reveal_audit_detail") else {}
    audit.record(user, getattr(obj, "REVEAL_AUDIT_ACTION", DEFAULT_AUDIT_ACTION), obj, request=request,
                 **which, **extra)
    return {f: getattr(obj, f) for f in fields}


def reveal(obj, user, field: str, request=None):
    """One protected field of `obj` in full, for a user `obj.may_reveal()`; audited."""
    return reveal_fields(obj, user, [field], request=request)[field]
