"""Node states and the actions that do not need a flow: states, maintenance, validate."""

from flask import Blueprint, g

from ironic_lite.api import spec
from ironic_lite.api.request_version import minor
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.schemas import nodes as schemas
from ironic_lite.api.services import nodes as node_service
from ironic_lite.api.v1.nodes import node_for
from ironic_lite.api.views import nodes as views
from ironic_lite.common import exceptions

bp = Blueprint("node_states", __name__, url_prefix="/v1/nodes")


@bp.get("/<ident>/states")
@spec.operation("A node's power, provision, boot and RAID states")
def get_states(ident):
    return json_response(
        views.states_document(node_for(ident, "baremetal:node:get_states"), minor())
    )


@bp.put("/<ident>/maintenance")
@spec.operation(
    "Put a node in maintenance",
    query=("reason",),
    body=schemas.MAINTENANCE_BODY,
    body_name="maintenance",
    body_required=False,
    status=202,
)
def set_maintenance(ident):
    reason_arg = spec.arguments().get("reason")
    doc = spec.body()
    reason = (doc or {}).get("reason") or reason_arg
    node_service.set_maintenance(g.context, node_for(ident, "baremetal:node:get"), reason)
    return no_content(202)


@bp.delete("/<ident>/maintenance")
@spec.operation("Take a node out of maintenance", status=202)
def unset_maintenance(ident):
    node_service.unset_maintenance(g.context, node_for(ident, "baremetal:node:get"))
    return no_content(202)


def _validate(ident: str):
    node = node_for(ident, "baremetal:node:validate")
    return json_response(rpcapi().validate_driver_interfaces(g.context, node))


@bp.get("/<ident>/validate")
@spec.operation("Validate a node's driver interfaces")
def validate_node(ident):
    return _validate(ident)


@bp.get("/validate")
@spec.operation(
    "Validate a node's driver interfaces, named in the query", query=("node", "node_uuid")
)
def validate_by_query():
    args = spec.arguments()
    ident = args.get("node") or args.get("node_uuid")
    if not ident:
        raise exceptions.MissingParameterValue(err="Missing mandatory parameter: node")
    return _validate(ident)
