"""Who is told when a dispute's, petition's or screening task's deadline comes near.

The core deadline sweep publishes `deadline.due_soon` for each case that has just become due soon
(once: an on-track case turning due soon); these subscribers (AppConfig.ready) tell the people who
must act before the deadline, through core.recipients.notify on the channels each chose:

* a dispute in mediation: its mediator (or, with none yet, its committee's members; else the
  region's supervisors);
* a petition: the petition officers over its region (the stage now running is named);
* a screening task: its assignee (or, with none, the community's supervisors).
"""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from gongzhi.core import messages
from gongzhi.core.models import Role
from gongzhi.core.recipients import holders_of, notify, supervisors_of

from .models import Dispute
from .petition_models import Petition
from .screening_models import ScreeningTask

# The stage whose deadline runs in each petition state (the notification names it).
# Lazy: each recipient reads the stage in their own language (core.messages.Localised).
PETITION_STAGES = {Petition.Status.RECEIVED: gettext_lazy("受理期限"),
                   Petition.Status.ACCEPTED: gettext_lazy("处理意见期限"),
                   Petition.Status.REVIEW_REQUESTED: gettext_lazy("复查期限"),
                   Petition.Status.REEXAM_REQUESTED: gettext_lazy("复核期限")}


def _day(when) -> str:
    return timezone.localtime(when).date().isoformat() if when else ""


def on_dispute_due_soon(dispute: Dispute) -> None:
    users = [dispute.mediator] if dispute.mediator_id else []
    if not users and dispute.committee_id:
        users = list(dispute.committee.members.filter(is_active=True))
    if not users:
        users = list(supervisors_of(dispute.region))
    notify(users, "due_soon", messages.localised(N_("纠纷调解即将到期（%(day)s）：%(title)s"),
                                                 day=_day(dispute.due_at), title=dispute.title),
           f"/disputes/{dispute.pk}/")


def on_petition_due_soon(petition: Petition) -> None:
    stage = PETITION_STAGES.get(petition.status)
    if stage is None:
        return
    notify(holders_of(petition.region, Role.PETITION_OFFICER), "due_soon",
           messages.localised(N_("信访件%(stage)s即将到期（%(day)s）：%(subject)s"), stage=stage,
                              day=_day(petition.due_at), subject=petition.subject),
           f"/disputes/petitions/{petition.pk}/")


def on_task_due_soon(task: ScreeningTask) -> None:
    users = [task.assignee] if task.assignee_id else list(supervisors_of(task.community))
    notify(users, "due_soon", messages.localised(N_("排查报告即将到期（%(day)s）：%(unit)s（%(title)s）"),
                                                 day=_day(task.due_at), unit=str(task.unit), title=task.campaign.title),
           f"/disputes/screening/tasks/{task.pk}/")


def subscribe() -> None:
    from gongzhi.core import hooks
    from gongzhi.core.deadlines import DUE_SOON_TOPIC

    hooks.subscribe(DUE_SOON_TOPIC, on_dispute_due_soon, sender=Dispute)
    hooks.subscribe(DUE_SOON_TOPIC, on_petition_due_soon, sender=Petition)
    hooks.subscribe(DUE_SOON_TOPIC, on_task_due_soon, sender=ScreeningTask)
