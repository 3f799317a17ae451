"""schemathesis fuzzes every /api/v1 operation from its own OpenAPI schema, in both directions:

* positive data (what the schema calls valid) is never refused as bad input: no 400/422, only the
  answers a valid request can get (auth, 404 for a missing row, 409 for a refused action);
* negative data (what the schema forbids) is refused by validation itself, with a 400/422, never
  let through to the action (where it would get a 200, or a 403/409 that only hides it);
* and always: no 5xx, no status code the schema does not declare, no response that breaks its shape.
"""
from __future__ import annotations

import itertools
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, negative_data_rejection, positive_data_acceptance, response_schema_conformance,
    status_code_conformance,
)

from .fuzz_stats import record

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          positive_data_acceptance, negative_data_rejection]

# Refused by validation: a body that is not JSON (400), no or a bad token (401), a path no route takes
# (404), a wrong method (405) or media type (415), a value the schema forbids (422), the rate limit (429).
REJECTED_BY_VALIDATION = ["400", "401", "404", "405", "406", "415", "422", "429"]


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
    from gongzhi.appeals import services
    from gongzhi.core import hooks

    # The triage analysis after intake is tested in tests/triage; on the fuzzer's long texts it would
    # take most of this test's time, and it cannot change the answer (a failing hook is only logged).
    with hooks.muted(services.RECEIVED):
        settings.GONGZHI = {**settings.GONGZHI, "API_RATE_PER_TOKEN": 100000, "API_RATE_PER_IP": 100000}
        for i in range(3):
            make_appeal(title=f"诉求{i}")
        yield {"Authorization": f"Bearer {ApiToken.issue(org.supervisor, 'schemathesis')[1]}"}


@pytest.fixture
def real_rows(org, bearer):
    """The schema cannot say which rows exist. In the positive phase a reference names one that does
    (an appeal, a department, a category code, a cursor the server handed out), so a valid request
    reaches the service's own checks instead of stopping at "not found"."""
    from werkzeug.test import Client

    from gongzhi.appeals.models import Appeal
    from gongzhi.wsgi import application

    appeals = itertools.cycle(sorted(Appeal.objects.values_list("pk", flat=True)))
    departments = itertools.cycle([org.housing.pk, org.env.pk])
    cursors = {}

    def cursor(ordering: str) -> str:
        if ordering not in cursors:
            # Over WSGI like the fuzzer (Django's test client would reconnect close_old_connections).
            page = Client(application).get("/api/v1/appeals", query_string={"ordering": ordering, "limit": 1},
                                           headers=bearer).json
            cursors[ordering] = page["next_cursor"]
        return cursors[ordering]

    disputes_rows = _dispute_rows(org)
    participation_rows = _participation_rows(org)
    community_task_rows = _community_task_rows(org)

    def point(case, keep=()) -> None:
        """`keep`: path parameters already naming a real row (the stateful test's links fill them)."""
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return
        if "appeal_id" in (case.path_parameters or {}) and "appeal_id" not in keep:
            case.path_parameters["appeal_id"] = next(appeals)
        body = case.body
        disputes_rows(case, keep)
        if isinstance(body, dict):
            if body.get("category") and "/emergency/" not in case.path:
                body["category"] = org.cat_property.code  # an appeal category (emergency's is an enum)
            if "lead_department" in body:
                body["lead_department"] = next(departments)
            if isinstance(body.get("assisting_departments"), list):
                body["assisting_departments"] = [next(departments) for _ in body["assisting_departments"]]
        if case.query and case.query.get("cursor"):
            case.query["cursor"] = cursor(case.query.get("ordering", "-received_at"))
        participation_rows(case)
        community_task_rows(case)

    return point


def _community_task_rows(org):
    """A community task names a department code, a community and a catalogue item that exist (the
    schema cannot say which codes do); an incident names a real region, and a type of its category."""
    from gongzhi.emergency.models import PlanType
    from gongzhi.grid.models import CatalogueItem

    item = CatalogueItem.objects.create(code="SQ-01", name="协助开展人口抽样调查")
    item.departments.add(org.housing)

    def point(case) -> None:
        body = case.body
        if not isinstance(body, dict):
            return
        if case.path.endswith("/community-tasks"):
            if body.get("department") is not None:
                body["department"] = org.housing.code
            if body.get("item") is not None:
                body["item"] = item.code
            if body.get("community") is not None:
                body["community"] = org.east_c.pk
        if "/emergency/" in case.path and body.get("region") is not None:
            body["region"] = org.east_c.pk
        if "/emergency/" in case.path and body.get("plan_type") is not None:
            kind = PlanType.objects.filter(category=body.get("category")).first()  # one of the category's
            if kind is None:
                body.pop("plan_type")
            else:
                body["plan_type"] = kind.code

    return point


def _dispute_rows(org):
    """The disputes' and petitions' references named as real rows, and their times in the past
    (a schema cannot say "not in the future", nor which kind codes exist)."""
    import datetime as dt

    from django.utils import timezone

    from gongzhi.disputes import petition_services, services
    from gongzhi.disputes.kinds import ensure_default_kinds
    from gongzhi.disputes.models import DisputeKind

    ensure_default_kinds(DisputeKind)  # a transactional test before may have flushed the seeded kinds
    kind = DisputeKind.objects.get(code="neighbour")
    dispute = services.report(actor=org.supervisor, title="纠纷", facts="事实", kind=kind, region=org.east_c,
                              parties=[{"name": "甲"}, {"name": "乙"}])
    petition = petition_services.register(actor=org.supervisor, channel="letter",
                                          received_at=timezone.now() - dt.timedelta(days=1),
                                          petitioner_name="甲", subject="事项", content="内容", region=org.east_c)
    refs = {"region": org.east_c.pk, "grid": org.east_g.pk, "same_matter_as": petition.pk,
            "approved_by": org.leader.pk, "mediator": org.mediator.pk}
    party = dispute.parties.first().pk

    def point(case, keep=()) -> None:
        if "/disputes" not in case.path and "/petitions" not in case.path:
            return
        params = case.path_parameters or {}
        if "dispute_id" in params and "dispute_id" not in keep:
            params["dispute_id"] = dispute.pk
        if "petition_id" in params and "petition_id" not in keep:
            params["petition_id"] = petition.pk
        if isinstance(case.body, dict):
            past = (timezone.now() - dt.timedelta(minutes=10)).isoformat()
            for key, value in refs.items():
                if case.body.get(key) is not None:
                    case.body[key] = value
            for key in ("received_at", "held_at", "at"):
                if case.body.get(key) is not None:
                    case.body[key] = past
            if case.path.endswith("/disputes") and case.body.get("kind") is not None:
                case.body["kind"] = kind.code
            if case.path.endswith("/answer"):
                case.body["received_at"] = None  # default: when the opinion was given
            if "party" in case.body:
                case.body["party"] = party
            if isinstance(case.body.get("disputes"), list) or isinstance(case.body.get("appeals"), list):
                case.body["disputes"], case.body["appeals"] = [dispute.pk], []
            if case.body.get("appeal") is not None:
                case.body["appeal"] = None

    return point


def _participation_rows(org):
    """Participation's references named as real rows (a proposal category code, a department), a
    closing time in the future and choice questions with two options (what a schema cannot say)."""
    import datetime as dt

    from django.utils import timezone

    from gongzhi.participation.categories import ensure_default_categories
    from gongzhi.participation.models import ProposalCategory

    ensure_default_categories(ProposalCategory)  # a transactional test before may have flushed them

    def point(case) -> None:
        if not any(p in case.path for p in ("/proposals", "/consultations", "/surveys")):
            return
        body = case.body
        if not isinstance(body, dict):
            return
        if case.path.endswith("/proposals") and body.get("category") is not None:
            body["category"] = "urban"
            if (body.get("lat") is None) != (body.get("lon") is None):  # a pair or neither (the service says so)
                body["lat"] = body["lon"] = None
        if body.get("department") is not None:
            body["department"] = org.housing.pk
        if body.get("closes_at") is not None:
            body["closes_at"] = (timezone.now() + dt.timedelta(days=3)).isoformat()
        for question in body.get("questions") or []:
            if isinstance(question, dict) and question.get("kind") in ("single", "multiple"):
                question["options"] = ["是", "否"]
            if isinstance(question, dict) and not str(question.get("text") or "").strip():
                question["text"] = "题目"

    return point


def _load():
    from gongzhi.wsgi import application

    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    loaded.config.checks.negative_data_rejection.expected_statuses = REJECTED_BY_VALIDATION
    # The test sends a valid token with every request: a case without one would not be what it claims
    # (tests/api/test_json_api.py covers the 401s).
    loaded.config.generation.update(with_security_parameters=False)
    return loaded


schema = _load()


@schema.parametrize()
# A short run in the suite; bench/fuzz_long.py sets GONGZHI_FUZZ_EXAMPLES for a long one.
@settings(max_examples=int(os.environ.get("GONGZHI_FUZZ_EXAMPLES", "8")), deadline=None,
          derandomize=os.environ.get("GONGZHI_FUZZ_EXAMPLES") is None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
@pytest.mark.django_db
def test_every_operation_keeps_its_schema(case, bearer, real_rows):
    real_rows(case)
    response = case.call(headers=bearer)
    record(case, response)  # for bench/fuzz_long.py's figures
    case.validate_response(response, checks=CHECKS, headers=bearer, transport_kwargs={"headers": dict(bearer)})
