"""A case type's lifecycle, declared once: which action is allowed from which states, for which
roles, and where it leads.

The services call `Lifecycle.require_*` before they change anything (and raise the refusal it gives),
the pages offer what `Lifecycle.allowed` says, and the transition tests walk `Lifecycle.table`: the
three read one table instead of each keeping its own copy. What the table cannot say (the department
that works on an appeal, the region of an incident) the services check themselves.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import scoping
from .errors import ActionRefused
from .events import record_event
from .models import Role


@dataclass(frozen=True)
class Transition:
    """`action` is allowed from `sources` for `roles` (none: the service checks who), and leads to
    `target` (None: the state stays; a tuple: one of these, as the service decides; None in the
    tuple: or stays). `guard(case)` is a further condition on the case, refused with `refusal`."""

    action: str
    sources: tuple[str, ...]
    roles: tuple[str, ...] = ()
    target: str | tuple[str | None, ...] | None = None
    label: str = ""
    guard: Callable[[object], bool] | None = None
    refusal: str = ""

    def outcomes(self, source: str) -> set[str]:
        """The states a case in `source` may be in once the action is done."""
        targets = self.target if isinstance(self.target, tuple) else (self.target,)
        return {source if t is None else str(t) for t in targets}


ROLE_REFUSAL = _("您的角色无权执行此操作")


def may_act(actor, roles: Iterable[str]) -> bool:
    """The role rule of every lifecycle: the system itself (no actor), a superuser, the admin role,
    or one of `roles`. No roles listed: no role is needed (the service checks who)."""
    roles = tuple(roles)
    if actor is None or not roles or getattr(actor, "is_superuser", False):
        return True
    return scoping.has_role(actor, *roles, Role.ADMIN)


class Lifecycle:
    """The transitions of one case type. `state_refusal(case, transition)` words the refusal of an
    action from the wrong state (each case type names its states its own way)."""

    def __init__(self, transitions: Iterable[Transition], *, state_field: str = "status",
                 state_refusal: Callable[[object, Transition], str]):
        self.table: dict[str, Transition] = {}
        for t in transitions:
            if t.action in self.table:
                raise ValueError(f"action {t.action!r} declared twice")
            self.table[t.action] = t
        self.state_field = state_field
        self.state_refusal = state_refusal

    def __getitem__(self, action: str) -> Transition:
        return self.table[action]

    def state_of(self, case) -> str:
        return getattr(case, self.state_field)

    def permits_state(self, case, action: str) -> bool:
        """The case's state allows the action, and its guard holds (roles aside)."""
        t = self.table[action]
        return self.state_of(case) in t.sources and (t.guard is None or t.guard(case))

    def require_role(self, actor, action: str) -> None:
        if not may_act(actor, self.table[action].roles):
            raise ActionRefused(str(ROLE_REFUSAL))

    def require_state(self, case, action: str) -> None:
        t = self.table[action]
        if self.state_of(case) not in t.sources:
            raise ActionRefused(self.state_refusal(case, t))
        if t.guard is not None and not t.guard(case):
            raise ActionRefused(str(t.refusal))

    def require(self, case, action: str, actor) -> None:
        """Refuse (ActionRefused, nothing changed) unless `actor` may do `action` on `case` now."""
        self.require_role(actor, action)
        self.require_state(case, action)

    def allowed(self, case, user, actions: Iterable[str] | None = None) -> list[str]:
        """The actions (of `actions`, default all) that the state, the guards and the roles allow."""
        return [a for a in (self.table if actions is None else actions)
                if may_act(user, self.table[a].roles) and self.permits_state(case, a)]

    def perform(self, case, action: str, actor, *, note: str = "", kind: str = "", changes: dict | None = None,
                **data):
        """A simple transition whole, in one transaction: lock the case's row, require the action,
        move the state to the transition's (single) target, apply `changes` (field -> value), save,
        and record the event (`kind`, default the action's name; `data` as record_event takes it).
        Returns the case as saved. Transitions with several outcomes are the services' own."""
        t = self.table[action]
        if isinstance(t.target, tuple):
            raise TypeError(f"{action!r} has several outcomes: its service decides")
        self.require_role(actor, action)
        with transaction.atomic():
            locked = type(case)._default_manager.select_for_update().get(pk=case.pk)
            self.require_state(locked, action)
            before = self.state_of(locked)
            if t.target is not None:
                setattr(locked, self.state_field, t.target)
            for field, value in (changes or {}).items():
                setattr(locked, field, value)
            locked.save()
            record_event(locked, kind or action, actor, from_status=before, to_status=self.state_of(locked),
                         note=note, **data)
        return locked

    def leading_to(self, target: str) -> Transition | None:
        """The one action whose only outcome is `target` (a lifecycle chosen by target state)."""
        found = [t for t in self.table.values() if t.target == target]
        return found[0] if len(found) == 1 else None
