from django.apps import AppConfig


def _report(counts: dict) -> str:
    return (f"应急巡检：任务新超时 {counts['task_newly_overdue']}，预案到期提醒 {counts['plan_reminders']}，"
            f"设备离线 {counts['devices_offline']}")


class EmergencyConfig(AppConfig):
    name = "gongzhi.emergency"
    label = "emergency"
    verbose_name = "应急管理"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core import messages, periodic
        from gongzhi.triage import alerts

        from . import services, tasks

        periodic.register(tasks.sweep, 60)  # task deadlines are in hours: every minute
        periodic.register_sweep("emergency", tasks.run_sweeps, _report,
                                help="emergency task deadlines, plan expiry reminders, silent sensors")
        periodic.register_process("sensors", ["sensors", "listen"])
        alerts.register_conversion("incident", _("突发事件"), services.from_alert, services.link)
        messages.register("emergency", label=_("应急通知（须确认）"),
                          zh=("【应急】{{ message }}", "{{ text }}{% if link %}\n{{ link }}{% endif %}"),
                          en=("[Emergency] {{ message }}", "{{ text }}{% if link %}\n{{ link }}{% endif %}"),
                          sms_zh="【应急】{{ text }}", sms_en="[Emergency] {{ text }}")
        messages.register("emergency.plan_review", label=_("应急预案到期提醒"),
                          zh=("预案到期提醒", "{{ text }}\n{{ link }}"),
                          en=("Plan review due", "{{ text }}\n{{ link }}"), staff=True)
        messages.register("emergency.task_overdue", label=_("应急任务超时"),
                          zh=("应急任务超时", "{{ text }}\n{{ link }}"),
                          en=("Emergency task overdue", "{{ text }}\n{{ link }}"), staff=True)
