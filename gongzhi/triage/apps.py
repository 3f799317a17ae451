from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "gongzhi.triage"
    label = "triage"
    verbose_name = "智能分析"

    def ready(self):
        from gongzhi.appeals import services as appeal_services
        from gongzhi.core import hooks

        from . import services

        hooks.subscribe(appeal_services.RECEIVED, services.on_intake)
        hooks.subscribe(appeal_services.REPLIED, services.score_reply)

        from gongzhi.core import warmup

        warmup.register(services.warm)

        from gongzhi.appeals.tasks import PERIODIC

        from . import tasks

        PERIODIC.setdefault(tasks.rebuild_hot_issues, 24 * 3600)
        PERIODIC.setdefault(tasks.retrain_classifier, 7 * 24 * 3600)
