"""The JSON API as an integrating system sees it: tokens, scope, lifecycle actions, errors, paging."""
from __future__ import annotations

import pytest

from gongzhi.api.models import ApiToken, IdempotencyRecord
from gongzhi.appeals.models import Appeal, Channel, Status
from gongzhi.core.models import AuditEntry

from .conftest import ApiClient

NEW_APPEAL = {"title": "路灯不亮", "content": "东湖社区5栋门前路灯已经坏了一周，晚上出行不安全。", "category": "CXJS-WY",
              "lat": 39.905, "lon": 116.405, "appellant_name": "李四", "appellant_phone": "13900001111"}


def test_a_request_without_a_valid_token_is_401(org):
    assert ApiClient(None).get("/appeals").status_code == 401
    assert ApiClient("gz_not-a-token").get("/appeals").status_code == 401


def test_a_revoked_token_stops_working(org, token_for):
    raw = token_for(org.dispatcher)
    client = ApiClient(raw)
    assert client.get("/me").json()["roles"] == ["dispatcher"]
    ApiToken.objects.get(user=org.dispatcher).revoke()
    assert client.get("/me").status_code == 401


def test_tokens_are_stored_hashed(org, token_for):
    raw = token_for(org.operator)
    stored = ApiToken.objects.get(user=org.operator)
    assert raw not in (stored.token_hash, stored.prefix) and stored.token_hash == __import__("hashlib").sha256(raw.encode()).hexdigest()


def test_create_enters_the_lifecycle_through_the_api_channel(org, api_as):
    response = api_as(org.operator).post("/appeals", NEW_APPEAL)
    assert response.status_code == 201, response.content
    body = response.json()
    appeal = Appeal.objects.get(pk=body["id"])
    assert appeal.channel == Channel.API and appeal.status == Status.RECEIVED and appeal.created_by == org.operator
    assert body["appellant_phone"] == "139****1111" and body["access_code"]
    assert list(appeal.events.values_list("kind", flat=True)) == ["received"]


def test_idempotency_key_makes_a_retry_return_the_first_answer(org, api_as):
    client = api_as(org.operator)
    first = client.post("/appeals", NEW_APPEAL, headers={"Idempotency-Key": "k-1"})
    again = client.post("/appeals", NEW_APPEAL, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Appeal.objects.count() == 1
    other_body = client.post("/appeals", {**NEW_APPEAL, "title": "别的事"}, headers={"Idempotency-Key": "k-1"})
    assert other_body.status_code == 409
    assert client.post("/appeals", NEW_APPEAL, headers={"Idempotency-Key": "k-2"}).status_code == 201
    assert Appeal.objects.count() == 2


def test_a_refused_create_stores_no_idempotency_record(org, api_as):
    client = api_as(org.operator)
    bad = client.post("/appeals", {**NEW_APPEAL, "appellant_phone": "12"}, headers={"Idempotency-Key": "k"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "appellant_phone"]
    assert not IdempotencyRecord.objects.exists() and not Appeal.objects.exists()


def test_the_whole_lifecycle_over_the_api(org, api_as, make_appeal):
    appeal = make_appeal()
    dispatcher, handler, operator = api_as(org.dispatcher), api_as(org.handler_housing), api_as(org.operator)
    r = dispatcher.post(f"/appeals/{appeal.pk}/dispatch", {"lead_department": org.housing.pk})
    assert r.status_code == 200 and r.json()["status"] == "dispatched"
    assert handler.post(f"/appeals/{appeal.pk}/acknowledge", {}).json()["status"] == "handling"
    assert handler.post(f"/appeals/{appeal.pk}/notes", {"note": "已联系物业"}).status_code == 200
    r = handler.post(f"/appeals/{appeal.pk}/reply", {"text": "经核查，电梯主板损坏，已督促物业更换，现已恢复运行。"})
    assert r.json()["status"] == "replied" and r.json()["replies"][0]["resolved"] is True
    r = operator.post(f"/appeals/{appeal.pk}/follow-up", {"satisfaction": "satisfied"})
    assert r.json()["status"] == "closed" and r.json()["open311_status"] == "closed"
    kinds = [e["kind"] for e in operator.get(f"/appeals/{appeal.pk}/events").json()]
    assert kinds == ["received", "dispatched", "acknowledged", "note", "replied", "rated", "closed"]


def test_a_refused_action_is_409_with_the_reason(org, api_as, make_appeal):
    appeal = make_appeal()
    r = api_as(org.dispatcher).post(f"/appeals/{appeal.pk}/reply", {"text": "这是一段足够长的答复内容，说明处理结果。"})
    assert r.status_code == 409 and "不能答复" in r.json()["detail"]
    r = api_as(org.handler_housing).post(f"/appeals/{appeal.pk}/dispatch", {"lead_department": org.housing.pk})
    assert r.status_code in (404, 409)  # the handler does not even see an undispatched appeal


def test_field_errors_are_422_per_field(org, api_as, make_appeal):
    appeal = make_appeal()
    r = api_as(org.supervisor).post(f"/appeals/{appeal.pk}/close", {"reason": " "})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "reason"]
    r = api_as(org.dispatcher).post(f"/appeals/{appeal.pk}/dispatch", {"lead_department": 999999})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "lead_department"]


def test_an_appeal_outside_the_scope_is_404(org, api_as, make_appeal):
    appeal = make_appeal()
    assert api_as(org.handler_env).get(f"/appeals/{appeal.pk}").status_code == 404
    assert api_as(org.citizen).get(f"/appeals/{appeal.pk}").status_code == 404
    assert api_as(org.supervisor).get(f"/appeals/{appeal.pk}").status_code == 200
    assert api_as(org.supervisor).get("/appeals/987654321").status_code == 404


def test_cursor_pagination_walks_every_row_once_in_order(org, api_as, make_appeal):
    ids = {make_appeal(title=f"诉求{i}").pk for i in range(7)}
    client = api_as(org.supervisor)
    seen, cursor = [], None
    while True:
        page = client.get("/appeals", limit=3, ordering="id", **({"cursor": cursor} if cursor else {})).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(ids)
    newest_first = [a["id"] for a in client.get("/appeals", limit=50).json()["items"]]
    assert newest_first == sorted(ids, reverse=True)
    assert client.get("/appeals", cursor="garbage").status_code == 422


def test_filters(org, api_as, make_appeal):
    a = make_appeal(category=org.cat_noise, title="夜间施工噪音")
    make_appeal()
    client = api_as(org.supervisor)
    assert [x["id"] for x in client.get("/appeals", category="HB-ZS").json()["items"]] == [a.pk]
    assert len(client.get("/appeals", category="CXJS").json()["items"]) == 1  # children included
    assert [x["id"] for x in client.get("/appeals", q="噪音").json()["items"]] == [a.pk]
    assert client.get("/appeals", status="closed").json()["items"] == []
    assert len(client.get("/appeals", region=org.east.pk).json()["items"]) == 2


def test_a_date_filter_with_any_offset_the_schema_allows_is_answered(org, api_as, make_appeal):
    a = make_appeal()
    client = api_as(org.supervisor)
    # +23:33 is a valid RFC 3339 offset; PostgreSQL's timestamptz refuses offsets past 15:59 (a 500)
    after = client.get("/appeals", received_after="2000-01-01T00:00:00+23:33")
    assert after.status_code == 200 and [x["id"] for x in after.json()["items"]] == [a.pk]
    assert client.get("/appeals", received_before="2000-01-01T00:00:00-23:59").json()["items"] == []


def test_reveal_is_audited(org, api_as, make_appeal):
    appeal = make_appeal()
    r = api_as(org.operator).post(f"/appeals/{appeal.pk}/reveal", {"field": "appellant_phone"})
    assert r.json() == {"field": "appellant_phone", "value": "13812345678"}
    assert AuditEntry.objects.filter(action="reveal_personal_data", actor=org.operator).count() == 1
    assert api_as(org.leader).post(f"/appeals/{appeal.pk}/reveal", {"field": "appellant_phone"}).status_code == 409


def test_organisation_lists(org, api_as):
    client = api_as(org.operator)
    assert {c["code"] for c in client.get("/categories").json()} == {"CXJS", "CXJS-WY", "HB-ZS"}
    assert len(client.get("/departments").json()) == 3
    assert len(client.get("/regions").json()) == 5
    assert client.get("/grids").json()[0]["polygon"][0] == [116.40, 39.90]


def test_rate_limit_per_token_is_429_with_retry_after(org, api_as, settings):
    settings.GONGZHI = {**settings.GONGZHI, "API_RATE_PER_TOKEN": 3}
    client = api_as(org.operator)
    codes = [client.get("/me").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/me")
    assert int(limited["Retry-After"]) >= 1
    assert api_as(org.supervisor).get("/me").status_code == 200  # another token has its own budget


def test_rate_limit_per_ip_covers_requests_without_a_token(org, settings):
    settings.GONGZHI = {**settings.GONGZHI, "API_RATE_PER_IP": 2}
    anonymous = ApiClient(None)
    assert [anonymous.get("/me").status_code for _ in range(3)] == [401, 401, 429]


@pytest.mark.parametrize("path", ["/appeals/abc", "/appeals/0"])
def test_bad_path_ids_are_422(org, api_as, path):
    assert api_as(org.operator).get(path).status_code == 422


def test_kpi_ranking_for_staff_only(org, api_as, make_appeal):
    make_appeal()
    table = api_as(org.leader).get("/kpis/ranking", kind="department").json()
    assert table["kind"] == "department" and {r["name"] for r in table["rows"]} >= {"区住建局", "区生态环境局"}
    assert api_as(org.citizen).get("/kpis/ranking").status_code == 403
    assert api_as(org.leader).get("/kpis/ranking", month="last").status_code == 422
