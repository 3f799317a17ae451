"""Confirmed notifications (core.confirmations): every channel a person has, a signed one-click link,
a reply code, and escalation along a roster when nobody confirms in time — through the real SMTP
peer and the local SMS receiver."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from gongzhi.core import confirmations, delivery
from gongzhi.core.models import Confirmation, Delivery, Notification
from tests.notify_peers import http_receiver, peers, smtp  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def send_all():
    return [delivery.attempt(pk) for pk in Delivery.objects.filter(status="pending").values_list("pk", flat=True)]


def link_in(body: str) -> str:
    return re.search(r"https?://\S+?(/accounts/confirm/[^/\s]+/)", body).group(1)


@pytest.fixture
def staff(org):
    first, second, third = org.handler_housing, org.handler_env, org.supervisor
    for user, n in ((first, 1), (second, 2), (third, 3)):
        user.email, user.phone = f"duty{n}@example.gov.cn", f"1390000000{n}"
        user.save()
    return first, second, third


def test_an_unconfirmed_message_escalates_to_the_next_on_the_roster_by_email(client, staff, smtp):
    first, second, third = staff
    [row] = confirmations.request([first], "emergency", "东湖社区燃气泄漏，请立即到岗", "/emergency/incidents/1/",
                                  ref="emergency.incident:1", escalate_after=5, chain=[second, third])
    assert Notification.objects.filter(user=first).count() == 1  # in-app at once
    assert set(Delivery.objects.values_list("channel", flat=True)) == {"email", "sms"}  # no preference needed
    send_all()
    assert smtp.messages[0]["X-Envelope-To"] == "duty1@example.gov.cn"
    assert row.code in smtp.bodies()[0] and "/accounts/confirm/" in smtp.bodies()[0]

    assert confirmations.escalate_due(timezone.now() + dt.timedelta(minutes=4)) == {"escalated": 0, "unanswered": 0}
    assert confirmations.escalate_due(timezone.now() + dt.timedelta(minutes=6)) == {"escalated": 1, "unanswered": 0}
    send_all()
    to_second = [m for m in smtp.messages if m["X-Envelope-To"] == "duty2@example.gov.cn"]
    assert len(to_second) == 1
    body = to_second[0].get_payload(decode=True).decode()
    assert "【升级】" in body and "燃气泄漏" in body

    response = client.get(link_in(body))  # the one-click link, without signing in
    assert response.status_code == 200 and "已确认收到" in response.content.decode()
    states = {(c.recipient_id, c.state, c.confirmed_via) for c in confirmations.status_of("emergency.incident:1")}
    assert states == {(first.pk, "escalated", ""), (second.pk, "confirmed", "link")}
    row.refresh_from_db()
    assert row.escalated_to == second
    # Confirmed in time, nobody else is woken.
    assert confirmations.escalate_due(timezone.now() + dt.timedelta(hours=1)) == {"escalated": 0, "unanswered": 0}


def test_a_reply_with_the_code_confirms_only_from_the_recipients_own_number(client, staff, settings, http_receiver):
    first, second, _third = staff
    [row] = confirmations.request([first], "emergency", "水位超警戒", ref="emergency.incident:2", escalate_after=10)
    send_all()
    sms = [r for r in http_receiver.received if r["path"] == "/sms"]
    assert sms and row.code in sms[0]["json"]["text"]

    assert confirmations.confirm_by_reply("sms", second.phone, f"收到 {row.code}") == []  # someone else's phone
    settings.GONGZHI = {**settings.GONGZHI, "NOTIFY_REPLY_TOKEN": "inbound-secret"}
    refused = client.post("/accounts/confirm/reply/", {"channel": "sms", "from": first.phone, "text": row.code},
                          content_type="application/json", HTTP_AUTHORIZATION="Bearer wrong")
    assert refused.status_code == 401
    answer = client.post("/accounts/confirm/reply/", {"channel": "sms", "from": first.phone,
                                                      "text": f"收到 {row.code.lower()}"},
                         content_type="application/json", HTTP_AUTHORIZATION="Bearer inbound-secret")
    assert answer.json() == {"confirmed": 1}
    row.refresh_from_db()
    assert row.state == "confirmed" and row.confirmed_via == "reply"
    bad = client.post("/accounts/confirm/reply/", "not json", content_type="application/json",
                      HTTP_AUTHORIZATION="Bearer inbound-secret")
    assert bad.status_code == 400


def test_nobody_left_on_the_roster_marks_the_message_unanswered_and_a_forged_link_is_404(client, staff):
    first, _second, _third = staff
    confirmations.request([first], "emergency", "测试", ref="x:3", escalate_after=1, chain=[first])
    assert confirmations.escalate_due(timezone.now() + dt.timedelta(minutes=2)) == {"escalated": 0, "unanswered": 1}
    assert Confirmation.objects.get().state == "unanswered"
    assert client.get("/accounts/confirm/forged-token/").status_code == 404
    assert client.post("/accounts/confirm/reply/", {}, content_type="application/json").status_code == 404
