"""A department reads an appeal (and may reveal its appellant) only while it works on it or after it
finished its part: an assignment it returned (退单), or one withdrawn from it, no longer grants access."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.api.models import ApiToken
from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Assignment
from gongzhi.core.errors import ActionRefused
from gongzhi.core.models import AuditEntry
from gongzhi.core.reveal import reveal
from tests.api.conftest import ApiClient
from tests.staff.photos import png_bytes

PNG = png_bytes()  # a real image: uploads are checked by decoding them


def sees(user, appeal) -> bool:
    return Appeal.objects.restrict(user).filter(pk=appeal.pk).exists()


def pages(client, user, appeal) -> dict:
    """What the user's browser and API client get for the appeal."""
    client.force_login(user)
    att = appeal.attachments.first()
    api = ApiClient(ApiToken.issue(user, "t")[1])
    return {
        "page": client.get(reverse("staff:appeal_detail", args=[appeal.pk])).status_code,
        "attachment": client.get(reverse("staff:attachment", args=[appeal.pk, att.pk])).status_code if att else None,
        "reveal": client.post(reverse("staff:reveal", args=[appeal.pk, "appellant_phone"])).status_code,
        "api": api.get(f"/appeals/{appeal.pk}").status_code,
        "api_reveal": api.post(f"/appeals/{appeal.pk}/reveal", {"field": "appellant_phone"}).status_code,
    }


@pytest.fixture
def with_photo(make_appeal):
    photo = SimpleUploadedFile("lift.png", PNG, content_type="image/png")
    return make_appeal(attachments=[photo])


def test_a_department_that_returned_the_appeal_can_no_longer_read_it_or_reveal_the_phone(org, with_photo, client):
    appeal = with_photo
    services.dispatch(appeal, org.dispatcher, org.housing)
    assert sees(org.handler_housing, appeal) and appeal.may_reveal(org.handler_housing)

    services.return_assignment(appeal.assignments.get(), org.handler_housing, "不属于本部门职责")

    assert not sees(org.handler_housing, appeal)
    assert not appeal.may_reveal(org.handler_housing)
    with pytest.raises(ActionRefused):
        reveal(appeal, org.handler_housing, "appellant_phone")
    assert pages(client, org.handler_housing, appeal) == {"page": 404, "attachment": 404, "reveal": 404, "api": 404,
                                                          "api_reveal": 404}
    assert not AuditEntry.objects.filter(action="reveal_personal_data", actor=org.handler_housing).exists()
    # The dispatcher still sees it, to dispatch it again.
    assert sees(org.dispatcher, appeal)


def test_an_assisting_department_whose_assignment_was_withdrawn_loses_access_too(org, make_appeal, client):
    appeal = make_appeal()
    services.dispatch(appeal, org.dispatcher, org.housing, [org.env])
    assert sees(org.handler_env, appeal)

    services.return_assignment(appeal.assignments.get(department=org.housing), org.handler_housing, "派错部门")

    assert appeal.assignments.get(department=org.env).state == Assignment.State.WITHDRAWN
    assert not sees(org.handler_env, appeal) and not appeal.may_reveal(org.handler_env)
    assert pages(client, org.handler_env, appeal)["page"] == 404


def test_the_department_that_answered_keeps_reading_its_finished_work(org, make_appeal):
    appeal = make_appeal()
    services.dispatch(appeal, org.dispatcher, org.housing, [org.env])
    services.acknowledge(appeal.assignments.get(department=org.housing), org.handler_housing)
    services.reply(appeal, org.handler_housing, "经核查，电梯主板损坏，已督促物业更换，现已恢复运行。")

    assert appeal.assignments.get(department=org.housing).state == Assignment.State.DONE
    assert sees(org.handler_housing, appeal) and appeal.may_reveal(org.handler_housing)
    # The assisting department never took its part: withdrawn on the reply, so no access.
    assert appeal.assignments.get(department=org.env).state == Assignment.State.WITHDRAWN
    assert not sees(org.handler_env, appeal)


def test_dispatching_the_appeal_to_the_department_again_gives_access_back(org, make_appeal):
    appeal = make_appeal()
    services.dispatch(appeal, org.dispatcher, org.housing)
    services.return_assignment(appeal.assignments.get(), org.handler_housing, "材料不全")
    assert not sees(org.handler_housing, appeal)

    services.dispatch(appeal, org.dispatcher, org.housing)

    assert sees(org.handler_housing, appeal) and appeal.may_reveal(org.handler_housing)


def test_a_leader_of_the_department_loses_access_with_the_return_too(org, make_appeal):
    from gongzhi.core.models import Role, RoleAssignment, User

    chief = User.objects.create_user("zjj_chief", password=org.password)
    RoleAssignment.objects.create(user=chief, role=Role.LEADER, department=org.housing)
    appeal = make_appeal()
    services.dispatch(appeal, org.dispatcher, org.housing)
    assert sees(chief, appeal)

    services.return_assignment(appeal.assignments.get(), org.handler_housing, "不属于本部门职责")

    assert not sees(chief, appeal)
