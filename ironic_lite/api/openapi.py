"""The OpenAPI 3.1 document of the v1 API, generated from the application itself.

Paths and methods come from the Flask routes; what each operation takes comes from the
``@spec.operation`` declaration its view reads at run time (query arguments with their
schemas from api/schemas/query.py, the JSON schema of the body); which operations need no
credentials comes from the same rule the auth hook applies. Nothing here is written by hand
per operation, so the document follows the code.

The API serves it at ``GET /v1/openapi.json``; docs/openapi.json is the same document,
regenerated with ``python -m ironic_lite.cmd.openapi > docs/openapi.json`` (a test compares).
"""

import json
import re

from flask import Flask

from ironic_lite.api import microversions, spec
from ironic_lite.api.public_paths import is_public
from ironic_lite.api.schemas.query import QUERY

_PATH_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_METHODS = ("get", "post", "put", "patch", "delete")
_IDENT = {"type": "string", "minLength": 1}

DESCRIPTION = """\
OpenStack Ironic's Bare Metal v1 API as ironic-lite serves it (microversions {min} to {max}).

Every request may ask for a microversion with `X-OpenStack-Ironic-API-Version` (or
`OpenStack-API-Version: baremetal <version>`); without one it runs at {min}. Fields, query
arguments and whole resources appear at the microversion that added them, as in Ironic: a
request for something newer than its version gets 406 (or 404 for a whole resource).

Every refusal carries Ironic's error body: a JSON object whose only key, `error_message`, is
itself a JSON document serialised into a string, either
`{{"faultcode": "Client"|"Server", "faultstring": ..., "debuginfo": ...}}` or, for routing and
version negotiation (404, 405, 406), `{{"code": ..., "title": ..., "description": ...}}`.

Operations without a security requirement are open: discovery and the agent's callbacks
(which check the agent's token). The others need HTTP Basic credentials when the service runs
with `auth_strategy = http_basic`; under `noauth` every caller is an administrator.
"""

ERROR_BODY = {
    "type": "object",
    "properties": {
        "error_message": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {
                "oneOf": [
                    {
                        "type": "object",
                        "properties": {
                            "faultcode": {"enum": ["Client", "Server"]},
                            "faultstring": {"type": "string"},
                            "debuginfo": {"type": ["string", "null"]},
                        },
                        "required": ["faultcode", "faultstring", "debuginfo"],
                    },
                    {
                        "type": "object",
                        "properties": {
                            "code": {"type": "integer"},
                            "title": {"type": "string"},
                            "description": {"type": "string"},
                        },
                        "required": ["code", "title", "description"],
                    },
                ]
            },
        }
    },
    "required": ["error_message"],
    "additionalProperties": False,
}

VERSION_HEADER = {
    "name": microversions.HEADER,
    "in": "header",
    "required": False,
    "description": "the API microversion to use: 1.<minor> or latest",
    "schema": {
        "type": "string",
        "enum": [
            "latest",
            *(
                f"{microversions.MAX_VERSION.major}.{minor}"
                for minor in range(
                    microversions.MIN_VERSION.minor, microversions.MAX_VERSION.minor + 1
                )
            ),
        ],
    },
}


def openapi_path(rule: str) -> str:
    return _PATH_ARG.sub(r"{\1}", rule)


def _parameters(rule_path: str, declared: spec.Operation) -> list[dict]:
    found = [{"$ref": "#/components/parameters/Version"}]
    for name in _PATH_ARG.findall(rule_path):
        found.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": declared.path.get(name, _IDENT),
            }
        )
    for name in declared.query:
        found.append({"name": name, "in": "query", "required": False, **QUERY[name]})
    return found


def _operation(
    rule_path: str, operation_id: str, method: str, methods: int, declared: spec.Operation
) -> dict:
    success: dict = {"description": declared.summary}
    if declared.has_document():
        success["content"] = {"application/json": {"schema": {"type": "object"}}}
    doc = {
        "operationId": operation_id if methods == 1 else f"{operation_id}.{method}",
        "summary": declared.summary,
        "tags": [operation_id.split(".")[0]],
        "parameters": _parameters(rule_path, declared),
        "responses": {
            str(declared.status): success,
            "4XX": {"$ref": "#/components/responses/Error"},
            "5XX": {"$ref": "#/components/responses/Error"},
        },
    }
    if is_public(rule_path):
        doc["security"] = []
    schema = declared.body_schema()
    if schema is not None and method in ("post", "put", "patch", "delete"):
        doc["requestBody"] = {
            "required": declared.body_required,
            "content": {"application/json": {"schema": schema}},
        }
    return doc


def document(app: Flask) -> dict:
    """The OpenAPI document of every route of ``app`` (the routes of static files aside)."""
    paths: dict[str, dict] = {}
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    # A view served at several paths (``/vendor_passthru`` and ``/vendor_passthru/<method>``)
    # gets one operation id per path: its endpoint, then the path's own arguments.
    seen_endpoints: set[str] = set()
    for rule in rules:
        if rule.endpoint == "static":
            continue
        path = openapi_path(rule.rule)
        if path.endswith("/") and path.rstrip("/") in paths:
            continue  # the same view with a trailing slash: every path takes one
        view = app.view_functions[rule.endpoint]
        declared = spec.of(view)
        if declared is None:  # a test refuses this; the document still lists the route
            summary = (view.__doc__ or rule.endpoint).strip().splitlines()[0]
            declared = spec.Operation(summary=f"{summary} (undeclared)")
        methods = [m for m in _METHODS if m.upper() in rule.methods]
        entry = paths.setdefault(path, {})
        operation_id = rule.endpoint
        if rule.endpoint in seen_endpoints:
            operation_id += "_by_" + "_".join(_PATH_ARG.findall(rule.rule)[-1:] or ["path"])
        seen_endpoints.add(rule.endpoint)
        for method in methods:
            entry[method] = _operation(rule.rule, operation_id, method, len(methods), declared)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ironic-lite Bare Metal API",
            "version": str(microversions.MAX_VERSION),
            "description": DESCRIPTION.format(
                min=microversions.MIN_VERSION, max=microversions.MAX_VERSION
            ),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "security": [{"http_basic": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"http_basic": {"type": "http", "scheme": "basic"}},
            "parameters": {"Version": VERSION_HEADER},
            "responses": {
                "Error": {
                    "description": "Ironic's error body",
                    "content": {"application/json": {"schema": ERROR_BODY}},
                }
            },
        },
    }


def dumps(doc: dict) -> str:
    """The document as docs/openapi.json holds it (stable key order, one trailing newline)."""
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
