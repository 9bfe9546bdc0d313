"""/v1/ports, and the port sub-collections of nodes and portgroups."""

import re

from flask import Blueprint, g

from ironic_lite.api import body, links, params, patch, spec
from ironic_lite.api.identifiers import find_portgroup, is_valid_name
from ironic_lite.api.microversions import since
from ironic_lite.api.request_version import minor
from ironic_lite.api.resource import Resource
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.schemas import ports as schemas
from ironic_lite.api.services import access
from ironic_lite.api.v1.nodes import find_node
from ironic_lite.api.views import ports as views
from ironic_lite.common import exceptions, states
from ironic_lite.db import api as dbapi

# node_ident (a node named in a port body) is in no field table.
PORT_NODE_IDENT = since("port_node_ident")

bp = Blueprint("ports", __name__)

SORTABLE = {
    c: views.PORT_FIELDS.get(c, 1)
    for c in (
        "id",
        "uuid",
        "address",
        "created_at",
        "updated_at",
        "node_id",
        "portgroup_id",
        "pxe_enabled",
        "physical_network",
        "is_smartnic",
        "name",
        "description",
        "vendor",
        "category",
    )
}
_REFUSED_SORT = ("extra", "internal_info", "local_link_connection")
_CONNECTIVITY = ("portgroup_uuid", "pxe_enabled", "local_link_connection", "physical_network")
_CONNECTIVITY_STATES = {states.ENROLL, states.INSPECTING, states.INSPECTWAIT, states.MANAGEABLE}
_DATAPATH_RE = re.compile(r"^(0x)?[0-9a-fA-F]{16}$|^([0-9a-fA-F]{2}:){7}[0-9a-fA-F]{2}$")
_MAC_RE = re.compile(r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$")
_SELECTABLE = {k: v for k, v in views.PORT_FIELDS.items() if k != "links"}
# What removing a flag that cannot be empty sets it back to.
_DEFAULTS = {"pxe_enabled": True, "is_smartnic": False, "available_for_dynamic_portgroup": True}
PORTS = Resource(
    "ports",
    "port",
    fields=_SELECTABLE,
    list_default=views.PORT_LIST_DEFAULT,
    sortable=SORTABLE,
    refused_sort=_REFUSED_SORT,
    patchable=schemas.PORT_PATCHABLE,
    refuse_fields=params.fields_not_valid,
)
# Query arguments of the port lists; the lists of a node or a portgroup take no filters.
PAGING = ("limit", "marker", "sort_key", "sort_dir", "detail")
_FILTERS = ("node", "node_uuid", "address", "portgroup", "shard", "conductor_groups")


def normalise_mac(mac: str) -> str:
    if not isinstance(mac, str) or not _MAC_RE.match(mac):
        raise exceptions.InvalidMAC(mac=mac)
    return mac.replace("-", ":").lower()


def find_port(ident: str) -> dict:
    if dbapi.is_uuid(ident):
        return dbapi.get_port(ident)
    if ident.isascii() and ident.isdigit() and len(ident) <= 9:  # an id an INTEGER holds
        return dbapi.get_port(port_id=int(ident))
    if not is_valid_name(ident):
        raise exceptions.InvalidParameterValue(err=f"Expected UUID or name for port_ident: {ident}")
    return dbapi.get_port(name=ident)


def port_for(ident: str, rule: str) -> dict:
    """The port ``ident`` names, if the caller may apply ``rule`` to it (checked against its
    node: a port of a node the caller may not see is a 404)."""
    port = find_port(ident)
    node = dbapi.get_node_by_id(port["node_id"]) if port["node_id"] else None
    access.port(g.context, rule, node, ident)
    return port


def port_renderer(fields=None):
    wanted = views.visible(views.PORT_FIELDS, minor(), fields)
    return views.renderer("ports", minor(), wanted, links.base_url())


def render_port(port: dict, fields=None) -> dict:
    return port_renderer(fields)(port)


# --- list -------------------------------------------------------------------------------------
def _check_filter_combination(args) -> None:
    """Refuse filter mixes Ironic refuses: it filters by one of node, portgroup and shard."""
    scopes = [k for k in ("node", "node_uuid", "portgroup", "shard") if args.get(k)]
    if "node" in scopes and "node_uuid" in scopes:
        scopes.remove("node_uuid")
    if len(scopes) > 1:
        raise exceptions.OperationNotPermitted()
    if args.get("conductor_groups") and (scopes or args.get("address")):
        raise exceptions.InvalidParameterValue(
            err="Filtering by conductor_groups cannot be combined with node_ident, "
            "portgroup_ident, or node address filters."
        )


def list_ports_view(
    path: str, detail_route: bool, base_filters: dict | None = None, parent: dict | None = None
):
    args = spec.arguments()
    _check_filter_combination(args)
    filters = dict(base_filters or {})
    # A caller who may not list every port sees those of nodes its project owns or leases.
    filters["project"] = access.list_filter("port", g.context, parent=parent)
    node = args.get("node") or params.uuid_arg(args, "node_uuid")
    if node:
        filters["node_id"] = find_node(node)["id"]
    if args.get("address"):
        try:
            filters["address"] = normalise_mac(args["address"])
        except exceptions.InvalidMAC:
            raise exceptions.InvalidParameterValue(
                err=f"Expected valid MAC address for address: {args['address']}"
            ) from None
    portgroup = params.text(args, "portgroup", "portgroup_subresources")
    if portgroup:
        filters["portgroup_id"] = find_portgroup(portgroup)["id"]
    filters["shard"] = params.comma_list(args, "shard", "shards")
    filters["conductor_group"] = params.comma_list(args, "conductor_groups")
    return PORTS.listing(
        args,
        path,
        detail_route,
        lambda p: dbapi.list_ports(filters, p.limit, p.marker, p.sort_key, p.sort_dir),
        port_renderer,
        find_marker=dbapi.get_port,
    )


@bp.get("/v1/ports")
@spec.operation("List ports", query=(*PAGING, "fields", *_FILTERS))
def list_ports():
    return list_ports_view("ports", False)


@bp.get("/v1/ports/detail")
@spec.operation("List ports with every field", query=(*PAGING, *_FILTERS))
def list_ports_detail():
    return list_ports_view("ports/detail", True)


@bp.get("/v1/nodes/<ident>/ports")
@spec.operation("List the ports of a node", query=(*PAGING, "fields"))
def list_node_ports(ident):
    node = find_node(ident)
    return list_ports_view(f"nodes/{ident}/ports", False, {"node_id": node["id"]}, node)


@bp.get("/v1/nodes/<ident>/ports/detail")
@spec.operation("List the ports of a node with every field", query=PAGING)
def list_node_ports_detail(ident):
    node = find_node(ident)
    return list_ports_view(f"nodes/{ident}/ports/detail", True, {"node_id": node["id"]}, node)


@bp.get("/v1/ports/<ident>")
@spec.operation("Show a port", query=("fields",))
def show_port(ident):
    args = spec.arguments()
    port = port_for(ident, "baremetal:port:get")
    return json_response(render_port(port, PORTS.selection(args)))


# --- create / update / delete -----------------------------------------------------------------
def _check_versions(doc: dict) -> None:
    for name in doc:
        added = PORT_NODE_IDENT if name == "node_ident" else views.PORT_FIELDS.get(name, 1)
        if added > minor():
            raise exceptions.NotAcceptable()


def _check_llc(llc: dict | None) -> dict | None:
    if not llc:
        return llc
    if "network_type" in llc:
        params.require_version("llc_network_type")
    if llc.get("switch_id"):
        sid = llc["switch_id"]
        if _MAC_RE.match(sid):
            llc["switch_id"] = sid.replace("-", ":").lower()
        elif _DATAPATH_RE.match(sid):
            llc["switch_id"] = sid.lower()
        else:
            raise exceptions.InvalidParameterValue(
                err=f"Expected a MAC address or OpenFlow datapath ID but received {sid}."
            )
    if llc.get("network_type") == "unmanaged" or not llc:
        return llc
    if "port_id" not in llc or not ({"switch_id", "hostname"} & set(llc)):
        raise exceptions.InvalidParameterValue(
            err="local_link_connection needs port_id together with switch_id or hostname, "
            "or network_type 'unmanaged'."
        )
    return llc


def _resolve(values: dict, node: dict | None) -> None:
    """Node and portgroup references to ids, checking they exist and agree (400 if not)."""
    if "portgroup_uuid" in values:
        pg_uuid = values.pop("portgroup_uuid")
        if pg_uuid is None:
            values["portgroup_id"] = None
            return
        try:
            pg = dbapi.get_portgroup(pg_uuid)
        except exceptions.PortgroupNotFound as exc:
            raise exceptions.InvalidParameterValue(err=str(exc)) from None
        if node is not None and pg["node_id"] != node["id"]:
            raise exceptions.InvalidParameterValue(
                err=f"Port can not be added to portgroup {pg_uuid} of another node."
            )
        if values.get("pxe_enabled", True) and not pg["standalone_ports_supported"]:
            raise exceptions.Conflict(
                f"Port with PXE enabled can not be added to portgroup {pg_uuid} which does "
                "not support standalone ports."
            )
        values["portgroup_id"] = pg["id"]


def _node_for(ident: str, rule: str = "baremetal:port:create") -> dict:
    """The node a port is created on (``rule`` with the node as target, a 403 before a
    missing node's 400, as Ironic) or moved to (the caller must see it, same owner)."""
    try:
        node = find_node(ident)
    except exceptions.NodeNotFound as exc:
        node, missing = None, exc
    access.create_on_node(g.context, rule, node)
    if node is None:
        raise exceptions.InvalidParameterValue(err=str(missing))
    return node


@bp.post("/v1/ports")
@spec.operation("Create a port", body=schemas.PORT_CREATE, body_name="port", status=201)
def create_port():
    doc = spec.body()
    _check_versions(doc)
    if ("node_uuid" in doc) == ("node_ident" in doc):
        raise exceptions.InvalidParameterValue(
            err="Schema error for port: exactly one of 'node_uuid' and 'node_ident' is required."
        )
    node = _node_for(doc.pop("node_uuid", None) or doc.pop("node_ident"))
    values = {
        k: (
            params.parse_bool(k, v)
            if k in ("pxe_enabled", "is_smartnic", "available_for_dynamic_portgroup")
            else v
        )
        for k, v in doc.items()
    }
    values["address"] = normalise_mac(values["address"])
    values["node_id"] = node["id"]
    values["local_link_connection"] = _check_llc(values.get("local_link_connection"))
    _resolve(values, node)
    port = dbapi.create_port({k: v for k, v in values.items() if v is not None})
    return PORTS.created(port, render_port(port))


@bp.patch("/v1/ports/<ident>")
@spec.operation("Update a port (JSON-Patch)", patch=schemas.PORT_PATCHABLE)
def update_port(ident):
    port = port_for(ident, "baremetal:port:update")
    ops = spec.body()
    for root in patch.root_fields(ops):
        added = PORT_NODE_IDENT if root == "node_ident" else views.PORT_FIELDS.get(root, 1)
        if added > minor():
            raise exceptions.NotAcceptable()
    doc = {f: port.get(f) for f in schemas.PORT_PATCHABLE}
    doc["node_ident"] = port["node_uuid"]
    _, changed = PORTS.patched(
        port,
        ops,
        lambda patched: body.validate(patched, schemas.PORT_PATCHED, "port"),
        _DEFAULTS,
        document=doc,
    )
    node = dbapi.get_node_by_id(port["node_id"])
    new_node_ref = changed.pop("node_ident", None) or changed.pop("node_uuid", None)
    if new_node_ref:
        try:
            new_node = find_node(new_node_ref)
        except exceptions.NotFound:
            new_node = None
        access.node_link(g.context, node["owner"], new_node, "node_uuid", new_node_ref)
        node = new_node
        changed["node_id"] = node["id"]
    for key in ("pxe_enabled", "is_smartnic", "available_for_dynamic_portgroup"):
        if key in changed:
            changed[key] = params.parse_bool(key, changed[key])
    for key in ("extra", "local_link_connection"):
        if key in changed and changed[key] is None:
            changed[key] = {}
    if "address" in changed:
        changed["address"] = normalise_mac(changed["address"])
    if "local_link_connection" in changed:
        changed["local_link_connection"] = _check_llc(changed["local_link_connection"])
    _check_node_state(port, node, changed)
    _resolve(changed, node)
    if not changed:
        return json_response(render_port(port))
    return json_response(render_port(dbapi.update_port(port["id"], changed)))


def _check_node_state(port: dict, node: dict, changed: dict) -> None:
    state = node["provision_state"]
    if node["maintenance"]:
        return
    touched = [f for f in _CONNECTIVITY if f in changed]
    if touched and state not in _CONNECTIVITY_STATES:
        raise exceptions.NodeInWrongState(
            err=f"Port {port['uuid']} can not have any connectivity attributes "
            f"({', '.join(_CONNECTIVITY)}) updated unless node {node['uuid']} is in a "
            f"{', '.join(sorted(_CONNECTIVITY_STATES))} state or in maintenance mode. The "
            f"current state is {state}."
        )
    if "address" in changed and (state == states.ACTIVE or node["instance_uuid"]):
        raise exceptions.NodeInWrongState(
            err=f"Cannot update the address of port {port['uuid']} while node {node['uuid']} "
            "is active or has an instance; set maintenance first."
        )


@bp.delete("/v1/ports/<ident>")
@spec.operation("Delete a port", status=204)
def delete_port(ident):
    if not dbapi.is_uuid(ident):
        raise exceptions.InvalidParameterValue(err=f"Expected UUID for port_uuid: {ident}")
    port = port_for(ident, "baremetal:port:delete")
    node = dbapi.get_node_by_id(port["node_id"]) if port["node_id"] else None
    if (
        node
        and node["provision_state"] == states.ACTIVE
        and not node["maintenance"]
        and (port["internal_info"] or {}).get("tenant_vif_port_id")
    ):
        raise exceptions.NodeInWrongState(
            err=f"Port {port['uuid']} has a VIF attached on active node {node['uuid']}; "
            "detach it first or set the node in maintenance."
        )
    if node is not None:
        # Under the node's lock, by its conductor: it also removes the port's DHCP file.
        rpcapi().destroy_port(g.context, node, port_id=port["id"])
    else:
        dbapi.destroy_port(port["id"])
    return no_content()
