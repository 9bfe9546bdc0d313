"""/v1/chassis and the nodes of a chassis."""

from flask import Blueprint, g

from ironic_lite.api import body, links, spec
from ironic_lite.api.resource import Resource
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.schemas import chassis as schemas
from ironic_lite.api.services import access
from ironic_lite.api.v1.nodes import DETAIL_QUERY, LIST_QUERY, list_nodes_view
from ironic_lite.api.views import chassis as views
from ironic_lite.common import exceptions
from ironic_lite.db import api as dbapi

bp = Blueprint("chassis", __name__, url_prefix="/v1/chassis")

CHASSIS = Resource(
    "chassis",
    "Chassis",
    fields=dict.fromkeys(views.FIELDS, 1),
    list_default=views.LIST_DEFAULT,
    sortable=dict.fromkeys(("id", "uuid", "description", "created_at", "updated_at"), 1),
    refused_sort=("extra",),
    patchable=schemas.PATCHABLE,
)
_PAGING = ("limit", "marker", "sort_key", "sort_dir", "detail")


def _without(names: tuple[str, ...], dropped: str) -> tuple[str, ...]:
    return tuple(n for n in names if n != dropped)


def find_chassis(ident: str) -> dict:
    if not dbapi.is_uuid(ident):
        raise exceptions.InvalidParameterValue(err=f"Expected UUID for chassis_uuid: {ident}")
    return dbapi.get_chassis(ident)


def _fields(wanted=None) -> list[str]:
    if wanted is None:
        return list(views.FIELDS)
    return list(dict.fromkeys([*wanted, "links"]))


def _draw(wanted: list[str] | None):
    fields, base = _fields(wanted), links.base_url()
    return lambda row: views.render(row, fields, base)


def _list(path: str, detail_route: bool):
    return CHASSIS.listing(
        spec.arguments(),
        path,
        detail_route,
        lambda p: dbapi.list_chassis(p.limit, p.marker, p.sort_key, p.sort_dir),
        _draw,
        find_marker=dbapi.get_chassis,
    )


@bp.get("")
@spec.operation("List chassis", query=(*_PAGING, "fields"))
def list_chassis():
    access.system(g.context, "baremetal:chassis:get")
    return _list("chassis", False)


@bp.get("/detail")
@spec.operation("List chassis with every field", query=_PAGING)
def list_chassis_detail():
    access.system(g.context, "baremetal:chassis:get")
    return _list("chassis/detail", True)


@bp.get("/<ident>")
@spec.operation("Show a chassis", query=("fields",))
def show_chassis(ident):
    access.system(g.context, "baremetal:chassis:get")
    fields = CHASSIS.selection(spec.arguments())
    return json_response(_draw(fields)(find_chassis(ident)))


@bp.get("/<ident>/nodes")
@spec.operation("List the nodes of a chassis", query=_without(LIST_QUERY, "chassis_uuid"))
def list_chassis_nodes(ident):
    chassis = find_chassis(ident)
    return list_nodes_view(False, f"chassis/{ident}/nodes", {"chassis_id": chassis["id"]})


@bp.get("/<ident>/nodes/detail")
@spec.operation(
    "List the nodes of a chassis with every field", query=_without(DETAIL_QUERY, "chassis_uuid")
)
def list_chassis_nodes_detail(ident):
    chassis = find_chassis(ident)
    return list_nodes_view(True, f"chassis/{ident}/nodes/detail", {"chassis_id": chassis["id"]})


@bp.post("")
@spec.operation("Create a chassis", body=schemas.CREATE, body_name="chassis", status=201)
def create_chassis():
    access.system(g.context, "baremetal:chassis:create")
    doc = spec.body()
    row = dbapi.create_chassis({k: v for k, v in doc.items() if v is not None})
    return CHASSIS.created(row, _draw(None)(row))


@bp.patch("/<ident>")
@spec.operation("Update a chassis (JSON-Patch)", patch=schemas.PATCHABLE)
def update_chassis(ident):
    access.system(g.context, "baremetal:chassis:update")
    row = find_chassis(ident)
    _, changed = CHASSIS.patched(
        row, spec.body(), lambda doc: body.validate(doc, schemas.PATCHED, "chassis")
    )
    if "extra" in changed and changed["extra"] is None:
        changed["extra"] = {}
    if changed:
        row = dbapi.update_chassis(row["id"], changed)
    return json_response(_draw(None)(row))


@bp.delete("/<ident>")
@spec.operation("Delete a chassis", status=204)
def delete_chassis(ident):
    access.system(g.context, "baremetal:chassis:delete")
    row = find_chassis(ident)
    dbapi.destroy_chassis(row["id"], row["uuid"])
    return no_content()
