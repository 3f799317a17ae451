from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "gongzhi.evaluation"
    label = "evaluation"
    verbose_name = "考评"

    def ready(self):
        from gongzhi.appeals.models import AppealEvent
        from gongzhi.core import events, hooks

        from . import services as evaluation_services

        # one INSERT (mark_stale): no transaction of its own around it
        hooks.subscribe(events.RECORDED, evaluation_services.on_event, sender=AppealEvent, atomic=False)
        try:
            from gongzhi.core.periodic import register

            from .tasks import export_opendata, flush_pending_kpis

            register(export_opendata, 24 * 3600)
            register(flush_pending_kpis, 60)  # dashboards read at most a minute of backlog
        except ImportError:  # no task queue installed: the CLI still works
            pass
