"""/v1/nodes/{node}/vmedia: attach (POST, 1.89), detach (DELETE, 1.89) and list (GET, 1.93)
virtual media through the node's boot interface.

Attach and detach answer 204 once the conductor has taken the work; the BMC then downloads
or drops the image on a worker, and a failure lands in the node's last_error, as in Ironic.
Below each version the path does not exist (a bare 404, as Ironic's router answers).
"""

import urllib.parse

import werkzeug.exceptions
from flask import Blueprint, g

from ironic_lite.api import spec
from ironic_lite.api.microversions import supports
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.v1.nodes import node_for
from ironic_lite.common import exceptions

bp = Blueprint("node_vmedia", __name__, url_prefix="/v1/nodes/<ident>")

DEVICE_TYPES = ("cdrom", "disk", "floppy")
_URL_SCHEMES = ("http", "https", "nfs", "cifs", "smb")

ATTACH = {
    "type": "object",
    "properties": {
        "device_type": {"type": "string", "enum": list(DEVICE_TYPES)},
        "image_url": {"type": "string"},
        "image_download_source": {"type": "string", "enum": ["http", "local", "swift"]},
    },
    "required": ["device_type", "image_url"],
    "additionalProperties": False,
}
# Detaching takes the device types in the query or (as the SDK sends them) in the body.
_DEVICE_TYPE_LIST = {"type": "array", "items": {"type": "string"}}
DETACH = {
    "type": ["object", "null"],
    "properties": {"device_types": {"anyOf": [{"type": "string"}, _DEVICE_TYPE_LIST]}},
}


def _require(feature: str) -> None:
    if not supports(feature):
        raise werkzeug.exceptions.NotFound()


@bp.post("/vmedia")
@spec.operation(
    "Attach virtual media to a node (1.89)", body=ATTACH, body_name="vmedia", status=204
)
def attach(ident):
    _require("vmedia")
    doc = spec.body()
    scheme = urllib.parse.urlsplit(doc["image_url"]).scheme
    if scheme not in _URL_SCHEMES:
        raise exceptions.Invalid(f"Unsupported or missing URL scheme: {scheme}")
    # Ironic's default, "local", has the conductor download the image and serve it from its
    # own web server; ironic-lite has no image server yet, so the BMC is given the URL.
    if doc.get("image_download_source", "http") != "http":
        raise exceptions.InvalidParameterValue(
            err=f"image_download_source {doc['image_download_source']} is not supported: "
            "ironic-lite has no image server; the BMC downloads image_url itself (http)"
        )
    rpcapi().attach_virtual_media(
        g.context,
        node_for(ident, "baremetal:node:vmedia:attach"),
        device_type=doc["device_type"],
        image_url=doc["image_url"],
    )
    return no_content()


def _device_types() -> list[str] | None:
    """``device_types`` from the query string or the JSON body (the SDK sends it there), as
    a list or a comma-separated string; None means every device."""
    raw = spec.arguments().get("device_types")
    if raw is None:
        raw = (spec.body() or {}).get("device_types")
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else str(raw).split(",")
    types = [str(t).strip() for t in items if str(t).strip()]
    invalid = [t for t in types if t not in DEVICE_TYPES]
    if invalid:
        raise exceptions.Invalid(
            f"Invalid device type(s) {', '.join(invalid)} (valid are {', '.join(DEVICE_TYPES)})"
        )
    return types or None


@bp.delete("/vmedia")
@spec.operation(
    "Detach virtual media from a node (1.89)",
    query=("device_types",),
    body=DETACH,
    body_name="vmedia",
    body_required=False,
    status=204,
)
def detach(ident):
    _require("vmedia")
    rpcapi().detach_virtual_media(
        g.context, node_for(ident, "baremetal:node:vmedia:detach"), device_types=_device_types()
    )
    return no_content()


@bp.get("/vmedia")
@spec.operation("The virtual media attached to a node (1.93)")
def list_vmedia(ident):
    _require("vmedia_list")
    return json_response(
        rpcapi().get_virtual_media(g.context, node_for(ident, "baremetal:node:vmedia:get"))
    )
