"""Proposals (金点子): one support per verified person, the threshold, the duty to answer on a
deadline and its escalation, progress until done."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.models import Notification
from gongzhi.core.workdays import WorkCalendar
from gongzhi.participation import services, stats, tasks
from gongzhi.participation.models import Proposal, ProposalSupport
from gongzhi.participation.verification import Voter

from .conftest import citizen

P = Proposal.Status
pytestmark = pytest.mark.django_db


def test_a_supporter_counts_once_and_may_withdraw_and_support_again(org, propose, citizens):
    proposal = propose()
    neighbour = Voter(user=citizens[1])
    proposal = services.support(proposal, neighbour)
    assert proposal.support_count == 1
    with pytest.raises(ActionRefused, match="已经支持过"):
        services.support(proposal, neighbour)
    proposal = services.withdraw_support(proposal, neighbour)
    assert proposal.support_count == 0
    with pytest.raises(ActionRefused):
        services.withdraw_support(proposal, neighbour)
    proposal = services.support(proposal, neighbour)
    assert proposal.support_count == 1
    assert ProposalSupport.objects.filter(proposal=proposal).count() == 1


def test_a_phone_confirmed_person_supports_once_and_nobody_unverified_does(propose):
    proposal = propose()
    phone = Voter(phone_key="k" * 64)
    services.support(proposal, phone)
    with pytest.raises(ActionRefused):
        services.support(proposal, Voter(phone_key="k" * 64))
    with pytest.raises(FieldErrors) as refused:
        services.support(proposal, Voter())
    assert "voter" in refused.value.errors
    assert Proposal.objects.get(pk=proposal.pk).support_count == 1


def test_the_proposer_cannot_support_their_own_and_an_unreviewed_one_cannot_be_supported(org, propose, citizens):
    mine = propose()
    with pytest.raises(ActionRefused, match="自己"):
        services.support(mine, Voter(user=org.citizen))
    fresh = propose(approve=False)
    with pytest.raises(ActionRefused, match="尚未公开"):
        services.support(fresh, Voter(user=citizens[1]))


def test_reaching_the_threshold_gives_it_to_the_category_department_with_a_working_day_deadline(
        org, propose, citizens, categories, settings):
    urban = categories["urban"]
    urban.threshold, urban.department = 2, org.housing
    urban.save()
    proposal = propose()
    proposal = services.support(proposal, Voter(user=citizens[1]))
    assert proposal.status == P.OPEN
    proposal = services.support(proposal, Voter(user=citizens[2]))
    assert proposal.status == P.ASSIGNED and proposal.department == org.housing
    days = settings.GONGZHI["PROPOSAL_ANSWER_DAYS"]
    assert proposal.due_at == WorkCalendar.current().add_workdays(proposal.assigned_at, days)
    assert Notification.objects.filter(user=org.handler_housing, kind="participation.assigned").exists()
    assert Notification.objects.filter(user=org.citizen, kind="participation.proposal").exists()
    public = [e.kind for e in proposal.events.filter(public=True)]
    assert public == ["submitted", "threshold", "assign"]


def test_without_a_department_the_threshold_puts_it_before_the_dispatchers(org, propose, citizens, categories):
    other = categories["other"]
    other.threshold = 1
    other.save()
    proposal = services.support(propose(category=other), Voter(user=citizens[1]))
    assert proposal.status == P.QUALIFIED
    assert Notification.objects.filter(user=org.dispatcher, kind="participation.qualified").exists()
    proposal = services.assign(proposal, org.dispatcher, org.env)
    assert proposal.status == P.ASSIGNED and proposal.department == org.env


def test_staff_may_pick_a_proposal_below_the_threshold_but_a_citizen_may_not(org, propose):
    proposal = propose()
    with pytest.raises(ActionRefused):
        services.assign(proposal, org.citizen, org.housing)
    with pytest.raises(FieldErrors):
        services.assign(proposal, org.dispatcher, None)
    assert services.assign(proposal, org.dispatcher, org.housing).status == P.ASSIGNED


def test_only_the_department_answers_with_reasons_and_the_proposer_is_told(org, propose):
    proposal = services.assign(propose(), org.dispatcher, org.housing)
    with pytest.raises(ActionRefused, match="答复部门"):
        services.answer(proposal, org.handler_env, outcome="adopted", text="我局将于明年春季在南门草坪建设游乐区。")
    with pytest.raises(FieldErrors) as refused:
        services.answer(proposal, org.handler_housing, outcome="maybe", text="好")
    assert set(refused.value.errors) == {"outcome", "text"}
    done = services.answer(proposal, org.handler_housing, outcome="adopted", text="我局将于明年春季在南门草坪建设游乐区。")
    assert done.status == P.ADOPTED and not done.answered_late
    assert Notification.objects.filter(user=org.citizen, kind="participation.proposal",
                                       text__contains="采纳").exists()
    services.report_progress(done, org.handler_housing, "设计方案已完成，正在招标。")
    done = services.complete(done, org.handler_housing, "游乐区已建成开放。")
    assert done.status == P.DONE
    assert [e.kind for e in done.events.filter(public=True)][-3:] == ["answer", "progress", "complete"]
    with pytest.raises(ActionRefused):
        services.answer(done, org.handler_housing, outcome="not_adopted", text="重复答复重复答复重复答复")


def test_an_overdue_answer_escalates_once_and_counts_against_the_department(org, propose):
    proposal = services.assign(propose(), org.dispatcher, org.housing)
    late = proposal.due_at + dt.timedelta(hours=1)
    counts = tasks.run_sweeps(late)
    assert counts["proposal_newly_overdue"] == 1
    assert tasks.run_sweeps(late + dt.timedelta(hours=1))["proposal_newly_overdue"] == 0
    assert Notification.objects.filter(user=org.supervisor, kind="participation.overdue").count() == 1
    assert Notification.objects.filter(user=org.handler_housing, kind="participation.overdue").exists()
    assert proposal.events.filter(kind="overdue", public=True).count() == 1
    [row] = stats.answer_stats()
    assert row["overdue"] == 1 and row["on_time_rate"] == 0.0
    done = services.answer(proposal, org.handler_housing, outcome="not_adopted",
                           text="该地块已规划为绿地，暂不具备建设条件。", at=late + dt.timedelta(days=1))
    assert done.answered_late
    [row] = stats.answer_stats()
    assert row["late"] == 1 and row["answered"] == 1 and row["on_time"] == 0


def test_bad_input_names_the_field(org, categories):
    with pytest.raises(FieldErrors) as refused:
        services.submit(Voter(user=org.citizen), title="", text="短", category=None, lat=1.0)
    assert {"title", "text", "category", "lat"} <= set(refused.value.errors)


def test_the_deadline_is_shown_due_soon_the_day_before(org, propose):
    proposal = services.assign(propose(), org.dispatcher, org.housing)
    tasks.run_sweeps(proposal.due_at - dt.timedelta(hours=2))
    assert Proposal.objects.get(pk=proposal.pk).due_state == "due_soon"
    assert timezone.now() < proposal.due_at
