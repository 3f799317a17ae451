"""What the OpenAPI schema calls a valid request is what the server takes, and the other way round.

Each case is checked twice: against the published schema (/api/v1/openapi.json, JSON Schema 2020-12)
and by sending it. The patterns the schema publishes for rules the services apply (a reason must say
something once trimmed; intake refuses control characters; the API's phone spellings) are held to
those very rules here.
"""
from __future__ import annotations

import json
import re

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.api import request_types, v1
from gongzhi.appeals.models import Appeal
from gongzhi.core import validation

from .conftest import ApiClient

APPEAL = {"title": "路灯不亮", "content": "东湖社区5栋门前路灯已经坏了一周。", "lat": 39.905, "lon": 116.405}


@pytest.fixture(scope="module")
def openapi():
    return v1.api.get_openapi_schema(path_prefix="/api/v1/")


def body_schema(openapi, path: str) -> dict:
    ref = openapi["paths"][f"/api/v1{path}"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return {**openapi["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]],
            "$defs": openapi["components"]["schemas"]}


def query_schema(openapi, path: str, name: str) -> dict:
    [param] = [p for p in openapi["paths"][f"/api/v1{path}"]["get"]["parameters"] if p["name"] == name]
    return param["schema"]


def schema_allows(schema: dict, value) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(value)


def raw_post(client: ApiClient, path: str, raw: str):
    return client.client.post(f"/api/v1{path}", raw, content_type="application/json", headers=client.headers)


# ---------------------------------------------------------------- bodies of the wrong JSON type

@pytest.mark.parametrize("action", ["acknowledge", "urge", "close"])
@pytest.mark.parametrize("raw", ["[]", "[1]", "5", '"x"', "null", "true"])
def test_a_body_that_is_not_a_json_object_is_422_even_where_every_field_is_optional(org, api_as, make_appeal,
                                                                                       action, raw):
    appeal = make_appeal()
    response = raw_post(api_as(org.supervisor), f"/appeals/{appeal.pk}/{action}", raw)
    assert response.status_code == 422, response.content
    assert response.json()["detail"] == [{"loc": ["body"], "msg": "must be a JSON object", "type": "model_type"}]
    assert list(appeal.events.values_list("kind", flat=True)) == ["received"]


@pytest.mark.parametrize("body, field", [
    ({"days": "5", "reason": "需要协调三个部门"}, "days"),
    ({"days": True, "reason": "需要协调三个部门"}, "days"),
    ({"days": 5, "reason": 12345}, "reason"),
])
def test_a_value_of_another_json_type_is_422_not_converted(org, api_as, make_appeal, body, field):
    appeal = make_appeal()
    response = api_as(org.handler_housing).post(f"/appeals/{appeal.pk}/extensions", body)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", field]


def test_a_whole_number_written_as_5_0_is_still_the_integer_5(org, api_as, make_appeal):
    appeal = make_appeal()
    response = api_as(org.dispatcher).post(f"/appeals/{appeal.pk}/dispatch", {"lead_department": float(org.housing.pk)})
    assert response.status_code == 200 and response.json()["lead_department_id"] == org.housing.pk


# ---------------------------------------------------------------- the schema and the server agree

REASONS = [("0", False), ("  好 ", False), ("\u3000\u3000", False), ("已核实", True), (" 已核实 ", True)]


@pytest.mark.parametrize("reason, valid", REASONS)
def test_a_reason_must_keep_two_characters_once_trimmed_in_the_schema_and_the_server(org, api_as, make_appeal,
                                                                                    openapi, reason, valid):
    appeal = make_appeal()
    assert schema_allows(body_schema(openapi, "/appeals/{appeal_id}/close"), {"reason": reason}) is valid
    response = api_as(org.supervisor).post(f"/appeals/{appeal.pk}/close", {"reason": reason})
    if valid:
        assert response.status_code == 200 and response.json()["status"] == "closed"
    else:
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "reason"] and "请填写理由" in response.json()["detail"][0]["msg"]


def test_a_short_reply_is_invalid_in_the_schema_and_refused(org, api_as, make_appeal, openapi):
    appeal = make_appeal()
    schema = body_schema(openapi, "/appeals/{appeal_id}/reply")
    assert not schema_allows(schema, {"text": "已处理"}) and schema_allows(schema, {"text": "经核查，路灯已更换，现已恢复照明。"})
    response = api_as(org.handler_housing).post(f"/appeals/{appeal.pk}/reply", {"text": "已处理"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "text"]


@pytest.mark.parametrize("coordinates, valid", [
    ({"lat": 39.905, "lon": 116.405}, True),
    ({}, True),
    ({"lat": None, "lon": None}, True),
    ({"lat": 0, "lon": 12.5}, True),
    ({"lat": 0, "lon": 0}, False),
    ({"lat": 0.0, "lon": -0.0}, False),
    ({"lat": 39.905}, False),
    ({"lat": 39.905, "lon": None}, False),
    ({"lat": 91, "lon": 116.405}, False),
])
def test_coordinates_come_as_a_pair_and_not_as_the_placeholder_in_the_schema_and_the_server(
        org, api_as, openapi, coordinates, valid):
    body = {**{k: v for k, v in APPEAL.items() if k not in ("lat", "lon")}, **coordinates}
    assert schema_allows(body_schema(openapi, "/appeals"), body) is valid
    response = api_as(org.operator).post("/appeals", body)
    assert response.status_code == (201 if valid else 422), response.content
    assert Appeal.objects.count() == (1 if valid else 0)


@pytest.mark.parametrize("phone, valid", [
    ("", True), ("13900001111", True), ("+86 139 0000 1111", True), ("010-12345678", True),
    ("0571 8765432", True), ("12", False), ("1390000111", False), ("139-0000-1111", False),
])
def test_the_phone_spellings_the_schema_allows_are_the_ones_taken(org, api_as, openapi, phone, valid):
    body = {**APPEAL, "appellant_phone": phone}
    assert schema_allows(body_schema(openapi, "/appeals"), body) is valid
    response = api_as(org.operator).post("/appeals", body)
    assert response.status_code == (201 if valid else 422), response.content
    if not valid:
        assert response.json()["detail"][0]["loc"] == ["body", "appellant_phone"]


def test_a_phone_with_a_trailing_line_break_is_refused(org, api_as):
    # ECMA 262 (the schema's regex dialect) ends a string at `$`; Python's re would let "\n" follow it.
    response = api_as(org.operator).post("/appeals", {**APPEAL, "appellant_phone": "13900001111\n"})
    assert response.status_code == 422 and not Appeal.objects.exists()


@pytest.mark.parametrize("month, valid", [("2024-05", True), ("", False), ("2024-13", False), ("0000-01", False),
                                          ("2024-5", False), ("last", False)])
def test_the_kpi_month_is_yyyy_mm_in_the_schema_and_the_server(org, api_as, openapi, month, valid):
    assert schema_allows(query_schema(openapi, "/kpis/ranking", "month"), month) is valid
    response = api_as(org.leader).get("/kpis/ranking", month=month)
    assert response.status_code == (200 if valid else 422)
    if valid:
        assert response.json()["months"] == ["2024-05-01"]


@pytest.mark.parametrize("value, valid", [
    ("2024-05-01T08:00:00+08:00", True), ("2024-05-01T00:00:00Z", True), ("2024-05-01T00:00:00.5z", True),
    ("0.5", False), ("1714521600", False), ("2024-05-01", False), ("2024-05-01T08:00:00", False),
    ("1899-12-31T00:00:00Z", False), ("", False),
])
def test_list_dates_are_rfc_3339_with_their_offset_in_the_schema_and_the_server(org, api_as, openapi, value, valid):
    schema = query_schema(openapi, "/appeals", "received_before")
    assert schema["format"] == "date-time" and schema_allows(schema, value) is valid
    response = api_as(org.supervisor).get("/appeals", received_before=value)
    assert response.status_code == (200 if valid else 422)


def test_an_optional_query_parameter_offers_no_null(openapi):
    """A query string cannot carry null: offering one made schemathesis send `month=` as valid."""
    for path, item in openapi["paths"].items():
        for operation in item.values():
            for param in operation.get("parameters", []):
                assert "null" not in json.dumps(param["schema"]), (path, param["name"])


def test_a_bad_cursor_is_a_query_error(org, api_as):
    response = api_as(org.supervisor).get("/appeals", cursor="garbage")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_a_progress_note_keeps_all_the_characters_the_schema_allows(org, api_as, make_appeal, openapi):
    appeal = make_appeal()
    api_as(org.dispatcher).post(f"/appeals/{appeal.pk}/dispatch", {"lead_department": org.housing.pk})
    handler = api_as(org.handler_housing)
    handler.post(f"/appeals/{appeal.pk}/acknowledge", {})
    limit = body_schema(openapi, "/appeals/{appeal_id}/notes")["properties"]["note"]["maxLength"]
    note = ("已联系物业公司。" * 300)[:limit]
    assert handler.post(f"/appeals/{appeal.pk}/notes", {"note": note}).status_code == 200
    assert appeal.events.get(kind="note").note == note


def test_the_published_limits_are_the_services_constants(openapi):
    schemas = openapi["components"]["schemas"]
    assert schemas["AppealIn"]["properties"]["title"]["maxLength"] == validation.TITLE_MAX
    assert schemas["AppealIn"]["properties"]["content"]["maxLength"] == validation.CONTENT_MAX
    assert schemas["ReasonIn"]["properties"]["reason"]["maxLength"] == validation.REASON_MAX
    assert schemas["ReplyIn"]["properties"]["text"]["maxLength"] == validation.REPLY_MAX
    days = schemas["ExtensionIn"]["properties"]["days"]
    assert (days["minimum"], days["maximum"]) == (validation.EXTENSION_DAYS_MIN, validation.EXTENSION_DAYS_MAX)


# ---------------------------------------------------------------- the published patterns are the rules

SOME_TEXT = st.text(st.sampled_from("a 好\t\n\r\x00\x01\x0b\x1c\x7f\x85\xa0\u3000\u2028"), max_size=14)


@settings(max_examples=400, deadline=None)
@given(value=SOME_TEXT, min_length=st.sampled_from([0, 1, 2, validation.REPLY_MIN]))
def test_the_text_pattern_is_the_trimmed_length_rule(value, min_length):
    published = re.fullmatch(request_types.text_pattern(min_length), value) is not None
    assert published == (len(value.strip()) >= min_length and "\x00" not in value)


@settings(max_examples=400, deadline=None)
@given(value=SOME_TEXT, min_length=st.sampled_from([0, 1]))
def test_the_intake_text_pattern_is_the_control_character_rule(value, min_length):
    published = re.fullmatch(request_types.text_pattern(min_length, intake=True), value) is not None
    assert published == (len(value.strip()) >= min_length and not validation.control_character(value)
                         and "\x00" not in value)


@settings(max_examples=300, deadline=None)
@given(phone=st.from_regex(request_types.PHONE_PATTERN, fullmatch=True))
def test_every_phone_spelling_the_api_publishes_passes_the_services_check(phone):
    assert phone == "" or validation.valid_phone(phone)
