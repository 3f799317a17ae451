"""A deadline coming near tells whoever must act before it, once, on the channels they chose: a
dispute's mediator, the petition officers over a petition's region (naming the stage), a screening
task's grid worker (core deadline sweep -> hook deadline.due_soon -> core.recipients.notify)."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gongzhi.core.models import Notification
from gongzhi.disputes import petition_services as petitions
from gongzhi.disputes import screening, services


def told(kind="due_soon"):
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", "text"))


def test_a_mediation_due_soon_tells_its_mediator_once(org, report):
    dispute = services.accept(report(), org.mediator)
    assert services.sweep_deadlines(dispute.due_at - dt.timedelta(days=3))["due_soon"] == 0
    assert told() == []
    services.sweep_deadlines(dispute.due_at - dt.timedelta(hours=2))
    services.sweep_deadlines(dispute.due_at - dt.timedelta(hours=1))  # still due soon: no second message
    day = timezone.localtime(dispute.due_at).date().isoformat()
    assert told() == [("mediator", f"纠纷调解即将到期（{day}）：楼上漏水邻里纠纷")]
    assert Notification.objects.get(kind="due_soon").link == f"/disputes/{dispute.pk}/"


def test_a_petition_stage_due_soon_tells_the_regions_petition_officers(org, officer):
    received = timezone.make_aware(dt.datetime(2026, 9, 16, 10))
    petition = petitions.register(actor=officer, channel="letter", received_at=received, petitioner_name="陈桂芳",
                                  subject="征地补偿款未发放", content="补偿款至今未发。", region=org.east_c)
    petitions.sweep_deadlines(timezone.make_aware(dt.datetime(2026, 10, 8, 12)))  # accept due end of 8 October
    assert told() == [("petition_officer", "信访件受理期限即将到期（2026-10-08）：征地补偿款未发放")]
    assert Notification.objects.get(kind="due_soon").link == f"/disputes/petitions/{petition.pk}/"


def test_a_screening_report_due_soon_tells_the_grid_worker(org, kinds):
    today = timezone.localdate()
    campaign = screening.launch(actor=org.supervisor, title="节前排查", starts_on=today,
                                ends_on=today + dt.timedelta(days=2), regions=[org.district],
                                kinds=[kinds["neighbour"]])
    east = campaign.tasks.get(grid=org.east_g)
    screening.sweep_deadlines(east.due_at - dt.timedelta(hours=3))
    # the west community's task has no assignee: the supervisors over it are told instead
    by_user = dict(told())
    assert by_user["gridworker"] == f"排查报告即将到期（{timezone.localtime(east.due_at).date().isoformat()}）：东湖第一网格（节前排查）"
    assert set(by_user) == {"gridworker", "supervisor"}
