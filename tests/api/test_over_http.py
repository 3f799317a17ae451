"""The same guarantees over a real socket (Django's live server): idempotent retry and rate limits."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from gongzhi.api.models import ApiToken
from gongzhi.appeals.models import Appeal


def call(url: str, token: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"{}")


@pytest.mark.django_db(transaction=True)
def test_idempotent_retry_and_rate_limit_over_http(live_server, settings):
    from tests.conftest import build_org

    org = build_org()
    token = ApiToken.issue(org.operator, "http")[1]
    url = f"{live_server.url}/api/v1/appeals"
    body = {"title": "井盖缺失", "content": "西山社区门口井盖丢失，夜间很危险。", "category": "CXJS-WY"}
    first = call(url, token, body, {"Idempotency-Key": "retry-1"})
    second = call(url, token, body, {"Idempotency-Key": "retry-1"})
    assert first[0] == second[0] == 201 and first[2] == second[2]
    assert second[1].get("Idempotent-Replayed") == "true" and Appeal.objects.count() == 1

    settings.GONGZHI = {**settings.GONGZHI, "API_RATE_PER_TOKEN": 2}
    statuses = [call(f"{live_server.url}/api/v1/me", token)[0] for _ in range(3)]
    assert statuses[-1] == 429
    status, headers, payload = call(f"{live_server.url}/api/v1/me", token)
    assert status == 429 and int(headers["Retry-After"]) >= 1 and "too many requests" in payload["detail"]
