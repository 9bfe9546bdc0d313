"""/v1/nodes/{node}/management/indicators (1.63): a node's LEDs, through its management
interface.

    GET  .../indicators                        the components that have indicators
    GET  .../indicators/{component}            the indicators of one component
    GET  .../indicators/{indicator}@{component} {"state": "ON" | "OFF" | "BLINKING" | "UNKNOWN"}
    PUT  .../indicators/{indicator}@{component} body {"state": ...}, 204

Below 1.63 the paths do not exist (a bare 404, as Ironic's router answers).
"""

import werkzeug.exceptions
from flask import Blueprint, g

from ironic_lite.api import links, spec
from ironic_lite.api.microversions import supports
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.v1.nodes import node_for
from ironic_lite.common import exceptions

bp = Blueprint("node_indicators", __name__, url_prefix="/v1/nodes/<ident>")

STATES = ("ON", "OFF", "BLINKING", "UNKNOWN")
SET_STATE = {
    "type": "object",
    "properties": {"state": {"type": "string", "enum": list(STATES[:3])}},
    "required": ["state"],
    "additionalProperties": False,
}


def _require() -> None:
    if not supports("indicators"):
        raise werkzeug.exceptions.NotFound()


def _split(name: str) -> tuple[str, str]:
    indicator, _, component = name.partition("@")
    if not indicator or not component:
        raise exceptions.InvalidParameterValue(
            err=f"Invalid indicator {name}; expected <indicator>@<component>"
        )
    return component, indicator


def _known(node: dict, component: str, indicator: str | None = None) -> dict:
    """The indicators of ``component`` (404 naming what the node lacks)."""
    supported = rpcapi().get_supported_indicators(g.context, node)
    found = supported.get(component)
    if found is None or (indicator is not None and indicator not in found):
        what = f"indicator {indicator}@{component}" if indicator else f"component {component}"
        raise exceptions.ResourceNotFound(f"Node {node['uuid']} has no {what}")
    return found


@bp.get("/management/indicators")
@spec.operation("The components of a node that have indicators (1.63)")
def list_components(ident):
    _require()
    node = node_for(ident, "baremetal:node:get_indicator_state")
    base = links.base_url()
    supported = rpcapi().get_supported_indicators(g.context, node)
    return json_response(
        {
            "components": [
                {
                    "name": name,
                    "links": links.pair(base, f"nodes/{node['uuid']}/management/indicators", name),
                }
                for name in sorted(supported)
            ]
        }
    )


@bp.get("/management/indicators/<name>")
@spec.operation("The indicators of a component, or one indicator's state (1.63)")
def show(ident, name):
    _require()
    node = node_for(ident, "baremetal:node:get_indicator_state")
    if "@" in name:
        component, indicator = _split(name)
        _known(node, component, indicator)
        state = rpcapi().get_indicator_state(
            g.context, node, component=component, indicator=indicator
        )
        return json_response({"state": state})
    base = links.base_url()
    return json_response(
        {
            "indicators": [
                {
                    "name": indicator,
                    "component": name,
                    "readonly": bool(found.get("readonly")),
                    "states": list(found.get("states") or []),
                    "links": links.pair(
                        base,
                        f"nodes/{node['uuid']}/management/indicators",
                        f"{indicator}@{name}",
                    ),
                }
                for indicator, found in sorted(_known(node, name).items())
            ]
        }
    )


@bp.put("/management/indicators/<name>")
@spec.operation(
    "Set an indicator's state (1.63)", body=SET_STATE, body_name="indicator", status=204
)
def set_state(ident, name):
    _require()
    node = node_for(ident, "baremetal:node:set_indicator_state")
    component, indicator = _split(name)
    doc = spec.body()
    known = _known(node, component, indicator)[indicator]
    if known.get("readonly"):
        raise exceptions.InvalidParameterValue(
            err=f"Indicator {indicator}@{component} of node {node['uuid']} is read-only"
        )
    if known.get("states") and doc["state"] not in known["states"]:
        raise exceptions.InvalidParameterValue(
            err=f"Indicator {indicator}@{component} takes {', '.join(known['states'])}, "
            f"not {doc['state']}"
        )
    rpcapi().set_indicator_state(
        g.context, node, component=component, indicator=indicator, state=doc["state"]
    )
    return no_content()
