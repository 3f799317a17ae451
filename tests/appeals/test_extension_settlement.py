"""An extension request lives only as long as the work it asks more time for (issue 13, defect 6).

Replying, closing or returning the appeal settles a pending request (it lapses, recorded in the
history); the supervisor's notice about it is withdrawn; and nobody may decide a request of an
appeal that is no longer being worked on.
"""
import pytest

from gongzhi.appeals import services
from gongzhi.appeals.models import Assignment, ExtensionRequest, Status
from gongzhi.core.errors import ActionRefused
from gongzhi.core.models import Notification
from gongzhi.core.recipients import unread

from .conftest import REPLY


@pytest.fixture
def pending(org, in_state, django_capture_on_commit_callbacks):
    """A handled appeal with a pending extension request the supervisors were told of."""
    appeal = in_state(Status.HANDLING)
    with django_capture_on_commit_callbacks(execute=True):
        ext = services.request_extension(appeal, org.handler_housing, 5, "需等待燃气公司检测报告")
    assert unread(org.supervisor).filter(kind="extension").count() == 1
    return appeal, ext


def test_replying_settles_the_pending_extension_and_records_it(org, pending):
    appeal, ext = pending
    services.reply(appeal, org.handler_housing, REPLY)
    ext.refresh_from_db()
    assert ext.state == ExtensionRequest.State.LAPSED and ext.decided_at is not None
    lapsed = appeal.events.get(kind="extension_lapsed")
    assert lapsed.data["extension"] == ext.pk and "已答复" in lapsed.note


def test_the_supervisor_is_no_longer_asked_about_a_settled_request(org, pending):
    appeal, ext = pending
    services.reply(appeal, org.handler_housing, REPLY)
    assert not unread(org.supervisor).filter(kind="extension").exists()
    # Only the withdrawn notice: the supervisor's other notices stay unread.
    assert Notification.objects.filter(user=org.supervisor, kind="extension").count() == 1


def test_closing_a_returned_appeal_settles_its_request(org, pending):
    appeal, ext = pending
    services.return_assignment(appeal.assignments.get(role=Assignment.Role.LEAD), org.handler_housing, "不属于本单位职责")
    ext.refresh_from_db()
    assert ext.state == ExtensionRequest.State.LAPSED
    services.close(appeal, org.operator, "诉求人已撤回")
    assert appeal.events.filter(kind="extension_lapsed").count() == 1


def test_a_decision_on_a_closed_appeal_is_refused_and_moves_no_deadline(org, pending):
    appeal, ext = pending
    services.reply(appeal, org.handler_housing, REPLY)
    services.follow_up(appeal, "satisfied")
    appeal.refresh_from_db()
    due = appeal.due_at
    with pytest.raises(ActionRefused) as refused:
        services.decide_extension(ext, org.supervisor, True, "同意")
    assert "已办结" in str(refused.value)
    appeal.refresh_from_db()
    ext.refresh_from_db()
    assert appeal.due_at == due and ext.state == ExtensionRequest.State.LAPSED
    assert not appeal.events.filter(kind="extension_approved").exists()


def test_a_request_still_pending_on_a_working_appeal_can_be_decided(org, pending):
    appeal, ext = pending
    services.decide_extension(ext, org.supervisor, True, "同意")
    ext.refresh_from_db()
    assert ext.state == ExtensionRequest.State.APPROVED
