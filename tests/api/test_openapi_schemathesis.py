"""schemathesis fuzzes every /api/v1 operation from its own OpenAPI schema: no 5xx, no status code
the schema does not declare, no response that breaks its declared shape."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: a raw WSGI call must not close the test transaction's connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(org, make_appeal, settings, keep_test_connection):
    """A supervisor's token (wide scope, many actions allowed) and a few appeals to act on."""
    from gongzhi.api.models import ApiToken

    settings.GONGZHI = {**settings.GONGZHI, "API_RATE_PER_TOKEN": 100000, "API_RATE_PER_IP": 100000}
    for i in range(3):
        make_appeal(title=f"诉求{i}")
    return {"Authorization": f"Bearer {ApiToken.issue(org.supervisor, 'schemathesis')[1]}"}


def _load():
    from gongzhi.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


schema = _load()


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
@pytest.mark.django_db
def test_every_operation_keeps_its_schema(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)
