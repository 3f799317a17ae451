"""Participation over /api/v1: proposals, supports and answers, consultations and surveys with the
appeals' token and error rules (404 out of sight, 409 refused, 422 naming the field); in the
OpenAPI schema."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.participation.models import Moderation, Proposal
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as(org):
    from gongzhi.api.models import ApiToken

    return lambda user: ApiClient(ApiToken.issue(user, "test")[1])


BODY = {"title": "增设社区充电桩", "text": "小区电动车越来越多，建议在3栋旁增设充电桩，避免飞线充电。我的电话13812345678。",
        "category": "urban", "place": "东湖社区3栋", "lat": 39.90512, "lon": 116.40534}


def test_a_proposal_is_submitted_supported_once_and_answered_over_the_api(org, categories, citizens, api_as):
    me, neighbour, dispatcher, handler = (api_as(org.citizen), api_as(citizens[1]), api_as(org.dispatcher),
                                          api_as(org.handler_housing))
    created = me.post("/proposals", BODY, headers={"Idempotency-Key": "p-1"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["publication"] == "pending" and "13812345678" not in body["text"] and body["lat"] == 39.905
    again = me.post("/proposals", BODY, headers={"Idempotency-Key": "p-1"})
    assert again.json()["id"] == body["id"] and Proposal.objects.count() == 1
    pk = body["id"]
    assert neighbour.get(f"/proposals/{pk}").status_code == 404  # not public yet
    queue = api_as(org.operator).get("/moderation").json()
    assert [q["item_id"] for q in queue] == [pk] and "138****5678" in queue[0]["text"]
    assert neighbour.get("/moderation").status_code == 403
    case = Moderation.objects.get(item_id=pk)
    assert api_as(org.operator).post(f"/moderation/{case.pk}/decision", {"action": "approve"}).status_code == 200
    assert neighbour.post(f"/proposals/{pk}/support", {}).json()["support_count"] == 1
    assert neighbour.post(f"/proposals/{pk}/support", {}).status_code == 409
    assert dispatcher.post(f"/proposals/{pk}/assign", {"department": org.housing.pk}).json()["status"] == "assigned"
    short = handler.post(f"/proposals/{pk}/answer", {"outcome": "adopted", "text": "好"})
    assert short.status_code == 422 and short.json()["detail"][0]["loc"] == ["body", "text"]
    wrong = api_as(org.handler_env).post(f"/proposals/{pk}/answer", {"outcome": "adopted", "text": "我局同意建设充电桩设施。"})
    assert wrong.status_code == 409
    done = handler.post(f"/proposals/{pk}/answer", {"outcome": "adopted", "text": "我局同意，将于下月在3栋旁建设充电桩。"})
    assert done.status_code == 200 and done.json()["status"] == "adopted"
    kinds = [e["kind"] for e in neighbour.get(f"/proposals/{pk}/events").json()]
    assert kinds == ["submitted", "assign", "answer"]
    listed = neighbour.get("/proposals?sort=recent").json()
    assert listed["count"] == 1 and listed["items"][0]["answer"].startswith("我局同意")


def test_bad_input_is_a_422_naming_the_field(org, categories, api_as):
    me = api_as(org.citizen)
    r = me.post("/proposals", {**BODY, "category": "nope"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "category"]
    r = me.post("/proposals", {**BODY, "lat": 200})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "lat"
    assert me.post("/proposals/999999/support", {}).status_code == 404


def test_a_consultation_and_a_survey_over_the_api(org, citizens, api_as):
    drafter, citizen = api_as(org.handler_housing), api_as(citizens[1])
    closes = (timezone.now() + dt.timedelta(days=5)).isoformat()
    c = drafter.post("/consultations", {"title": "停车管理办法", "department": org.housing.pk, "closes_at": closes,
                                        "sections": [{"heading": "第一条", "text": "适用范围。"}]})
    assert c.status_code == 201, c.content
    cid, sid = c.json()["id"], c.json()["sections"][0]["id"]
    assert api_as(org.handler_env).post("/consultations", {"title": "x", "department": org.housing.pk,
                                                            "closes_at": closes,
                                                            "sections": [{"heading": "a", "text": "b"}]}).status_code == 409
    made = citizen.post(f"/consultations/{cid}/sections/{sid}/comments", {"text": "建议包括地下车库。"})
    assert made.status_code == 201
    assert drafter.post(f"/consultations/{cid}/report", {"summary": "总结"}).status_code == 409
    drafter.post(f"/consultations/{cid}/close", {})
    decided = drafter.post(f"/consultations/{cid}/comments/{made.json()['id']}/decision", {"decision": "adopted"})
    assert decided.status_code == 200
    reported = drafter.post(f"/consultations/{cid}/report", {"summary": "已采纳关于地下车库的意见。"}).json()
    assert reported["status"] == "reported" and reported["figures"]["adopted"] == 1
    s = drafter.post("/surveys", {"title": "充电桩需求", "closes_at": closes, "department": org.housing.pk,
                                  "questions": [{"kind": "single", "text": "是否需要", "options": ["需要", "不需要"]}]})
    assert s.status_code == 201, s.content
    survey = s.json()
    qid = str(survey["questions"][0]["id"])
    assert citizen.post(f"/surveys/{survey['id']}/responses", {"answers": {qid: 0}}).status_code == 201
    assert citizen.post(f"/surveys/{survey['id']}/responses", {"answers": {qid: 1}}).status_code == 409
    bad = api_as(citizens[2]).post(f"/surveys/{survey['id']}/responses", {"answers": {qid: 5}})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", f"q{qid}"]
    assert citizen.get(f"/surveys/{survey['id']}/results").json()[0]["counts"] == [1, 0]


def test_the_operations_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/proposals", "/api/v1/proposals/{proposal_id}/support", "/api/v1/proposals/{proposal_id}/answer",
                 "/api/v1/consultations/{consultation_id}/report", "/api/v1/surveys/{survey_id}/responses",
                 "/api/v1/moderation/{moderation_id}/decision"):
        assert path in paths, path


def test_no_request_or_response_type_takes_another_modules_schema_name():
    """Two types of one name share one schema in the OpenAPI document: the participation types
    must not take the appeals' (AppealIn …) or any other API module's."""
    import importlib
    import pkgutil

    import gongzhi.api
    from gongzhi.api import participation

    def names(module):
        return {n for n, v in vars(module).items() if isinstance(v, type) and v.__module__ == module.__name__}

    mine = names(participation)
    for info in pkgutil.iter_modules(gongzhi.api.__path__):
        if info.name in ("participation", "apps", "admin", "models", "migrations", "management"):
            continue
        other = importlib.import_module(f"gongzhi.api.{info.name}")
        assert not mine & names(other), info.name
