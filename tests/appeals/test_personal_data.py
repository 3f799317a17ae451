"""Revealing an appellant's phone, ID number or name is an explicit, audited action, allowed only to
roles that must contact the appellant, and never for an anonymous appeal."""
import pytest

from gongzhi.appeals import services
from gongzhi.core.errors import ActionRefused, FieldErrors
from gongzhi.core.models import AuditEntry
from gongzhi.core.reveal import reveal

ID_NUMBER = "11010519491231002X"  # a valid check digit


@pytest.fixture
def appeal(org, make_appeal):
    appeal = make_appeal(appellant_id_number=ID_NUMBER)
    services.dispatch(appeal, org.dispatcher, org.housing)
    return appeal


@pytest.mark.parametrize("who", ["operator", "dispatcher", "supervisor", "handler_housing"])
def test_roles_that_contact_the_appellant_may_reveal_and_it_is_audited(org, appeal, who):
    user = getattr(org, who)
    assert reveal(appeal, user, "appellant_phone") == "13812345678"
    assert reveal(appeal, user, "appellant_id_number") == ID_NUMBER
    entries = AuditEntry.objects.filter(action="reveal_personal_data", actor=user)
    assert sorted(e.detail["field"] for e in entries) == ["appellant_id_number", "appellant_phone"]
    assert {e.target_id for e in entries} == {str(appeal.pk)}


@pytest.mark.parametrize("who", ["leader", "grid_worker", "handler_env", "mediator", "citizen"])
def test_other_roles_are_refused_and_nothing_is_revealed(org, appeal, who):
    with pytest.raises(ActionRefused):
        reveal(appeal, getattr(org, who), "appellant_phone")
    assert not AuditEntry.objects.filter(action="reveal_personal_data").exists()


def test_nobody_reveals_an_anonymous_appellant(org, make_appeal):
    from gongzhi.core.models import User

    anonymous = make_appeal(anonymous=True)
    root = User.objects.create_superuser("root", password="x-Passw0rd!")
    for user in (org.operator, org.supervisor, root):
        with pytest.raises(ActionRefused):
            reveal(anonymous, user, "appellant_phone")
    assert anonymous.appellant_phone == "" and anonymous.appellant_name == ""


def test_only_personal_fields_can_be_revealed(org, appeal):
    with pytest.raises(FieldErrors):
        reveal(appeal, org.operator, "access_code_hash")
