from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "gongzhi.safety"
    label = "safety"
    verbose_name = "治安研判"

    def ready(self):
        from .tasks import register_periodic

        register_periodic()  # `gongzhi worker` makes the morning bulletin
