"""Admin: the incident taxonomy and the bulletin's distribution list are configured here.
Incidents are read-only (changes go through the services, which keep their history), and an
informant's sealed identity is never shown: only the alias and scope are listed."""
from django.contrib import admin

from .models import Bulletin, BulletinRecipient, IncidentType, Informant, Lead, PoliceIncident


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "notable", "near_repeat", "order", "active")
    list_editable = ("notable", "near_repeat", "order", "active")
    list_filter = ("parent", "active")
    search_fields = ("code", "name")


@admin.register(PoliceIncident)
class PoliceIncidentAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "type", "region", "premises", "status", "source")
    list_filter = ("type", "status", "source", "premises")
    date_hierarchy = "occurred_on"
    list_select_related = ("type", "region")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(BulletinRecipient)
class BulletinRecipientAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "email", "active")
    list_editable = ("active",)
    autocomplete_fields = ()
    raw_id_fields = ("user",)


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ("day", "generated_at", "sent_at")
    readonly_fields = ("day", "data", "generated_at", "generated_by", "sent_at")

    def has_add_permission(self, request):
        return False


@admin.register(Informant)
class InformantAdmin(admin.ModelAdmin):
    list_display = ("alias", "region", "active", "created_at")
    fields = ("alias", "region", "active")
    readonly_fields = ("alias",)

    def has_add_permission(self, request):
        return False  # registration goes through the informant handler's page (audited)


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("created_at", "type", "region", "status", "source_alias")
    list_filter = ("status",)
