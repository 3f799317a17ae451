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

    page = client.get(link_in(body))  # the link, without signing in: a page with the button
    assert page.status_code == 200 and 'data-testid="confirm-form"' in page.content.decode()
    response = client.post(link_in(body))
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


def test_opening_the_link_confirms_nothing_until_the_button_is_pressed_once(client, staff, smtp):
    """Mail scanners and chat previews fetch every link in a message: a GET only shows the page."""
    first, _second, _third = staff
    [row] = confirmations.request([first], "emergency", "河道水位超警戒", "/emergency/incidents/9/",
                                  ref="emergency.incident:9", escalate_after=5)
    send_all()
    link = link_in(smtp.bodies()[0])
    for _ in range(3):  # a scanner, a preview, the person reading it
        page = client.get(link)
        assert page.status_code == 200 and "河道水位超警戒" in page.content.decode()
    row.refresh_from_db()
    assert row.confirmed_at is None and row.state == "pending"
    assert confirmations.escalate_due(timezone.now() + dt.timedelta(minutes=6))["escalated"] == 0  # nobody next
    row.refresh_from_db()
    assert row.state == "unanswered"  # the fetches did not hide that nobody answered

    [row] = confirmations.request([first], "emergency", "第二次通知", ref="emergency.incident:10", escalate_after=5)
    send_all()
    link = link_in(smtp.bodies()[-1])
    from django.test import Client

    pressed = Client(enforce_csrf_checks=True).post(link)  # no session, no CSRF cookie: the token is the proof
    assert pressed.status_code == 200 and "已确认收到" in pressed.content.decode()
    row.refresh_from_db()
    first_time = row.confirmed_at
    assert row.state == "confirmed" and row.confirmed_via == "link"
    again = client.post(link)  # a second press changes nothing
    assert again.status_code == 200 and "已确认收到" in again.content.decode()
    row.refresh_from_db()
    assert row.confirmed_at == first_time
    assert client.post(link[:-3] + "xx/").status_code == 404  # a token that is not ours


def reply_through_smtp(smtp, original, sender: str, text: str, *, thread: bool = True):
    """The recipient answers the e-mail: the reply goes through the real SMTP peer and the message
    it delivered is what the mail server hands to `gongzhi confirm_mail`."""
    import smtplib
    from email.message import EmailMessage

    reply = EmailMessage()
    reply["From"], reply["To"] = sender, "noreply@example.gov.cn"
    reply["Subject"] = "Re: " + str(original["Subject"])
    if thread:
        reply["In-Reply-To"] = reply["References"] = original["Message-ID"]
    reply.set_content(text)
    before = len(smtp.messages)
    with smtplib.SMTP("127.0.0.1", smtp.port) as peer:
        peer.send_message(reply)
    delivered = smtp.wait_for(before + 1)[before]
    del delivered["X-Envelope-To"]
    return delivered.as_bytes()


def test_answering_the_email_confirms_by_the_message_it_replies_to(staff, smtp, tmp_path, monkeypatch):
    from django.core.management import call_command
    import io

    first, second, _third = staff
    [row] = confirmations.request([first], "emergency", "东湖路积水，请到岗", "/emergency/incidents/11/",
                                  ref="emergency.incident:11", escalate_after=5, chain=[second])
    send_all()
    [original] = [m for m in smtp.messages if m["X-Envelope-To"] == first.email]

    # Forwarded to a colleague, who answers from their own address: nothing is confirmed.
    raw = reply_through_smtp(smtp, original, second.email, "收到，我去")
    out = io.StringIO()
    call_command("confirm_mail", stdout=out, file=str(_write(tmp_path / "a.eml", raw)))
    assert out.getvalue().strip() == "confirmed 0"
    # A reply naming a forged Message-ID (right row number, no signature) confirms nothing either.
    forged = re.sub(rb"gongzhi-delivery-(\d+)\.[0-9a-f]{16}", rb"gongzhi-delivery-\1.0000000000000000",
                    reply_through_smtp(smtp, original, first.email, "收到"))
    assert confirmations.confirm_by_mail(forged) == []
    row.refresh_from_db()
    assert row.confirmed_at is None

    # The recipient's own reply, without the code, found by the e-mail it answers, piped in by the mail server.
    raw = reply_through_smtp(smtp, original, first.email, "收到，马上到")
    out = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))
    call_command("confirm_mail", stdout=out)
    assert out.getvalue().strip() == "confirmed 1"
    row.refresh_from_db()
    assert row.state == "confirmed" and row.confirmed_via == "email"
    assert confirmations.escalate_due(timezone.now() + dt.timedelta(minutes=6)) == {"escalated": 0, "unanswered": 0}


def test_a_new_email_with_the_code_confirms_and_the_mail_endpoint_needs_the_token(staff, smtp, settings, client):
    first, _second, _third = staff
    [row] = confirmations.request([first], "emergency", "燃气泄漏", ref="emergency.incident:12", escalate_after=5)
    send_all()
    [original] = smtp.messages
    raw = reply_through_smtp(smtp, original, first.email, f"已收到 {row.code.lower()}", thread=False)
    assert client.post("/accounts/confirm/mail/", raw, content_type="message/rfc822").status_code == 404  # no door
    settings.GONGZHI = {**settings.GONGZHI, "NOTIFY_REPLY_TOKEN": "inbound-secret"}
    assert client.post("/accounts/confirm/mail/", raw, content_type="message/rfc822",
                       HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    answer = client.post("/accounts/confirm/mail/", raw, content_type="message/rfc822",
                         HTTP_AUTHORIZATION="Bearer inbound-secret")
    assert answer.status_code == 200 and answer.json() == {"confirmed": 1}
    row.refresh_from_db()
    assert row.state == "confirmed" and row.confirmed_via == "email"
    again = client.post("/accounts/confirm/mail/", raw, content_type="message/rfc822",
                        HTTP_AUTHORIZATION="Bearer inbound-secret")
    assert again.json() == {"confirmed": 0}  # already confirmed


def _write(path, raw: bytes):
    path.write_bytes(raw)
    return path
