"""/v1/nodes/{node}/bios (1.40; registry fields 1.74) and /v1/nodes/{node}/firmware (1.86).

Read-only: the settings and versions are what the node's BIOS and firmware interfaces last
read from the machine (after verify and cleaning) or wrote after a step changed them. Below
each endpoint's version the path does not exist (a bare 404, as Ironic's router answers).
"""

import re

import werkzeug.exceptions
from flask import Blueprint

from ironic_lite.api import links, params, spec
from ironic_lite.api.microversions import supports
from ironic_lite.api.responses import json_response
from ironic_lite.api.v1.nodes import node_for
from ironic_lite.api.views import bios as views
from ironic_lite.common import exceptions
from ironic_lite.db import api as dbapi

bp = Blueprint("node_bios", __name__, url_prefix="/v1/nodes/<ident>")

# A setting name in the path: a logical name as Ironic checks it (RFC 3986 unreserved).
_SETTING_NAME = re.compile(r"^[A-Za-z0-9\-._~]{1,255}$")


def _require(feature: str) -> None:
    if not supports(feature):
        raise werkzeug.exceptions.NotFound()


def _selection(
    args, detail_feature: str, selectable: tuple[str, ...], default: tuple[str, ...], detailed
) -> tuple[str, ...] | list[str]:
    """The fields to show from ``?detail`` and ``?fields``, refused as Ironic refuses them:
    either one before ``detail_feature``, both at once, or an unknown field name (400)."""
    detail = params.detail_arg(args, None, detail_feature)
    raw = args.get("fields")
    fields = None
    if raw is not None:
        fields = list(dict.fromkeys(f.strip().lower() for f in raw.split(",") if f.strip()))
        if not supports(detail_feature):
            raise exceptions.InvalidParameterValue(
                err=f"Invalid query parameter ?fields={fields} received."
            )
        unknown = [f for f in fields if f not in selectable]
        if unknown:
            raise exceptions.InvalidParameterValue(err=params.fields_not_valid(unknown, selectable))
        if detail:
            raise exceptions.InvalidParameterValue(
                err="Can not specify ?detail=True and fields in the same request."
            )
    if detail:
        return detailed
    return fields or default


@bp.get("/bios")
@spec.operation("A node's BIOS settings (1.40)", query=("detail", "fields"))
def list_bios_settings(ident):
    _require("bios")
    args = spec.arguments()
    fields = _selection(
        args,
        "bios_registry",
        views.BIOS_SELECTABLE,
        views.BIOS_DEFAULT,
        views.BIOS_DETAIL,
    )
    node = node_for(ident, "baremetal:node:bios:get")
    base = links.base_url()
    rows = dbapi.list_bios_settings(node["id"])
    return json_response(
        {"bios": [views.bios_setting(r, node["uuid"], fields, base) for r in rows]}
    )


@bp.get("/bios/<setting_name>")
@spec.operation("One BIOS setting of a node (1.40)")
def show_bios_setting(ident, setting_name):
    _require("bios")
    spec.arguments()
    if not _SETTING_NAME.match(setting_name):
        raise exceptions.InvalidParameterValue(
            err=f"Expected name for setting_name: {setting_name}"
        )
    node = node_for(ident, "baremetal:node:bios:get")
    row = dbapi.get_bios_setting(node["id"], setting_name)
    if row is None:
        raise exceptions.NotFound(
            f"Node {node['uuid']} doesn't have a BIOS setting '{setting_name}'"
        )
    fields = views.BIOS_DETAIL if supports("bios_registry") else views.BIOS_DEFAULT
    return json_response(
        {setting_name: views.bios_setting(row, node["uuid"], fields, links.base_url())}
    )


@bp.get("/firmware")
@spec.operation("A node's firmware components (1.86)", query=("detail", "fields"))
def list_firmware_components(ident):
    _require("firmware")
    args = spec.arguments()
    # Ironic shows only the timestamps for ?detail=True; ironic-lite shows every field.
    fields = _selection(
        args,
        "firmware",
        views.FIRMWARE_SELECTABLE,
        views.FIRMWARE_DEFAULT,
        views.FIRMWARE_DEFAULT,
    )
    node = node_for(ident, "baremetal:node:firmware:get")
    rows = dbapi.list_firmware_components(node["id"])
    return json_response({"firmware": [views.firmware_component(r, fields) for r in rows]})
