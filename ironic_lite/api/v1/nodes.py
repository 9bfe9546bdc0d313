"""/v1/nodes: list, show, create, update and delete nodes."""

import time

from flask import Blueprint, g

from ironic_lite.api import body, hardware, links, params, patch, spec
from ironic_lite.api.collection import collection
from ironic_lite.api.identifiers import check_ident, is_valid_name
from ironic_lite.api.request_version import minor
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.schemas import nodes as schemas
from ironic_lite.api.services import access
from ironic_lite.api.views import nodes as views
from ironic_lite.common import exceptions, states
from ironic_lite.common.interfaces import INTERFACE_FIELDS
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi

bp = Blueprint("nodes", __name__, url_prefix="/v1/nodes")

RESERVED_NAMES = ("maintenance", "management", "states", "vendor_passthru", "detail", "validate")
FAULTS = ("power failure", "clean failure", "rescue abort failure", "service failure")
_REFUSED_SORT = (
    "properties",
    "driver_info",
    "extra",
    "instance_info",
    "driver_internal_info",
    "clean_step",
    "deploy_step",
    "raid_config",
    "target_raid_config",
    "traits",
    "network_data",
    "service_step",
)
SORTABLE = {c: views.FIELDS.get(c, 1) for c in dbapi.NODE_COLUMNS}
_FILTERS = (
    "chassis_uuid",
    "instance_uuid",
    "associated",
    "maintenance",
    "retired",
    "provision_state",
    "driver",
    "resource_class",
    "fault",
    "conductor_group",
    "conductor",
    "owner",
    "description_contains",
    "lessee",
    "project",
    "shard",
    "sharded",
    "parent_node",
    "include_children",
    "instance_name",
)
_PAGING = ("limit", "marker", "sort_key", "sort_dir")
# The query arguments of the node lists (those of a chassis leave out chassis_uuid).
LIST_QUERY = (*_FILTERS, *_PAGING, "detail", "fields")
DETAIL_QUERY = (*_FILTERS, *_PAGING, "detail")
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
_LOCK_RETRY_SECONDS = 3.0


# --- helpers shared with the other node views ------------------------------------------------
def find_node(ident: str) -> dict:
    """The node named by a path identifier (UUID, or name from 1.5)."""
    if dbapi.is_uuid(ident):
        return dbapi.get_node_by_uuid(ident)
    if minor() < 5:
        raise exceptions.NodeNotFound(node=ident)
    check_ident(ident, "node")
    return dbapi.get_node_by_name(ident)


def node_for(ident: str, rules: str | list[str]) -> dict:
    """The node ``ident`` names, if the caller may apply ``rules`` to it: a node it may not
    see is a 404, a rule it fails a 403."""
    node = find_node(ident)
    access.on_node(g.context, rules, node, ident)
    return node


def conductor_for(node: dict) -> str | None:
    """The owning conductor (one lookup: use ``rpcapi().conductor_for`` in loops)."""
    return rpcapi().conductor_for(node)


def render_node(node: dict, fields: list[str] | None = None) -> dict:
    wanted = views.visible_fields(minor(), fields)
    doc = views.renderer(minor(), wanted, links.base_url(), rpcapi().conductor_for)(node)
    redact = access.node_redactor(g.context)
    return redact(node, doc) if redact else doc


def write_node(node: dict, changes: dict, expected: dict | None = None) -> dict:
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


def as_bool(value):
    return params.parse_bool("value", value) if isinstance(value, str) else value


# --- list -------------------------------------------------------------------------------------
def _fields(args) -> list[str] | None:
    return params.fields_arg(args, views.SELECTABLE, params.field_not_valid)


def _filters(args) -> dict:
    f: dict = {}
    chassis_uuid = params.uuid_arg(args, "chassis_uuid")
    if chassis_uuid:
        f["chassis_id"] = dbapi.get_chassis(chassis_uuid)["id"]
    f["instance_uuid"] = params.uuid_arg(args, "instance_uuid")
    for name in ("associated", "maintenance", "retired"):
        f[name] = params.flag(args, name)
    state = params.text(args, "provision_state", 9, params.NOT_ACCEPTABLE)
    if state is not None:
        if state not in states.ALL_STATES:
            raise exceptions.InvalidParameterValue(err=f'Provision state "{state}" is not valid')
        f["provision_state"] = state
    f["driver"] = params.text(args, "driver", 16)
    f["resource_class"] = params.text(args, "resource_class", 21)
    fault = params.text(args, "fault", 42)
    if fault is not None and fault not in FAULTS:
        raise exceptions.InvalidParameterValue(
            err=f'Unrecognized fault "{fault}" is specified, allowed faults are {FAULTS}'
        )
    f["fault"] = fault
    f["conductor_group"] = params.text(args, "conductor_group", 46)
    f["owner"] = params.text(args, "owner", 50)
    f["description_contains"] = params.text(args, "description_contains")
    f["lessee"] = params.text(args, "lessee", 65)
    f["project"] = params.text(args, "project")
    f["shard"] = params.comma_list(args, "shard", 82)
    f["sharded"] = params.flag(args, "sharded", 82)
    parent = params.text(args, "parent_node", 83)
    if parent is not None:
        f["parent_node"] = _parent_uuid(parent)
    include_children = params.flag(args, "include_children", 83)
    f["include_children"] = bool(include_children)
    f["instance_name"] = params.text(
        args, "instance_name", 104, "instance_name is not acceptable in this API version"
    )
    return f


def _parent_uuid(ident: str) -> str:
    """The UUID a ``parent_node`` filter means; an unknown name matches no node (as Ironic,
    which compares the raw value), not a 404."""
    if dbapi.is_uuid(ident):
        return ident
    try:
        return dbapi.get_node_by_name(ident)["uuid"]
    except exceptions.NodeNotFound:
        return ident


def list_nodes_view(detail_route: bool, path: str, base_filters: dict | None = None):
    args = spec.arguments()
    filters = _filters(args)
    filters.update(base_filters or {})
    # A caller who may not list every node sees those its project owns or leases.
    filters["project"] = access.list_filter("node", g.context, filters.get("project"))
    fields = None if detail_route else _fields(args)
    detail = detail_route or bool(params.detail_arg(args, fields))
    paging = params.Paging(args, SORTABLE, _REFUSED_SORT, find_marker=dbapi.get_node_by_uuid)
    current = minor()
    if detail:
        wanted = views.visible_fields(current)
    else:
        wanted = views.visible_fields(current, fields or views.LIST_DEFAULT)
    columns = None if detail else views.columns_for(wanted)
    conductor = params.text(args, "conductor", 49)
    if conductor is not None and columns is not None:
        columns += ["driver", "conductor_group"]  # what finding a node's conductor reads
    rows, more = dbapi.list_nodes(
        filters,
        paging.limit,
        paging.marker,
        paging.sort_key,
        paging.sort_dir,
        columns,
        with_traits="traits" in wanted,
    )
    owner_of = rpcapi().conductor_for  # once: the app-context proxy costs ~20 us a call
    if conductor is not None:
        rows = [r for r in rows if owner_of(r) == conductor]
    render = views.renderer(current, wanted, links.base_url(), owner_of)
    redact = access.node_redactor(g.context)
    docs = [redact(r, render(r)) if redact else render(r) for r in rows]
    return json_response(collection("nodes", docs, rows, more, paging, path))


@bp.get("")
@spec.operation("List nodes", query=LIST_QUERY)
def list_nodes():
    return list_nodes_view(False, "nodes")


@bp.get("/detail")
@spec.operation("List nodes with every field", query=DETAIL_QUERY)
def list_nodes_detail():
    return list_nodes_view(True, "nodes/detail")


@bp.get("/<ident>/children")
@spec.operation("The UUIDs of a node's children (1.83)")
def list_children(ident):
    """The UUIDs of a node's children (1.83), all of them: Ironic does not paginate this."""
    if minor() < 83:
        raise exceptions.NotFound("Child nodes need API version 1.83 or later")
    spec.arguments()
    parent = node_for(ident, "baremetal:node:get")
    # only the children the caller's project owns or leases, unless it may list every node
    project = access.list_filter("node", g.context)
    rows, _ = dbapi.list_nodes(
        {"parent_node": parent["uuid"], "project": project}, columns=["uuid"], with_traits=False
    )
    # Ironic gives this document a single link object, not a list of them.
    link = {
        "href": f"{links.base_url()}/v1/nodes?parent_node={parent['uuid']}",
        "rel": "children",
    }
    return json_response({"children": [r["uuid"] for r in rows], "links": link})


@bp.get("/<ident>")
@spec.operation("Show a node", query=("fields",))
def show_node(ident):
    args = spec.arguments()
    fields = _fields(args)
    return json_response(render_node(node_for(ident, "baremetal:node:get"), fields))


# --- create -----------------------------------------------------------------------------------
def _check_versions(fields: dict) -> None:
    current = minor()
    for name, value in fields.items():
        since = views.FIELDS.get(name, 1)
        if since > current and value not in (None, "", {}, False):
            raise exceptions.NotAcceptable()


def _check_name(name: str | None, verb: str) -> None:
    if name is None:
        return
    if name in RESERVED_NAMES:
        raise exceptions.InvalidParameterValue(
            err=f'The word "{name}" is reserved and can not be used as a node name. '
            f"Reserved words are: {', '.join(RESERVED_NAMES)}."
        )
    if not is_valid_name(name):
        raise exceptions.InvalidParameterValue(err=f"{verb} invalid name '{name}'")


def _resolve_references(values: dict, owner: str | None) -> None:
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
        access.node_link(g.context, owner, parent, "parent_node", values["parent_node"])
        values["parent_node"] = parent["uuid"]


@bp.post("")
@spec.operation("Create a node", body=schemas.CREATE, body_name="node", status=201)
def create_node():
    doc = spec.body()
    owner = access.node_create_owner(g.context, doc.get("owner"))
    if owner is not None:
        doc["owner"] = owner
    if doc.get("uuid") == "":
        # Ironic generates a UUID for an empty one, and Bifrost sends `uuid: ""` for nodes
        # its inventory gives none.
        del doc["uuid"]
    _check_versions(doc)
    if minor() < 5 and doc.get("name"):
        raise exceptions.NotAcceptable()
    _check_name(doc.get("name"), "Cannot create node with")
    values = {
        k: (
            as_bool(v)
            if k
            in (
                "automated_clean",
                "console_enabled",
                "maintenance",
                "retired",
                "secure_boot",
                "disable_power_off",
            )
            else v
        )
        for k, v in doc.items()
    }
    _resolve_references(values, values.get("owner"))
    values["conductor_group"] = (
        values.get("conductor_group") or CONF.default_conductor_group or ""
    ).lower()
    given = {f: values.pop(f) for f in INTERFACE_FIELDS if values.get(f) is not None}
    values.update(hardware.resolve_interfaces(values["driver"], values["conductor_group"], given))
    if values.get("resource_class") is None and CONF.default_resource_class:
        values["resource_class"] = CONF.default_resource_class
    if values.get("network_data") is None:
        values.pop("network_data", None)
    values["provision_state"] = states.ENROLL if minor() >= 11 else states.AVAILABLE
    node = dbapi.create_node({k: v for k, v in values.items() if v is not None})
    location = f"{links.base_url()}/v1/nodes/{node['uuid']}"
    return json_response(render_node(node), 201, {"Location": location})


# --- update -----------------------------------------------------------------------------------
def _patch_document(node: dict) -> dict:
    return {f: node.get(f) for f in schemas.PATCHABLE}


def _check_patch_rules(node: dict, ops: list[dict], changed: dict, reset: bool | None) -> None:
    current = minor()
    roots = patch.root_fields(ops)
    for root in roots:
        if views.FIELDS.get(root, 1) > current:
            raise exceptions.NotAcceptable()
    if reset is not None:
        params.require_version(45)
        if "driver" not in roots:
            raise exceptions.InvalidParameterValue(
                err="The reset_interfaces parameter can only be used when changing the "
                "node's driver."
            )
    if current < 25 and any(op["op"] == "remove" and op["path"] == "/chassis_uuid" for op in ops):
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
    if state == states.INSPECTING and current >= 39:
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


def _normalise_changes(node: dict, patched: dict, changed: dict, reset: bool | None) -> dict:
    for key in ("automated_clean", "maintenance", "retired", "protected", "disable_power_off"):
        if key in changed:
            changed[key] = as_bool(changed[key])
    for key in ("driver_info", "extra", "instance_info", "properties", "network_data"):
        if key in changed and changed[key] is None:
            changed[key] = {}
    if "name" in changed:
        _check_name(changed["name"], f"Node {node['uuid']}: Cannot change name to")
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
    if "maintenance" in changed and not changed["maintenance"]:
        changed.update(maintenance_reason=None, fault=None)
    if "instance_info" in changed and not (changed.get("instance_name") or node["instance_name"]):
        display = (changed["instance_info"] or {}).get("display_name")
        if display:
            changed["instance_name"] = display
    _resolve_references(changed, node["owner"])
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


@bp.patch("/<ident>")
@spec.operation("Update a node (JSON-Patch)", query=("reset_interfaces",), patch=schemas.PATCHABLE)
def update_node(ident):
    args = spec.arguments()
    reset = params.parse_bool("reset_interfaces", args.get("reset_interfaces"))
    ops = spec.body()
    for _attempt in range(3):
        node = find_node(ident)
        access.node_patch(g.context, node, ops, ident)
        doc = _patch_document(node)
        patched = patch.apply_patch(doc, ops)
        body.validate({k: v for k, v in patched.items() if v is not None}, schemas.PATCHED, "node")
        changed = patch.changed_fields(doc, patched, schemas.PATCHABLE, _DEFAULTS)
        _check_patch_rules(node, ops, changed, reset)
        changed = _normalise_changes(node, patched, changed, reset)
        if not changed:
            return json_response(render_node(node))
        # Taking the instance off a node also ends the allocation that put it there.
        ended = None
        if "instance_uuid" in changed and changed["instance_uuid"] is None:
            ended = node["allocation_id"]
            if ended is not None:
                changed["allocation_id"] = None
        try:
            updated = write_node(node, changes=changed, expected={"revision": node["revision"]})
        except exceptions.NodeChanged:
            continue
        if ended is not None:
            dbapi.forget_allocation(ended)
        return json_response(render_node(updated))
    raise exceptions.NodeChanged(node=ident)


# --- delete -----------------------------------------------------------------------------------
@bp.delete("/<ident>")
@spec.operation("Delete a node", status=204)
def delete_node(ident):
    node = find_node(ident)
    access.node_delete(g.context, node, ident)
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
    rpcapi().destroy_node(g.context, node)
    return no_content()
