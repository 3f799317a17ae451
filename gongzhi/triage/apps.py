from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "gongzhi.triage"
    label = "triage"
    verbose_name = "智能分析"

    def ready(self):
        from gongzhi.appeals import services as appeal_services
        from gongzhi.core import hooks

        from . import services

        from django.utils.translation import gettext_lazy as _

        from . import alerts, reasons

        reasons.register()  # the sentences its analysis writes, in the reader's language (core.reasons)

        alerts.register_conversion("appeal", _("诉求"), alerts.appeal_from_alert, alerts.appeal_link)
        hooks.subscribe(appeal_services.RECEIVED, services.on_intake, atomic=False)  # its own transaction
        hooks.subscribe(appeal_services.REPLIED, services.score_reply)
        from . import suggesting

        hooks.subscribe(appeal_services.RETURNED, suggesting.refresh_suggestions)

        from gongzhi.core import warmup

        warmup.register(services.warm)

        from . import desk

        desk.forget_on_change()

        from gongzhi.core import periodic

        from . import tasks

        periodic.register(tasks.rebuild_hot_issues, 24 * 3600)
        periodic.register(tasks.retrain_classifier, 7 * 24 * 3600)
