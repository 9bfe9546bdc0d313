"""Node actions carried out by the owning conductor: provisioning, power, management,
vendor passthru and VIFs. Each view parses the request and makes one RPC call; provisioning
and power requests go through their rules in ``api/services/provisioning.py`` first."""

from flask import Blueprint, g, request

from ironic_lite.api import body, links, params, spec
from ironic_lite.api.microversions import supports
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.schemas import actions as schemas
from ironic_lite.api.services import nodes as node_service
from ironic_lite.api.services import provisioning
from ironic_lite.api.v1.nodes import node_for
from ironic_lite.api.v1.passthru import HTTP_METHODS, passthru_response
from ironic_lite.api.v1.runbooks import find_runbook
from ironic_lite.common import exceptions

bp = Blueprint("node_actions", __name__, url_prefix="/v1/nodes/<ident>")


def _accepted(ident: str, path: str = "states"):
    response = no_content(202)
    response.headers["Location"] = f"{links.base_url()}/v1/nodes/{ident}/{path}"
    return response


# --- provisioning ------------------------------------------------------------------------------
@bp.put("/states/provision")
@spec.operation(
    "Move a node through the provision state machine",
    body=schemas.PROVISION,
    body_name="provision",
    max_body=body.MAX_PROVISION_BODY_BYTES,
    status=202,
)
def set_provision_state(ident):
    doc = spec.body()
    node = node_for(ident, "baremetal:node:get")
    provisioning.provision(g.context, g.version, node, doc, rpcapi(), find_runbook)
    return _accepted(ident)


# --- power -------------------------------------------------------------------------------------
@bp.put("/states/power")
@spec.operation("Change a node's power state", body=schemas.POWER, body_name="power", status=202)
def set_power_state(ident):
    doc = spec.body()
    node = node_for(ident, "baremetal:node:get")
    provisioning.set_power(g.context, g.version, node, doc["target"], doc.get("timeout"), rpcapi())
    return _accepted(ident)


# --- boot mode, secure boot, RAID ---------------------------------------------------------------
@bp.put("/states/boot_mode")
@spec.operation(
    "Change a node's boot mode (1.76)", body=schemas.BOOT_MODE, body_name="boot_mode", status=202
)
def set_boot_mode(ident):
    if not supports("boot_mode_api"):
        raise exceptions.NotFound("This endpoint is supported starting with the API version 1.76")
    doc = spec.body()
    rpcapi().set_boot_mode(
        g.context, node_for(ident, "baremetal:node:set_boot_mode"), mode=doc["target"]
    )
    return _accepted(ident)


@bp.put("/states/secure_boot")
@spec.operation(
    "Turn a node's secure boot on or off (1.76)",
    body=schemas.SECURE_BOOT,
    body_name="secure_boot",
    status=202,
)
def set_secure_boot(ident):
    if not supports("boot_mode_api"):
        raise exceptions.NotFound("This endpoint is supported starting with the API version 1.76")
    doc = spec.body()
    rpcapi().set_secure_boot_state(
        g.context, node_for(ident, "baremetal:node:set_secure_boot"), enabled=doc["target"]
    )
    return _accepted(ident)


@bp.put("/states/raid")
@spec.operation(
    "Set a node's target RAID configuration (1.12)",
    body=schemas.RAID_CONFIG,
    body_name="raid",
    status=204,
)
def set_target_raid_config(ident):
    params.require_version("raid_config")
    doc = spec.body()
    node_service.set_target_raid_config(node_for(ident, "baremetal:node:set_raid_state"), doc)
    return no_content()


# --- management --------------------------------------------------------------------------------
@bp.get("/management/boot_device")
@spec.operation("A node's boot device")
def get_boot_device(ident):
    return json_response(
        rpcapi().get_boot_device(g.context, node_for(ident, "baremetal:node:get_boot_device"))
    )


@bp.put("/management/boot_device")
@spec.operation(
    "Set a node's boot device", body=schemas.BOOT_DEVICE, body_name="boot_device", status=204
)
def set_boot_device(ident):
    doc = spec.body()
    rpcapi().set_boot_device(
        g.context,
        node_for(ident, "baremetal:node:set_boot_device"),
        device=doc["boot_device"],
        persistent=doc.get("persistent", False),
    )
    return no_content()


@bp.get("/management/boot_device/supported")
@spec.operation("The boot devices a node supports")
def supported_boot_devices(ident):
    devices = rpcapi().get_supported_boot_devices(
        g.context, node_for(ident, "baremetal:node:get_boot_device")
    )
    return json_response({"supported_boot_devices": devices})


@bp.put("/management/inject_nmi")
@spec.operation("Inject a non-maskable interrupt into a node (1.29)", status=204)
def inject_nmi(ident):
    if not supports("inject_nmi"):
        raise exceptions.NotFound("This endpoint is supported starting with the API version 1.29")
    rpcapi().inject_nmi(g.context, node_for(ident, "baremetal:node:inject_nmi"))
    return no_content()


# --- vendor passthru ---------------------------------------------------------------------------
@bp.get("/vendor_passthru/methods")
@spec.operation("The vendor passthru methods of a node's vendor interface")
def vendor_methods(ident):
    return json_response(
        rpcapi().get_vendor_passthru_methods(
            g.context, node_for(ident, "baremetal:node:vendor_passthru")
        )
    )


# ``?method=name`` (openstacksdk) or ``/vendor_passthru/name`` (python-ironicclient).
@bp.route("/vendor_passthru", methods=HTTP_METHODS)
@bp.route("/vendor_passthru/<method>", methods=HTTP_METHODS)
@spec.operation(
    "Call a vendor passthru method of a node",
    query=("method",),
    body=schemas.VENDOR_PASSTHRU,
    body_name="vendor passthru",
    body_required=False,
)
def vendor_passthru(ident, method=None):
    method = method or spec.arguments().get("method")
    if not method:
        raise exceptions.MissingParameterValue(err="Method not specified")
    info = spec.body() or {}
    result = rpcapi().vendor_passthru(
        g.context,
        node_for(ident, "baremetal:node:vendor_passthru"),
        method_name=method,
        http_method=request.method,
        info=info,
    )
    return passthru_response(result)


# --- VIFs --------------------------------------------------------------------------------------
def _vif_version():
    if not supports("vifs"):
        raise exceptions.NotFound("VIF endpoints need API version 1.28 or later")


@bp.get("/vifs")
@spec.operation("The VIFs attached to a node (1.28)")
def vif_list(ident):
    _vif_version()
    return json_response(
        {"vifs": rpcapi().vif_list(g.context, node_for(ident, "baremetal:node:vif:list"))}
    )


@bp.post("/vifs")
@spec.operation("Attach a VIF to a node (1.28)", body=schemas.VIF, body_name="vif", status=204)
def vif_attach(ident):
    _vif_version()
    doc = spec.body()
    if "port_uuid" in doc or "portgroup_uuid" in doc:
        params.require_version("vif_port_uuid")
        if "port_uuid" in doc and "portgroup_uuid" in doc:
            raise exceptions.InvalidParameterValue(
                err="Cannot specify both port_uuid and portgroup_uuid"
            )
    rpcapi().vif_attach(g.context, node_for(ident, "baremetal:node:vif:attach"), vif_info=doc)
    return no_content()


@bp.delete("/vifs/<vif_id>")
@spec.operation("Detach a VIF from a node (1.28)", status=204)
def vif_detach(ident, vif_id):
    _vif_version()
    rpcapi().vif_detach(g.context, node_for(ident, "baremetal:node:vif:detach"), vif_id=vif_id)
    return no_content()
