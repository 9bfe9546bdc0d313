"""/v1/chassis and the nodes of a chassis."""

from flask import Blueprint, g

from ironic_lite.api import body, links, params, patch, spec
from ironic_lite.api.collection import collection
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.schemas import chassis as schemas
from ironic_lite.api.services import access
from ironic_lite.api.v1.nodes import DETAIL_QUERY, LIST_QUERY, list_nodes_view
from ironic_lite.api.views import chassis as views
from ironic_lite.common import exceptions
from ironic_lite.db import api as dbapi

bp = Blueprint("chassis", __name__, url_prefix="/v1/chassis")

SORTABLE = {c: 1 for c in ("id", "uuid", "description", "created_at", "updated_at")}
_SELECTABLE = {k: 1 for k in views.FIELDS}
_PAGING = ("limit", "marker", "sort_key", "sort_dir", "detail")


def _without(names: tuple[str, ...], dropped: str) -> tuple[str, ...]:
    return tuple(n for n in names if n != dropped)


def find_chassis(ident: str) -> dict:
    if not dbapi.is_uuid(ident):
        raise exceptions.InvalidParameterValue(err=f"Expected UUID for chassis_uuid: {ident}")
    return dbapi.get_chassis(ident)


def _selection(args) -> list[str] | None:
    return params.fields_arg(args, _SELECTABLE, params.fields_not_in_enum)


def _fields(wanted=None) -> list[str]:
    if wanted is None:
        return list(views.FIELDS)
    return list(dict.fromkeys([*wanted, "links"]))


def _list(path: str, detail_route: bool):
    args = spec.arguments()
    fields = None if detail_route else _selection(args)
    detail = detail_route or bool(params.detail_arg(args, fields))
    paging = params.Paging(args, SORTABLE, ("extra",), find_marker=dbapi.get_chassis)
    rows, more = dbapi.list_chassis(paging.limit, paging.marker, paging.sort_key, paging.sort_dir)
    wanted = _fields(None if detail else (fields or views.LIST_DEFAULT))
    base = links.base_url()
    return json_response(
        collection(
            "chassis", [views.render(r, wanted, base) for r in rows], rows, more, paging, path
        )
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
    args = spec.arguments()
    fields = _selection(args)
    return json_response(views.render(find_chassis(ident), _fields(fields), links.base_url()))


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
    location = f"{links.base_url()}/v1/chassis/{row['uuid']}"
    return json_response(
        views.render(row, _fields(), links.base_url()), 201, {"Location": location}
    )


@bp.patch("/<ident>")
@spec.operation("Update a chassis (JSON-Patch)", patch=schemas.PATCHABLE)
def update_chassis(ident):
    access.system(g.context, "baremetal:chassis:update")
    row = find_chassis(ident)
    ops = spec.body()
    doc = {f: row.get(f) for f in schemas.PATCHABLE}
    patched = patch.apply_patch(doc, ops)
    body.validate({k: v for k, v in patched.items() if v is not None}, schemas.PATCHED, "chassis")
    changed = patch.changed_fields(doc, patched, schemas.PATCHABLE)
    if "uuid" in changed:
        raise exceptions.InvalidParameterValue(err="Cannot overwrite UUID for an existing Chassis.")
    if "extra" in changed and changed["extra"] is None:
        changed["extra"] = {}
    if changed:
        row = dbapi.update_chassis(row["id"], changed)
    return json_response(views.render(row, _fields(), links.base_url()))


@bp.delete("/<ident>")
@spec.operation("Delete a chassis", status=204)
def delete_chassis(ident):
    access.system(g.context, "baremetal:chassis:delete")
    row = find_chassis(ident)
    dbapi.destroy_chassis(row["id"], row["uuid"])
    return no_content()
