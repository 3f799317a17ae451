"""Who may use the staff pages, and which actions to offer on an appeal right now.

Services remain the authority (they refuse what is not allowed); this module only decides what to
*show*, so a page never offers a button that would be refused.
"""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from gongzhi.appeals.models import OPEN_STATUSES, Appeal, Assignment, ExtensionRequest, Status
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


def allowed_actions(appeal: Appeal, user, assignments: list[Assignment] | None = None) -> dict:
    """What this user may do now: {"names": set of action names, "ack": [...], "return": [...]}.

    Mirrors the checks in gongzhi.appeals.services (state, role, department membership)."""
    held = held_roles(user)
    admin = Role.ADMIN in held
    status = appeal.status
    names: set[str] = set()
    assignments = assignments if assignments is not None else list(appeal.assignments.select_related("department"))
    depts = handler_departments(user)

    def role(*roles):
        return admin or bool(held & set(roles))

    if status == Status.RECEIVED:
        if role(Role.DISPATCHER, Role.OPERATOR, Role.SUPERVISOR):
            names.add("recategorize")
        if role(Role.DISPATCHER):
            names.add("dispatch")
        if role(Role.DISPATCHER, Role.OPERATOR):
            names.add("merge")
    if status in (Status.RECEIVED, Status.REPLIED) and role(Role.SUPERVISOR, Role.OPERATOR, Role.DISPATCHER):
        names.add("close")
    if status == Status.REPLIED and role(Role.OPERATOR, Role.SUPERVISOR, Role.DISPATCHER):
        names.add("follow_up")
    if status in (Status.REPLIED, Status.CLOSED) and role(Role.SUPERVISOR):
        names.add("reopen")
    if status in (Status.DISPATCHED, Status.HANDLING) and role(Role.SUPERVISOR, Role.LEADER):
        names.add("urge")
    if status in OPEN_STATUSES and not appeal.supervised and role(Role.SUPERVISOR, Role.LEADER):
        names.add("supervise")

    ack, ret = [], []
    working = status in (Status.DISPATCHED, Status.HANDLING)
    if working and (depts is None or depts):
        for a in assignments:
            if not _mine(a, depts):
                continue
            if a.state == Assignment.State.PENDING and (a.role == Assignment.Role.ASSIST or status == Status.DISPATCHED):
                ack.append(a)
            if a.is_active:
                ret.append(a)
        acknowledged = [a for a in assignments if _mine(a, depts) and a.state == Assignment.State.ACKNOWLEDGED]
        lead_active = [a for a in assignments if _mine(a, depts) and a.role == Assignment.Role.LEAD and a.is_active]
        if acknowledged:
            names.add("note")
        if status == Status.HANDLING and any(a.role == Assignment.Role.LEAD for a in acknowledged):
            names.add("reply")
        pending_ext = any(e.state == ExtensionRequest.State.PENDING for e in appeal.extension_requests.all())
        if lead_active and not pending_ext:
            names.add("extend")
    if ack:
        names.add("acknowledge")
    if ret:
        names.add("return")
    if role(Role.SUPERVISOR) and any(e.state == ExtensionRequest.State.PENDING for e in appeal.extension_requests.all()):
        names.add("decide_extension")
    return {"names": names, "ack": ack, "return": ret}
