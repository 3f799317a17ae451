"""The machinery of the access-control matrix (tests/security/test_access_matrix.py): the people, the
objects in and out of their scope, every endpoint the URL resolver and the JSON API know, and what
one person gets from one endpoint. The expectations themselves are in access_table.py."""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Everyone the matrix signs in as (tests/conftest.py's org, plus the roles it has no account for:
# a petition officer, analysts of the district and of the east subdistrict, an informant handler,
# the emergency office and the west grid's worker).
ROLES = ("anonymous", "citizen", "operator", "dispatcher", "handler", "other_handler", "supervisor",
         "east_supervisor", "leader", "grid_worker", "west_grid_worker", "mediator", "petition", "analyst",
         "east_analyst", "informant", "emergency", "admin")

# The matrix's objects, one of each kind, and who they are out of scope of: roles that may open such
# an object in general but not this one (test_access_matrix checks each of them gets a 404 wherever
# someone else is shown the object). All are in the west subdistrict (the resident in the east
# grid, as grid workers see only their own grid's residents), in scope of the district's roles.
OUT_OF_SCOPE = {
    "appeal": "east_supervisor handler other_handler grid_worker citizen",
    "dispute": "east_supervisor grid_worker citizen",
    "petition": "east_supervisor citizen",
    "resident": "west_grid_worker",
    "incident": "east_supervisor citizen",
    "emergency_task": "east_supervisor citizen",
    "proposal": "east_supervisor",  # proposals are public; their staff pages are in scope by region
    "safety_incident": "east_analyst",
}

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
        if route.startswith(tuple(EXEMPT_PREFIXES)) or _ninja_path_view(pattern) is not None:
            continue  # the JSON API's operations are listed by api_operations
        key = name or f"<unnamed {route}>"
        params = tuple(pattern.pattern.regex.groupindex) if pattern.pattern.regex.groupindex else ()
        found.setdefault(key, Endpoint(key, route, params))
    found["admin:index"] = Endpoint("admin:index", "admin/", ())
    return sorted(found.values(), key=lambda e: e.key)


def _ninja_path_view(pattern):
    """The django-ninja PathView behind a URL pattern (its operations, one per method), or None."""
    for cell in getattr(pattern.callback, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if hasattr(value, "operations") and hasattr(value, "_find_operation"):
            return value
    return None


def api_operations() -> list[Endpoint]:
    """Every operation of the JSON API: what the URL resolver routes to django-ninja's routers
    (so an operation left out of the OpenAPI document is listed too), and the OpenAPI document's."""
    from gongzhi.api.v1 import api

    found = {}
    for route, _name, pattern in _walk(get_resolver().url_patterns):
        view = _ninja_path_view(pattern)
        if view is None:
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        for operation in view.operations:
            for method in operation.methods:
                found[f"{method.upper()} {path}"] = (path, method.upper())
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method in methods:
            found[f"{method.upper()} {path}"] = (path, method.upper())
    return sorted((Endpoint(key, path, tuple(re.findall(r"{(\w+)}", path)), api=True, method=method)
                   for key, (path, method) in found.items()), key=lambda e: e.key)


def endpoints() -> list[Endpoint]:
    return pages() + api_operations()


# ------------------------------------------------------------------ the world the matrix runs in

MISSING = 987654  # an id no row has


def build_world(org, make_appeal):
    from gongzhi.api.models import ApiToken
    from gongzhi.core.models import Role, RoleAssignment, User

    def person(username, role, **scope):
        user = User.objects.create_user(username=username, password=org.password, display_name=username)
        RoleAssignment.objects.create(user=user, role=role, **(scope or {"region": org.district}))
        return user

    people = {
        "anonymous": None, "citizen": org.citizen, "operator": org.operator, "dispatcher": org.dispatcher,
        "handler": org.handler_housing, "other_handler": org.handler_env, "supervisor": org.supervisor,
        "east_supervisor": org.east_supervisor, "leader": org.leader, "grid_worker": org.grid_worker,
        "mediator": org.mediator, "petition": person("m_petition", Role.PETITION_OFFICER),
        "analyst": person("m_analyst", Role.ANALYST), "informant": person("m_informant", Role.INFORMANT_HANDLER),
        "east_analyst": person("m_east_analyst", Role.ANALYST, region=org.east),
        "west_grid_worker": person("m_west_grid", Role.GRID_WORKER, grid=org.west_g),
        "emergency": person("m_emergency", Role.EMERGENCY), "admin": org.admin,
    }
    # West community, in the west grid, not dispatched: in scope of the district's region-wide roles only.
    appeal = make_appeal(title="西山社区路灯不亮", lat=39.905, lon=116.305, location_text="西山社区")
    objects = {"appeal": appeal, **_other_objects(org, people)}
    tokens = {name: ApiToken.issue(user, "matrix")[1] for name, user in people.items() if user is not None}
    return people, objects, tokens


def _other_objects(org, people) -> dict:
    """One object of every other kind the platform scopes, made by its own services where they exist."""
    import datetime as dt

    from django.utils import timezone

    from gongzhi.disputes import petition_services
    from gongzhi.disputes import services as disputes
    from gongzhi.disputes.kinds import ensure_default_kinds
    from gongzhi.disputes.models import DisputeKind
    from gongzhi.emergency import services as emergency
    from gongzhi.emergency.models import IncidentTask
    from gongzhi.grid.models import Building, CatalogueItem, Household, Resident
    from gongzhi.participation import services as participation
    from gongzhi.participation.categories import ensure_default_categories
    from gongzhi.participation.models import ProposalCategory
    from gongzhi.participation.verification import Voter
    from gongzhi.safety import services as safety
    from gongzhi.safety.models import IncidentType

    ensure_default_kinds(DisputeKind)
    ensure_default_categories(ProposalCategory)
    dispute = disputes.report(actor=org.supervisor, title="西山社区噪声纠纷", facts="楼上装修", region=org.west_c,
                              kind=DisputeKind.objects.get(code="neighbour"), parties=[{"name": "甲"}, {"name": "乙"}])
    petition = petition_services.register(actor=org.supervisor, channel="letter", region=org.west_c,
                                          received_at=timezone.now() - dt.timedelta(days=1), petitioner_name="丙",
                                          subject="西山社区道路", content="道路破损")
    building = Building.objects.create(grid=org.east_g, name="3幢")
    household = Household.objects.create(building=building, room="201室")
    resident = Resident.objects.create(household=household, name="王建国", id_number="110101194803074514",
                                       phone="13911112222", birth_year=1948, relation="户主")
    incident = emergency.report(people["emergency"], title="西山路积水", category="natural", level="IV",
                                region=org.west_c)
    task = IncidentTask.objects.create(incident=incident, department=org.housing, title="排水",
                                       due_at=timezone.now() + dt.timedelta(hours=4))
    proposal = participation.submit(Voter(user=org.citizen), title="西山社区增设座椅", text="公园里没有座椅，老人走累了没处歇。",
                                    category=ProposalCategory.objects.get(code="urban"), region=org.west_c)
    safety_incident = safety.create_incident(people["analyst"], type=IncidentType.objects.filter(parent__isnull=False).first(),
                                             occurred_at=timezone.now() - dt.timedelta(hours=3), region=org.west_c,
                                             address="西山社区", summary="自行车被盗")
    item = CatalogueItem.objects.create(code="SQ-M1", name="协助开展人口抽样调查")
    item.departments.add(org.housing)
    return {"org": org, "catalogue_item": item,
            "dispute": dispute, "dispute_party": dispute.parties.first(), "petition": petition,
            "resident": resident, "incident": incident, "emergency_task": task, "proposal": proposal,
            "safety_incident": safety_incident}


# Which path parameters name the object of the row's kind (any other id names no row).
ID_PARAMS = {"appeal": ("pk", "appeal_id"), "dispute": ("pk", "dispute_id"), "petition": ("pk", "petition_id"),
             "resident": ("pk",), "incident": ("pk", "incident_id"), "emergency_task": ("pk", "task_id"),
             "proposal": ("pk", "proposal_id"), "safety_incident": ("pk",)}
# The action a page's <slug:action> names, per kind (one the page knows; the empty form is refused
# by the action itself, or rolled back).
ACTION = {"appeal": "acknowledge", "dispute": "accept", "petition": "accept", "incident": "close",
          "proposal": "assign"}
# The field a reveal page names, per kind.
REVEAL_FIELD = {"appeal": "appellant_phone", "petition": "petitioner_phone", "resident": "id_number",
                "dispute": "phone"}


def url_for(endpoint: Endpoint, kind: str | None, objects) -> str:
    appeal = objects["appeal"]
    values = {"pk": MISSING, "tracking_number": appeal.tracking_number if kind == "appeal" else "GZ0",
              "field": REVEAL_FIELD.get(kind, "appellant_phone"), "action": ACTION.get(kind, "acknowledge"), "kind": "department",
              "day": "2026-01-01", "name": "appeals.csv", "token": "x", "code": "x", "request_id": "x",
              "fmt": "json", "uidb64": "x", "content_type_id": "1", "object_id": "1"}
    if kind is not None:
        for param in ID_PARAMS[kind]:
            values[param] = objects[kind].pk
        if kind == "dispute":
            values["party_id"] = objects["dispute_party"].pk
    pk = values["pk"]
    if endpoint.api:
        path = endpoint.route
        for param in endpoint.params:
            path = path.replace("{" + param + "}", str(values.get(param, MISSING)))
        return path
    kwargs = {p: values.get(p, MISSING) for p in endpoint.params if p != "fmt"}
    if endpoint.key.removeprefix("POST ").startswith("<unnamed"):
        return "/" + re.sub(r"[\^$]|\.\*", "", endpoint.route)
    return reverse(endpoint.key.removeprefix("POST "), kwargs=kwargs)


def outcome(response) -> int | str:
    """What a person notices: the status, and for a redirect whether it is to the sign-in page."""
    if response.status_code in (301, 302):
        location = response.get("Location", "")
        if "/accounts/login/" in location or "/admin/login/" in location:
            return "login"
        return 302
    return response.status_code


def posted(endpoint: Endpoint) -> Endpoint:
    """The POST of a page (its row: "POST <name>")."""
    return Endpoint("POST " + endpoint.key, endpoint.route, endpoint.params, method="POST")


def fetch(client, endpoint: Endpoint, url: str, token: str | None, objects=None):
    """One request. A state change is rolled back after it (a savepoint), so every role meets the
    objects as they were built, whatever the roles before it were allowed to do."""
    from django.db import transaction

    if endpoint.method == "GET":
        if endpoint.api:
            return client.get(url, **({"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}))
        return client.get(url)
    with transaction.atomic():
        if endpoint.api:
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
            headers["HTTP_IDEMPOTENCY_KEY"] = uuid.uuid4().hex  # operations that require one
            body = minimal_body(endpoint, objects)
            if body is None:
                response = client.generic(endpoint.method, url, **headers)
            else:
                response = client.generic(endpoint.method, url, json.dumps(body), content_type="application/json",
                                          **headers)
        else:
            # An empty form: who gets past the door, not what the form checks. The browser's cookies
            # are put back after it, so a sign-out or a language switch does not follow the role.
            cookies = copy.deepcopy(client.cookies)
            response = client.post(url)
            client.cookies = cookies
        transaction.set_rollback(True)
    return response


# ------------------------------------------------------------------ a valid body for an API operation

def _operation(endpoint: Endpoint) -> tuple[dict, dict]:
    schema = _openapi()
    return schema["paths"][endpoint.route][endpoint.method.lower()], schema.get("components", {}).get("schemas", {})


_SCHEMA = {}


def _openapi() -> dict:
    if not _SCHEMA:
        from gongzhi.api.v1 import api

        _SCHEMA.update(api.get_openapi_schema())
    return _SCHEMA


def _past() -> str:
    return (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).isoformat()


# Bodies the schema cannot make valid on its own: texts long enough for the service's checks,
# codes and ids of rows that exist, times in the past (merged over the schema's minimal body).
BODIES = {
    "POST /api/v1/appeals": lambda o: {"title": "西山社区路灯不亮", "content": "西山社区门口的路灯坏了一周，晚上很黑。"},
    "POST /api/v1/appeals/{appeal_id}/reply": lambda o: {
        "text": "经核查，路灯线路老化，已于今日更换线路并恢复照明，感谢您的反映。"},
    "POST /api/v1/community-tasks": lambda o: {"department": o["org"].housing.code, "community": o["org"].west_c.pk,
                                               "item": o["catalogue_item"].code, "title": "协助人口抽样调查"},
    "POST /api/v1/disputes": lambda o: {"title": "西山社区漏水纠纷", "facts": "楼上漏水", "kind": "neighbour",
                                        "region": o["org"].west_c.pk, "grid": o["org"].west_g.pk,
                                        "parties": [{"name": "甲"}, {"name": "乙"}]},
    "POST /api/v1/disputes/{dispute_id}/assign": lambda o: {"mediator": o["org"].mediator.pk},
    "POST /api/v1/disputes/{dispute_id}/reveal": lambda o: {"party": o["dispute_party"].pk},
    "POST /api/v1/appeals/{appeal_id}/dispatch": lambda o: {"lead_department": o["org"].housing.pk},
    "POST /api/v1/appeals/{appeal_id}/merge": lambda o: {"into": o["appeal"].pk},
    "POST /api/v1/consultations": lambda o: {"department": o["org"].housing.pk},
    "POST /api/v1/emergency/incidents": lambda o: {"region": o["org"].west_c.pk},
    "POST /api/v1/grid/reports": lambda o: {"grid": o["org"].east_g.pk},
    "POST /api/v1/proposals/{proposal_id}/assign": lambda o: {"department": o["org"].housing.pk},
    "POST /api/v1/petitions": lambda o: {"received_at": _past(), "region": o["org"].west_c.pk},
    "POST /api/v1/petitions/{petition_id}/extend": lambda o: {"approved_by": o["org"].leader.pk},
    "POST /api/v1/petitions/{petition_id}/link": lambda o: {"disputes": [o["dispute"].pk], "appeals": []},
    "POST /api/v1/proposals": lambda o: {"title": "西山社区增设座椅", "text": "公园里没有座椅，老人走累了没处歇。",
                                         "category": "urban"},
    "POST /api/v1/proposals/{proposal_id}/answer": lambda o: {
        "outcome": "adopted", "text": "经研究，采纳该建议，将于下月在公园增设座椅十张。"},
    "POST /api/v1/surveys": lambda o: {"questions": [{"kind": "single", "text": "满意吗", "options": ["是", "否"]}]},
    "POST /api/v1/webhooks": lambda o: {"url": "https://example.org/hook", "secret": "matrix-secret-0123456789"},
}


def minimal_body(endpoint: Endpoint, objects=None):
    """The smallest JSON body the operation's schema accepts (its required fields only, and what
    BODIES adds), so the request passes validation and meets the operation's own check of who may
    act on which row; None when the operation takes no JSON body."""
    if endpoint.method.lower() not in _openapi()["paths"].get(endpoint.route, {}):
        return {}  # an operation the document leaves out: an empty object
    operation, components = _operation(endpoint)
    content = (operation.get("requestBody") or {}).get("content") or {}
    if "application/json" not in content:
        return None
    body = _instance(content["application/json"]["schema"], components)
    if endpoint.key in BODIES and objects is not None:
        body = {**(body or {}), **BODIES[endpoint.key](objects)}
    return body


REFERENCES = {"department", "lead_department", "region", "grid", "community", "party", "into", "mediator",
              "approved_by", "household", "appeal", "dispute", "petition", "same_matter_as"}


def _is_reference(name: str, schema: dict, components: dict) -> bool:
    if not (name in REFERENCES or name.endswith("_id")):
        return False
    kinds = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
    return "integer" in kinds


def _instance(schema: dict, components: dict, depth: int = 0):
    if "$ref" in schema:
        return _instance(components[schema["$ref"].rsplit("/", 1)[-1]], components, depth)
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            options = [s for s in schema[combined] if s.get("type") != "null"] or schema[combined]
            return _instance(options[0], components, depth)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        # a reference to a row: an id no row has unless BODIES names one (ids differ between databases)
        return {name: MISSING if _is_reference(name, props[name], components)
                else _instance(props[name], components, depth + 1) for name in schema.get("required", [])}
    if kind == "array":
        return [_instance(schema.get("items", {}), components, depth + 1) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        low, high = schema.get("minimum", 0.5), schema.get("maximum", low if "minimum" in schema else 1)
        return (low + high) / 2 if "minimum" in schema or "maximum" in schema else 1
    if kind == "boolean":
        return False
    if kind == "string":
        if schema.get("format") == "date-time":
            return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).isoformat()
        if schema.get("format") == "date":
            return dt.date.today().isoformat()
        if schema.get("format") in ("uri", "url"):
            return "https://example.org/hook"
        return "matrix" + "x" * max(0, schema.get("minLength", 1) - 6)
    return None
