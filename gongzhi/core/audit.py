"""The one way to write the audit trail."""
from __future__ import annotations

from typing import Any

from .models import AuditEntry


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(actor, action: str, target: Any = None, *, request=None, **detail) -> AuditEntry:
    """Append an audit entry. `target` may be a model instance or a (type, id) pair."""
    if target is None:
        target_type, target_id = "", ""
    elif isinstance(target, tuple):
        target_type, target_id = target
    else:
        target_type, target_id = target._meta.label_lower, str(target.pk)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_label=(str(actor) if is_user else (detail.pop("actor_label", "") or "anonymous"))[:150],
        action=action,
        target_type=str(target_type),
        target_id=str(target_id),
        detail=detail,
        ip=client_ip(request),
    )
