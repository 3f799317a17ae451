from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "gongzhi.api"
    label = "api"
    verbose_name = "接口"

    def ready(self):
        from gongzhi.appeals.models import AppealEvent
        from gongzhi.core import events, hooks

        from .webhooks import heard, on_event, register_periodic

        # appeal events -> webhook deliveries; an event no subscription wants costs nothing (not even a transaction)
        hooks.subscribe(events.RECORDED, on_event, sender=AppealEvent, when=heard)
        register_periodic()  # `gongzhi worker` re-sends deliveries whose retry is due
