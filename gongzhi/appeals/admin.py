"""Admin for the category tree (routing and deadlines). Appeals themselves are not edited here:
every change of an appeal goes through gongzhi.appeals.services, from the staff pages."""
from __future__ import annotations

from django.contrib import admin

from .models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "code", "default_department", "ack_hours", "handle_days", "urgent_ack_hours",
                    "urgent_handle_days", "active")
    list_filter = ("active", "parent")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent", "default_department")
