"""Who is told, and telling them: the in-app notifications every app sends.

`supervisors_of(region)` and `handlers_of(department)` find the people a case concerns; `notify`
writes one Notification per person (once each, however often they are listed); `mark_read` is
how a person's notifications are marked read. Apps call these, never the Notification rows.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from .models import Notification, Region, Role

TEXT_MAX = 300  # Notification.text


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def supervisors_of(region: Region | None):
    """Active supervisors whose region scope covers `region` (held in it or in a region above it),
    and the jurisdiction-wide ones (no region) always; `region` None: only those."""
    q = Q(roles__role=Role.SUPERVISOR, roles__region__isnull=True)
    if region is not None:
        q |= Q(roles__role=Role.SUPERVISOR, roles__region__path__in=_ancestor_paths(region.path))
    return get_user_model().objects.filter(q, is_active=True).distinct()


def holders_of(region: Region | None, *roles: str):
    """Active holders of any of `roles` whose region scope covers `region` (held in it or above it,
    or jurisdiction-wide); the generalisation of supervisors_of for other roles (petition officers)."""
    q = Q(roles__role__in=roles, roles__region__isnull=True, roles__department__isnull=True,
          roles__grid__isnull=True)
    if region is not None:
        q |= Q(roles__role__in=roles, roles__region__path__in=_ancestor_paths(region.path))
    return get_user_model().objects.filter(q, is_active=True).distinct()


def handlers_of(department_id: int | None):
    """Active handlers (承办人) of a department."""
    return get_user_model().objects.filter(roles__role=Role.HANDLER, roles__department_id=department_id,
                                           is_active=True).distinct()


def notify(users: Iterable, kind: str, text: str, link: str = "") -> int:
    """One notification per person in `users` (each once); returns how many were written."""
    rows = [Notification(user=u, kind=kind, text=text[:TEXT_MAX], link=link) for u in {u.pk: u for u in users}.values()]
    Notification.objects.bulk_create(rows)
    return len(rows)


def unread(user):
    return Notification.objects.filter(user=user, read_at__isnull=True)


def withdraw(kind: str, link: str) -> int:
    """Mark read the unread notifications of `kind` about `link` that no longer ask anything of
    anyone (an extension request that lapsed): nobody acts on a settled question. Returns how many."""
    return Notification.objects.filter(kind=kind, link=link, read_at__isnull=True).update(read_at=timezone.now())


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s unread notifications read: those with the given ids, or all of them (None).
    Someone else's notifications are never touched. Returns how many were marked."""
    rows = unread(user)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())
