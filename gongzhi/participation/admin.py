from django.contrib import admin

from .models import ProposalCategory, SensitiveWord


@admin.register(SensitiveWord)
class SensitiveWordAdmin(admin.ModelAdmin):
    """The sensitive-word list an administrator edits: each word shows as ＊＊ in every public text
    (core.publication) and puts a new text first in the moderation queue."""

    list_display = ("word", "added_at")
    search_fields = ("word",)


@admin.register(ProposalCategory)
class ProposalCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "threshold", "department", "active", "order")
    list_editable = ("threshold", "department", "active", "order")
