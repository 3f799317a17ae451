"""Admin for the category tree (routing and deadlines). Appeals themselves are not edited here:
every change of an appeal goes through gongzhi.appeals.services, from the staff pages."""
from __future__ import annotations

from django.contrib import admin

from .models import Category, KnowledgeEntry


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "code", "default_department", "ack_hours", "handle_days", "urgent_ack_hours",
                    "urgent_handle_days", "confidential", "active")
    list_filter = ("active", "confidential", "parent")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent", "default_department")


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin):
    """The knowledge base (知识库); supervisors keep it from the staff page /staff/knowledge/ too."""

    list_display = ("question", "category", "keywords", "active", "used_count", "updated_at")
    list_filter = ("active", "category")
    search_fields = ("question", "keywords", "answer")
    autocomplete_fields = ("category",)
    readonly_fields = ("used_count", "updated_by", "updated_at")
