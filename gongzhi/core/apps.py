from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = "基础数据"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from django.db.models.signals import post_delete, post_save

        from . import crypto, delivery, recipients, signals  # noqa: F401
        from .models import NotificationPreference

        post_save.connect(recipients.forget_choices, sender=NotificationPreference, dispatch_uid="core-notify-choices")
        post_delete.connect(recipients.forget_choices, sender=NotificationPreference, dispatch_uid="core-notify-choices-d")
        crypto.ring()  # a malformed GONGZHI_DATA_KEYS stops the start, in one line, not the first read
        delivery.register_periodic()
        from . import password_reset

        password_reset.register_wording()
        from . import confirmations

        confirmations.register_periodic()

        autodiscover_modules("pages")  # every app's menu pages (core.nav), before the first request
