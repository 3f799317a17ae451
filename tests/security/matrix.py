"""The machinery of the access-control matrix (tests/security/test_access_matrix.py): the people, the
objects in and out of their scope, every endpoint the URL resolver and the JSON API know, and what
one person gets from one endpoint. The expectations themselves are in access_table.py."""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Everyone the matrix signs in as (tests/conftest.py's org, plus the roles it has no account for).
# In scope of the matrix's appeal (west community, not yet dispatched): the region-wide roles of the
# district. Out of scope: the east subdistrict's supervisor, both departments' handlers (no
# assignment) and the east grid's worker.
ROLES = ("anonymous", "citizen", "operator", "dispatcher", "handler", "other_handler", "supervisor",
         "east_supervisor", "leader", "grid_worker", "mediator", "petition", "analyst", "informant",
         "emergency", "admin")

# Parts of the site the matrix leaves to their own tests, and why.
EXEMPT_PREFIXES = {
    "admin/": "Django's admin: superusers only (tests/core/test_admin.py); one row, admin:index, checks the door",
    "static/": "static files",
}


@dataclass(frozen=True)
class Endpoint:
    key: str          # "staff:appeal_detail", or "GET /api/v1/appeals/{appeal_id}"
    route: str        # the pattern, for the message
    params: tuple     # names of the path parameters
    api: bool = False
    method: str = "GET"


def _walk(patterns, prefix="", ns=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            space = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), space)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (f"{ns}:{p.name}" if ns and p.name else p.name), p


def pages() -> list[Endpoint]:
    """Every page the URL resolver serves (the JSON API's operations are listed by api_operations)."""
    found = {}
    for route, name, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(tuple(EXEMPT_PREFIXES)) or route.startswith("api/v1/"):
            continue
        key = name or f"<unnamed {route}>"
        params = tuple(pattern.pattern.regex.groupindex) if pattern.pattern.regex.groupindex else ()
        found.setdefault(key, Endpoint(key, route, params))
    found["admin:index"] = Endpoint("admin:index", "admin/", ())
    return sorted(found.values(), key=lambda e: e.key)


def api_operations() -> list[Endpoint]:
    from gongzhi.api.v1 import api

    schema = api.get_openapi_schema()
    found = []
    for path, methods in schema["paths"].items():
        for method in methods:
            params = tuple(re.findall(r"{(\w+)}", path))
            found.append(Endpoint(f"{method.upper()} {path}", path, params, api=True, method=method.upper()))
    return sorted(found, key=lambda e: e.key)


def endpoints() -> list[Endpoint]:
    return pages() + api_operations()


# ------------------------------------------------------------------ the world the matrix runs in

MISSING = 987654  # an id no row has


def build_world(org, make_appeal):
    from gongzhi.api.models import ApiToken
    from gongzhi.core.models import Role, RoleAssignment, User

    def person(username, role):
        user = User.objects.create_user(username=username, password=org.password, display_name=username)
        RoleAssignment.objects.create(user=user, role=role, region=org.district)
        return user

    people = {
        "anonymous": None, "citizen": org.citizen, "operator": org.operator, "dispatcher": org.dispatcher,
        "handler": org.handler_housing, "other_handler": org.handler_env, "supervisor": org.supervisor,
        "east_supervisor": org.east_supervisor, "leader": org.leader, "grid_worker": org.grid_worker,
        "mediator": org.mediator, "petition": person("m_petition", Role.PETITION_OFFICER),
        "analyst": person("m_analyst", Role.ANALYST), "informant": person("m_informant", Role.INFORMANT_HANDLER),
        "emergency": person("m_emergency", Role.EMERGENCY), "admin": org.admin,
    }
    # West community, in the west grid, not dispatched: in scope of the district's region-wide roles only.
    appeal = make_appeal(title="西山社区路灯不亮", lat=39.905, lon=116.305, location_text="西山社区")
    tokens = {name: ApiToken.issue(user, "matrix")[1] for name, user in people.items() if user is not None}
    return people, {"appeal": appeal}, tokens


def url_for(endpoint: Endpoint, kind: str | None, objects) -> str:
    appeal = objects["appeal"]
    pk = appeal.pk if kind == "appeal" else MISSING
    values = {"pk": pk, "appeal_id": pk, "tracking_number": appeal.tracking_number if kind == "appeal" else "GZ0",
              "field": "appellant_phone", "action": "acknowledge", "kind": "department", "day": "2026-01-01",
              "name": "appeals.csv", "token": "x", "code": "x", "request_id": "x", "fmt": "json",
              "uidb64": "x", "content_type_id": "1", "object_id": "1"}
    if endpoint.api:
        path = endpoint.route
        for param in endpoint.params:
            path = path.replace("{" + param + "}", str(values.get(param, pk)))
        return path
    kwargs = {p: values.get(p, MISSING) for p in endpoint.params if p != "fmt"}
    if endpoint.key.startswith("<unnamed"):
        return "/" + re.sub(r"[\^$]|\.\*", "", endpoint.route)
    return reverse(endpoint.key, kwargs=kwargs)


def outcome(response) -> int | str:
    """What a person notices: the status, and for a redirect whether it is to the sign-in page."""
    if response.status_code in (301, 302):
        location = response.get("Location", "")
        if "/accounts/login/" in location or "/admin/login/" in location:
            return "login"
        return 302
    return response.status_code


def fetch(client, endpoint: Endpoint, url: str, token: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if (endpoint.api and token) else {}
    return client.generic(endpoint.method, url, **headers) if endpoint.api else client.get(url, **headers)
