"""Disputes and petitions over /api/v1: the appeals' token, idempotency and error rules; each
petition response carries its stage deadlines."""
from __future__ import annotations

import pytest

from gongzhi.core.models import AuditEntry
from gongzhi.disputes.models import Dispute
from gongzhi.disputes.petition_models import Petition
from tests.api.conftest import ApiClient

from .conftest import PARTIES


@pytest.fixture
def api_as(org):
    from gongzhi.api.models import ApiToken

    return lambda user: ApiClient(ApiToken.issue(user, "test")[1])


def dispute_body(org, **overrides):
    body = {"title": "楼上漏水邻里纠纷", "facts": "3栋301卫生间漏水至201。", "kind": "neighbour", "grid": org.east_g.pk,
            "source": "screening", "parties": [{k: v for k, v in p.items()} for p in PARTIES]}
    body.update(overrides)
    return body


def test_a_dispute_is_mediated_to_an_agreement_over_the_api(org, kinds, api_as):
    worker, mediator = api_as(org.grid_worker), api_as(org.mediator)
    created = worker.post("/disputes", dispute_body(org), headers={"Idempotency-Key": "d-1"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"].startswith("TJ") and body["risk_level"] == "blue" and body["due_at"] is None
    assert body["parties"][0]["phone"] == "139****2222" and body["parties"][0]["name"] != "王建国"
    again = worker.post("/disputes", dispute_body(org), headers={"Idempotency-Key": "d-1"})
    assert again.status_code == 201 and again.json()["id"] == body["id"] and Dispute.objects.count() == 1
    assert worker.post("/disputes", dispute_body(org, title="另一件"), headers={"Idempotency-Key": "d-1"}).status_code == 409

    pk = body["id"]
    assert mediator.post(f"/disputes/{pk}/settle", {"terms": "x", "performance": "y"}).status_code == 409
    accepted = mediator.post(f"/disputes/{pk}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "mediating" and accepted.json()["due_at"]
    session = mediator.post(f"/disputes/{pk}/sessions", {"held_at": "2026-11-30T10:00:00+08:00", "place": "调解室",
                                                         "participants": "双方", "record": "达成一致"})
    assert session.status_code == 200, session.content
    settled = mediator.post(f"/disputes/{pk}/settle", {"terms": "赔偿3000元", "performance": "月底前付清"})
    assert settled.json()["status"] == "agreed"
    reopened = mediator.post(f"/disputes/{pk}/follow-up", {"kept": False, "note": "未付款"})
    assert reopened.json()["status"] == "mediating" and reopened.json()["reopen_count"] == 1

    party = settled.json()["parties"][0]["id"]
    shown = mediator.post(f"/disputes/{pk}/reveal", {"party": party, "field": "phone"})
    assert shown.json() == {"field": "phone", "value": "13911112222"}
    assert AuditEntry.objects.filter(action="reveal_personal_data").count() == 1
    assert worker.post(f"/disputes/{pk}/reveal", {"party": party, "field": "phone"}).status_code == 409


def test_bad_dispute_input_is_a_422_naming_the_field_and_stores_nothing(org, kinds, api_as):
    worker = api_as(org.grid_worker)
    for body, field in ((dispute_body(org, kind="nope"), "kind"), (dispute_body(org, parties=PARTIES[:1]), "parties"),
                        (dispute_body(org, amount=-1), "amount"), (dispute_body(org, title=" "), "title")):
        answer = worker.post("/disputes", body)
        assert answer.status_code == 422, (field, answer.content)
        assert field in str(answer.json()["detail"][0]["loc"])
    assert Dispute.objects.count() == 0


def test_out_of_scope_disputes_and_petitions_are_404(org, kinds, api_as, officer):
    from .conftest import person
    from gongzhi.core.models import Role

    pk = api_as(org.grid_worker).post("/disputes", dispute_body(org)).json()["id"]
    west_worker = api_as(person("west_worker", Role.GRID_WORKER, grid=org.west_g))
    assert west_worker.get(f"/disputes/{pk}").status_code == 404
    assert west_worker.post(f"/disputes/{pk}/accept").status_code == 404
    assert west_worker.get("/disputes").json()["count"] == 0
    assert api_as(org.supervisor).get("/disputes", risk_level="blue", kind="neighbour").json()["count"] == 1

    petition = api_as(officer).post("/petitions", petition_body(org)).json()["id"]
    west_officer = api_as(person("west_officer", Role.PETITION_OFFICER, region=org.west))
    assert west_officer.get(f"/petitions/{petition}").status_code == 404


def petition_body(org, **overrides):
    body = {"channel": "visit", "received_at": "2026-09-16T10:00:00+08:00", "petitioner_name": "陈桂芳",
            "petitioner_phone": "13800001111", "subject": "征地补偿款未发放", "content": "补偿款至今未发。",
            "region": org.east_c.pk, "people_count": 6}
    body.update(overrides)
    return body


def test_a_petitions_deadlines_are_in_every_response(org, officer, api_as):
    client = api_as(officer)
    created = client.post("/petitions", petition_body(org), headers={"Idempotency-Key": "p-1"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["accept_due"] == "2026-10-08T15:59:59Z"  # 8 October, 23:59:59 in China: 1 October was National Day
    assert (body["opinion_due"], body["review_due"], body["reexam_due"]) == (None, None, None)
    assert body["is_group"] and not body["is_repeat"] and body["petitioner_phone"] == "138****1111"

    pk = body["id"]
    accepted = client.post(f"/petitions/{pk}/accept", {"at": "2026-08-02T10:00:00+08:00"})
    assert accepted.status_code == 422  # accepted before it was received
    accepted = client.post(f"/petitions/{pk}/accept", {"at": "2026-09-20T10:00:00+08:00"}).json()
    assert accepted["opinion_due"] == "2026-11-19T15:59:59Z"
    extended = client.post(f"/petitions/{pk}/extend", {"extra_days": 30, "reason": "需现场勘测",
                                                        "approved_by": org.leader.pk})
    assert extended.status_code == 200 and extended.json()["opinion_due"] == "2026-12-21T15:59:59Z"
    twice = client.post(f"/petitions/{pk}/extend", {"extra_days": 5, "reason": "再延", "approved_by": org.leader.pk})
    assert twice.status_code == 409 and "只能延长一次" in twice.json()["detail"]
    answered = client.post(f"/petitions/{pk}/answer", {"opinion": "已列入发放计划", "at": "2026-10-20T10:00:00+08:00"})
    assert answered.json()["review_request_by"] == "2026-11-19T15:59:59Z"
    late = client.post(f"/petitions/{pk}/request-review", {"at": "2026-11-20T09:00:00+08:00"})
    assert late.status_code == 409 and "已超过复查请求期限" in late.json()["detail"]
    review = client.post(f"/petitions/{pk}/request-review", {"at": "2026-11-19T09:00:00+08:00"}).json()
    assert review["status"] == "review_requested" and review["review_due"] == "2026-12-21T15:59:59Z"


def test_a_petition_received_in_the_future_is_refused(org, officer, api_as):
    answer = api_as(officer).post("/petitions", petition_body(org, received_at="2099-01-01T10:00:00+08:00"))
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"loc": ["body", "received_at"], "msg": "收到时间不能晚于现在",
                                        "type": "value_error"}]
    assert Petition.objects.count() == 0


def test_the_openapi_schema_names_each_request_type_once():
    """Disputes' and petitions' types must not take the name (and so the schema) of an appeal's."""
    from gongzhi.api import disputes, petitions, v1

    def names(module):
        return {n for n, v in vars(module).items() if isinstance(v, type) and v.__module__ == module.__name__}

    assert not names(disputes) & names(v1) and not names(petitions) & names(v1)
    assert not names(disputes) & names(petitions)
