"""A token in use is read once and then known to the process (bench/load_intake.py: thousands of
requests a minute with one token), yet revoking it, deactivating its user or changing the user's
roles takes effect at the very next request."""
from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.api.models import ApiToken
from gongzhi.core.models import Role, RoleAssignment

from .conftest import ApiClient


def me(client) -> tuple[int, dict, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/me")
    return response.status_code, (response.json() if response.status_code == 200 else {}), len(ctx.captured_queries)


def reads_of_tokens_and_roles(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/me").status_code == 200
    return sum(1 for q in ctx.captured_queries if '"api_apitoken"' in q["sql"] and q["sql"].startswith("SELECT")
               or '"core_roleassignment"' in q["sql"])


def test_a_token_in_use_is_not_read_again_for_every_request(org, token_for):
    client = ApiClient(token_for(org.dispatcher))
    first = reads_of_tokens_and_roles(client)
    assert first >= 2  # the token with its user, the user's roles
    assert reads_of_tokens_and_roles(client) == 0


def test_revoking_a_known_token_takes_effect_at_the_next_request(org, token_for):
    client = ApiClient(token_for(org.dispatcher))
    assert me(client)[0] == 200 and me(client)[0] == 200  # known now
    ApiToken.objects.get(user=org.dispatcher).revoke()
    assert me(client)[0] == 401


def test_a_deactivated_user_is_refused_at_the_next_request(org, token_for):
    client = ApiClient(token_for(org.dispatcher))
    assert me(client)[0] == 200
    org.dispatcher.is_active = False
    org.dispatcher.save()
    assert me(client)[0] == 401


def test_roles_given_or_withdrawn_are_seen_at_the_next_request(org, token_for):
    client = ApiClient(token_for(org.dispatcher))
    assert me(client)[1]["roles"] == ["dispatcher"]
    RoleAssignment.objects.create(user=org.dispatcher, role=Role.SUPERVISOR, region=org.district)
    assert sorted(me(client)[1]["roles"]) == ["dispatcher", "supervisor"]
    RoleAssignment.objects.filter(user=org.dispatcher, role=Role.DISPATCHER).delete()
    assert me(client)[1]["roles"] == ["supervisor"]


def test_what_one_request_notes_on_its_user_is_not_seen_by_the_next(org, token_for):
    from gongzhi.api import security

    raw = token_for(org.dispatcher)

    class Request:
        META: dict = {}

    first, second = Request(), Request()
    security.token_user(first, raw)
    security.token_user(second, raw)
    assert first.user == second.user and first.user is not second.user
    first.user.noted = True
    assert not hasattr(second.user, "noted")
