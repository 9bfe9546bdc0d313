"""Provisioning and power requests: what a request may carry, then one RPC call.

The state machine (``common/states``) says which verbs exist and which version each needs;
these rules say which options go with which verb, at which version, on which node.
"""

from collections.abc import Callable

from ironic_lite.api.microversions import Version, require, require_minor
from ironic_lite.api.services import access
from ironic_lite.common import exceptions, node_rules, states
from ironic_lite.common.context import RequestContext

# Abort from these states needs a later version than abort in general.
_ABORT_FEATURE = {states.INSPECTWAIT: "abort_inspect_wait", states.DEPLOYWAIT: "abort_deploy_wait"}
_DEPLOYING = ("active", "rebuild", "deploy")
_STEP_ARGS = {
    "clean_steps": ("clean",),
    "deploy_steps": _DEPLOYING,
    "service_steps": ("service",),
}
_CONFIGDRIVE_KEYS = {"meta_data", "network_data", "user_data", "vendor_data"}
_PASSED_ON = (
    "configdrive",
    "clean_steps",
    "deploy_steps",
    "service_steps",
    "rescue_password",
    "disable_ramdisk",
)
# Power targets and the feature each needs (None: every version).
POWER_TARGETS = {
    states.POWER_ON: None,
    states.POWER_OFF: None,
    states.REBOOT: None,
    states.SOFT_REBOOT: "soft_power",
    states.SOFT_POWER_OFF: "soft_power",
}


def _check_configdrive(version: Version, target: str, configdrive) -> None:
    if target not in _DEPLOYING:
        raise exceptions.InvalidParameterValue(
            err="Adding a config drive is only supported when setting provision state "
            "to active, rebuild or deploy"
        )
    if target == "rebuild":
        require("rebuild_configdrive", version=version)
    if isinstance(configdrive, dict):
        require("configdrive_dict", version=version)
        extra = set(configdrive) - _CONFIGDRIVE_KEYS
        if extra:
            raise exceptions.InvalidParameterValue(
                err=f"Unknown configdrive keys: {', '.join(sorted(extra))}"
            )
        if "vendor_data" in configdrive:
            require("configdrive_vendor_data", version=version)


def check_request(ctx: RequestContext, version: Version, node: dict, doc: dict) -> None:
    """Refuse a provisioning request the version, the verb or the node does not allow."""
    target = doc["target"]
    verb = states.VERBS.get(target)
    if verb is None:
        raise exceptions.InvalidStateRequested(
            action=target, node=node["uuid"], state=node["provision_state"]
        )
    require_minor(verb.min_minor, version=version)
    if target == "abort":
        require(_ABORT_FEATURE.get(node["provision_state"], "abort"), version=version)
    if doc.get("configdrive") is not None:
        _check_configdrive(version, target, doc["configdrive"])
    if "deploy_steps" in doc:
        require("deploy_steps", version=version)
    if "disable_ramdisk" in doc:
        feature = "service_disable_ramdisk" if target == "service" else "disable_ramdisk"
        require(feature, version=version)
        if target not in ("clean", "service"):
            raise exceptions.InvalidParameterValue(
                err="disable_ramdisk is supported only with manual cleaning or servicing"
            )
    if "runbook" in doc:
        require("runbooks", version=version)
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
        if key in doc and target not in wanted:
            raise exceptions.InvalidParameterValue(
                err=f'"{key}" is only valid when setting target provision state to '
                f"{' or '.join(wanted)}"
            )
    if "rescue_password" in doc and target != "rescue":
        raise exceptions.InvalidParameterValue(
            err='"rescue_password" is only valid when setting target provision state to rescue'
        )
    if target in _DEPLOYING:
        node_rules.refuse_provisioning_in_maintenance(node)


def runbook_steps(ctx: RequestContext, node: dict, runbook: dict, target: str) -> dict:
    """The clean or service steps (and disable_ramdisk) of a runbook the node may run.

    A node may run a runbook whose name is one of its traits, or (1.112) one whose traits
    meet its own; an owned runbook only on nodes its owner owns or leases. The caller needs
    ``baremetal:runbook:use`` on it, and an owned, private runbook's steps pass the
    step-level rules (a public or unowned one counts as approved by an administrator).
    """
    access.runbook(ctx, "baremetal:runbook:use", runbook)
    node_traits = set(node.get("traits") or [])
    if runbook["name"] not in node_traits and not node_traits & set(runbook["traits"]):
        raise exceptions.InvalidParameterValue(
            err=f"Runbook {runbook['name']} does not match node {node['uuid']}: the node has "
            f"neither the trait {runbook['name']} nor any of the runbook's traits "
            f"({', '.join(runbook['traits']) or 'none'})"
        )
    if runbook["owner"] and runbook["owner"] not in (node["owner"], node["lessee"]):
        raise exceptions.Forbidden(resource=f"runbook {runbook['name']} on node {node['uuid']}")
    if runbook["owner"] and not runbook["public"]:
        access.steps(ctx, runbook["steps"], node)
    ordered = sorted(runbook["steps"], key=lambda s: s["order"])
    return {
        f"{target}_steps": [
            {"interface": s["interface"], "step": s["step"], "args": s["args"]} for s in ordered
        ],
        "disable_ramdisk": bool(runbook["disable_ramdisk"]),
    }


def provision_rules(doc: dict) -> list[str]:
    """``set_provision_state``, plus the rule for explicit clean or service steps."""
    rules = ["baremetal:node:set_provision_state"]
    if "runbook" not in doc:
        for key in ("clean_steps", "service_steps"):
            if doc.get(key):
                rules.append(f"baremetal:node:set_provision_state:{key}")
    return rules


def provision(
    ctx: RequestContext,
    version: Version,
    node: dict,
    doc: dict,
    rpc,
    find_runbook: Callable[[str], dict] | None = None,
) -> None:
    """Check a provisioning request and hand it to the node's conductor.

    ``find_runbook`` finds the runbook a request names as the caller may see it (the view's
    lookup: it knows which runbooks the caller's project sees).
    """
    access.on_node(ctx, provision_rules(doc), node)
    check_request(ctx, version, node, doc)
    kwargs = {k: doc[k] for k in _PASSED_ON if k in doc}
    if "runbook" in doc:
        if find_runbook is None:
            raise exceptions.InvalidParameterValue(err="No runbook lookup for this request")
        kwargs.update(runbook_steps(ctx, node, find_runbook(doc["runbook"]), doc["target"]))
    else:
        access.steps(ctx, [s for key in _STEP_ARGS for s in doc.get(key) or ()], node)
    for key in ("clean_steps", "deploy_steps", "service_steps"):
        for step in kwargs.get(key, []):
            if isinstance(step.get("priority"), str):
                step["priority"] = int(step["priority"])
    rpc.do_provisioning_action(ctx, node, target=doc["target"], **kwargs)


def set_power(
    ctx: RequestContext, version: Version, node: dict, target: str, timeout: int | None, rpc
) -> None:
    """Check a power request (target, version, timeout) and hand it to the node's conductor."""
    access.on_node(ctx, "baremetal:node:set_power_state", node)
    if target not in POWER_TARGETS:
        raise exceptions.InvalidStateRequested(
            action=target, node=node["uuid"], state=node["power_state"]
        )
    feature = POWER_TARGETS[target]
    if feature is not None:
        require(feature, version=version)
    if timeout is not None:
        require("soft_power", version=version)
        if timeout < 1:
            raise exceptions.InvalidParameterValue(err="timeout has to be positive integer")
    rpc.change_node_power_state(ctx, node, target=target, timeout=timeout)
