"""Row-level scope: who may see which rows. Every list and lookup goes through `restrict()`.

A role is held in a scope (a region subtree, a department or a grid). Models say how a scope maps
onto their rows in a classmethod ``scope_q(user, roles)``; this module does the rest, so views never
filter by hand. An object outside scope is reported as missing (404), never as forbidden, so its
existence does not leak.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.http import Http404

from .models import Role, RoleAssignment

REGION_WIDE_ROLES = {
    Role.ADMIN, Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.OPERATOR,
    Role.MEDIATOR, Role.ANALYST, Role.EMERGENCY, Role.INFORMANT_HANDLER, Role.PETITION_OFFICER,
}
STAFF_ROLES = set(Role) - {Role.CITIZEN}
# Who sees every unit's KPIs and rankings (the evaluation dashboards and the API's /kpis/ranking).
OVERSIGHT_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.ADMIN)


def roles_of(user) -> list[RoleAssignment]:
    """The user's role assignments, loaded once per request object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_gz_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).select_related("region", "department", "grid"))
        user._gz_roles = cached
    return cached


def forget_roles(user) -> None:
    if hasattr(user, "_gz_roles"):
        del user._gz_roles


def has_role(user, *roles: str) -> bool:
    if getattr(user, "is_superuser", False) and Role.ADMIN in roles:
        return True
    return any(r.role in roles for r in roles_of(user))


def is_staff_member(user) -> bool:
    return getattr(user, "is_superuser", False) or any(r.role in STAFF_ROLES for r in roles_of(user))


def oversees(user) -> bool:
    """May see the KPIs of every unit (OVERSIGHT_ROLES), not only of their own department."""
    return getattr(user, "is_superuser", False) or has_role(user, *OVERSIGHT_ROLES)


def assignments(user, *roles: str) -> list[RoleAssignment]:
    return [r for r in roles_of(user) if r.role in roles]


def department_ids(user, *roles: str) -> set[int]:
    roles = roles or (Role.HANDLER,)
    return {r.department_id for r in roles_of(user) if r.role in roles and r.department_id}


def region_q(user, roles, field: str = "region") -> Q | None:
    """Q for rows whose `field` (a Region FK) lies in a region scope held with one of `roles`.
    Returns an always-true Q for a scope without region (the whole jurisdiction), None if no role."""
    qs = None
    for r in roles_of(user):
        if r.role not in roles:
            continue
        if r.region_id is None and (r.department_id or r.grid_id):
            continue  # a department's or a grid's role, not a region scope: never the whole jurisdiction
        if r.region_id is None or r.region.parent_id is None:
            return Q()
        q = Q(**{f"{field}__path__startswith": r.region.path})
        qs = q if qs is None else qs | q
    return qs


def regions_in_scope(user, roles):
    """The regions a user works in with one of `roles` (each such region and everything below it):
    what a form may offer them, and what a service accepts from them. A superuser has every region."""
    from .models import Region

    if getattr(user, "is_superuser", False):
        return Region.objects.all()
    q = None
    for r in roles_of(user):
        if r.role not in roles or (r.region_id is None and (r.department_id or r.grid_id)):
            continue  # as in region_q: a department's or a grid's role is no region scope
        if r.region_id is None or r.region.parent_id is None:
            return Region.objects.all()
        q = Q(path__startswith=r.region.path) if q is None else q | Q(path__startswith=r.region.path)
    return Region.objects.none() if q is None else Region.objects.filter(q)


def union(*parts: Q | None) -> Q | None:
    result = None
    for p in parts:
        if p is None:
            continue
        if not p:  # the empty Q means "everything"
            return Q()
        result = p if result is None else result | p
    return result


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> "RestrictedQuerySet":
        if getattr(user, "is_superuser", False):
            return self
        q = self.model.scope_q(user, action)
        if q is None:
            return self.none()
        if not q:
            return self
        return self.filter(q)


def get_visible_or_404(queryset: RestrictedQuerySet, user, action: str = "view", **lookup):
    try:
        return queryset.restrict(user, action).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404("not found") from None
