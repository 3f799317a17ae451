"""OpenAPI links (https://spec.openapis.org/oas/v3.1.0#link-object) between the JSON API's operations.

A client (and a stateful fuzzer) reads from them what follows what: an operation that creates a row
(a POST answering 201 with the row's `id`) links to every operation on that row's path, naming the
new `id` as the path parameter; an action on a row links back to reading the row. The links are
derived from the paths, so a new operation is linked as soon as it exists.
"""
from __future__ import annotations

import copy
import re

from ninja import NinjaAPI

PARAM = re.compile(r"{(\w+)}")


def _status(responses: dict, code: int):
    return responses.get(code) or responses.get(str(code))


def _json_schema(schema: dict, response: dict) -> dict:
    body = (response.get("content") or {}).get("application/json", {}).get("schema") or {}
    ref = body.get("$ref")
    if ref:
        return schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
    return body


def _name(operation_id: str) -> str:
    return operation_id.split("_api_", 1)[-1]  # gongzhi_api_v1_get_appeal -> v1_get_appeal


def add_links(schema: dict) -> dict:
    paths = schema.get("paths", {})
    for path, operations in paths.items():
        known = PARAM.findall(path)
        for method, operation in operations.items():
            if method not in ("post", "delete"):
                continue
            responses = operation.get("responses", {})
            created = _status(responses, 201)
            if created is not None and "id" in _json_schema(schema, created).get("properties", {}):
                # POST /things -> every operation on /things/{thing_id}…
                for target_path, targets in paths.items():
                    match = re.fullmatch(re.escape(path) + r"/{(\w+)}(/.*)?", target_path)
                    if not match:
                        continue
                    params = {name: f"$request.path.{name}" for name in known}
                    params[match.group(1)] = "$response.body#/id"
                    for target in targets.values():
                        created.setdefault("links", {})[_name(target["operationId"])] = {
                            "operationId": target["operationId"], "parameters": params,
                            "description": f"the row this request created, at {target_path}"}
            # POST /things/{thing_id}/verb -> GET /things/{thing_id}
            item = re.fullmatch(r"(.*/{\w+})/[\w-]+", path)
            read = paths.get(item.group(1), {}).get("get") if item else None
            answered = _status(responses, 200) or created
            if read is not None and answered is not None:
                answered.setdefault("links", {})[_name(read["operationId"])] = {
                    "operationId": read["operationId"],
                    "parameters": {name: f"$request.path.{name}" for name in PARAM.findall(item.group(1))},
                    "description": "the row as it is after the action"}
    return schema


class LinkedNinjaAPI(NinjaAPI):
    """django-ninja's API whose OpenAPI document carries the links above.

    The document is made once per process (and path prefix and language): making it walks every
    operation's pydantic schemas, about a second of CPU, which a public URL must not cost on each
    request. Each caller gets its own copy."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        from django.utils import translation

        key = (path_prefix, tuple(sorted((path_params or {}).items())), translation.get_language())
        cache = self.__dict__.setdefault("_openapi_documents", {})
        if key not in cache:
            cache[key] = add_links(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))
        return copy.deepcopy(cache[key])
