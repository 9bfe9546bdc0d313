"""/v1/nodes/{node}/traits (1.37)."""

import werkzeug.exceptions
from flask import Blueprint, request

from ironic_lite.api import body, links, spec
from ironic_lite.api.microversions import supports
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.schemas import nodes as schemas
from ironic_lite.api.v1.nodes import node_for
from ironic_lite.common import exceptions
from ironic_lite.db import api as dbapi

bp = Blueprint("node_traits", __name__, url_prefix="/v1/nodes/<ident>/traits")

MAX_TRAITS = 50
_USAGE = (
    "A single node trait may be added via PUT /v1/nodes/<node identifier>/traits/<trait> "
    "with no body, or all node traits may be replaced via PUT /v1/nodes/<node "
    "identifier>/traits with the list of traits specified in the request body."
)


def _node(ident: str, rule: str) -> dict:
    if not supports("traits"):
        # Before traits existed Ironic answered each verb differently; clients probe with these.
        if request.method == "PUT":
            raise werkzeug.exceptions.MethodNotAllowed()
        if request.method == "DELETE":
            raise exceptions.NotFound()
        raise exceptions.NotAcceptable()
    return node_for(ident, rule)


def _check_count(node: dict, count: int) -> None:
    if count > MAX_TRAITS:
        raise exceptions.InvalidParameterValue(
            err=f"Could not modify traits for node {node['uuid']} as it would exceed the "
            f"maximum number of traits per node ({count} vs. {MAX_TRAITS})"
        )


@bp.get("")
@spec.operation("A node's traits (1.37)")
def list_traits(ident):
    node = _node(ident, "baremetal:node:traits:list")
    return json_response({"traits": dbapi.get_node_traits(node["id"])})


@bp.put("")
@spec.operation(
    "Replace a node's traits",
    body=schemas.TRAITS_BODY,
    body_name="traits",
    status=204,
)
def replace_traits(ident):
    node = _node(ident, "baremetal:node:traits:set")
    doc = body.json_body(required=False)
    if not isinstance(doc, dict) or "traits" not in doc:
        raise exceptions.InvalidParameterValue(err=_USAGE)
    doc = spec.body()
    _check_count(node, len(set(doc["traits"])))
    dbapi.set_node_traits(node["id"], doc["traits"])
    return no_content()


@bp.put("/<trait>")
@spec.operation("Add a trait to a node", status=204, path={"trait": schemas.TRAIT})
def add_trait(ident, trait):
    node = _node(ident, "baremetal:node:traits:set")
    if request.get_data().strip():
        raise exceptions.InvalidParameterValue(err=_USAGE)
    body.validate(trait, schemas.TRAIT, "trait")
    current = dbapi.get_node_traits(node["id"])
    if trait not in current:
        _check_count(node, len(current) + 1)
        dbapi.add_node_trait(node["id"], trait)
    response = no_content()
    response.headers["Location"] = f"{links.base_url()}/v1/nodes/{ident}/traits/{trait}"
    return response


@bp.delete("")
@spec.operation("Remove every trait of a node", status=204)
def delete_all_traits(ident):
    node = _node(ident, "baremetal:node:traits:delete")
    dbapi.set_node_traits(node["id"], [])
    return no_content()


@bp.delete("/<trait>")
@spec.operation("Remove a trait from a node", status=204)
def delete_trait(ident, trait):
    node = _node(ident, "baremetal:node:traits:delete")
    dbapi.delete_node_trait(node["id"], trait, node["uuid"])
    return no_content()
