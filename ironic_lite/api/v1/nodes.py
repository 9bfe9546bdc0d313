"""/v1/nodes: list, show, create, update and delete nodes."""

from flask import Blueprint, g

from ironic_lite.api import links, params, spec
from ironic_lite.api.collection import collection
from ironic_lite.api.identifiers import check_ident
from ironic_lite.api.microversions import supports
from ironic_lite.api.request_version import minor
from ironic_lite.api.resource import Resource
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.schemas import nodes as schemas
from ironic_lite.api.services import access
from ironic_lite.api.services import nodes as node_service
from ironic_lite.api.views import nodes as views
from ironic_lite.common import exceptions, states
from ironic_lite.db import api as dbapi

bp = Blueprint("nodes", __name__, url_prefix="/v1/nodes")

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
NODES = Resource(
    "nodes",
    "node",
    fields=views.SELECTABLE,
    list_default=views.LIST_DEFAULT,
    sortable=SORTABLE,
    refused_sort=_REFUSED_SORT,
    refuse_fields=params.field_not_valid,
)
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


# --- helpers shared with the other node views ------------------------------------------------
def find_node(ident: str) -> dict:
    """The node named by a path identifier (UUID, or name from 1.5)."""
    if dbapi.is_uuid(ident):
        return dbapi.get_node_by_uuid(ident)
    if not supports("node_names"):
        raise exceptions.NodeNotFound(node=ident)
    check_ident(ident, "node")
    return dbapi.get_node_by_name(ident)


def node_for(ident: str, rules: str | list[str]) -> dict:
    """The node ``ident`` names, if the caller may apply ``rules`` to it: a node it may not
    see is a 404 (naming ``ident``, nothing more), a rule it fails a 403."""
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


# --- list -------------------------------------------------------------------------------------
def _fields(args) -> list[str] | None:
    return NODES.selection(args)


def _filters(args) -> dict:
    f: dict = {}
    chassis_uuid = params.uuid_arg(args, "chassis_uuid")
    if chassis_uuid:
        f["chassis_id"] = dbapi.get_chassis(chassis_uuid)["id"]
    f["instance_uuid"] = params.uuid_arg(args, "instance_uuid")
    for name in ("associated", "maintenance", "retired"):
        f[name] = params.flag(args, name)
    state = params.text(args, "provision_state", "provision_state_filter", params.NOT_ACCEPTABLE)
    if state is not None:
        if state not in states.ALL_STATES:
            raise exceptions.InvalidParameterValue(err=f'Provision state "{state}" is not valid')
        f["provision_state"] = state
    f["driver"] = params.text(args, "driver", "driver_filter")
    f["resource_class"] = params.text(args, "resource_class", "resource_class_filter")
    fault = params.text(args, "fault", "fault_filter")
    if fault is not None and fault not in FAULTS:
        raise exceptions.InvalidParameterValue(
            err=f'Unrecognized fault "{fault}" is specified, allowed faults are {FAULTS}'
        )
    f["fault"] = fault
    f["conductor_group"] = params.text(args, "conductor_group", "conductor_group_filter")
    f["owner"] = params.text(args, "owner", "owner_filter")
    f["description_contains"] = params.text(args, "description_contains")
    f["lessee"] = params.text(args, "lessee", "lessee_filter")
    f["project"] = params.text(args, "project")
    f["shard"] = params.comma_list(args, "shard", "shards")
    f["sharded"] = params.flag(args, "sharded", "shards")
    parent = params.text(args, "parent_node", "child_nodes")
    if parent is not None:
        f["parent_node"] = _parent_uuid(parent)
    include_children = params.flag(args, "include_children", "child_nodes")
    f["include_children"] = bool(include_children)
    f["instance_name"] = params.text(
        args,
        "instance_name",
        "instance_name",
        "instance_name is not acceptable in this API version",
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
    # The list's columns and renderer follow from the wanted fields, and the conductor
    # filter applies after the query: nodes page by hand, with the helper's pieces.
    paging = params.Paging(
        args, NODES.sortable, NODES.refused_sort, find_marker=dbapi.get_node_by_uuid
    )
    current = minor()
    if detail:
        wanted = views.visible_fields(current)
    else:
        wanted = views.visible_fields(current, fields or NODES.list_default)
    columns = None if detail else views.columns_for(wanted)
    conductor = params.text(args, "conductor", "conductors")
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
    if not supports("child_nodes"):
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


# --- create, update, delete: the rules are in services/nodes.py --------------------------------
@bp.post("")
@spec.operation("Create a node", body=schemas.CREATE, body_name="node", status=201)
def create_node():
    node = node_service.create(g.context, g.version, spec.body())
    return NODES.created(node, render_node(node))


@bp.patch("/<ident>")
@spec.operation("Update a node (JSON-Patch)", query=("reset_interfaces",), patch=schemas.PATCHABLE)
def update_node(ident):
    args = spec.arguments()
    reset = params.parse_bool("reset_interfaces", args.get("reset_interfaces"))
    ops = spec.body()
    visible = node_for(ident, "baremetal:node:get")
    node = node_service.update(
        g.context, g.version, visible, ops, reset, reload=lambda: find_node(ident)
    )
    return json_response(render_node(node))


@bp.delete("/<ident>")
@spec.operation("Delete a node", status=204)
def delete_node(ident):
    node_service.delete(g.context, node_for(ident, "baremetal:node:get"), rpcapi())
    return no_content()
