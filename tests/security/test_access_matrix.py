"""The access-control matrix: every page the URL resolver serves (and the POST of every page that
takes only POST) and every JSON API operation (state changes with a schema-valid body, rolled back
after each request) × every role × the matrix's object of the endpoint's kind (an appeal, a
dispute, a petition, a grid resident, an emergency incident and task, a proposal, a safety
incident), which is in scope of some of those people and out of scope of others, against the
expectations declared in access_table.py. Out of scope is a 404 (its existence does not leak); a
page for staff only sends the anonymous to sign in.

A new page or API operation that is not in the table fails test_every_endpoint_is_in_the_table,
whose message gives the line to add, written from what the endpoint answers today: check it says
what you meant (who may open it, and which object kind its ids are), then paste it.

GONGZHI_MATRIX_WRITE=1 rewrites the table from what the site answers now (to review with git diff).
"""
from __future__ import annotations

import os
from collections import Counter

import pytest
from django.test import Client

from tests.security import access_table
from tests.security.matrix import OUT_OF_SCOPE, ROLES, endpoints, fetch, outcome, posted, url_for

WRITE = os.environ.get("GONGZHI_MATRIX_WRITE") == "1"


def signed_in(people) -> dict[str, Client]:
    """One browser per role, signed in once (with the second factor where the role needs it)."""
    clients = {}
    for role in ROLES:
        clients[role] = Client(raise_request_exception=False)  # a crash is a 500 in the report, not a stop
        if people[role] is not None:
            clients[role].force_login(people[role])
    return clients


def observed(endpoint, kind, clients, objects, tokens) -> dict[str, object]:
    url = url_for(endpoint, kind, objects)
    seen = {}
    for role in ROLES:
        client = clients["anonymous"] if endpoint.api else clients[role]
        seen[role] = outcome(fetch(client, endpoint, url, tokens.get(role), objects))
    return seen


def takes_only_post(row) -> bool:
    return 405 in (row.anon, row.rest, *row.allow)


def row_from(kind, seen: dict[str, object]) -> access_table.R:
    anon = seen.get("anonymous")
    rest = {role: got for role, got in seen.items() if role != "anonymous"}
    if not rest:
        return access_table.R(kind, anon=anon)
    common = Counter(rest.values()).most_common(1)[0][0]
    allow = {}
    for role, got in rest.items():
        if got != common:
            allow.setdefault(got, []).append(role)
    return access_table.R(kind, anon=anon, rest=common, allow={k: " ".join(v) for k, v in allow.items()})


# The kind of object an endpoint's ids name, from its parameters or its route.
KIND_PARAMS = {"appeal_id": "appeal", "tracking_number": "appeal", "dispute_id": "dispute",
               "petition_id": "petition", "incident_id": "incident", "proposal_id": "proposal"}
KIND_ROUTES = (("staff/appeals/<int:pk>", "appeal"), ("disputes/petitions/<int:pk>", "petition"),
               ("disputes/<int:pk>", "dispute"), ("grid/residents/<int:pk>", "resident"),
               ("emergency/incidents/<int:pk>", "incident"), ("emergency/tasks/<int:pk>", "emergency_task"),
               ("/api/v1/emergency/tasks/{task_id}", "emergency_task"), ("participation/proposals/<int:pk>", "proposal"),
               ("participation/staff/proposals/<int:pk>", "proposal"), ("safety/incidents/<int:pk>", "safety_incident"))


def guess_kind(endpoint) -> str | None:
    for param in endpoint.params:
        if param in KIND_PARAMS:
            return KIND_PARAMS[param]
    return next((kind for prefix, kind in KIND_ROUTES if endpoint.route.startswith(prefix)), None)


def test_every_endpoint_is_in_the_table():
    """Every URL pattern of the resolver and every operation of the JSON API's routers has a row;
    a page that takes only POST (its GET is a 405) has a row for its POST too."""
    missing = [e for e in endpoints() if e.key not in access_table.TABLE]
    missing += [posted(e) for e in endpoints() if not e.api and e.key in access_table.TABLE
                and takes_only_post(access_table.TABLE[e.key]) and posted(e).key not in access_table.TABLE]
    known = {e.key for e in endpoints()} | {posted(e).key for e in endpoints() if not e.api}
    stale = sorted(k for k in access_table.TABLE if k not in known)
    lines = [f"    {e.key!r}: R({guess_kind(e)!r}, anon=..., rest=..., allow={{...}}),  # {e.route}" for e in missing]
    assert not missing, (
        f"{len(missing)} endpoint(s) missing from tests/security/access_table.py. Add one row each, saying who may "
        "open it (run this file with GONGZHI_MATRIX_WRITE=1 to have the rows written from what the endpoints "
        "answer now, then review the diff):\n" + "\n".join(lines))
    assert not stale, f"rows for endpoints that no longer exist, remove them from access_table.py: {stale}"


@pytest.mark.slow
def test_every_role_gets_what_the_table_says(org, make_appeal, settings):
    from tests.security.matrix import build_world

    settings.GONGZHI = {**settings.GONGZHI, "API_RATE_PER_TOKEN": 100000, "API_RATE_PER_IP": 100000}
    people, objects, tokens = build_world(org, make_appeal)
    clients = signed_in(people)
    wrong, written = [], {}
    todo = list(endpoints())
    while todo:
        endpoint = todo.pop(0)
        row = access_table.TABLE.get(endpoint.key)
        if row is None and not WRITE:
            continue  # reported by test_every_endpoint_is_in_the_table
        kind = guess_kind(endpoint) if WRITE else row.obj
        seen = observed(endpoint, kind, clients, objects, tokens)
        if not endpoint.api and endpoint.method == "GET" and 405 in seen.values():
            todo.insert(0, posted(endpoint))  # a page that takes only POST: its POST next
        if WRITE:
            written[endpoint.key] = (row_from(kind, seen), endpoint.route)
            continue
        for role, got in seen.items():
            expected = row.expect(role)
            if got != expected:
                wrong.append(f"{endpoint.key} as {role}: expected {expected}, got {got}")
    if WRITE:
        access_table.write(written)
        pytest.skip("access_table.py rewritten from the site's answers: review `git diff tests/security/access_table.py`")
    assert not wrong, f"{len(wrong)} answers differ from tests/security/access_table.py:\n" + "\n".join(wrong)


@pytest.mark.parametrize("kind", sorted(OUT_OF_SCOPE))
def test_an_object_out_of_scope_is_not_found(kind):
    """The table itself says what the matrix's objects prove: wherever someone is shown the object
    or may act on it (200, 201, or a 400/409 of the action's own checks), it is a 404 for the people
    it is out of scope of, never a 200 nor a 403 that admits it exists."""
    rows = {key: row for key, row in access_table.TABLE.items() if row.obj == kind}
    assert rows, f"no endpoint of the table names the matrix's {kind}"
    reached = {key: row for key, row in rows.items() if {row.rest, *row.allow} & {200, 201, 400, 409}}
    assert reached, f"nobody reaches the matrix's {kind}: the table cannot show its scope"
    for key, row in reached.items():
        for role in OUT_OF_SCOPE[kind].split():
            assert row.expect(role) in (404, 405, "login"), f"{key}: {role} is out of the {kind}'s scope"


def test_every_state_change_is_tried_with_a_valid_body():
    """A state-changing API operation whose body every role has refused by validation (422) would
    say nothing about who may act: the matrix's body must get past validation for someone."""
    from tests.security.matrix import api_operations, minimal_body

    takes_json = {e.key for e in api_operations() if e.method != "GET" and minimal_body(e) is not None}
    refused = [key for key, row in access_table.TABLE.items()
               if key in takes_json and row.rest == 422 and not row.allow]
    assert not refused, f"the matrix's body is refused by validation for every role: {refused}"
