"""The OpenAPI 3.1 document of /open311/v2/ (GeoReport v2, JSON format), served at /open311/v2/openapi.json.

GeoReport v2 is its own convention, not django-ninja's, so the document is written here: the
operations and parameters of the spec as gongzhi.api.open311 serves them, the answers' shapes from
the Open311 project's JSON schemas (data/open311/, copied unchanged but for shortened descriptions),
every status a view can answer with, and links from a created request to reading it by its
service_request_id (the appeal's tracking number) and by its token. XML answers (the default
format) carry the same elements; the document describes the .json paths.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.http import JsonResponse

DATA = Path(__file__).resolve().parent / "data" / "open311"
ERRORS = {"$ref": "#/components/responses/Errors"}
# A path parameter is one path segment (a "/" would be another resource: the catch-all 404).
SEGMENT = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": r"^[A-Za-z0-9_.~-]+$"}
# What every text parameter may hold: no control character (the views refuse one with a 400).
TEXT = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\r]*$"
OPTIONAL_TEXT = {"type": "string", "maxLength": 200, "pattern": TEXT}


def _item(name: str) -> dict:
    schema = json.loads((DATA / name).read_text(encoding="utf-8"))
    return {"type": "object", **schema}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or OPTIONAL_TEXT}


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": SEGMENT}


def _answer(description: str, schema: dict, links: dict | None = None) -> dict:
    out = {"description": description, "content": {"application/json": {"schema": schema}}}
    if links:
        out["links"] = links
    return out


def _errors(*codes: int) -> dict:
    """Every Open311 view may answer 400 (a control character in a parameter, an unreadable body),
    404 (another jurisdiction_id) and 429 (the per-IP rate limit), in the spec's error format."""
    return {str(code): ERRORS for code in sorted({400, 404, 429, *codes})}


# ISO 8601; the views take years 1900 to 2200 (a schema's date-time has no range of its own)
DATETIME = {"type": "string", "format": "date-time", "pattern": r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-"}
JURISDICTION = _query("jurisdiction_id", "this platform's jurisdiction (GONGZHI_OPEN311_JURISDICTION); optional")
ARRAY = {"type": "array"}


@lru_cache(maxsize=1)
def document() -> dict:
    request_ref, service_ref = {"$ref": "#/components/schemas/Request"}, {"$ref": "#/components/schemas/Service"}
    created = {"type": "object", "required": ["service_request_id"], "properties": {
        "service_request_id": {"type": "string"}, "token": {"type": ["string", "null"]},
        "service_notice": {"type": ["string", "null"]}, "account_id": {"type": ["string", "null"]}}}
    fields = {
        "api_key": {"type": "string", "pattern": TEXT,
                    "description": "a token of the platform (gongzhi apitoken USERNAME)"},
        "service_code": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": TEXT},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_string": OPTIONAL_TEXT, "address_id": OPTIONAL_TEXT,
        "email": {"type": "string", "maxLength": 254, "pattern": r"^[^@\s\u0000-\u001f\u007f]+@[^@\s\u0000-\u001f\u007f]+$"},
        "device_id": OPTIONAL_TEXT, "account_id": OPTIONAL_TEXT, "first_name": OPTIONAL_TEXT,
        "last_name": OPTIONAL_TEXT, "phone": {"type": "string", "pattern": r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"},
        "description": {"type": "string", "maxLength": 4000, "pattern": TEXT},
        "media_url": {"type": "string", "maxLength": 500, "pattern": r"^https?://[A-Za-z0-9.-]+(/[A-Za-z0-9._~/-]*)?$"},
        "jurisdiction_id": OPTIONAL_TEXT,
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Gongzhi Open311 GeoReport v2", "version": "2",
                 "description": "Categories are the services; appeals are the service requests "
                                "(http://wiki.open311.org/GeoReport_v2). Every path also answers in XML "
                                "(.xml or no suffix); this document describes the JSON format."},
        "servers": [{"url": "/open311/v2"}],
        "paths": {
            "/discovery.json": {"get": {
                "operationId": "discovery", "summary": "Where and how to reach this endpoint",
                "parameters": [JURISDICTION],
                "responses": {"200": _answer("the endpoint", {"type": "object", "required": ["endpoints"]}),
                              **_errors()}}},
            "/services.json": {"get": {
                "operationId": "services", "summary": "The service types (categories)",
                "parameters": [JURISDICTION],
                "responses": {"200": _answer("every active category", {**ARRAY, "items": service_ref}),
                              **_errors()}}},
            "/services/{service_code}.json": {"get": {
                "operationId": "service_definition", "summary": "The extra attributes a service asks for",
                "parameters": [_path("service_code", "a service's code"), JURISDICTION],
                "responses": {"200": _answer("the definition", {"$ref": "#/components/schemas/ServiceDefinition"}),
                              **_errors()}}},
            "/requests.json": {
                "get": {
                    "operationId": "requests", "summary": "Public service requests (the open-data rule applies)",
                    "parameters": [
                        _query("service_request_id", "comma-separated ids; the other filters are then ignored"),
                        _query("service_code", "comma-separated codes"),
                        _query("start_date", "ISO 8601; default 90 days before end_date or now", DATETIME),
                        _query("end_date", "ISO 8601, not before start_date", DATETIME),
                        _query("status", "open, closed or both (comma-separated)",
                               {"type": "string", "enum": ["open", "closed", "open,closed", "closed,open"]}),
                        JURISDICTION],
                    "responses": {"200": _answer("the requests, newest first (at most 1000)",
                                                 {**ARRAY, "items": request_ref}), **_errors()}},
                "post": {
                    "operationId": "create_request",
                    "summary": "Report a problem (an api_key is required; lat and long together, or an address)",
                    "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
                        "type": "object", "required": ["api_key", "service_code"], "properties": fields,
                        # 0,0 is the placeholder of careless exports, refused as a location
                        "not": {"required": ["lat", "long"],
                                "properties": {"lat": {"const": 0}, "long": {"const": 0}}}}}}},
                    "responses": {
                        "200": _answer("the new request's id and token", {**ARRAY, "items": created}, links={
                            "GetRequest": {"operationId": "request",
                                           "parameters": {"request_id": "$response.body#/0/service_request_id"},
                                           "description": "the request just created, by its id (tracking number)"},
                            "GetToken": {"operationId": "token", "parameters": {"token": "$response.body#/0/token"},
                                         "description": "the request just created, by its token"}}),
                        **_errors(403, 413)}}},
            "/requests/{request_id}.json": {"get": {
                "operationId": "request", "summary": "One public request by its id",
                "parameters": [_path("request_id", "the service_request_id (tracking number)"), JURISDICTION],
                "responses": {"200": _answer("the request, as a list of one", {**ARRAY, "items": request_ref}),
                              **_errors()}}},
            "/tokens/{token}.json": {"get": {
                "operationId": "token", "summary": "The request id a token stands for",
                "parameters": [_path("token", "the token the POST answered with"), JURISDICTION],
                "responses": {"200": _answer("the id", {**ARRAY, "items": {
                    "type": "object", "required": ["service_request_id", "token"],
                    "properties": {"service_request_id": {"type": "string"}, "token": {"type": "string"}}}}),
                    **_errors()}}},
        },
        "components": {
            "schemas": {"Request": _item("request.json"), "Service": _item("service.json"),
                        "ServiceDefinition": _item("service-definition.json")},
            "responses": {"Errors": _answer("the spec's error list", {**ARRAY, "items": {
                "type": "object", "required": ["code", "description"],
                "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}})},
        },
    }


def openapi_view(request):
    return JsonResponse(document())
