"""Admin: evaluation schemes are configured here; exclusions are read-only (they go through the
audited page /evaluation/exclusions/), rollups are derived data."""
from django.contrib import admin

from .models import EvaluationScheme, Exclusion


@admin.register(EvaluationScheme)
class EvaluationSchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "scope_kind", "period", "satisfied_weight", "basic_weight", "active")
    list_filter = ("scope_kind", "period", "active")
    help_texts = {"weights": "JSON, e.g. {\"satisfaction_rate\": 40, \"response_rate\": 10}"}


@admin.register(Exclusion)
class ExclusionAdmin(admin.ModelAdmin):
    list_display = ("appeal", "reason", "decided_by", "decided_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
