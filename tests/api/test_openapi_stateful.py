"""schemathesis' stateful mode over /api/v1 and Open311: sequences of calls that follow the OpenAPI
links (gongzhi/api/links.py; gongzhi/api/open311_openapi.py), so the fuzzer acts on the rows it just
created: create an appeal, then read it, dispatch it, note on it; create a proposal, support it,
withdraw, read it again; report to Open311, then read the request by its tracking number and by its
token. Every answer keeps its schema and status codes; a created row can be read (schemathesis'
ensure_resource_availability) and a deleted one is gone (use_after_free); no 5xx.

Short and derandomised in the suite; bench/fuzz_long.py runs it long (GONGZHI_STATEFUL_API_EXAMPLES).
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, ensure_resource_availability, positive_data_acceptance, response_schema_conformance,
    status_code_conformance, use_after_free,
)

from .fuzz_stats import record
from .test_openapi_schemathesis import bearer, keep_test_connection, real_rows  # noqa: F401  (fixtures)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          positive_data_acceptance, ensure_resource_availability, use_after_free]
EXAMPLES = os.environ.get("GONGZHI_STATEFUL_API_EXAMPLES")


def run_settings(examples: int = 6, steps: int = 5) -> settings:
    return settings(max_examples=int(EXAMPLES or examples), stateful_step_count=steps, deadline=None,
                    derandomize=EXAMPLES is None,
                    suppress_health_check=list(HealthCheck))


def _load(path: str):
    from gongzhi.wsgi import application

    loaded = schemathesis.openapi.from_wsgi(path, application)
    # Links are followed with valid data; the negative phase is test_openapi_schemathesis.py's.
    loaded.config.generation.update(modes=[GenerationMode.POSITIVE], with_security_parameters=False)
    return loaded


def machine(loaded, headers: dict, prepare, followed: list):
    """The state machine; `followed` collects (link, status) for every call a link filled in."""

    class Workflow(loaded.as_state_machine()):
        def step(self, input):
            # a value the link filled (the row just created) is kept; the rest names real rows
            applied = {name for _location, name in input.applied_parameters if name}
            prepare(input.case, keep=applied)
            output = super().step(input)
            if input.transition is not None and applied:
                followed.append((input.transition.id, output.response.status_code))
            return output

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            record(case, response)
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder)

    return Workflow


def test_the_documents_link_what_follows_what():
    """The links the fuzzer follows are in the documents a client reads."""
    from django.test import Client

    api = Client().get("/api/v1/openapi.json").json()
    created = api["paths"]["/api/v1/appeals"]["post"]["responses"]["201"]["links"]
    assert created["v1_get_appeal"]["parameters"] == {"appeal_id": "$response.body#/id"}
    assert "v1_dispatch" in created and "v1_appeal_events" in created
    support = api["paths"]["/api/v1/proposals/{proposal_id}/support"]
    assert support["post"]["responses"]["200"]["links"]["participation_get_proposal"]["parameters"] == {
        "proposal_id": "$request.path.proposal_id"}
    assert "participation_support" in api["paths"]["/api/v1/proposals"]["post"]["responses"]["201"]["links"]

    open311 = Client().get("/open311/v2/openapi.json").json()
    links = open311["paths"]["/requests.json"]["post"]["responses"]["200"]["links"]
    assert links["GetRequest"]["parameters"] == {"request_id": "$response.body#/0/service_request_id"}
    assert links["GetToken"]["operationId"] == "token"


@pytest.mark.django_db
def test_linked_api_calls_keep_their_schema(bearer, real_rows):  # noqa: F811
    loaded = _load("/api/v1/openapi.json")
    followed = []
    machine(loaded, bearer, real_rows, followed).run(settings=run_settings())
    # the runs did act on rows they had created, and some of those calls succeeded
    assert any(200 <= status < 300 for _link, status in followed), followed
    # the appeal's own sequence, whichever way the whole API's run went: created, then acted on
    appeals, followed = loaded.include(path_regex=r"^/api/v1/appeals"), []
    machine(appeals, bearer, real_rows, followed).run(settings=run_settings(examples=4))
    assert any("POST /api/v1/appeals -> [201]" in link for link, _status in followed), followed


@pytest.fixture
def open311_rows(org, bearer, published_at_once):  # noqa: F811
    """A real api_key and service code, and a location in one of the forms the spec allows (the
    schema cannot say "lat and long together, or an address")."""
    import datetime as dt

    api_key = bearer["Authorization"].split()[1]

    def prepare(case, keep=()):
        body = case.body
        if isinstance(body, dict):
            body["api_key"] = api_key
            body["service_code"] = org.cat_property.code
            if ("lat" in body) != ("long" in body):
                body.pop("lat", None), body.pop("long", None)
            if body.get("lat") == 0 and body.get("long") == 0:
                body["lat"], body["long"] = 39.905, 116.405
            if "lat" not in body and not (body.get("address_string") or "").strip() \
                    and not (body.get("address_id") or "").strip():
                body["address_string"] = "东湖社区3栋"
        query = case.query or {}
        if query.get("start_date") and query.get("end_date"):
            start, end = (dt.datetime.fromisoformat(query[k].replace("Z", "+00:00")) for k in ("start_date", "end_date"))
            if end < start:
                query["start_date"], query["end_date"] = query["end_date"], query["start_date"]
        if "service_code" in (case.path_parameters or {}) and "service_code" not in keep:
            case.path_parameters["service_code"] = org.cat_property.code

    return prepare


@pytest.mark.django_db
def test_linked_open311_calls_keep_their_schema(open311_rows):
    loaded = _load("/open311/v2/openapi.json")
    followed = []
    machine(loaded, {}, open311_rows, followed).run(settings=run_settings(examples=8))
    # a request created was read back by its tracking number and by its token
    read_back = {name for link, status in followed if status == 200 for name in ("GetRequest", "GetToken")
                 if f"] {name} ->" in link}
    assert read_back == {"GetRequest", "GetToken"}, followed
