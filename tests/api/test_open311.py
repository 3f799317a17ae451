"""Open311 GeoReport v2 driven as a 311 client drives it, every JSON answer checked against the
Open311 project's published schemas (../shared/open311-schemas)."""
from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

from gongzhi.api.models import Open311Request, ServiceAttribute
from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, Channel

from ..conftest import SHARED

SCHEMAS = SHARED / "open311-schemas"
BASE = "/open311/v2"


@pytest.fixture(scope="module")
def validate():
    docs = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    assert {"service.json", "services.json", "service-definition.json", "request.json", "requests.json"} <= set(docs)
    registry = Registry().with_resources((name, DRAFT7.create_resource(doc)) for name, doc in docs.items())

    def check(name: str, data) -> None:
        Draft7Validator(docs[name], registry=registry).validate(data)
        for item in data if isinstance(data, list) else [data]:
            for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
                if item.get(key):  # ISO 8601 with a time zone (jsonschema's format check needs extras)
                    assert dt.datetime.fromisoformat(item[key]).tzinfo is not None, item[key]

    return check


@pytest.fixture
def attributes(org):
    ServiceAttribute.objects.create(category=org.cat_property, code="floor", description="几楼", datatype="number",
                                    required=True, order=1)
    ServiceAttribute.objects.create(category=org.cat_property, code="kind", description="设施", datatype="singlevaluelist",
                                    values=[{"key": "lift", "name": "电梯"}, {"key": "light", "name": "照明"}], order=2)
    ServiceAttribute.objects.create(category=org.cat_property, code="when", description="何时", datatype="datetime", order=3)
    ServiceAttribute.objects.create(category=org.cat_property, code="who", description="影响谁", datatype="multivaluelist",
                                    values=[{"key": "old", "name": "老人"}, {"key": "kids", "name": "儿童"}], order=4)


@pytest.fixture
def api_key(org, token_for):
    return token_for(org.operator, "fixmystreet")


def xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def post(client, data):
    return client.post(f"{BASE}/requests.json", data)  # form-urlencoded, as the spec requires


def test_discovery_names_the_spec_and_both_formats(org):
    client = Client()
    body = client.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(body["endpoints"][0]["formats"]) == {"text/xml", "application/json"}
    assert xml(client.get(f"{BASE}/discovery.xml")).tag == "discovery"


def test_categories_are_the_services(org, attributes, validate):
    client = Client()
    services_json = client.get(f"{BASE}/services.json").json()
    validate("services.json", services_json)
    by_code = {s["service_code"]: s for s in services_json}
    assert by_code["CXJS-WY"]["metadata"] is True and by_code["CXJS-WY"]["group"] == "城乡建设"
    assert by_code["HB-ZS"]["metadata"] is False
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == len(services_json)
    assert root.find("service/service_code").text in by_code


def test_service_definition_lists_attributes_with_types(org, attributes, validate):
    client = Client()
    definition = client.get(f"{BASE}/services/CXJS-WY.json").json()
    validate("service-definition.json", definition)
    assert [(a["code"], a["datatype"], a["required"]) for a in definition["attributes"]] == [
        ("floor", "number", True), ("kind", "singlevaluelist", False), ("when", "datetime", False),
        ("who", "multivaluelist", False)]
    root = xml(client.get(f"{BASE}/services/CXJS-WY.xml"))
    assert [v.text for v in root.findall("attributes/attribute/values/value/key")] == ["lift", "light", "old", "kids"]
    missing = client.get(f"{BASE}/services/NOPE.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_a_client_posts_a_request_and_reads_it_back_without_personal_data(org, attributes, api_key, validate):
    client = Client()
    created = post(client, {
        "api_key": api_key, "service_code": "CXJS-WY", "lat": "39.905", "long": "116.405",
        "description": "3栋电梯停运两周，请尽快维修。联系我13912345678", "first_name": "三", "last_name": "张",
        "phone": "13912345678", "email": "zhang@example.com", "media_url": "https://example.com/p.jpg",
        "attribute[floor]": "3", "attribute[kind]": "lift", "attribute[who][]": ["old", "kids"],
        "jurisdiction_id": "", "address_id": "",
    })
    assert created.status_code == 200, created.content
    reply = created.json()[0]
    appeal = Appeal.objects.get(tracking_number=reply["service_request_id"])
    assert appeal.channel == Channel.API and appeal.appellant_phone == "13912345678"
    assert appeal.grid == org.east_g and appeal.events.get().kind == "received"
    assert Open311Request.objects.get(appeal=appeal).attributes == {"floor": "3", "kind": "lift", "who": ["old", "kids"]}

    # Public once a moderator approved it (or after the publication delay), not the moment it came in.
    assert client.get(f"{BASE}/requests/{reply['service_request_id']}.json").status_code == 404
    services.review_publication(appeal, org.dispatcher, "approved")
    one = client.get(f"{BASE}/requests/{reply['service_request_id']}.json").json()
    validate("requests.json", one)
    text = json.dumps(one, ensure_ascii=False)
    for secret in ("13912345678", "张三", "zhang@example.com"):
        assert secret not in text
    assert one[0]["status"] == "open" and one[0]["media_url"] == "https://example.com/p.jpg"
    assert one[0]["service_code"] == "CXJS-WY" and one[0]["lat"] == 39.905

    token = client.get(f"{BASE}/tokens/{reply['token']}.json").json()
    assert token == [{"service_request_id": reply["service_request_id"], "token": reply["token"]}]
    assert xml(client.get(f"{BASE}/tokens/{reply['token']}.xml")).find("request/token").text == reply["token"]
    node = xml(client.get(f"{BASE}/requests/{reply['service_request_id']}.xml")).find("request")
    assert node.find("status").text == "open" and node.find("phone") is None


def test_post_errors_follow_the_spec(org, attributes, api_key):
    client = Client()
    ok = {"api_key": api_key, "service_code": "HB-ZS", "address_string": "东湖社区3栋", "description": "夜间施工"}
    assert post(client, ok).status_code == 200
    cases = [
        ({**ok, "api_key": ""}, 403), ({**ok, "api_key": "wrong"}, 403),
        ({**ok, "service_code": ""}, 400), ({**ok, "service_code": "NOPE"}, 400),
        ({**ok, "address_string": ""}, 400), ({**ok, "lat": "39.9"}, 400),
        ({**ok, "lat": "0", "long": "0", "address_string": ""}, 400),
        ({**ok, "description": "长" * 4001}, 400),
        ({**ok, "service_code": "CXJS-WY"}, 400),  # the required attribute[floor] is missing
        ({**ok, "service_code": "CXJS-WY", "attribute[floor]": "2", "attribute[kind]": "pool"}, 400),
        ({**ok, "media_url": "javascript:alert(1)"}, 400), ({**ok, "phone": "12"}, 400),
    ]
    for data, status in cases:
        response = post(client, data)
        assert response.status_code == status, (data, response.content)
        error = response.json()[0]
        assert error["code"] == status and error["description"]
    bad = client.post(f"{BASE}/requests.xml", {**ok, "api_key": "wrong"})
    assert bad.status_code == 403 and xml(bad).find("error/code").text == "403"


def test_a_request_whose_open311_data_cannot_be_kept_leaves_no_appeal_behind(org, api_key, monkeypatch):
    """The appeal and its Open311 request (token, answers, e-mail) are stored in one transaction: when
    the second cannot be written (here its token is already taken), the first is not kept either."""
    client = Client(raise_request_exception=False)
    ok = {"api_key": api_key, "service_code": "HB-ZS", "address_string": "东湖社区3栋", "description": "夜间施工"}
    first = post(client, ok).json()[0]
    monkeypatch.setattr("gongzhi.api.open311.secrets.token_urlsafe", lambda n: first["token"])
    failed = post(client, {**ok, "description": "又在夜间施工"})
    assert failed.status_code == 500
    assert list(Appeal.objects.values_list("tracking_number", flat=True)) == [first["service_request_id"]]
    assert Open311Request.objects.count() == 1


def test_get_requests_filters_and_default_window(org, make_appeal, validate):
    recent = make_appeal()
    old = make_appeal(received_at=dt.datetime(2020, 1, 5, 9, tzinfo=dt.timezone.utc))
    closed = make_appeal(category=org.cat_noise)
    services.close(closed, org.operator, "不属于受理范围")
    unreviewed = make_appeal(title="刚受理、未审核的诉求")  # not public yet: the delay has not passed
    for appeal in (recent, closed):
        services.review_publication(appeal, org.dispatcher, "approved")
    client = Client()
    default = client.get(f"{BASE}/requests.json").json()
    validate("requests.json", default)
    assert {r["service_request_id"] for r in default} == {recent.tracking_number, closed.tracking_number}
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", {"status": "closed"}).json()] == [closed.tracking_number]
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", {"service_code": "HB-ZS"}).json()] == [closed.tracking_number]
    window = client.get(f"{BASE}/requests.json", {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-02-01T00:00:00+08:00"}).json()
    assert [r["service_request_id"] for r in window] == [old.tracking_number]
    by_id = client.get(f"{BASE}/requests.json", {"service_request_id": f"{old.tracking_number},{recent.tracking_number}"}).json()
    assert len(by_id) == 2
    empty_params = client.get(f"{BASE}/requests.json", {"status": "", "service_code": "", "start_date": ""})
    assert len(empty_params.json()) == 2
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    assert client.get(f"{BASE}/requests/NOPE.json").status_code == 404
    assert client.get(f"{BASE}/requests/{unreviewed.tracking_number}.json").status_code == 404
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests" and len(root.findall("request")) == 2
    assert closed.tracking_number in {n.text for n in root.findall("request/service_request_id")}
    closed_json = client.get(f"{BASE}/requests/{closed.tracking_number}.json").json()[0]
    assert closed_json["status"] == "closed" and closed_json["status_notes"] == "不属于受理范围"


def test_jurisdiction_is_checked_when_configured(org, settings):
    client = Client()
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "anything"}).status_code == 200
    settings.GONGZHI = {**settings.GONGZHI, "OPEN311_JURISDICTION": "demo.gongzhi.cn"}
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "demo.gongzhi.cn"}).status_code == 200
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "other.city"}).status_code == 404
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": ""}).status_code == 200


def test_open311_is_rate_limited_per_address(org, settings):
    settings.GONGZHI = {**settings.GONGZHI, "API_RATE_PER_IP": 2}
    client = Client()
    codes = [client.get(f"{BASE}/services.json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = client.get(f"{BASE}/services.json")
    assert limited.json()[0]["code"] == 429 and int(limited["Retry-After"]) >= 1


def test_an_api_key_is_issued_by_the_command_and_works(org):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("apitoken", "operator", "--name", "fixmystreet", stdout=out)
    raw = out.getvalue().strip()
    created = post(Client(), {"api_key": raw, "service_code": "HB-ZS", "address_string": "东湖社区", "description": "噪音"})
    assert created.status_code == 200
    call_command("apitoken", "operator", "--revoke", raw[:10], stdout=io.StringIO())
    refused = post(Client(), {"api_key": raw, "service_code": "HB-ZS", "address_string": "东湖社区"})
    assert refused.status_code == 403
