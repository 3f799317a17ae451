"""The demo's notification part: the housing handler of the tour gets assignments, due-soon and
urges by e-mail too, chosen through the same service as the settings page."""
import random

import pytest

from gongzhi.core.models import Delivery, NotificationPreference
from gongzhi.core.recipients import notify
from gongzhi.demo import builder
from gongzhi.demo.organisation import build_organisation

pytestmark = pytest.mark.django_db


def test_the_tour_handler_gets_assignments_by_email_as_well():
    city = build_organisation(random.Random(1), lambda *a: None)
    builder._notification_choices()
    handler = city.users["handler_zjj"]
    assert NotificationPreference.objects.get(user=handler).channels == {
        "assigned": ["email"], "due_soon": ["email"], "urged": ["email"]}
    notify([handler], "assigned", "新派单：演示")
    assert Delivery.objects.get().address == "handler_zjj@example.gov.cn"
