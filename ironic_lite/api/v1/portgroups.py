"""/v1/portgroups (1.23) and the portgroup sub-collection of nodes."""

from flask import Blueprint, g

from ironic_lite.api import body, links, params, patch, spec
from ironic_lite.api.identifiers import find_portgroup, is_valid_name
from ironic_lite.api.microversions import since, supports
from ironic_lite.api.request_version import minor
from ironic_lite.api.resource import Resource
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.schemas import ports as schemas
from ironic_lite.api.services import access
from ironic_lite.api.v1.nodes import find_node
from ironic_lite.api.v1.ports import PAGING, list_ports_view, normalise_mac
from ironic_lite.api.views import ports as views
from ironic_lite.common import exceptions, states
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi

bp = Blueprint("portgroups", __name__)

SORTABLE = {
    c: views.PORTGROUP_FIELDS.get(c, since("portgroups"))
    for c in (
        "id",
        "uuid",
        "address",
        "name",
        "created_at",
        "updated_at",
        "node_id",
        "mode",
        "standalone_ports_supported",
        "physical_network",
        "category",
        "dynamic_portgroup",
    )
}
_REFUSED_SORT = ("extra", "internal_info", "properties")
_SELECTABLE = dict(views.PORTGROUP_FIELDS)
PORTGROUPS = Resource(
    "portgroups",
    "portgroup",
    fields=_SELECTABLE,
    list_default=views.PORTGROUP_LIST_DEFAULT,
    sortable=SORTABLE,
    refused_sort=_REFUSED_SORT,
    patchable=schemas.PORTGROUP_PATCHABLE,
)
DEFAULT_MODE = "active-backup"
_FILTERS = ("node", "address", "shard", "conductor_groups")


def _require():
    if not supports("portgroups"):
        raise exceptions.NotFound("The API is not supported for this version")


def portgroup_for(ident: str, rule: str) -> dict:
    """The port group ``ident`` names, if the caller may apply ``rule`` to it (checked
    against its node: one of a node the caller may not see is a 404)."""
    pg = find_portgroup(ident)
    node = dbapi.get_node_by_id(pg["node_id"]) if pg["node_id"] else None
    access.portgroup(g.context, rule, node, ident)
    return pg


def _node_for(ident: str) -> dict:
    """The node a port group is created on: ``baremetal:portgroup:create`` with the node as
    target, a 403 before a missing node's 400, as Ironic."""
    try:
        node = find_node(ident)
    except exceptions.NodeNotFound as exc:
        node, missing = None, exc
    access.create_on_node(g.context, "baremetal:portgroup:create", node)
    if node is None:
        raise exceptions.InvalidParameterValue(err=str(missing))
    return node


def portgroup_renderer(fields=None):
    wanted = views.visible(views.PORTGROUP_FIELDS, minor(), fields)
    return views.renderer("portgroups", minor(), wanted, links.base_url())


def render_portgroup(pg: dict, fields=None) -> dict:
    return portgroup_renderer(fields)(pg)


def _list(
    path: str, detail_route: bool, base_filters: dict | None = None, parent: dict | None = None
):
    _require()
    args = spec.arguments()
    filters = dict(base_filters or {})
    filters["project"] = access.list_filter("portgroup", g.context, parent=parent)
    if len([k for k in ("node", "address", "shard", "conductor_groups") if args.get(k)]) > 1:
        raise exceptions.InvalidParameterValue(
            err="Filtering by node, address, or shard simultaneously is not supported."
        )
    if args.get("node"):
        filters["node_id"] = find_node(args["node"])["id"]
    if args.get("address"):
        filters["address"] = normalise_mac(args["address"])
    filters["shard"] = params.comma_list(args, "shard", "portgroup_shard_filter")
    filters["conductor_group"] = params.comma_list(
        args, "conductor_groups", "portgroup_conductor_groups_filter"
    )
    return PORTGROUPS.listing(
        args,
        path,
        detail_route,
        lambda p: dbapi.list_portgroups(filters, p.limit, p.marker, p.sort_key, p.sort_dir),
        portgroup_renderer,
        find_marker=dbapi.get_portgroup,
    )


@bp.get("/v1/portgroups")
@spec.operation("List portgroups (1.23)", query=(*PAGING, "fields", *_FILTERS))
def list_portgroups():
    return _list("portgroups", False)


@bp.get("/v1/portgroups/detail")
@spec.operation("List portgroups with every field", query=(*PAGING, *_FILTERS))
def list_portgroups_detail():
    return _list("portgroups/detail", True)


@bp.get("/v1/nodes/<ident>/portgroups")
@spec.operation("List the portgroups of a node (1.24)", query=(*PAGING, "fields"))
def list_node_portgroups(ident):
    params.require_version("portgroup_subresources")
    node = find_node(ident)
    return _list(f"nodes/{ident}/portgroups", False, {"node_id": node["id"]}, node)


@bp.get("/v1/nodes/<ident>/portgroups/detail")
@spec.operation("List the portgroups of a node with every field", query=PAGING)
def list_node_portgroups_detail(ident):
    params.require_version("portgroup_subresources")
    node = find_node(ident)
    return _list(f"nodes/{ident}/portgroups/detail", True, {"node_id": node["id"]}, node)


def _parent(ident: str) -> tuple[dict, dict]:
    """A port group whose ports are listed and its node; one of a node the caller may not
    see is a 404 (the port group's)."""
    pg = portgroup_for(ident, "baremetal:portgroup:get")
    return pg, dbapi.get_node_by_id(pg["node_id"])


@bp.get("/v1/portgroups/<ident>/ports")
@spec.operation("List the ports of a portgroup (1.24)", query=(*PAGING, "fields"))
def list_portgroup_ports(ident):
    _require()
    params.require_version("portgroup_subresources")
    pg, node = _parent(ident)
    return list_ports_view(f"portgroups/{ident}/ports", False, {"portgroup_id": pg["id"]}, node)


@bp.get("/v1/portgroups/<ident>/ports/detail")
@spec.operation("List the ports of a portgroup with every field", query=PAGING)
def list_portgroup_ports_detail(ident):
    _require()
    params.require_version("portgroup_subresources")
    pg, node = _parent(ident)
    return list_ports_view(
        f"portgroups/{ident}/ports/detail", True, {"portgroup_id": pg["id"]}, node
    )


@bp.get("/v1/portgroups/<ident>")
@spec.operation("Show a portgroup", query=("fields",))
def show_portgroup(ident):
    _require()
    args = spec.arguments()
    fields = PORTGROUPS.selection(args)
    return json_response(render_portgroup(portgroup_for(ident, "baremetal:portgroup:get"), fields))


def _check_name(name, verb: str) -> None:
    if name is not None and not is_valid_name(name):
        raise exceptions.InvalidParameterValue(err=f"{verb} invalid name '{name}'")


def _check_versions(names) -> None:
    for name in names:
        if views.PORTGROUP_FIELDS.get(name, since("portgroups")) > minor():
            raise exceptions.NotAcceptable()


@bp.post("/v1/portgroups")
@spec.operation(
    "Create a portgroup", body=schemas.PORTGROUP_CREATE, body_name="portgroup", status=201
)
def create_portgroup():
    _require()
    doc = spec.body()
    _check_versions([k for k, v in doc.items() if v])
    _check_name(doc.get("name"), "Cannot create portgroup with")
    node = _node_for(doc.pop("node_uuid"))
    values = dict(doc, node_id=node["id"])
    if values.get("address"):
        values["address"] = normalise_mac(values["address"])
    if "standalone_ports_supported" in values:
        values["standalone_ports_supported"] = params.parse_bool(
            "standalone_ports_supported", values["standalone_ports_supported"]
        )
    values.setdefault("mode", getattr(CONF, "default_portgroup_mode", None) or DEFAULT_MODE)
    pg = dbapi.create_portgroup({k: v for k, v in values.items() if v is not None})
    return PORTGROUPS.created(pg, render_portgroup(pg))


@bp.patch("/v1/portgroups/<ident>")
@spec.operation("Update a portgroup (JSON-Patch)", patch=schemas.PORTGROUP_PATCHABLE)
def update_portgroup(ident):
    _require()
    pg = portgroup_for(ident, "baremetal:portgroup:update")
    ops = spec.body()
    _check_versions(patch.root_fields(ops))
    if any(op["op"] == "remove" and op["path"] == "/mode" for op in ops):
        raise exceptions.InvalidParameterValue(
            err="'mode' is a mandatory attribute and can not be removed"
        )
    _, changed = PORTGROUPS.patched(
        pg,
        ops,
        lambda patched: body.validate(patched, schemas.PORTGROUP_PATCHED, "portgroup"),
        {"standalone_ports_supported": True},
    )
    _check_name(changed.get("name"), f"Portgroup {pg['uuid']}: Cannot change name to")
    node = dbapi.get_node_by_id(pg["node_id"])
    if "node_uuid" in changed:
        ref = changed.pop("node_uuid")
        try:
            new_node = find_node(ref)
        except exceptions.NodeNotFound:
            new_node = None
        access.node_link(g.context, node["owner"], new_node, "node_uuid", ref)
        node = new_node
        changed["node_id"] = node["id"]
    if node["provision_state"] == states.INSPECTING and supports("inspect_wait"):
        raise exceptions.NodeInWrongState(
            err=f'Cannot update portgroup of node "{node["uuid"]}" while it is inspecting.'
        )
    if changed.get("address"):
        changed["address"] = normalise_mac(changed["address"])
    if "standalone_ports_supported" in changed:
        changed["standalone_ports_supported"] = params.parse_bool(
            "standalone_ports_supported", changed["standalone_ports_supported"]
        )
    for key in ("extra", "properties"):
        if key in changed and changed[key] is None:
            changed[key] = {}
    if not changed:
        return json_response(render_portgroup(pg))
    return json_response(render_portgroup(dbapi.update_portgroup(pg["id"], changed)))


@bp.delete("/v1/portgroups/<ident>")
@spec.operation("Delete a portgroup", status=204)
def delete_portgroup(ident):
    _require()
    pg = portgroup_for(ident, "baremetal:portgroup:delete")
    dbapi.destroy_portgroup(pg["id"], pg["uuid"])
    return no_content()
