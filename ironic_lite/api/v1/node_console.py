"""/v1/nodes/{node}/states/console: read and switch a node's console (1.1).

Switching is asynchronous as in Ironic: the conductor checks the node's console interface at
once (a ``no-console`` node is a 400), answers 202 and opens or closes the console on a
worker; ``console_enabled`` changes when that worked, ``last_error`` says why it did not.
"""

from flask import Blueprint, g

from ironic_lite.api import links, spec
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.schemas import BOOL
from ironic_lite.api.services.nodes import as_bool
from ironic_lite.api.v1.nodes import node_for

bp = Blueprint("node_console", __name__, url_prefix="/v1/nodes/<ident>/states/console")

CONSOLE_BODY = {
    "type": "object",
    "properties": {"enabled": BOOL},
    "required": ["enabled"],
    "additionalProperties": False,
}


@bp.get("")
@spec.operation("Whether a node's console is on, and how to reach it")
def get_console(ident):
    info = rpcapi().get_console_information(
        g.context, node_for(ident, "baremetal:node:get_console")
    )
    return json_response({"console_enabled": info is not None, "console_info": info})


@bp.put("")
@spec.operation(
    "Turn a node's console on or off", body=CONSOLE_BODY, body_name="console", status=202
)
def set_console(ident):
    doc = spec.body()
    node = node_for(ident, "baremetal:node:set_console_state")
    rpcapi().set_console_mode(g.context, node, enabled=as_bool(doc["enabled"]))
    response = no_content(202)
    response.headers["Location"] = f"{links.base_url()}/v1/nodes/{ident}/states/console"
    return response
