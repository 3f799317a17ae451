"""Admin for the gazetteer's place names (roads, compounds, landmarks) the operator desk suggests."""
from __future__ import annotations

from django.contrib import admin

from .models import PlaceName


@admin.register(PlaceName)
class PlaceNameAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "grid", "lat", "lon", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)
    raw_id_fields = ("region", "grid")
