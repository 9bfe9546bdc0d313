"""/v1/drivers: the hardware types live conductors serve, their driver-level vendor passthru
and the RAID logical disk properties they read."""

from flask import Blueprint, g, request

from ironic_lite.api import hardware, links, params, spec
from ironic_lite.api.microversions import since, supports
from ironic_lite.api.request_version import minor
from ironic_lite.api.responses import json_response
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.schemas.actions import VENDOR_PASSTHRU
from ironic_lite.api.services import access
from ironic_lite.api.v1.passthru import HTTP_METHODS, passthru_response
from ironic_lite.common import exceptions

bp = Blueprint("drivers", __name__, url_prefix="/v1/drivers")

# Interface types shown in the detailed driver document, with the version adding each.
INTERFACE_VERSIONS = {
    "boot": 30,
    "console": 30,
    "deploy": 30,
    "inspect": 30,
    "management": 30,
    "network": 30,
    "power": 30,
    "raid": 30,
    "vendor": 30,
    "storage": 33,
    "rescue": 38,
    "bios": 40,
    "firmware": 86,
}
_BASE_FIELDS = {
    "name": 1,
    "hosts": 1,
    "links": 1,
    "properties": since("driver_properties_link"),
    "type": since("dynamic_drivers"),
}


def _all_fields() -> dict[str, int]:
    fields = dict(_BASE_FIELDS)
    for itype, added in INTERFACE_VERSIONS.items():
        fields[f"default_{itype}_interface"] = added
        fields[f"enabled_{itype}_interfaces"] = added
    return fields


FIELDS = _all_fields()


def _document(name: str, snap: hardware.Snapshot, detail: bool, fields=None) -> dict:
    base = links.base_url()
    current = minor()
    doc = {
        "name": name,
        "hosts": sorted(snap.hosts[name]),
        "links": links.pair(base, "drivers", name),
    }
    if supports("driver_properties_link"):
        doc["properties"] = links.pair(base, "drivers", f"{name}/properties")
    if supports("dynamic_drivers"):
        doc["type"] = "dynamic"
    if detail and supports("dynamic_drivers"):
        interfaces = snap.interfaces(name)
        for itype, added in INTERFACE_VERSIONS.items():
            if added > current:
                continue
            slot = interfaces.get(itype, {"enabled": set(), "default": None})
            doc[f"default_{itype}_interface"] = slot["default"]
            doc[f"enabled_{itype}_interfaces"] = sorted(slot["enabled"])
    if fields is not None:
        doc = {k: v for k, v in doc.items() if k in fields}
    return doc


def _fields(args):
    if args.get("fields") is None:
        return None
    params.require_version("driver_fields", params.NOT_ACCEPTABLE)
    return params.fields_arg(args, FIELDS, params.fields_not_in_enum)


@bp.get("")
@spec.operation("List the hardware types live conductors serve", query=("type", "detail", "fields"))
def list_drivers():
    access.system(g.context, "baremetal:driver:get")
    args = spec.arguments()
    dtype = args.get("type")
    if dtype is not None:
        params.require_version("dynamic_drivers")
        if dtype not in ("classic", "dynamic"):
            raise exceptions.InvalidParameterValue(
                err='"type" filter must be one of "classic" or "dynamic", if specified.'
            )
    detail = params.parse_bool("detail", args.get("detail"))
    if detail:
        params.require_version("dynamic_drivers")
    fields = _fields(args)
    if dtype == "classic":
        return json_response({"drivers": []})
    snap = hardware.snapshot()
    return json_response(
        {
            "drivers": [
                _document(n, snap, bool(detail) or fields is not None, fields)
                for n in snap.driver_names()
            ]
        }
    )


def _served(name: str) -> hardware.Snapshot:
    snap = hardware.snapshot()
    if name not in snap.hosts:
        raise exceptions.DriverNotFound(driver_name=name)
    return snap


@bp.get("/<name>")
@spec.operation("Show a hardware type", query=("fields",))
def show_driver(name):
    access.system(g.context, "baremetal:driver:get")
    args = spec.arguments()
    fields = _fields(args)
    return json_response(_document(name, _served(name), True, fields))


@bp.get("/<name>/properties")
@spec.operation("The driver_info properties a hardware type reads")
def driver_properties(name):
    access.system(g.context, "baremetal:driver:get_properties")
    _served(name)
    return json_response(rpcapi().get_driver_properties(g.context, name))


# --- driver vendor passthru ------------------------------------------------------------------
@bp.get("/<name>/vendor_passthru/methods")
@spec.operation("The vendor passthru methods of a hardware type's vendor interface")
def driver_vendor_methods(name):
    access.system(g.context, "baremetal:driver:vendor_passthru")
    _served(name)
    return json_response(rpcapi().get_driver_vendor_passthru_methods(g.context, name))


@bp.route("/<name>/vendor_passthru", methods=HTTP_METHODS)
@bp.route("/<name>/vendor_passthru/<method>", methods=HTTP_METHODS)
@spec.operation(
    "Call a vendor passthru method of a hardware type",
    query=("method",),
    body=VENDOR_PASSTHRU,
    body_name="vendor passthru",
    body_required=False,
)
def driver_vendor_passthru(name, method=None):
    access.system(g.context, "baremetal:driver:vendor_passthru")
    method = method or spec.arguments().get("method")
    if not method:
        raise exceptions.MissingParameterValue(err="Method not specified")
    _served(name)
    info = spec.body() or {}
    result = rpcapi().driver_vendor_passthru(
        g.context, name, method_name=method, http_method=request.method, info=info
    )
    return passthru_response(result)


# --- RAID --------------------------------------------------------------------------------------
@bp.get("/<name>/raid/logical_disk_properties")
@spec.operation("The logical disk properties a hardware type's RAID interface reads")
def raid_logical_disk_properties(name):
    access.system(g.context, "baremetal:driver:get_raid_logical_disk_properties")
    if not supports("raid_config"):
        raise exceptions.NotAcceptable()
    _served(name)
    try:
        return json_response(rpcapi().get_raid_logical_disk_properties(g.context, name))
    except exceptions.UnsupportedDriverExtension as exc:
        # RAID is a standard interface some hardware types lack: 404, as Ironic answers.
        raise exceptions.NotFound(str(exc)) from None
