"""并单 into an answered or closed appeal (issue 13, defect 1): one click folded a new repeat
complaint ("之前反映过好几次都没人管") into an appeal closed two weeks earlier, the target stayed
closed and the complaint was gone from every queue.

A repeat complaint is merged only into an appeal still being worked on; an answered or closed
target is refused with a message that says its state and what to do instead, and the complaint
stays in the dispatchers' queue. The staff pages mark such duplicate candidates and name the
target's state in the confirmation.
"""
import pytest

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Status
from gongzhi.core.errors import ActionRefused

from tests.staff.helpers import action_url, detail_url, signed_in

REPEAT = dict(title="电梯又坏了", content="之前反映过好几次都没人管，电梯还是坏的。", appellant_phone="13900002222")


def repeat_of(make_appeal, original):
    repeat = make_appeal(**REPEAT)
    Appeal.objects.filter(pk=repeat.pk).update(triage={"duplicates": [
        {"tracking_number": original.tracking_number, "score": 0.93, "reason": "同一地点同一问题"}]})
    repeat.refresh_from_db()
    return repeat


@pytest.mark.parametrize("state,label", [(Status.CLOSED, "已办结"), (Status.REPLIED, "待回访")])
def test_merging_into_an_answered_or_closed_appeal_is_refused_and_the_complaint_stays(
        org, in_state, make_appeal, state, label):
    original = in_state(state)
    repeat = make_appeal(**REPEAT)
    events = original.events.count()
    with pytest.raises(ActionRefused) as refused:
        services.merge(repeat, original, org.dispatcher, "重复诉求")
    message = str(refused.value)
    assert original.tracking_number in message and label in message and "派单" in message
    repeat.refresh_from_db()
    original.refresh_from_db()
    assert repeat.status == Status.RECEIVED and repeat.merged_into is None
    assert Appeal.objects.restrict(org.dispatcher).filter(status=Status.RECEIVED, pk=repeat.pk).exists()
    assert original.status == state and original.events.count() == events


@pytest.mark.parametrize("state", [Status.RECEIVED, Status.DISPATCHED, Status.HANDLING])
def test_merging_into_an_appeal_still_worked_on_is_allowed(org, in_state, make_appeal, state):
    original = in_state(state)
    repeat = make_appeal(**REPEAT)
    services.merge(repeat, original, org.dispatcher, "重复诉求")
    repeat.refresh_from_db()
    assert repeat.status == Status.MERGED and repeat.merged_into_id == original.pk


def test_the_appeal_page_marks_a_closed_candidate_and_offers_no_one_click_merge(client, org, in_state, make_appeal):
    original = in_state(Status.CLOSED)
    repeat = repeat_of(make_appeal, original)
    page = signed_in(client, org.dispatcher).get(detail_url(repeat)).content.decode()
    assert original.tracking_number in page
    assert f'value="{original.tracking_number}"' not in page  # no one-click form for it
    assert "已办结，不能并入" in page


def test_the_confirmation_names_the_targets_state(client, org, in_state, make_appeal):
    original = in_state(Status.HANDLING)
    repeat = repeat_of(make_appeal, original)
    page = signed_in(client, org.dispatcher).get(detail_url(repeat)).content.decode()
    assert f"确认并入 {original.tracking_number}（办理中）？" in page


def test_the_dispatch_queue_marks_a_closed_candidate_too(client, org, in_state, make_appeal):
    original = in_state(Status.CLOSED)
    repeat_of(make_appeal, original)
    page = signed_in(client, org.dispatcher).get("/staff/").content.decode()
    assert original.tracking_number in page and "已办结，不能并入" in page


def test_a_refused_merge_on_the_page_says_why(client, org, in_state, make_appeal):
    original = in_state(Status.CLOSED)
    repeat = make_appeal(**REPEAT)
    signed_in(client, org.dispatcher)
    response = client.post(action_url(repeat, "merge"), {"into": original.tracking_number}, follow=True)
    assert "已办结" in response.content.decode()
    repeat.refresh_from_db()
    assert repeat.status == Status.RECEIVED
