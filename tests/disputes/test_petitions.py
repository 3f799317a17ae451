"""Petitions (信访) within the 信访工作条例's time limits: 15 days to decide on acceptance, 60 for the
opinion (extendable once by at most 30, approved, with the reason told), 30 to ask for review and
30 for the review, the same for re-examination, then 终结. Periods count calendar days from the day
after the trigger, and a last day on a rest day moves to the next working day."""
from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from gongzhi.core.deadlines import DueState
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.models import CalendarOverride, Notification, Role
from gongzhi.core.scoping import get_visible_or_404
from gongzhi.disputes import petition_services as petitions
from gongzhi.disputes.petition_models import Petition

from .conftest import person


def local(y, m, d, hour=10):
    return timezone.make_aware(dt.datetime(y, m, d, hour))


def end_of(y, m, d):
    return timezone.make_aware(dt.datetime(y, m, d, 23, 59, 59))


@pytest.fixture
def register(org, officer):
    def make(**overrides):
        data = dict(actor=officer, channel="letter", received_at=local(2026, 9, 16), petitioner_name="陈桂芳",
                    petitioner_phone="13800001111", petitioner_id_number="110101196501011111",
                    subject="征地补偿款未发放", content="我家承包地2025年被征收，补偿款至今未发。", region=org.east_c)
        data.update(overrides)
        return petitions.register(**data)
    return make


def test_acceptance_is_due_15_days_after_receipt_and_a_national_day_last_day_moves_to_the_next_workday(register):
    # Received 16 September: the 15th day is 1 October, a holiday until the 7th; due 8 October.
    petition = register(received_at=local(2026, 9, 16))
    assert petition.number.startswith("XF20260916")
    assert petition.accept_due == end_of(2026, 10, 8) and petition.due_at == petition.accept_due
    # Received the 15th: the last day is 30 September, a working day, and stays.
    assert register(received_at=local(2026, 9, 15), petitioner_phone="", petitioner_id_number="").accept_due == \
        end_of(2026, 9, 30)


def test_an_administrators_calendar_override_counts(register):
    CalendarOverride.objects.create(date=dt.date(2026, 9, 30), is_workday=False, note="本地假日")
    petition = register(received_at=local(2026, 9, 15))
    assert petition.accept_due == end_of(2026, 10, 8)


def test_the_opinion_is_due_60_days_after_acceptance_extendable_once_with_approval(org, register, officer):
    petition = petitions.accept(register(received_at=local(2026, 7, 30)), officer, at=local(2026, 8, 2))
    # 2 August + 60 days = 1 October (National Day) -> 8 October.
    assert (petition.status, petition.opinion_due) == ("accepted", end_of(2026, 10, 8))
    assert petition.due_at == petition.opinion_due

    for bad, field in (({"extra_days": 31}, "extra_days"), ({"reason": " "}, "reason"),
                       ({"approved_by": org.grid_worker}, "approved_by")):
        args = {"extra_days": 30, "reason": "需现场勘测", "approved_by": org.leader, **bad}
        with pytest.raises(FieldErrors) as refused:
            petitions.extend(petition, officer, **args)
        assert field in refused.value.errors
    petition.refresh_from_db()
    assert petition.extension_days == 0 and petition.opinion_due == end_of(2026, 10, 8)

    petition = petitions.extend(petition, officer, extra_days=30, reason="需现场勘测", approved_by=org.leader)
    # 90 days from 2 August: 31 October, a Saturday -> Monday 2 November.
    assert petition.opinion_due == end_of(2026, 11, 2) and petition.extension_approved_by == org.leader
    told = petition.events.get(kind="extend")
    assert told.public and "需现场勘测" in told.note  # the reason is on the petitioner's timeline

    with pytest.raises(ActionRefused) as refused:
        petitions.extend(petition, officer, extra_days=10, reason="再延", approved_by=org.leader)
    assert "只能延长一次" in str(refused.value)
    petition.refresh_from_db()
    assert petition.opinion_due == end_of(2026, 11, 2) and petition.events.filter(kind="extend").count() == 1


def test_review_then_reexamination_then_the_matter_is_concluded(org, register, officer):
    petition = petitions.accept(register(received_at=local(2026, 7, 1)), officer, at=local(2026, 7, 3))
    petition = petitions.answer(petition, officer, opinion="补偿款已列入发放计划", at=local(2026, 8, 20),
                                received_at=local(2026, 9, 1))
    assert petition.due_at is None  # nothing awaited of the office until the petitioner asks
    # 30 days from receiving the opinion on 1 September: 1 October -> 8 October.
    assert petitions.review_request_by(petition) == end_of(2026, 10, 8)
    petition = petitions.request_review(petition, officer, at=local(2026, 10, 8, 16))
    assert (petition.status, petition.review_due) == ("review_requested", end_of(2026, 11, 9))  # 7 Nov is a Saturday

    petition = petitions.review(petition, officer, opinion="维持原处理意见", at=local(2026, 10, 20))
    assert petitions.reexam_request_by(petition) == end_of(2026, 11, 19)
    petition = petitions.request_reexam(petition, officer, at=local(2026, 11, 2))
    assert (petition.status, petition.reexam_due) == ("reexam_requested", end_of(2026, 12, 2))
    petition = petitions.reexamine(petition, officer, opinion="复核维持，信访事项终结", at=local(2026, 11, 20))
    assert petition.status == "concluded" and petition.due_at is None
    assert list(petition.events.values_list("kind", flat=True)) == [
        "registered", "accept", "answer", "request_review", "review", "request_reexam", "reexamine"]

    # A new petition on the same facts by the same petitioner is flagged, and the region told.
    again = register(received_at=local(2026, 11, 25))
    assert again.on_concluded_matter and again.is_repeat and again.repeat_of == petition
    assert Notification.objects.filter(kind="petition_flagged", user=org.supervisor).exists()


def test_a_review_asked_after_30_days_is_refused_and_changes_nothing(register, officer):
    petition = petitions.accept(register(received_at=local(2026, 7, 1)), officer, at=local(2026, 7, 3))
    petition = petitions.answer(petition, officer, opinion="已答复", at=local(2026, 9, 1))
    with pytest.raises(ActionRefused) as refused:
        petitions.request_review(petition, officer, at=local(2026, 10, 9))
    assert "已超过复查请求期限" in str(refused.value) and "2026-10-08" in str(refused.value)
    petition.refresh_from_db()
    assert (petition.status, petition.review_requested_at, petition.review_due) == ("answered", None, None)
    assert petition.events.count() == 3


def test_a_reexamination_asked_too_late_is_refused(register, officer):
    petition = petitions.accept(register(received_at=local(2026, 6, 1)), officer, at=local(2026, 6, 2))
    petition = petitions.answer(petition, officer, opinion="已答复", at=local(2026, 7, 1))
    petition = petitions.request_review(petition, officer, at=local(2026, 7, 10))
    petition = petitions.review(petition, officer, opinion="维持", at=local(2026, 8, 1))
    with pytest.raises(ActionRefused):
        petitions.request_reexam(petition, officer, at=local(2026, 9, 2))
    petition.refresh_from_db()
    assert petition.status == "reviewed" and petition.reexam_due is None


def test_a_petition_received_in_the_future_is_refused_and_nothing_is_stored(register):
    with pytest.raises(FieldErrors) as refused:
        register(received_at=timezone.now() + dt.timedelta(days=1))
    assert refused.value.errors == {"received_at": "收到时间不能晚于现在"}
    with pytest.raises(FieldErrors) as refused:
        register(channel="fax", subject="")
    assert set(refused.value.errors) == {"channel", "subject"}
    assert Petition.objects.count() == 0


def test_group_and_repeat_petitions_are_flagged(org, register):
    first = register(people_count=1)
    assert not first.is_group and not first.is_repeat
    group = register(people_count=5, petitioner_phone="13700002222", petitioner_id_number="")
    assert group.is_group and not group.is_repeat
    assert Notification.objects.filter(kind="petition_flagged", user=org.east_supervisor).exists()
    same_person = register(subject="另一事项", petitioner_phone="", received_at=local(2026, 9, 20))
    assert same_person.is_repeat and same_person.repeat_of == first and not same_person.on_concluded_matter
    same_matter = register(petitioner_name="陈二", petitioner_phone="", petitioner_id_number="", same_matter_as=group)
    assert same_matter.is_repeat and same_matter.repeat_of == group


def test_an_overdue_stage_is_escalated_once_to_the_regions_supervisors_and_petition_officers(org, register, officer):
    petition = register(received_at=local(2026, 9, 16))
    assert petitions.sweep_deadlines(local(2026, 10, 8, 12))["due_soon"] == 1
    assert petitions.sweep_deadlines(local(2026, 10, 9, 1))["newly_overdue"] == 1
    assert petitions.sweep_deadlines(local(2026, 10, 9, 2))["newly_overdue"] == 0
    petition.refresh_from_db()
    assert petition.due_state == DueState.OVERDUE and petition.events.last().note == "受理超期"
    told = set(Notification.objects.filter(kind="overdue").values_list("user__username", flat=True))
    assert told == {"supervisor", "east_supervisor", "petition_officer"}
    # Accepting starts the next period: the case is on track again.
    petition = petitions.accept(petition, officer, at=local(2026, 10, 10))
    assert petition.due_state == DueState.ON_TRACK and petition.due_at == petition.opinion_due


def test_petitions_are_scoped_to_the_officers_region_and_their_identity_revealed_only_to_officers(org, register):
    from gongzhi.core.reveal import reveal

    west_officer = person("west_officer", Role.PETITION_OFFICER, region=org.west)
    petition = register()
    with pytest.raises(Http404):
        get_visible_or_404(Petition.objects, west_officer, pk=petition.pk)
    assert get_visible_or_404(Petition.objects, org.supervisor, pk=petition.pk) == petition
    assert not Petition.objects.restrict(org.grid_worker).exists()
    with pytest.raises(ActionRefused):
        reveal(petition, org.supervisor, "petitioner_phone")


def test_a_review_opinion_dated_before_its_request_is_refused_and_changes_nothing(register, officer):
    petition = petitions.accept(register(received_at=local(2026, 6, 1)), officer, at=local(2026, 6, 2))
    petition = petitions.answer(petition, officer, opinion="已答复", at=local(2026, 7, 1))
    petition = petitions.request_review(petition, officer, at=local(2026, 7, 10))
    with pytest.raises(FieldErrors) as refused:
        petitions.review(petition, officer, opinion="维持", at=local(2026, 7, 9))
    assert "复查意见时间不能早于复查请求时间" in str(refused.value.errors["at"])
    petition.refresh_from_db()
    assert (petition.status, petition.review_at, petition.review_opinion) == ("review_requested", None, "")


def test_opinions_given_after_their_due_day_are_taken_but_flagged_late(register, officer):
    # Review asked 10 July: due 30 days later, 9 August (a Sunday) -> Monday 10 August.
    petition = petitions.accept(register(received_at=local(2026, 6, 1)), officer, at=local(2026, 6, 2))
    petition = petitions.answer(petition, officer, opinion="已答复", at=local(2026, 7, 1))
    assert petitions.late_opinions(petition) == {"opinion": False, "review": False, "reexam": False}
    petition = petitions.request_review(petition, officer, at=local(2026, 7, 10))
    assert petition.review_due == end_of(2026, 8, 10)
    petition = petitions.review(petition, officer, opinion="维持", at=local(2026, 8, 11))
    assert petition.status == "reviewed" and petitions.late_opinions(petition)["review"]
    assert petition.events.get(kind="review").data.get("late") is True

    petition = petitions.request_reexam(petition, officer, at=local(2026, 8, 20))
    with pytest.raises(FieldErrors):
        petitions.reexamine(petition, officer, opinion="复核维持", at=local(2026, 8, 19))
    petition = petitions.reexamine(petition, officer, opinion="复核维持", at=local(2026, 9, 1))
    assert petitions.late_opinions(petition) == {"opinion": False, "review": True, "reexam": False}
    assert "late" not in petition.events.get(kind="reexamine").data


def test_a_handling_opinion_cannot_predate_the_acceptance(register, officer):
    petition = petitions.accept(register(received_at=local(2026, 6, 1)), officer, at=local(2026, 6, 5))
    with pytest.raises(FieldErrors):
        petitions.answer(petition, officer, opinion="已答复", at=local(2026, 6, 4))
    petition.refresh_from_db()
    assert petition.status == "accepted"


def test_a_petition_is_linked_to_an_appeal_from_its_page_and_the_appeal_shows_it(org, register, officer, make_appeal):
    from django.test import Client

    appeal = make_appeal(title="征地补偿款未发放", content="我家承包地被征收，补偿款至今未发。")
    petition = register()
    client = Client()
    client.force_login(officer)
    client.post(f"/disputes/petitions/{petition.pk}/link/", {"disputes": "", "appeals": "NO-SUCH-NUMBER"})
    assert not petition.appeals.exists()  # an unknown number is refused, nothing linked
    client.post(f"/disputes/petitions/{petition.pk}/link/", {"disputes": "", "appeals": appeal.tracking_number})
    assert list(petition.appeals.all()) == [appeal]
    assert petition.events.last().data["appeals"] == [appeal.tracking_number]
    page = client.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert f"/disputes/petitions/{petition.pk}/" in page


def test_the_petition_list_has_a_stage_by_deadline_board_and_a_region_filter(org, register, officer):
    from django.test import Client

    register(received_at=timezone.now() - dt.timedelta(days=1), region=org.east_c)
    register(received_at=timezone.now() - dt.timedelta(days=1), region=org.west_c, petitioner_phone="13800002222",
             petitioner_id_number="")
    client = Client()
    client.force_login(officer)
    page = client.get("/disputes/petitions/").content.decode()
    board = page[page.index('data-testid="petition-board"'):]
    board = board[:board.index("</table>")]
    assert "待受理" in board and "<td>2</td>" in board
    east = client.get(f"/disputes/petitions/?region={org.east_c.pk}").content.decode()
    assert "东湖社区" in east and east.count('href="/disputes/petitions/') - east.count("/new/") >= 1
    assert "西山社区</td>" not in east
