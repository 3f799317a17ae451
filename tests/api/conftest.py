"""API fixtures: tokens for the org's people and a JSON client speaking Bearer auth."""
from __future__ import annotations

import json

import pytest
from django.test import Client


class ApiClient:
    def __init__(self, raw_token: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw_token}"} if raw_token else {}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, data=None, headers=None):
        return self.client.post(f"/api/v1{path}", json.dumps(data or {}), content_type="application/json",
                                headers={**self.headers, **(headers or {})})

    def delete(self, path: str):
        return self.client.delete(f"/api/v1{path}", headers=self.headers)


@pytest.fixture
def token_for(org):
    from gongzhi.api.models import ApiToken

    def issue(user, name: str = "test") -> str:
        return ApiToken.issue(user, name)[1]

    return issue


@pytest.fixture
def api_as(token_for):
    def client(user) -> ApiClient:
        return ApiClient(token_for(user))

    return client

