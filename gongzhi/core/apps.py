from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = "基础数据"

    def ready(self):
        from . import signals  # noqa: F401
