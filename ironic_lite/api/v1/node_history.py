"""/v1/nodes/{node}/history (1.78): what happened to a node, newest last."""

from flask import Blueprint

from ironic_lite.api import links, params, spec
from ironic_lite.api.collection import collection
from ironic_lite.api.microversions import since, supports
from ironic_lite.api.request_version import minor
from ironic_lite.api.responses import json_response
from ironic_lite.api.v1.nodes import node_for
from ironic_lite.api.views import timestamp
from ironic_lite.common import exceptions
from ironic_lite.db import api as dbapi

bp = Blueprint("node_history", __name__, url_prefix="/v1/nodes/<ident>/history")

_SHORT = ("uuid", "created_at", "severity", "event")
_DETAIL = {
    "uuid": 78,
    "created_at": 78,
    "severity": 78,
    "event_type": 78,
    "event": 78,
    "conductor": 78,
    "user": 78,
    "project": 113,
    "state": 115,
    "target_provision_state": 115,
    "duration_seconds": 115,
}
_SORTABLE = dict.fromkeys(("created_at", "id", "severity", "event_type"), since("node_history"))


def _require():
    if not supports("node_history"):
        raise exceptions.NotFound("Node history needs API version 1.78 or later")


def _render(row: dict, node_uuid: str, detail: bool, base: str) -> dict:
    names = [n for n, v in _DETAIL.items() if v <= minor()] if detail else _SHORT
    doc = {}
    for name in names:
        value = row[name]
        if name == "created_at":
            value = timestamp(value)
        elif name == "event" and not detail and value and len(value) > 255:
            value = value[:251] + "..."
        doc[name] = value
    doc["links"] = [{"href": f"{base}/v1/nodes/{node_uuid}/history/{row['uuid']}", "rel": "self"}]
    return doc


@bp.get("")
@spec.operation(
    "A node's history (1.78)", query=("detail", "marker", "limit", "sort_key", "sort_dir")
)
def list_history(ident):
    _require()
    args = spec.arguments()
    detail = bool(params.parse_bool("detail", args.get("detail")))
    paging = params.Paging(args, _SORTABLE, (), default_sort="created_at")
    node = node_for(ident, "baremetal:node:history:get")
    rows, more = dbapi.list_history(
        node["id"], paging.limit, paging.marker, paging.sort_key, paging.sort_dir
    )
    base = links.base_url()
    items = [_render(r, node["uuid"], detail, base) for r in rows]
    return json_response(collection("history", items, rows, more, paging, f"nodes/{ident}/history"))


@bp.get("/<event_uuid>")
@spec.operation("One event of a node's history (1.78)")
def show_event(ident, event_uuid):
    _require()
    node = node_for(ident, "baremetal:node:history:get")
    row = dbapi.get_history_event(node["id"], event_uuid)
    return json_response(_render(row, node["uuid"], True, links.base_url()))
