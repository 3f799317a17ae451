"""The access-control matrix: every page the URL resolver serves and every JSON API operation ×
every role × the matrix's appeal, which is in scope of some of those people and out of scope of
others, against the expectations declared in access_table.py. Out of scope is a 404 (its existence
does not leak); a page for staff only sends the anonymous to sign in.

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
from tests.security.matrix import ROLES, endpoints, fetch, outcome, url_for

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
        if endpoint.api and endpoint.method != "GET" and role != "anonymous":
            continue  # a state change needs a valid body: the operation's own tests check its roles
        client = clients["anonymous"] if endpoint.api else clients[role]
        seen[role] = outcome(fetch(client, endpoint, url, tokens.get(role)))
    return seen


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


def guess_kind(endpoint) -> str | None:
    route = endpoint.route
    if any(p in endpoint.params for p in ("appeal_id", "tracking_number")) or route.startswith("staff/appeals/<int:pk>"):
        return "appeal"
    return None


def test_every_endpoint_is_in_the_table():
    missing = [e for e in endpoints() if e.key not in access_table.TABLE]
    known = {e.key for e in endpoints()}
    stale = sorted(k for k in access_table.TABLE if k not in known)
    lines = [f"    {e.key!r}: R({guess_kind(e)!r}, anon=..., rest=..., allow={{...}}),  # {e.route}" for e in missing]
    assert not missing, (
        f"{len(missing)} endpoint(s) missing from tests/security/access_table.py. Add one row each, saying who may "
        "open it (run this file with GONGZHI_MATRIX_WRITE=1 to have the rows written from what the endpoints "
        "answer now, then review the diff):\n" + "\n".join(lines))
    assert not stale, f"rows for endpoints that no longer exist, remove them from access_table.py: {stale}"


@pytest.mark.slow
def test_every_role_gets_what_the_table_says(org, make_appeal):
    from tests.security.matrix import build_world

    people, objects, tokens = build_world(org, make_appeal)
    clients = signed_in(people)
    wrong, written = [], {}
    for endpoint in endpoints():
        row = access_table.TABLE.get(endpoint.key)
        if row is None and not WRITE:
            continue  # reported by test_every_endpoint_is_in_the_table
        kind = row.obj if row is not None else guess_kind(endpoint)
        seen = observed(endpoint, kind, clients, objects, tokens)
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


def test_nobody_but_the_district_roles_sees_the_appeal_out_of_their_scope():
    """The table itself says what the matrix's appeal proves: every object page and API read is a 404
    for the people it is out of scope of, never a 200 nor a 403 that admits it exists."""
    out_of_scope = {"east_supervisor", "handler", "other_handler", "grid_worker", "citizen"}
    for key, row in access_table.TABLE.items():
        shown_to_someone = row.rest == 200 or 200 in row.allow
        if row.obj != "appeal" or not shown_to_someone:
            continue
        for role in out_of_scope:
            assert row.expect(role) in (404, 405, "login"), f"{key}: {role} is out of the appeal's scope"
