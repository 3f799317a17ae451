"""The follow-up (回访) list an operator calls from: the phone, masked until revealed through the
audited reveal, and the reply the department gave, so the call can ask about it."""
from django.urls import reverse

from gongzhi.core.models import AuditEntry

from .helpers import replied, signed_in

REPLY = "经核查，电梯主板损坏，已督促物业更换，现已恢复正常运行。"


def test_the_follow_up_list_shows_the_masked_phone_and_the_reply_text(client, org, make_appeal):
    appeal = replied(org, make_appeal(), text=REPLY)
    signed_in(client, org.operator)
    page = client.get(reverse("evaluation:follow_up")).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert REPLY in page


def test_revealing_the_phone_on_the_follow_up_list_shows_it_in_full_and_is_audited(client, org, make_appeal):
    appeal = replied(org, make_appeal())
    signed_in(client, org.operator)
    assert 'data-testid="reveal-phone"' in client.get(reverse("evaluation:follow_up")).content.decode()
    response = client.post(reverse("evaluation:follow_up_phone", args=[appeal.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "13812345678" in response.content.decode()
    entry = AuditEntry.objects.get(action="reveal_personal_data", actor=org.operator)
    assert "13812345678" not in str(entry.__dict__)


def test_an_anonymous_appeal_shows_no_phone_and_nobody_may_reveal_one(client, org, make_appeal):
    appeal = replied(org, make_appeal(anonymous=True, appellant_phone=""))
    signed_in(client, org.operator)
    page = client.get(reverse("evaluation:follow_up")).content.decode()
    assert 'data-testid="reveal-phone"' not in page and "匿名" in page
    response = client.post(reverse("evaluation:follow_up_phone", args=[appeal.pk]))
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="reveal_personal_data").exists()


def test_the_phone_reveal_of_the_follow_up_list_is_refused_to_a_role_without_the_page(client, org, make_appeal):
    appeal = replied(org, make_appeal())
    signed_in(client, org.handler_env)
    response = client.post(reverse("evaluation:follow_up_phone", args=[appeal.pk]))
    assert response.status_code in (403, 404)
    assert not AuditEntry.objects.filter(action="reveal_personal_data").exists()
