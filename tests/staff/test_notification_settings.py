"""A staff member chooses the channels each kind of notification reaches them on."""
from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.appeals import services
from gongzhi.core import delivery
from gongzhi.core.models import Delivery, Notification, NotificationPreference
from tests.notify_peers import http_receiver, peers, smtp  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
URL = "/staff/notifications/settings/"


def test_a_handler_chooses_email_for_urges_and_sms_for_assignments(client, org, make_appeal, peers,
                                                                   django_capture_on_commit_callbacks):
    mail, receiver = peers
    client.force_login(org.handler_housing)
    page = client.get(URL).content.decode()
    assert "新派单" in page and "即将到期" in page and "督办" in page
    saved = client.post(URL, {"kind-assigned": ["sms"], "kind-urged": ["email"], "email": "zjj@example.gov.cn",
                              "phone": "13900001111", "webhook_url": ""}, follow=True)
    assert "通知设置已保存" in saved.content.decode()
    assert 'value="sms" aria-label="新派单 sms" checked' in saved.content.decode()

    appeal = make_appeal()
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(appeal, org.dispatcher, org.housing)
    with django_capture_on_commit_callbacks(execute=True):
        services.urge(appeal, org.supervisor, "请尽快办理")
    for pk in Delivery.objects.filter(status="pending").values_list("pk", flat=True):
        delivery.attempt(pk)
    assert [r["json"]["to"] for r in receiver.received] == ["13900001111"]
    assert "新派单" in receiver.received[0]["json"]["text"]
    assert mail.subjects() == [f"催办：{appeal.title}"]
    assert Notification.objects.filter(user=org.handler_housing).count() == 2  # in-app always


def test_a_channel_without_its_address_or_an_internal_webhook_is_refused_with_the_field(client, org):
    client.force_login(org.handler_housing)
    page = client.post(URL, {"kind-overdue": ["email"], "email": "", "phone": "",
                             "webhook_url": "https://127.0.0.1/hook"})
    text = page.content.decode()
    assert page.status_code == 400
    assert "请填写对应的地址" in text and "本机回环地址" in text
    assert not NotificationPreference.objects.exists()


def test_the_settings_page_is_for_staff(client, org):
    client.force_login(org.citizen)
    assert client.get(URL).status_code == 404
    assert reverse("staff:notification_settings") == URL
