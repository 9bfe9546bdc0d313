"""/v1/conductors (1.49): the conductors known to the database and whether they are alive."""

import datetime

from flask import Blueprint, g

from ironic_lite.api import links, spec
from ironic_lite.api.microversions import since, supports
from ironic_lite.api.resource import Resource
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
SORTABLE = {
    c: since("conductors")
    for c in ("id", "hostname", "conductor_group", "created_at", "updated_at")
}


def _require():
    if not supports("conductors"):
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


CONDUCTORS = Resource(
    "conductors",
    "conductor",
    fields=dict.fromkeys(FIELDS, since("conductors")),
    list_default=LIST_DEFAULT,
    sortable=SORTABLE,
    refused_sort=("alive", "drivers"),
    marker_field="hostname",
)


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
    base = links.base_url()
    return CONDUCTORS.listing(
        spec.arguments(),
        "conductors",
        False,
        lambda p: dbapi.list_conductors(p.limit, p.marker, p.sort_key, p.sort_dir),
        lambda fields: lambda row: _render(row, _wanted(fields), base),
        find_marker=dbapi.get_conductor,
    )


@bp.get("/<hostname>")
@spec.operation("Show a conductor", query=("fields",))
def show_conductor(hostname):
    access.system(g.context, "baremetal:conductor:get")
    _require()
    args = spec.arguments()
    fields = CONDUCTORS.selection(args)
    return json_response(_render(dbapi.get_conductor(hostname), _wanted(fields), links.base_url()))
