"""Django admin for reference data only: the organisation, people and their roles, the calendar.
Appeals are worked on in the staff pages, never here; the audit log is read-only."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import audit
from .models import AuditEntry, CalendarOverride, Department, Grid, Region, RoleAssignment, User


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "community")
    list_filter = ("community__parent",)
    search_fields = ("name", "code")
    autocomplete_fields = ("community",)
    readonly_fields = ("min_lat", "max_lat", "min_lon", "max_lon")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "region", "phone", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "code")
    autocomplete_fields = ("region",)


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ("region", "department", "grid")
    readonly_fields = ("created_at",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "is_active", "is_superuser", "last_login")
    search_fields = ("username", "display_name")
    fieldsets = BaseUserAdmin.fieldsets + (("共治", {"fields": ("display_name", "phone")}),)
    inlines = [RoleInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    """Grants are also written to the audit log by a signal; here the admin who did it is recorded."""
    list_display = ("user", "role", "region", "department", "grid", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__display_name")
    autocomplete_fields = ("user", "region", "department", "grid")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(request.user, "role_changed_in_admin" if change else "role_granted_in_admin", obj,
                     request=request, role=obj.role, user=obj.user_id)

    def delete_model(self, request, obj):
        audit.record(request.user, "role_revoked_in_admin", obj, request=request, role=obj.role, user=obj.user_id)
        super().delete_model(request, obj)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "note")
    list_filter = ("is_workday",)
    date_hierarchy = "date"


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_label", "action", "target_type", "target_id", "ip")
    list_filter = ("action",)
    search_fields = ("actor_label", "target_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
