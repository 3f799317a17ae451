from django.apps import AppConfig


class DemoConfig(AppConfig):
    """No models: installed only so that `gongzhi demo` and `gongzhi generate` are found."""

    name = "gongzhi.demo"
    label = "demo"
    verbose_name = "演示与测试数据"
