from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "gongzhi.api"
    label = "api"
    verbose_name = "接口"

    def ready(self):
        from gongzhi.appeals import services

        from .webhooks import on_event, register_periodic

        if on_event not in services.EVENT_HOOKS:
            services.EVENT_HOOKS.append(on_event)  # appeal events -> webhook deliveries
        register_periodic()  # `gongzhi worker` re-sends deliveries whose retry is due
