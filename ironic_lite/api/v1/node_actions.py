"""Node actions carried out by the owning conductor: provisioning, power, management,
vendor passthru and VIFs. Each view checks the request, then makes one RPC call."""

from flask import Blueprint, g, request

from ironic_lite.api import body, links, params, spec
from ironic_lite.api.request_version import minor
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.schemas import actions as schemas
from ironic_lite.api.services import access
from ironic_lite.api.v1.nodes import node_for
from ironic_lite.api.v1.passthru import HTTP_METHODS, passthru_response
from ironic_lite.api.v1.runbooks import find_runbook
from ironic_lite.common import exceptions, states

bp = Blueprint("node_actions", __name__, url_prefix="/v1/nodes/<ident>")

_POWER_TARGETS = {
    states.POWER_ON: 1,
    states.POWER_OFF: 1,
    states.REBOOT: 1,
    states.SOFT_REBOOT: 27,
    states.SOFT_POWER_OFF: 27,
}
_STEP_ARGS = {
    "clean_steps": "clean",
    "deploy_steps": ("active", "rebuild", "deploy"),
    "service_steps": "service",
}


def _accepted(ident: str, path: str = "states"):
    response = no_content(202)
    response.headers["Location"] = f"{links.base_url()}/v1/nodes/{ident}/{path}"
    return response


# --- provisioning ------------------------------------------------------------------------------
def _check_provision_request(doc: dict, node: dict) -> None:
    target = doc["target"]
    verb = states.VERBS.get(target)
    if verb is None:
        raise exceptions.InvalidStateRequested(
            action=target, node=node["uuid"], state=node["provision_state"]
        )
    params.require_version(verb.min_minor)
    if target == "abort":
        params.require_version(states.ABORT_MIN_MINOR.get(node["provision_state"], 13))
    if doc.get("configdrive") is not None:
        if target not in ("active", "rebuild", "deploy"):
            raise exceptions.InvalidParameterValue(
                err="Adding a config drive is only supported when setting provision state "
                "to active, rebuild or deploy"
            )
        if target == "rebuild":
            params.require_version(35)
        if isinstance(doc["configdrive"], dict):
            params.require_version(56)
            extra = set(doc["configdrive"]) - {
                "meta_data",
                "network_data",
                "user_data",
                "vendor_data",
            }
            if extra:
                raise exceptions.InvalidParameterValue(
                    err=f"Unknown configdrive keys: {', '.join(sorted(extra))}"
                )
            if "vendor_data" in doc["configdrive"]:
                params.require_version(59)
    if "deploy_steps" in doc:
        params.require_version(69)
    if "disable_ramdisk" in doc:
        params.require_version(108 if target == "service" else 70)
        if target not in ("clean", "service"):
            raise exceptions.InvalidParameterValue(
                err="disable_ramdisk is supported only with manual cleaning or servicing"
            )
    if "runbook" in doc:
        params.require_version(92)
        if target not in ("clean", "service"):
            raise exceptions.InvalidParameterValue(
                err='"runbook" is only valid when setting target provision state to clean or '
                "service"
            )
        if f"{target}_steps" in doc:
            raise exceptions.InvalidParameterValue(
                err=f'"runbook" and "{target}_steps" are mutually exclusive; give one of them'
            )
    for key, wanted in _STEP_ARGS.items():
        if key in doc and target not in ((wanted,) if isinstance(wanted, str) else wanted):
            raise exceptions.InvalidParameterValue(
                err=f'"{key}" is only valid when setting target provision state to '
                f"{wanted if isinstance(wanted, str) else ' or '.join(wanted)}"
            )
    if "rescue_password" in doc and target != "rescue":
        raise exceptions.InvalidParameterValue(
            err='"rescue_password" is only valid when setting target provision state to rescue'
        )
    if target in ("active", "rebuild", "deploy") and node["maintenance"]:
        raise exceptions.InvalidParameterValue(
            err=f"The provisioning operation can't be performed on node {node['uuid']} "
            "because it's in maintenance mode."
        )


def _runbook_steps(ident: str, target: str, node: dict) -> dict:
    """The clean or service steps (and disable_ramdisk) of a runbook the node may run.

    A node may run a runbook whose name is one of its traits, or (1.112) one whose traits
    meet its own; an owned runbook only on nodes its owner owns or leases.
    """
    runbook = find_runbook(ident)
    access.runbook(g.context, "baremetal:runbook:use", runbook)
    node_traits = set(node.get("traits") or [])
    if runbook["name"] not in node_traits and not node_traits & set(runbook["traits"]):
        raise exceptions.InvalidParameterValue(
            err=f"Runbook {runbook['name']} does not match node {node['uuid']}: the node has "
            f"neither the trait {runbook['name']} nor any of the runbook's traits "
            f"({', '.join(runbook['traits']) or 'none'})"
        )
    if runbook["owner"] and runbook["owner"] not in (node["owner"], node["lessee"]):
        raise exceptions.Forbidden(resource=f"runbook {runbook['name']} on node {node['uuid']}")
    if runbook["owner"] and not runbook["public"]:  # not approved by an administrator
        access.steps(g.context, runbook["steps"], node)
    ordered = sorted(runbook["steps"], key=lambda s: s["order"])
    return {
        f"{target}_steps": [
            {"interface": s["interface"], "step": s["step"], "args": s["args"]} for s in ordered
        ],
        "disable_ramdisk": bool(runbook["disable_ramdisk"]),
    }


def _provision_rules(doc: dict) -> list[str]:
    """``set_provision_state``, plus the rule for explicit clean or service steps."""
    rules = ["baremetal:node:set_provision_state"]
    if "runbook" not in doc:
        for key in ("clean_steps", "service_steps"):
            if doc.get(key):
                rules.append(f"baremetal:node:set_provision_state:{key}")
    return rules


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
    node = node_for(ident, _provision_rules(doc))
    _check_provision_request(doc, node)
    kwargs = {
        k: doc[k]
        for k in (
            "configdrive",
            "clean_steps",
            "deploy_steps",
            "service_steps",
            "rescue_password",
            "disable_ramdisk",
        )
        if k in doc
    }
    if "runbook" in doc:
        kwargs.update(_runbook_steps(doc["runbook"], doc["target"], node))
    else:
        explicit = [s for key in _STEP_ARGS for s in doc.get(key) or ()]
        access.steps(g.context, explicit, node)
    for key in ("clean_steps", "deploy_steps", "service_steps"):
        for step in kwargs.get(key, []):
            if isinstance(step.get("priority"), str):
                step["priority"] = int(step["priority"])
    rpcapi().do_provisioning_action(g.context, node, target=doc["target"], **kwargs)
    return _accepted(ident)


# --- power -------------------------------------------------------------------------------------
@bp.put("/states/power")
@spec.operation("Change a node's power state", body=schemas.POWER, body_name="power", status=202)
def set_power_state(ident):
    doc = spec.body()
    node = node_for(ident, "baremetal:node:set_power_state")
    target = doc["target"]
    if target not in _POWER_TARGETS:
        raise exceptions.InvalidStateRequested(
            action=target, node=node["uuid"], state=node["power_state"]
        )
    params.require_version(_POWER_TARGETS[target])
    timeout = doc.get("timeout")
    if timeout is not None:
        params.require_version(27)
        if timeout < 1:
            raise exceptions.InvalidParameterValue(err="timeout has to be positive integer")
    rpcapi().change_node_power_state(g.context, node, target=target, timeout=timeout)
    return _accepted(ident)


# --- boot mode, secure boot, RAID ---------------------------------------------------------------
@bp.put("/states/boot_mode")
@spec.operation(
    "Change a node's boot mode (1.76)", body=schemas.BOOT_MODE, body_name="boot_mode", status=202
)
def set_boot_mode(ident):
    if minor() < 76:
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
    if minor() < 76:
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
    params.require_version(12)
    doc = spec.body()
    from ironic_lite.api.v1.nodes import write_node

    write_node(node_for(ident, "baremetal:node:set_raid_state"), {"target_raid_config": doc})
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
    if minor() < 29:
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
    if minor() < 28:
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
        params.require_version(67)
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
