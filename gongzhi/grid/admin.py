"""The grid's reference data an administrator keeps: the care categories (and how often each is
visited) and the approved community task catalogue (社区协助办理事项清单). Neither is deleted here: an
item taken off the catalogue or a category no longer used is made inactive, so the tasks and
households that name it keep their history (and a withdrawn item refuses new tasks with the reason)."""
from django.contrib import admin

from gongzhi.core import audit

from .models import CareCategory, CatalogueItem


class _KeptNotDeleted(admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CareCategory)
class CareCategoryAdmin(_KeptNotDeleted):
    list_display = ("name", "code", "visit_every_days", "active", "order")
    list_editable = ("visit_every_days", "active", "order")


@admin.register(CatalogueItem)
class CatalogueItemAdmin(_KeptNotDeleted):
    list_display = ("code", "name", "approved_on", "active")
    list_filter = ("active",)
    search_fields = ("code", "name", "basis")
    filter_horizontal = ("departments",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(request.user, "catalogue_item_changed" if change else "catalogue_item_added", obj,
                     request=request, code=obj.code, active=obj.active, fields=sorted(form.changed_data))
