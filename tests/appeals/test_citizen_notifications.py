"""An appellant who gave a phone or e-mail is told of every step, on a real SMTP server and a real
SMS provider (an HTTP receiver) started by the test: accepted (tracking number and access code),
answered (with the rating link), reopened, closed. Opt-out and anonymity are respected."""
from __future__ import annotations

import logging
import re

import pytest
from django.urls import reverse

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Status
from gongzhi.core import delivery
from gongzhi.core.models import Delivery, NotificationPreference
from tests.notify_peers import http_receiver, peers, smtp  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
REPLY = "经核查，电梯主板损坏，已督促物业公司更换主板，电梯于本周三恢复正常运行。"
PHONE, EMAIL = "13812345678", "zhang.san@example.com"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run an action with its after-commit hooks, then let the worker send what they queued."""
    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = action(*args, **kwargs)
        for pk in Delivery.objects.filter(status="pending").values_list("pk", flat=True):
            delivery.attempt(pk)
        return result
    return run


def submit(client, on_commit, **overrides):
    data = {"title": "小区电梯长期故障", "content": "东湖社区3栋电梯坏了两个月，老人上下楼困难。",
            "appellant_name": "张三", "appellant_phone": PHONE, "appellant_email": EMAIL, "notify_me": "on"}
    data.update(overrides)
    answer = on_commit(client.post, reverse("portal:submit"), data)
    assert answer.status_code == 302, answer.content.decode()[:500]
    return Appeal.objects.latest("id"), client.session["portal_submitted"]["access_code"]


def answer(appeal, org, on_commit):
    on_commit(services.dispatch, appeal, org.dispatcher, org.housing)
    on_commit(services.acknowledge, appeal.assignments.filter(state="pending").get(), org.handler_housing)
    on_commit(services.reply, appeal, org.handler_housing, REPLY)


def sms_texts(receiver):
    return [r["json"]["text"] for r in receiver.received if r["path"] == "/sms"]


def test_the_appellant_is_told_of_every_step_by_email_and_sms(client, org, peers, on_commit, caplog):
    mail, receiver = peers
    caplog.set_level(logging.DEBUG)
    appeal, code = submit(client, on_commit)

    # Accepted: the tracking number and the access code, on both channels.
    assert mail.subjects() == [f"您的诉求已受理：{appeal.tracking_number}"]
    assert f"查询码：{code}" in mail.bodies()[0] and mail.messages[0]["X-Envelope-To"] == EMAIL
    assert [r["json"]["to"] for r in receiver.received] == [PHONE]
    assert code in sms_texts(receiver)[0] and appeal.tracking_number in sms_texts(receiver)[0]

    # Answered: with the rating link, which opens the appeal's page to rate it without the code.
    answer(appeal, org, on_commit)
    assert mail.subjects()[-1] == f"您的诉求已答复：{appeal.tracking_number}"
    link = re.search(r"https://12345\.example\.gov\.cn(/track/open/\S+/)", mail.bodies()[-1]).group(1)
    assert link in sms_texts(receiver)[-1]
    visitor = client.__class__()
    page = visitor.get(link, follow=True)
    assert page.redirect_chain[-1][0] == reverse("portal:track_detail", args=[appeal.tracking_number])
    assert 'data-testid="rate-submit"' in page.content.decode()

    # Dissatisfied: reopened; answered again; satisfied: closed.
    on_commit(visitor.post, reverse("portal:rate", args=[appeal.tracking_number]), {"satisfaction": "dissatisfied"})
    assert mail.subjects()[-1] == f"您的诉求已重新办理：{appeal.tracking_number}"
    on_commit(services.acknowledge, appeal.assignments.filter(state="pending").get(), org.handler_housing)
    on_commit(services.reply, appeal, org.handler_housing, REPLY)
    on_commit(visitor.post, reverse("portal:rate", args=[appeal.tracking_number]), {"satisfaction": "satisfied"})
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    assert [s.split("：")[0] for s in mail.subjects()] == [
        "您的诉求已受理", "您的诉求已答复", "您的诉求已重新办理", "您的诉求已答复", "您的诉求已办结"]
    assert len(sms_texts(receiver)) == 5
    # Nothing personal reached a log line of ours on the way (the test's SMTP server logs its own).
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert PHONE not in ours and EMAIL not in ours and code not in ours


def test_an_appellant_writing_in_english_is_told_in_english(client, org, peers, on_commit):
    mail, receiver = peers
    client.cookies["django_language"] = "en"
    appeal, code = submit(client, on_commit, HTTP_ACCEPT_LANGUAGE="en")
    assert mail.subjects()[0] == f"Your appeal was received: {appeal.tracking_number}"
    assert f"Access code: {code}" in mail.bodies()[0]
    assert sms_texts(receiver)[0].startswith(f"[12345] Appeal received: {appeal.tracking_number}")


def test_no_message_goes_to_an_appellant_who_did_not_ask_for_them_or_is_anonymous(client, org, peers, on_commit):
    mail, receiver = peers
    quiet, _code = submit(client, on_commit, notify_me="")
    answer(quiet, org, on_commit)
    submit(client, on_commit, anonymous="on", appellant_phone="", appellant_name="", appellant_email="")
    assert mail.messages == [] and receiver.received == [] and not Delivery.objects.exists()


def test_the_unsubscribe_link_stops_every_later_message(client, org, peers, on_commit):
    mail, receiver = peers
    appeal, _code = submit(client, on_commit)
    link = re.search(r"https://12345\.example\.gov\.cn(/notifications/unsubscribe/\S+/)", mail.bodies()[0]).group(1)
    assert client.get(link).status_code == 200  # opening the link (a mail scanner) changes nothing
    answer(appeal, org, on_commit)
    assert len(mail.messages) == 2
    page = client.post(link)
    assert 'data-testid="unsubscribed"' in page.content.decode()
    on_commit(services.close, appeal, org.supervisor, "群众未回访，按规定办结")
    assert len(mail.messages) == 2 and len(receiver.received) == 2
    assert client.get("/notifications/unsubscribe/forged-token/").status_code == 404


def test_a_handler_who_chose_email_is_told_an_appeal_is_due_soon(org, make_appeal, smtp, settings):
    import datetime as dt

    from django.utils import timezone

    user = org.handler_housing
    user.email = "zjj@example.gov.cn"
    user.save()
    NotificationPreference.objects.create(user=user, channels={"due_soon": ["email"]})
    appeal = make_appeal()
    services.dispatch(appeal, org.dispatcher, org.housing)
    Appeal.objects.filter(pk=appeal.pk).update(due_at=timezone.now() + dt.timedelta(hours=3))
    services.sweep_deadlines()
    services.sweep_deadlines()  # once per appeal, however often the sweep runs
    for pk in Delivery.objects.filter(status="pending").values_list("pk", flat=True):
        delivery.attempt(pk)
    assert smtp.subjects() == [f"即将到期：{appeal.title}"]
    assert f"/staff/appeals/{appeal.pk}/" in smtp.bodies()[0]
