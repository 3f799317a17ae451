"""Audit of authentication events and permission changes; the calendar cache follows its rows."""
from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import audit, workdays
from .models import CalendarOverride, RoleAssignment


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit.record(user, "login", user, request=request)


@receiver(user_login_failed)
def audit_login_failure(sender, credentials, request=None, **kwargs):
    # Only the username attempted is kept: never the password.
    audit.record(None, "login_failed", request=request, username=str(credentials.get("username", ""))[:150])


@receiver(post_save, sender=RoleAssignment)
def audit_role_granted(sender, instance, created, **kwargs):
    audit.record(None, "role_granted" if created else "role_changed", ("core.user", instance.user_id),
                 actor_label="system", role=instance.role, region=instance.region_id,
                 department=instance.department_id, grid=instance.grid_id)


@receiver(post_delete, sender=RoleAssignment)
def audit_role_revoked(sender, instance, **kwargs):
    audit.record(None, "role_revoked", ("core.user", instance.user_id), actor_label="system",
                 role=instance.role, region=instance.region_id, department=instance.department_id)


@receiver(post_save, sender=CalendarOverride)
@receiver(post_delete, sender=CalendarOverride)
def calendar_changed(sender, **kwargs):
    """Deadlines follow an admin's correction at once in this process (and again once it commits,
    so a read in between is not kept)."""
    workdays.forget_overrides()
    transaction.on_commit(workdays.forget_overrides)
