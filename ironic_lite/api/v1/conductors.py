"""/v1/conductors (1.49): the conductors known to the database and whether they are alive."""

import datetime

from flask import Blueprint, g

from ironic_lite.api import links, params, spec
from ironic_lite.api.collection import collection
from ironic_lite.api.request_version import minor
from ironic_lite.api.responses import json_response
from ironic_lite.api.services import access
from ironic_lite.api.views import timestamp
from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi
from ironic_lite.db.models import utcnow

bp = Blueprint("conductors", __name__, url_prefix="/v1/conductors")

FIELDS = ("created_at", "updated_at", "hostname", "conductor_group", "drivers", "links", "alive")
LIST_DEFAULT = ("hostname", "conductor_group", "alive")
SORTABLE = {c: 49 for c in ("id", "hostname", "conductor_group", "created_at", "updated_at")}


def _require():
    if minor() < 49:
        raise exceptions.NotFound("The API is not supported for this version")


def _render(row: dict, fields, base: str) -> dict:
    cutoff = utcnow() - datetime.timedelta(seconds=CONF.conductor.heartbeat_timeout)
    alive = bool(row["online"]) and (row["updated_at"] or row["created_at"]) >= cutoff
    doc = {}
    for name in fields:
        if name in ("created_at", "updated_at"):
            doc[name] = timestamp(row[name])
        elif name == "links":
            doc[name] = links.pair(base, "conductors", row["hostname"])
        elif name == "alive":
            doc[name] = alive
        else:
            doc[name] = row[name]
    return doc


def _selection(args) -> list[str] | None:
    return params.fields_arg(args, dict.fromkeys(FIELDS, 49), params.fields_not_in_enum)


def _wanted(fields):
    if fields is None:
        return list(FIELDS)
    return list(dict.fromkeys([*fields, "links"]))


@bp.get("")
@spec.operation(
    "List conductors (1.49)", query=("limit", "marker", "sort_key", "sort_dir", "fields", "detail")
)
def list_conductors():
    access.system(g.context, "baremetal:conductor:get")
    _require()
    args = spec.arguments()
    fields = _selection(args)
    detail = bool(params.detail_arg(args, fields))
    paging = params.Paging(
        args,
        SORTABLE,
        ("alive", "drivers"),
        marker_is_uuid=False,
        find_marker=dbapi.get_conductor,
    )
    rows, more = dbapi.list_conductors(
        paging.limit, paging.marker, paging.sort_key, paging.sort_dir
    )
    wanted = _wanted(None if detail else (fields or LIST_DEFAULT))
    base = links.base_url()
    return json_response(
        collection(
            "conductors",
            [_render(r, wanted, base) for r in rows],
            rows,
            more,
            paging,
            "conductors",
            marker_field="hostname",
        )
    )


@bp.get("/<hostname>")
@spec.operation("Show a conductor", query=("fields",))
def show_conductor(hostname):
    access.system(g.context, "baremetal:conductor:get")
    _require()
    args = spec.arguments()
    fields = _selection(args)
    return json_response(_render(dbapi.get_conductor(hostname), _wanted(fields), links.base_url()))
