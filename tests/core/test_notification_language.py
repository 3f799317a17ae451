"""Issue 13: staff notifications are written in each recipient's own language (their notification
settings), not in the language of whoever caused them: in-app, and e-mail on a real SMTP server."""
from __future__ import annotations

import pytest
from django.utils import translation

from gongzhi.appeals import services
from gongzhi.core import delivery
from gongzhi.core.models import Delivery, Notification, NotificationPreference
from tests.notify_peers import smtp  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def prefer(user, language, email):
    user.email = email
    user.save()
    NotificationPreference.objects.update_or_create(user=user, defaults={"channels": {"urged": ["email"]},
                                                                         "language": language})


@pytest.fixture
def working(org, make_appeal):
    appeal = make_appeal(title="电梯故障")
    services.dispatch(appeal, org.dispatcher, org.housing)
    services.acknowledge(appeal.assignments.get(), org.handler_housing)
    return appeal


@pytest.mark.parametrize("sender_language", ["zh-hans", "en"])
def test_each_handler_reads_an_urge_in_their_own_language(org, working, smtp, sender_language,
                                                         django_capture_on_commit_callbacks):
    from gongzhi.core.models import Role, RoleAssignment, User

    english = User.objects.create_user("handler_en", password=org.password)
    RoleAssignment.objects.create(user=english, role=Role.HANDLER, department=org.housing)
    prefer(english, "en", "en@example.gov.cn")
    prefer(org.handler_housing, "zh-hans", "zh@example.gov.cn")

    with translation.override(sender_language), django_capture_on_commit_callbacks(execute=True):
        services.urge(working, org.supervisor, "请尽快处理")
    for pk in Delivery.objects.filter(status="pending").values_list("pk", flat=True):
        delivery.attempt(pk)

    assert Notification.objects.get(user=english, kind="urged").text == "Urged: 电梯故障"
    assert Notification.objects.get(user=org.handler_housing, kind="urged").text == "催办：电梯故障"
    mail = {m["X-Envelope-To"]: str(m["Subject"]) for m in smtp.messages}
    assert mail == {"en@example.gov.cn": "Urged: 电梯故障", "zh@example.gov.cn": "催办：电梯故障"}
    assert dict(Delivery.objects.values_list("address", "language")) == {"en@example.gov.cn": "en",
                                                                          "zh@example.gov.cn": "zh-hans"}


def test_someone_who_chose_nothing_reads_the_sites_language(org, working, django_capture_on_commit_callbacks):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.urge(working, org.supervisor)  # a supervisor reading the site in English
    assert Notification.objects.get(user=org.handler_housing, kind="urged").text == "催办：电梯故障"


def test_the_language_is_chosen_on_the_settings_page(client, org):
    client.login(username="handler_zjj", password=org.password)
    page = client.get("/staff/notifications/settings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="en" selected>' in page  # offered: the language the page is read in
    answer = client.post("/staff/notifications/settings/", {"language": "en", "email": "", "phone": "",
                                                            "webhook_url": ""})
    assert answer.status_code == 302
    assert NotificationPreference.objects.get(user=org.handler_housing).language == "en"
    refused = client.post("/staff/notifications/settings/", {"language": "fr", "email": "", "phone": "",
                                                             "webhook_url": ""})
    assert refused.status_code == 400
