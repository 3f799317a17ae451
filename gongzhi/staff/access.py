"""Who may use the staff pages, and which actions to offer on an appeal right now.

Services remain the authority (they refuse what is not allowed); this module only decides what to
*show*, so a page never offers a button that would be refused.
"""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from gongzhi.appeals.lifecycle import APPEAL_LIFECYCLE
from gongzhi.appeals.models import Appeal, Assignment
from gongzhi.core import scoping
from gongzhi.core.models import Role


def held_roles(user) -> set[str]:
    held = {r.role for r in scoping.roles_of(user)}
    if getattr(user, "is_superuser", False):
        held.add(Role.ADMIN)
    return held


def has_any(user, *roles: str) -> bool:
    return bool(held_roles(user) & (set(roles) | {Role.ADMIN}))


def staff_required(*roles: str):
    """Sign-in required; a person without a staff role (or without one of `roles`) gets 404."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not scoping.is_staff_member(user):
                raise Http404("not found")
            if roles and not has_any(user, *roles):
                raise Http404("not found")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def handler_departments(user) -> set[int] | None:
    """Departments the user handles for; None means every department (superuser)."""
    if getattr(user, "is_superuser", False):
        return None
    return scoping.department_ids(user, Role.HANDLER)


def _mine(assignment: Assignment, depts: set[int] | None) -> bool:
    return depts is None or assignment.department_id in depts


# The staff page's names for the actions that do not depend on an assignment of the user's department.
ROLE_ACTIONS = ("recategorize", "dispatch", "merge", "close", "follow_up", "reopen", "urge", "supervise",
                "decide_extension", "review_publication")


def allowed_actions(appeal: Appeal, user, assignments: list[Assignment] | None = None) -> dict:
    """What this user may do now: {"names": set of action names, "ack": [...], "return": [...]}.

    Reads the appeal lifecycle (gongzhi.appeals.lifecycle: states, roles, guards) that the services
    require; what it leaves to the services, the department an assignment belongs to, is checked here
    on the assignments the page already has."""
    lifecycle = APPEAL_LIFECYCLE
    names: set[str] = set(lifecycle.allowed(appeal, user, ROLE_ACTIONS))
    assignments = assignments if assignments is not None else list(appeal.assignments.select_related("department"))
    depts = handler_departments(user)
    mine = [a for a in assignments if _mine(a, depts)] if depts is None or depts else []

    def lead(a):
        return a.role == Assignment.Role.LEAD

    ack = [a for a in mine if a.state == Assignment.State.PENDING
           and lifecycle.permits_state(appeal, "acknowledge" if lead(a) else "acknowledge_assist")]
    ret = [a for a in mine if a.is_active and lifecycle.permits_state(appeal, "return" if lead(a) else "return_assist")]
    acknowledged = [a for a in mine if a.state == Assignment.State.ACKNOWLEDGED]
    if acknowledged and lifecycle.permits_state(appeal, "note"):
        names.add("note")
    if any(lead(a) for a in acknowledged) and lifecycle.permits_state(appeal, "reply"):
        names.add("reply")
    if any(lead(a) and a.is_active for a in mine) and lifecycle.permits_state(appeal, "extend"):
        names.add("extend")
    if ack:
        names.add("acknowledge")
    if ret:
        names.add("return")
    return {"names": names, "ack": ack, "return": ret}
