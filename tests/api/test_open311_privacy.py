"""What the public Open311 feed shows of an appeal: no more than the anonymised open data shows, and
always in a form a 311 client can parse (well-formed XML, errors in the spec's error format)."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal

BASE = "/open311/v2"
SELF_INTRODUCED = "我叫王小明，住幸福路12号3单元501室，楼下烧烤店每晚噪音到凌晨两点，电话13912345678。"


@pytest.fixture(autouse=True)
def _public_at_once(published_at_once):
    """These tests are about what the feed shows of an appeal it publishes, not when it does."""


@pytest.fixture
def api_key(org, token_for):
    return token_for(org.operator, "fixmystreet")


def feeds(client: Client, tracking_number: str) -> dict[str, str]:
    """Every public representation of one request: single and list, JSON and XML."""
    out = {}
    for path in (f"requests/{tracking_number}", "requests"):
        for fmt in ("json", "xml"):
            response = client.get(f"{BASE}/{path}.{fmt}")
            assert response.status_code == 200, response.content
            out[f"{path}.{fmt}"] = response.content.decode()
    return out


@pytest.mark.parametrize("channel,anonymous", [("web", False), ("web", True), ("phone", False), ("api", True)])
def test_the_feed_hides_self_introduced_names_house_numbers_and_exact_coordinates(org, make_appeal, channel, anonymous):
    appeal = make_appeal(channel=channel, anonymous=anonymous, appellant_name="" if anonymous else "王小明",
                         title="烧烤店噪音扰民", content=SELF_INTRODUCED, location_text="幸福路12号3单元501室",
                         lat=39.90512, lon=116.40567)
    client = Client()
    for name, body in feeds(client, appeal.tracking_number).items():
        for secret in ("王小明", "12号", "501室", "3单元", "13912345678", "39.90512", "116.40567"):
            assert secret not in body, (name, secret)
    one = client.get(f"{BASE}/requests/{appeal.tracking_number}.json").json()[0]
    assert one["lat"] == 39.905 and one["long"] == 116.406
    assert one["address"].startswith("幸福路") and "烧烤店" in one["description"]
    node = ET.fromstring(client.get(f"{BASE}/requests/{appeal.tracking_number}.xml").content).find("request")
    assert node.find("lat").text == "39.905" and node.find("description").text == one["description"]


def test_the_feed_and_the_open_data_publish_the_same_text(org, make_appeal, tmp_path):
    appeal = make_appeal(anonymous=True, appellant_name="", content=SELF_INTRODUCED,
                         location_text="幸福路12号3单元501室", lat=39.90512, lon=116.40567)
    call_command("opendata", "--out", str(tmp_path))
    [row] = json.loads((tmp_path / "appeals-latest.json").read_text(encoding="utf-8"))
    one = Client().get(f"{BASE}/requests/{appeal.tracking_number}.json").json()[0]
    assert one["description"] == row["content"] and one["address"] == row["location"]
    assert (one["lat"], one["long"]) == (row["lat"], row["lon"])
    assert "王小明" not in row["content"] and "501室" not in row["content"]


def test_the_appellants_name_is_blanked_in_public_status_notes(org, make_appeal):
    appeal = make_appeal(appellant_name="王小明")
    services.close(appeal, org.operator, "已电话联系王小明，幸福路12号的电梯已修复")
    one = Client().get(f"{BASE}/requests/{appeal.tracking_number}.json").json()[0]
    assert "王小明" not in one["status_notes"] and "12号" not in one["status_notes"]


def test_the_xml_feed_stays_well_formed_when_stored_text_holds_control_characters(org, make_appeal):
    appeal = make_appeal(content="路灯不亮")
    # rows stored before intake refused control characters (or by an older import)
    Appeal.objects.filter(pk=appeal.pk).update(content="路灯\x01\x08\x0b不亮\x1f", location_text="东湖社区\x0c北门")
    services.close(appeal, org.operator, "已修复")
    appeal.events.filter(kind="closed").update(note="已\x07修复")
    client = Client()
    for path in ("requests.xml", f"requests/{appeal.tracking_number}.xml"):
        response = client.get(f"{BASE}/{path}")
        node = ET.fromstring(response.content).find("request")  # no "invalid token"
        assert node.find("description").text == "路灯不亮"
        assert node.find("address").text == "东湖社区北门" and node.find("status_notes").text == "已修复"


def test_a_submission_with_control_characters_is_refused_with_a_field_error(org, api_key):
    client = Client()
    data = {"api_key": api_key, "service_code": "HB-ZS", "address_string": "东湖社区3栋",
            "description": "夜间施工\x01\x08\x0b噪音"}
    for fmt in ("json", "xml"):
        response = client.post(f"{BASE}/requests.{fmt}", data)
        assert response.status_code == 400
        if fmt == "json":
            error = response.json()[0]
            assert error["code"] == 400 and "description" in error["description"]
        else:
            assert ET.fromstring(response.content).find("error/code").text == "400"
    for field in ("address_string", "first_name", "email", "device_id"):
        response = client.post(f"{BASE}/requests.json", {**data, "description": "夜间施工噪音", field: "x\x02y@z"})
        assert response.status_code == 400 and field in response.json()[0]["description"], field
    assert not Appeal.objects.exists()
    assert client.get(f"{BASE}/requests.xml").status_code == 200


def test_bodies_django_refuses_get_open311_errors_not_an_html_page(org, api_key, settings):
    client = Client()
    many = "&".join(f"f{i}=x" for i in range(2000))
    for fmt in ("json", "xml"):
        response = client.post(f"{BASE}/requests.{fmt}", f"api_key={api_key}&{many}",
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400
        if fmt == "json":
            assert response["Content-Type"].startswith("application/json")
            [error] = response.json()
            assert error["code"] == 400 and "fields" in error["description"]
        else:
            assert response["Content-Type"].startswith("text/xml")
            assert ET.fromstring(response.content).find("error/code").text == "400"

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = client.post(f"{BASE}/requests.json", f"api_key={api_key}&description={'x' * 20_000}",
                      content_type="application/x-www-form-urlencoded")
    assert big.status_code == 413 and big.json()[0]["code"] == 413

    broken = client.post(f"{BASE}/requests.json", b"--nope\r\ngarbage", content_type="multipart/form-data")
    assert broken.status_code == 400 and broken.json()[0]["code"] == 400
    bad_boundary = client.post(f"{BASE}/requests.xml", b"x", content_type="multipart/form-data; boundary=\x01")
    assert bad_boundary.status_code == 400 and ET.fromstring(bad_boundary.content).find("error/code").text == "400"
