"""Django admin for reference data only: the organisation, people and their roles, the calendar,
the wording of messages. Appeals are worked on in the staff pages, never here; the audit log and
the delivery log are read-only."""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template import TemplateSyntaxError
from django.utils.translation import gettext_lazy as _

from . import audit, channels, messages
from .models import (AuditEntry, CalendarOverride, Delivery, Department, Grid, MessageTemplate, Region,
                     RoleAssignment, User)


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


class MessageTemplateForm(forms.ModelForm):
    """A wording must parse as a (sandboxed) template, or it is refused here, not at send time."""

    class Meta:
        model = MessageTemplate
        fields = ("key", "language", "channel", "subject", "body")

    def clean(self):
        data = super().clean()
        for name in ("subject", "body"):
            try:
                messages.check(data.get(name) or "")
            except TemplateSyntaxError as exc:
                self.add_error(name, _("模板无法解析：%(error)s") % {"error": exc})
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Every shipped wording is listed (the missing rows are written from the code's defaults when the
    list is opened), so an administrator edits what is sent rather than guessing the keys."""

    form = MessageTemplateForm
    list_display = ("key", "event", "language", "channel", "subject", "updated_at")
    list_filter = ("language", "channel", "key")
    search_fields = ("key", "subject", "body")

    @admin.display(description=_("说明"))
    def event(self, obj):
        found = messages.DEFAULTS.get(obj.key)
        return found.label if found else "—"

    def changelist_view(self, request, extra_context=None):
        MessageTemplate.objects.bulk_create(messages.missing_rows(), ignore_conflicts=True)
        return super().changelist_view(request, extra_context)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log, read-only; addresses are shown masked and the message context never."""

    list_display = ("created_at", "template", "channel", "masked_address", "recipient", "status", "attempts",
                    "last_error", "next_attempt_at", "sent_at")
    list_filter = ("status", "channel", "template")
    search_fields = ("ref", "template")
    date_hierarchy = "created_at"
    fields = ("created_at", "template", "language", "channel", "masked_address", "recipient", "ref", "status",
              "attempts", "last_error", "next_attempt_at", "sent_at")
    readonly_fields = fields

    @admin.display(description=_("地址"))
    def masked_address(self, obj):
        return channels.masked(obj.channel, obj.address)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
