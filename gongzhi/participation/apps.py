from django.apps import AppConfig


def _report(counts: dict[str, int]) -> str:
    return (f"公众参与巡检：金点子答复新超期 {counts['proposal_newly_overdue']}，即将到期 {counts['proposal_due_soon']}；"
            f"征求意见截止 {counts['consultations_closed']}，问卷结束 {counts['surveys_closed']}")


class ParticipationConfig(AppConfig):
    name = "gongzhi.participation"
    label = "participation"
    verbose_name = "公众参与"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from gongzhi.core import periodic, publication

        from . import moderation, notifying, tasks
        from .models import SensitiveWord

        periodic.register(tasks.sweep_deadlines, 60 * 60)  # answer periods are in working days
        periodic.register_sweep("participation", tasks.run_sweeps, _report,
                                help="the proposals' answer deadlines; closing consultations and surveys")
        publication.register_hidden_words(moderation.sensitive_words)
        post_save.connect(moderation.forget_words, sender=SensitiveWord, dispatch_uid="gz-sensitive-words-save")
        post_delete.connect(moderation.forget_words, sender=SensitiveWord, dispatch_uid="gz-sensitive-words-delete")
        notifying.register_wording()
        register_indicators()


def register_indicators() -> None:
    """The duty to answer counts in the departments' evaluation (core.indicators; evaluation
    shows and scores them without importing participation)."""
    from django.utils.translation import gettext_lazy as _

    from gongzhi.core import indicators

    from . import stats

    indicators.register("participation.answer_on_time_rate", _("金点子按时答复率"), stats.on_time_indicator,
                        kinds=("department",), rate=True, higher_is_better=True, weight=10, order=10,
                        link=stats.late_link)
    indicators.register("participation.late_answers", _("金点子超期答复"), stats.late_indicator,
                        kinds=("department",), rate=False, higher_is_better=False, order=11, link=stats.late_link)
