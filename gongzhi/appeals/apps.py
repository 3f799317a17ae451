from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "gongzhi.appeals"
    label = "appeals"
    verbose_name = "诉求"

    def ready(self):
        from gongzhi.core import deadlines, hooks, periodic

        from . import notifying, services, tasks
        from .models import Appeal, AppealEvent

        notifying.register_wording()
        # the acceptance message is one INSERT of its deliveries (the worker's task row follows the
        # commit): no transaction of its own around it
        hooks.subscribe(services.RECEIVED, notifying.on_received, when=notifying.may_tell_at_intake, atomic=False)
        hooks.subscribe("event.recorded", notifying.on_event, sender=AppealEvent, when=notifying.tells_appellant)
        hooks.subscribe(deadlines.DUE_SOON_TOPIC, notifying.on_due_soon, sender=Appeal)

        periodic.register(tasks.sweep_deadlines, 5 * 60)  # deadlines are in hours: every 5 minutes
        periodic.register(tasks.auto_close_unrated, 60 * 60)
        periodic.register_sweep(
            "deadlines", services.sweep_deadlines,
            lambda counts: (f"期限巡检：新超期 {counts['newly_overdue']}，标记超期 {counts['overdue']}，"
                            f"即将到期 {counts['due_soon']}，恢复正常 {counts['on_track']}"),
            help="the deadline sweep (due soon, overdue, urging)")
        periodic.register_sweep("auto-close", services.auto_close_unrated, lambda closed: f"回访期满自动办结：{closed}",
                                help="closing replied appeals left unrated after the follow-up window")
