from django.apps import AppConfig


def _report(counts: dict[str, int]) -> str:
    return (f"纠纷与信访期限巡检：纠纷新超期 {counts['dispute_newly_overdue']}，即将到期 {counts['dispute_due_soon']}；"
            f"信访新超期 {counts['petition_newly_overdue']}，即将到期 {counts['petition_due_soon']}；"
            f"排查逾期 {counts['screening_newly_overdue']}")


class DisputesConfig(AppConfig):
    name = "gongzhi.disputes"
    label = "disputes"
    verbose_name = "矛盾纠纷与信访"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core import periodic
        from gongzhi.triage import alerts

        from . import dashboard, notifying, reasons, services, tasks

        reasons.register()  # its risk sentences in the reader's language (core.reasons)

        periodic.register(tasks.sweep_deadlines, 60 * 60)  # periods are in days: hourly is enough
        periodic.register_sweep("dispute-deadlines", tasks.run_sweeps, _report,
                                help="the mediation and petition deadline sweep")
        dashboard.register()  # its panel on the evaluation dashboards (core.dashboards)
        notifying.subscribe()  # deadline.due_soon: who must act before a deadline is told
        alerts.register_conversion("dispute", _("矛盾纠纷"), services.from_alert, services.link)
