"""The minimal case type of docs/architecture.md ("Adding a case type"), as a test runs it.

The code between the markers is the documentation's example word for word, but for the lines that
end in "# test only" (the example lives in no installed app here, so its models name their
app_label); tests/core/test_kernel_case_type.py checks the two stay the same.
"""
# --- example start
from django.db import models

from gongzhi.core import scoping
from gongzhi.core.deadlines import DeadlinePolicy, DueState, sweep
from gongzhi.core.events import CaseEvent, record_event
from gongzhi.core.lifecycle import Lifecycle, Transition
from gongzhi.core.models import Region, Role
from gongzhi.core.recipients import notify, supervisors_of


class Dispute(models.Model):
    """矛盾纠纷: a conflict between parties, mediated within a deadline."""

    title = models.CharField(max_length=200)
    party_phone = models.CharField(max_length=32, blank=True)
    region = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, default="reported")
    due_at = models.DateTimeField(null=True)
    due_state = models.CharField(max_length=16, choices=DueState.choices, default=DueState.ON_TRACK)

    PROTECTED_FIELDS = {"party_phone": "当事人电话"}  # core.reveal shows it, audited

    class Meta:
        app_label = "kernel_example"  # test only

    def may_reveal(self, user) -> bool:
        return scoping.has_role(user, Role.MEDIATOR, Role.ADMIN)


class DisputeEvent(CaseEvent):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")

    class Meta(CaseEvent.Meta):
        app_label = "kernel_example"  # test only


LIFECYCLE = Lifecycle([
    Transition("accept", ("reported",), (Role.MEDIATOR,), "mediating", label="受理"),
    Transition("settle", ("mediating",), (Role.MEDIATOR,), "settled", label="调解成功"),
    Transition("close", ("reported", "mediating"), (Role.MEDIATOR, Role.SUPERVISOR), "closed", label="终结"),
], state_refusal=lambda dispute, t: f"纠纷当前为“{dispute.status}”，不能{t.label}")


def accept(dispute, mediator, due_at):
    return LIFECYCLE.perform(dispute, "accept", mediator, changes={"due_at": due_at}, note="已受理")


def _overdue(dispute):
    record_event(dispute, "overdue", None, from_status=dispute.status, note="调解超期")
    notify(supervisors_of(dispute.region), "overdue", f"调解超期：{dispute.title}")


DEADLINES = DeadlinePolicy(open_cases=lambda: Dispute.objects.filter(status="mediating"),
                           due_soon_hours=24, on_overdue=_overdue)


def sweep_deadlines(now=None):
    return sweep(DEADLINES, now)
# --- example end
