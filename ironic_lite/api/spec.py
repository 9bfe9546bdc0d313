"""What each API operation accepts, declared once, next to its view.

``@operation(...)`` records on a view its summary, the query arguments it takes, the JSON
schema of its body (or the fields a JSON-Patch may touch) and its success status. The views
read their own declaration while they run: ``arguments()`` refuses query arguments the
declaration does not name and ``body()`` validates the body against the declared schema.
api/openapi.py renders the same declarations into the OpenAPI document, so the document
cannot describe a parameter or a body shape the view does not check.

Rules the declarations cannot hold (a field gated by a microversion, two fields that exclude
each other, a state the node must be in) stay in the views, worded as Ironic words them.
"""

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app, request

from ironic_lite.api import body as bodies
from ironic_lite.api import params, patch
from ironic_lite.api.schemas.query import QUERY


@dataclasses.dataclass(frozen=True)
class Operation:
    """The contract of one view (for every method and path routed to it)."""

    summary: str
    query: tuple[str, ...] = ()
    body: dict | None = None
    body_name: str = "body"
    body_required: bool = True
    patch: tuple[str, ...] | None = None
    max_body: int = bodies.MAX_BODY_BYTES
    status: int = 200
    # Whether the success response carries a JSON document; by default those of 200 and 201.
    returns_json: bool | None = None
    # Schemas of path segments that are more than a plain identifier.
    path: Mapping[str, dict] = dataclasses.field(default_factory=dict)

    def has_document(self) -> bool:
        return self.status in (200, 201) if self.returns_json is None else self.returns_json

    def body_schema(self) -> dict | None:
        """The schema of the request body, as the document shows it."""
        if self.patch is not None:
            return patch.patch_schema(self.patch)
        return self.body


def operation(summary: str, **details: Any) -> Callable:
    """Declare what the decorated view accepts; see ``Operation`` for the fields.

    Query argument names must be known to api/schemas/query.py, which holds each one's
    schema: a new argument is described once, there.
    """
    query = tuple(details.pop("query", ()))
    unknown = [name for name in query if name not in QUERY]
    if unknown:
        raise ValueError(f"query arguments without a schema in schemas/query.py: {unknown}")
    if "patch" in details:
        details["patch"] = tuple(details["patch"])
        details.setdefault("body_name", "patch")
    declared = Operation(summary=summary, query=query, **details)

    def record(view: Callable) -> Callable:
        view.operation = declared
        return view

    return record


def of(view: Callable) -> Operation | None:
    return getattr(view, "operation", None)


def current() -> Operation:
    """The declaration of the view serving this request."""
    declared = of(current_app.view_functions[request.endpoint])
    if declared is None:
        raise RuntimeError(f"view {request.endpoint} has no @spec.operation declaration")
    return declared


def arguments() -> Mapping[str, str]:
    """The query arguments, after refusing any the view's declaration does not name."""
    return params.check_arguments(current().query)


def body() -> Any:
    """The request body checked against the view's declaration: its JSON schema, or for a
    JSON-Patch the operations' shape and the fields they may touch."""
    declared = current()
    document = bodies.json_body(required=declared.body_required, max_bytes=declared.max_body)
    if declared.patch is not None:
        return patch.validate_patch(document, declared.patch)
    if declared.body is None:
        raise RuntimeError(f"view {request.endpoint} declares no body schema")
    if document is None and not declared.body_required:
        return None
    return bodies.validate(document, declared.body, declared.body_name)
