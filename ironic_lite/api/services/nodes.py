"""Node rules: what a create, a JSON-Patch, a delete or maintenance may do to a node.

Each function takes the caller's context (policy checks belong here), the negotiated version
where a rule depends on it, and plain dicts; it reads and writes through ``db.api``.
"""

import time
from collections.abc import Callable

from ironic_lite.api import body, hardware, patch
from ironic_lite.api.identifiers import is_valid_name
from ironic_lite.api.microversions import Version, require, supports
from ironic_lite.api.schemas import nodes as schemas
from ironic_lite.api.services import access
from ironic_lite.api.views import nodes as views
from ironic_lite.common import exceptions, raid, states
from ironic_lite.common.context import RequestContext
from ironic_lite.common.interfaces import INTERFACE_FIELDS
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi

RESERVED_NAMES = ("maintenance", "management", "states", "vendor_passthru", "detail", "validate")
# States in which a node's attributes may change while target_provision_state is set.
_UPDATABLE_IN_TRANSITION = {
    states.DEPLOYFAIL,
    states.INSPECTING,
    states.INSPECTFAIL,
    states.INSPECTWAIT,
    states.CLEANFAIL,
    states.ERROR,
    states.VERIFYING,
    states.ADOPTFAIL,
    states.RESCUEFAIL,
    states.UNRESCUEFAIL,
    "service",
    states.SERVICEHOLD,
    states.SERVICEFAIL,
}
_INTERFACE_CHANGE_STATES = {
    states.ENROLL,
    states.INSPECTING,
    states.INSPECTWAIT,
    states.MANAGEABLE,
    states.AVAILABLE,
}
_DELETABLE_STATES = {states.MANAGEABLE, states.ENROLL, states.ADOPTFAIL, states.AVAILABLE}
# What removing a field that cannot be empty sets it back to (``node unset --retired`` ...).
_DEFAULTS = {
    "maintenance": False,
    "retired": False,
    "protected": False,
    "disable_power_off": False,
    "conductor_group": "",
}
_BOOLEANS = (
    "automated_clean",
    "console_enabled",
    "maintenance",
    "retired",
    "secure_boot",
    "disable_power_off",
)
_LOCK_RETRY_SECONDS = 3.0
_CHANGE_ATTEMPTS = 3


def as_bool(value):
    """A boolean field's value: Ironic accepts its query-string spellings in bodies too."""
    from ironic_lite.api import params

    return params.parse_bool("value", value) if isinstance(value, str) else value


def write(node: dict, changes: dict, expected: dict | None = None) -> dict:
    """Apply plain field changes to a node that no conductor holds, retrying briefly.

    A conductor's lock makes the write wait up to a few seconds, then answer 409 NodeLocked.
    """
    deadline = time.monotonic() + _LOCK_RETRY_SECONDS
    delay = 0.05
    while True:
        try:
            return dbapi.update_node(node["id"], changes, unless_reserved=True, expected=expected)
        except exceptions.NodeLocked:
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def check_name(name: str | None, verb: str) -> None:
    if name is None:
        return
    if name in RESERVED_NAMES:
        raise exceptions.InvalidParameterValue(
            err=f'The word "{name}" is reserved and can not be used as a node name. '
            f"Reserved words are: {', '.join(RESERVED_NAMES)}."
        )
    if not is_valid_name(name):
        raise exceptions.InvalidParameterValue(err=f"{verb} invalid name '{name}'")


def _resolve_references(ctx: RequestContext, values: dict, owner: str | None) -> None:
    """Turn chassis_uuid into chassis_id and a parent node name into its UUID (400 if gone,
    or if the caller may not see it or it has another owner than ``owner``)."""
    if "chassis_uuid" in values:
        chassis_uuid = values.pop("chassis_uuid")
        if chassis_uuid is None:
            values["chassis_id"] = None
        else:
            try:
                values["chassis_id"] = dbapi.get_chassis(chassis_uuid)["id"]
            except exceptions.ChassisNotFound as exc:
                raise exceptions.InvalidParameterValue(err=str(exc)) from None
    if values.get("parent_node"):
        try:
            parent = dbapi.get_node(values["parent_node"])
        except exceptions.NodeNotFound:
            parent = None
        access.node_link(ctx, owner, parent, "parent_node", values["parent_node"])
        values["parent_node"] = parent["uuid"]


# --- create -----------------------------------------------------------------------------------
def create(ctx: RequestContext, version: Version, doc: dict) -> dict:
    """A new node from a validated body: defaults from config, interfaces from its type.

    ``baremetal:node:create``, or a project admin creating a node its project owns (1.80).
    """
    doc = dict(doc)
    owner = access.node_create_owner(ctx, doc.get("owner"))
    if owner is not None:
        doc["owner"] = owner
    if doc.get("uuid") == "":
        # Ironic generates a UUID for an empty one, and Bifrost sends `uuid: ""` for nodes
        # its inventory gives none.
        del doc["uuid"]
    for name, value in doc.items():
        if views.FIELDS.get(name, 1) > version.minor and value not in (None, "", {}, False):
            raise exceptions.NotAcceptable()
    if not supports("node_names", version) and doc.get("name"):
        raise exceptions.NotAcceptable()
    check_name(doc.get("name"), "Cannot create node with")
    values = {k: (as_bool(v) if k in _BOOLEANS else v) for k, v in doc.items()}
    _resolve_references(ctx, values, values.get("owner"))
    values["conductor_group"] = (
        values.get("conductor_group") or CONF.default_conductor_group or ""
    ).lower()
    given = {f: values.pop(f) for f in INTERFACE_FIELDS if values.get(f) is not None}
    values.update(hardware.resolve_interfaces(values["driver"], values["conductor_group"], given))
    if values.get("resource_class") is None and CONF.default_resource_class:
        values["resource_class"] = CONF.default_resource_class
    if values.get("network_data") is None:
        values.pop("network_data", None)
    values["provision_state"] = (
        states.ENROLL if supports("enroll_state", version) else states.AVAILABLE
    )
    return dbapi.create_node({k: v for k, v in values.items() if v is not None})


# --- update -----------------------------------------------------------------------------------
def _check_patch_rules(
    version: Version, node: dict, ops: list[dict], changed: dict, reset: bool | None
) -> None:
    roots = patch.root_fields(ops)
    for root in roots:
        if views.FIELDS.get(root, 1) > version.minor:
            raise exceptions.NotAcceptable()
    if reset is not None:
        require("reset_interfaces", version=version)
        if "driver" not in roots:
            raise exceptions.InvalidParameterValue(
                err="The reset_interfaces parameter can only be used when changing the "
                "node's driver."
            )
    if not supports("unset_chassis", version) and any(
        op["op"] == "remove" and op["path"] == "/chassis_uuid" for op in ops
    ):
        raise exceptions.NotAcceptable()
    state = node["provision_state"]
    ident = node["uuid"]
    only_instance_removal = (
        node["maintenance"]
        and len(ops) == 1
        and ops[0]["op"] == "remove"
        and ops[0]["path"] == "/instance_uuid"
    )
    if (
        node["target_provision_state"]
        and state not in _UPDATABLE_IN_TRANSITION
        and not only_instance_removal
    ):
        raise exceptions.NodeInWrongState(
            err=f"Node {ident} can not be updated while a state transition is in progress."
        )
    if state == states.INSPECTING and supports("inspect_wait", version):
        raise exceptions.NodeInWrongState(
            err=f'Cannot update node "{ident}" while it is in state "inspecting".'
        )
    if not node["maintenance"] and state not in _INTERFACE_CHANGE_STATES:
        for field in changed:
            if field in INTERFACE_FIELDS or (
                field == "resource_class" and node["resource_class"] is not None
            ):
                raise exceptions.NodeInWrongState(
                    err=f"Node {ident} can not have {field} updated unless it is in one of "
                    f"allowed ({', '.join(sorted(_INTERFACE_CHANGE_STATES))}) states or in "
                    f"maintenance mode. Current state is '{state}'."
                )
    if "owner" in changed and node["allocation_id"]:
        try:
            allocated = dbapi.get_allocation_by_id(node["allocation_id"])
        except exceptions.NotFound:
            allocated = {}
        if allocated.get("owner"):
            raise exceptions.Conflict(
                f'Cannot update owner of node "{ident}" while it is allocated to an '
                "allocation with an owner."
            )
    if changed.get("instance_uuid") and node["instance_uuid"]:
        raise exceptions.NodeAssociated(node=ident, instance=node["instance_uuid"])
    if "driver" in changed and node["console_enabled"]:
        raise exceptions.NodeInWrongState(
            err=f"Node {ident} can not update the driver while the console is enabled. "
            "Please stop the console first."
        )


def _check_flag_with_reason(node: dict, changed: dict) -> None:
    """protected and retired: when each may be set, and their reasons only while set."""
    protected = changed.get("protected", node["protected"])
    if (
        "protected" in changed
        and protected
        and node["provision_state"] not in (states.ACTIVE, states.RESCUE)
    ):
        raise exceptions.NodeInWrongState(
            err=f"Node {node['uuid']} can only be made protected in provision states 'active' "
            f"or 'rescue', the current state is '{node['provision_state']}'"
        )
    if changed.get("protected_reason") and not protected:
        raise exceptions.InvalidParameterValue(
            err="The protected_reason field can only be set when protected is True"
        )
    if "protected" in changed and not protected:
        changed["protected_reason"] = None
    retired = changed.get("retired", node["retired"])
    if "retired" in changed and retired and node["provision_state"] == states.AVAILABLE:
        raise exceptions.NodeInWrongState(
            err=f"Node {node['uuid']} can not be retired in state 'available'; move it to "
            "'manageable' first."
        )
    if changed.get("retired_reason") and not retired:
        raise exceptions.InvalidParameterValue(
            err="The retired_reason field can only be set when retired is True"
        )
    if "retired" in changed and not retired:
        changed["retired_reason"] = None


def _normalise_changes(
    ctx: RequestContext, node: dict, patched: dict, changed: dict, reset: bool | None
) -> dict:
    for key in ("automated_clean", "maintenance", "retired", "protected", "disable_power_off"):
        if key in changed:
            changed[key] = as_bool(changed[key])
    for key in ("driver_info", "extra", "instance_info", "properties", "network_data"):
        if key in changed and changed[key] is None:
            changed[key] = {}
    if "name" in changed:
        check_name(changed["name"], f"Node {node['uuid']}: Cannot change name to")
    _check_flag_with_reason(node, changed)
    if "maintenance" in changed and not changed["maintenance"]:
        changed.update(maintenance_reason=None, fault=None)
    if "instance_info" in changed and not (changed.get("instance_name") or node["instance_name"]):
        display = (changed["instance_info"] or {}).get("display_name")
        if display:
            changed["instance_name"] = display
    _resolve_references(ctx, changed, node["owner"])
    if changed.get("parent_node") == node["uuid"]:
        raise exceptions.InvalidParameterValue(
            err=f"Node {node['uuid']} can not be its own parent_node"
        )
    if (
        "driver" in changed
        or any(f in changed for f in INTERFACE_FIELDS)
        or "conductor_group" in changed
    ):
        driver = patched["driver"]
        group = patched.get("conductor_group") or ""
        given = {
            f: patched[f] for f in INTERFACE_FIELDS if f in changed and patched.get(f) is not None
        }
        # An interface removed (or set to null) goes back to the hardware type's default.
        cleared = {f for f in INTERFACE_FIELDS if f in changed and patched.get(f) is None}
        changed.update(
            hardware.resolve_interfaces(
                driver,
                group,
                given,
                current={k: v for k, v in node.items() if k not in cleared},
                reset=bool(reset) if "driver" in changed else False,
            )
        )
        changed = {k: v for k, v in changed.items() if node.get(k) != v}
    return changed


def update(
    ctx: RequestContext,
    version: Version,
    node: dict,
    ops: list[dict],
    reset: bool | None = None,
    reload: Callable[[], dict] | None = None,
) -> dict:
    """Apply a JSON-Patch to ``node`` under the node rules and Ironic's per-field policy
    rules (``services/access.py``); the node as it now is.

    The write is conditional on the node's revision: when another writer got there first,
    the node is read again (``reload``, by default by id) and the patch applied afresh.
    """
    reload = reload or (lambda: dbapi.get_node_by_id(node["id"]))
    for attempt in range(_CHANGE_ATTEMPTS):
        if attempt:
            node = reload()
        access.node_patch(ctx, node, ops, node["uuid"])
        doc = {f: node.get(f) for f in schemas.PATCHABLE}
        patched = patch.apply_patch(doc, ops)
        body.validate({k: v for k, v in patched.items() if v is not None}, schemas.PATCHED, "node")
        changed = patch.changed_fields(doc, patched, schemas.PATCHABLE, _DEFAULTS)
        _check_patch_rules(version, node, ops, changed, reset)
        changed = _normalise_changes(ctx, node, patched, changed, reset)
        if not changed:
            return node
        # Taking the instance off a node also ends the allocation that put it there.
        ended = None
        if "instance_uuid" in changed and changed["instance_uuid"] is None:
            ended = node["allocation_id"]
            if ended is not None:
                changed["allocation_id"] = None
        try:
            updated = write(node, changes=changed, expected={"revision": node["revision"]})
        except exceptions.NodeChanged:
            continue
        if ended is not None:
            dbapi.forget_allocation(ended)
        return updated
    raise exceptions.NodeChanged(node=node["uuid"])


# --- maintenance ------------------------------------------------------------------------------
def set_maintenance(ctx: RequestContext, node: dict, reason: str | None) -> dict:
    access.on_node(ctx, "baremetal:node:set_maintenance", node)
    return write(node, {"maintenance": True, "maintenance_reason": reason})


def unset_maintenance(ctx: RequestContext, node: dict) -> dict:
    access.on_node(ctx, "baremetal:node:clear_maintenance", node)
    return write(node, {"maintenance": False, "maintenance_reason": None, "fault": None})


# --- delete -----------------------------------------------------------------------------------
def delete(ctx: RequestContext, node: dict, rpc) -> None:
    """Refuse to delete a node that is in use, protected or a parent; else its conductor
    deletes it (under its lock, with its ports and boot files). ``baremetal:node:delete``, or
    a project admin deleting a node its project owns."""
    access.node_delete(ctx, node, node["uuid"])
    if node["instance_uuid"] and not node["maintenance"]:
        raise exceptions.NodeAssociated(node=node["uuid"], instance=node["instance_uuid"])
    if node["protected"]:
        raise exceptions.NodeProtected(node=node["uuid"])
    children, more = dbapi.list_nodes(
        {"parent_node": node["uuid"]}, limit=5, columns=["uuid"], with_traits=False
    )
    if children:
        # Deliberately stricter than Ironic, which deletes the parent and leaves its children
        # pointing at a node that no longer exists.
        names = ", ".join(c["uuid"] for c in children) + (", ..." if more else "")
        raise exceptions.NodeInWrongState(
            err=f"Node {node['uuid']} is the parent of {names}; delete its children or clear "
            "their parent_node first."
        )
    if node["provision_state"] not in _DELETABLE_STATES and not node["maintenance"]:
        raise exceptions.NodeInWrongState(
            err=f'Can not delete node "{node["uuid"]}" while it is in provision state '
            f'"{node["provision_state"]}". Valid provision states to perform deletion are: '
            f"{', '.join(sorted(_DELETABLE_STATES))}, or set the node into maintenance mode"
        )
    rpc.destroy_node(ctx, node)


def set_target_raid_config(node: dict, config: dict) -> dict:
    """Store a target RAID configuration, checked as Ironic's conductor checks it: ``{}``
    unsets it; anything else must fit Ironic's RAID schema, and a node whose RAID interface
    is ``no-raid`` takes none (400 both)."""
    if config:
        if node.get("raid_interface") == "no-raid":
            raise exceptions.UnsupportedDriverExtension(driver=node["driver"], extension="raid")
        raid.validate(config)
    return write(node, {"target_raid_config": config})
