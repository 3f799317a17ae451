"""Admin for what integrators configure: Open311 service attributes and webhook subscriptions.

Tokens are issued with `gongzhi apitoken` (the raw value is shown once, so the admin never sees it);
the webhook delivery log is read-only evidence.
"""
from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import webhooks
from .models import ServiceAttribute, WebhookDelivery, WebhookSubscription


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ("category", "code", "description", "datatype", "required", "order")
    list_filter = ("datatype", "required")
    search_fields = ("code", "description", "category__name", "category__code")
    autocomplete_fields = ("category",)
    ordering = ("category", "order", "id")


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ("created_at", "kind", "state", "attempts", "last_status_code", "last_error", "delivered_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("-created_at",)
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-created_at")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "owner", "active", "consecutive_failures", "disabled_at")
    list_filter = ("active",)
    search_fields = ("url",)
    readonly_fields = ("consecutive_failures", "disabled_at", "disabled_reason", "created_at")
    autocomplete_fields = ("owner",)
    # A receiver typed without a scheme is taken as https (what Django 6 will assume, too).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["reactivate"]

    @admin.action(description=_("重新启用所选订阅（清零失败计数）"))
    def reactivate(self, request, queryset):
        changed = webhooks.reactivate(queryset)
        self.message_user(request, _("已重新启用 %(n)d 个订阅") % {"n": changed})


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "subscription", "kind", "state", "attempts", "last_status_code")
    list_filter = ("state", "kind")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
