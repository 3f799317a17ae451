"""Integrators configure Open311 questions and webhooks in the admin, without touching code."""
import pytest
from django.test import Client

from gongzhi.api.models import ServiceAttribute, WebhookDelivery, WebhookSubscription
from gongzhi.core.models import User


@pytest.fixture
def admin_client(org):
    root = User.objects.create_superuser("root", password="x-Passw0rd!")
    client = Client()
    client.force_login(root)
    return client


def attribute_form(org, **overrides):
    data = {"category": org.cat_property.pk, "code": "kind", "description": "哪种设施", "datatype": "singlevaluelist",
            "datatype_description": "", "order": 1, "variable": "on",
            "values": '[{"key": "lift", "name": "电梯"}, {"key": "light", "name": "照明"}]'}
    data.update(overrides)
    return data


def test_an_attribute_added_in_the_admin_is_asked_by_open311_clients(org, admin_client):
    response = admin_client.post("/admin/api/serviceattribute/add/", attribute_form(org, required="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    definition = Client().get(f"/open311/v2/services/{org.cat_property.code}.json").json()
    (kind,) = definition["attributes"]
    assert kind["code"] == "kind" and kind["required"] is True and kind["datatype"] == "singlevaluelist"
    assert [v["key"] for v in kind["values"]] == ["lift", "light"]


@pytest.mark.parametrize("overrides, message", [
    ({"values": "[]"}, "至少需要一个取值"),
    ({"datatype": "number"}, "只有列表类型"),
    ({"values": '[{"key": "a"}, {"key": "a"}]'}, "不能重复"),
    ({"values": '["lift"]'}, "每项形如"),
])
def test_inconsistent_attribute_values_are_refused_on_the_field(org, admin_client, overrides, message):
    response = admin_client.post("/admin/api/serviceattribute/add/", attribute_form(org, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ServiceAttribute.objects.exists()


def test_a_disabled_webhook_can_be_reactivated_and_its_log_is_read_only(org, admin_client):
    hook = WebhookSubscription.objects.create(owner=org.operator, url="http://127.0.0.1:9/hook", secret="s" * 32,
                                              active=False, consecutive_failures=10, disabled_reason="10 failures")
    delivery = WebhookDelivery.objects.create(subscription=hook, kind="received", state="failed", attempts=6)
    response = admin_client.post("/admin/api/webhooksubscription/",
                                 {"action": "reactivate", "_selected_action": [hook.pk]})
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.active and hook.consecutive_failures == 0 and hook.disabled_at is None
    assert admin_client.get(f"/admin/api/webhooksubscription/{hook.pk}/change/").status_code == 200
    assert admin_client.get("/admin/api/webhookdelivery/add/").status_code == 403
    assert admin_client.post(f"/admin/api/webhookdelivery/{delivery.pk}/change/", {"state": "delivered"}).status_code == 403
