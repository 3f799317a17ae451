from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "gongzhi.safety"
    label = "safety"
