"""/v1/allocations (1.52) and /v1/nodes/{node}/allocation: ask for a node, get one.

Creating an allocation hands it to a conductor (any live one), which stores it as
``allocating`` and answers, then finds and claims a matching node on a worker: clients wait
for ``active`` or ``error`` (openstacksdk's ``wait_for_allocation``, the CLI's ``--wait``), as
with Ironic. Backfilling (1.58) records an allocation for a node deployed without one before
answering. Names and extra can
change (1.57); owner appears at 1.60. Every caller is an administrator (noauth, http_basic), so
owner is stored, shown and filtered on, never imposed.
"""

import time

from flask import Blueprint, g

from ironic_lite.api import body, links, params, spec
from ironic_lite.api.identifiers import check_ident, is_valid_name
from ironic_lite.api.microversions import since, supports
from ironic_lite.api.request_version import minor
from ironic_lite.api.resource import Resource
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.schemas import allocations as schemas
from ironic_lite.api.services import access
from ironic_lite.api.v1.nodes import node_for
from ironic_lite.api.views import allocations as views
from ironic_lite.common import exceptions, states
from ironic_lite.db import api as dbapi

bp = Blueprint("allocations", __name__)

SORTABLE = {
    c: views.FIELDS.get(c, since("allocations"))
    for c in (
        "id",
        "uuid",
        "name",
        "node_id",
        "state",
        "last_error",
        "resource_class",
        "owner",
        "created_at",
        "updated_at",
    )
}
_REFUSED_SORT = ("extra", "candidate_nodes", "traits")
ALLOCATIONS = Resource(
    "allocations",
    "allocation",
    fields=views.FIELDS,
    sortable=SORTABLE,
    refused_sort=_REFUSED_SORT,
    patchable=schemas.PATCHABLE,
    refuse_fields=params.fields_not_valid,
)
# Where a node in the middle of a transition may still lose its allocation: it failed, is
# held, or is only being looked at (Ironic's states that allow updates).
_RELEASABLE_IN_TRANSITION = (
    states.FAIL_STATES
    | states.HOLD_STATES
    | {states.INSPECTING, states.INSPECTWAIT, states.VERIFYING}
)
_LOCK_RETRY_SECONDS = 3.0


# --- helpers ---------------------------------------------------------------------------------
def _require_api(method: str) -> None:
    """Before 1.52 there are no allocations: 404 to reads, 405 to writes (as Ironic)."""
    if supports("allocations"):
        return
    if method == "GET":
        raise exceptions.NotFound("The API version does not allow allocations")
    raise exceptions.MethodNotAllowed("The API version does not allow allocations")


def find_allocation(ident: str) -> dict:
    check_ident(ident, "allocation_ident")
    if dbapi.is_uuid(ident):
        return dbapi.get_allocation(ident)
    return dbapi.get_allocation(ident, by="name")


def allocation_for(ident: str, rule: str) -> dict:
    """The allocation ``ident`` names, if the caller may apply ``rule`` to it (one the caller
    may not see, not its project's, is a 404)."""
    row = find_allocation(ident)
    hidden = exceptions.NotFound(f"Allocation {ident} could not be found.")
    access.allocation(g.context, rule, row, hidden)
    return row


def _renderer(fields: list[str] | None = None):
    return views.renderer(views.visible(minor(), fields), links.base_url())


def render(row: dict, fields: list[str] | None = None) -> dict:
    return _renderer(fields)(row)


def _node_for(ident: str, field: str) -> dict:
    """A node named in a request body: 400 (not 404) when it is malformed or unknown."""
    check_ident(ident, field)
    try:
        return dbapi.get_node(ident)
    except exceptions.NodeNotFound as exc:
        raise exceptions.InvalidParameterValue(err=str(exc)) from None


def _check_name(name: str | None, verb: str) -> None:
    if name is not None and not is_valid_name(name):
        raise exceptions.InvalidParameterValue(
            err=f"Cannot {verb} allocation with invalid name '{name}'"
        )


# --- list / show -----------------------------------------------------------------------------
def _list_filters(args) -> dict:
    filters: dict = {}
    node = args.get("node")
    if node is not None:
        filters["node_id"] = _node_for(node, "node")["id"]
    filters["resource_class"] = args.get("resource_class")
    filters["state"] = args.get("state")
    filters["owner"] = params.text(args, "owner", "allocation_owner", params.NOT_ACCEPTABLE)
    return filters


@bp.get("/v1/allocations")
@spec.operation(
    "List allocations (1.52)",
    query=(
        "node",
        "resource_class",
        "state",
        "owner",
        "fields",
        "limit",
        "marker",
        "sort_key",
        "sort_dir",
    ),
)
def list_allocations():
    _require_api("GET")
    args = spec.arguments()
    # ``fields``: each a known field of the negotiated version (owner 406 before 1.60).
    ALLOCATIONS.selection(args)
    filters = _list_filters(args)
    # A caller who may not list every allocation sees those its project owns.
    filters["owner"] = access.list_filter("allocation", g.context, filters.get("owner"))
    return ALLOCATIONS.listing(
        args,
        "allocations",
        False,
        lambda p: dbapi.list_allocations(filters, p.limit, p.marker, p.sort_key, p.sort_dir),
        _renderer,
        find_marker=dbapi.get_allocation,
    )


@bp.get("/v1/allocations/<ident>")
@spec.operation("Show an allocation", query=("fields",))
def show_allocation(ident):
    _require_api("GET")
    args = spec.arguments()
    fields = ALLOCATIONS.selection(args)
    return json_response(render(allocation_for(ident, "baremetal:allocation:get"), fields))


# --- create ----------------------------------------------------------------------------------
def _creation_values(doc: dict) -> tuple[dict, dict | None]:
    """The allocation's stored values from a validated body, and the node to backfill."""
    if doc.get("owner") is not None:
        params.require_version("allocation_owner", params.NOT_ACCEPTABLE)
    _check_name(doc.get("name"), "create")
    node = None
    if doc.get("node") is not None:
        if not supports("allocation_backfill"):
            raise exceptions.InvalidParameterValue(
                err="Cannot set node when creating an allocation in this API version"
            )
        node = _node_for(doc["node"], "node")
    values = {
        k: doc[k] for k in ("name", "owner", "resource_class", "uuid") if doc.get(k) is not None
    }
    values["traits"] = list(dict.fromkeys(doc.get("traits") or ()))
    values["extra"] = doc.get("extra") or {}
    if not values.get("resource_class"):
        if node is None:
            raise exceptions.InvalidParameterValue(
                err="The resource_class field is mandatory when not backfilling"
            )
        values["resource_class"] = node["resource_class"]
    # Candidates are kept as UUIDs, in the order given.
    candidates = [_node_for(c, "candidate_nodes")["uuid"] for c in doc.get("candidate_nodes") or ()]
    values["candidate_nodes"] = list(dict.fromkeys(candidates))
    if "uuid" not in values:
        # A backfilled allocation takes the UUID the deployed instance already has.
        values["uuid"] = (node and node["instance_uuid"]) or dbapi.new_uuid()
    return values, node


@bp.post("/v1/allocations")
@spec.operation("Allocate a node", body=schemas.CREATE, body_name="allocation", status=201)
def create_allocation():
    _require_api("POST")
    doc = spec.body()
    values, node = _creation_values(doc)
    owner = access.allocation_create_owner(g.context, values.get("owner"))
    if owner is not None:
        values["owner"] = owner
    if node is not None:
        hidden = exceptions.InvalidParameterValue(err=f"Node {doc['node']} could not be found.")
        access.list_filter("allocation", g.context, parent=node, hide=hidden)
    uuid = rpcapi().create_allocation(
        g.context, values=values, backfill_node_id=node["id"] if node else None
    )
    row = dbapi.get_allocation(uuid)
    if node is None:
        # The answer is the allocation as stored, before the conductor's worker looked for a
        # node (as Ironic answers), even if the worker was quicker than this read.
        row = dict(row, state=dbapi.ALLOCATING, node_id=None, node_uuid=None, last_error=None)
    return ALLOCATIONS.created(row, render(row))


# --- update ----------------------------------------------------------------------------------
@bp.patch("/v1/allocations/<ident>")
@spec.operation("Update an allocation (JSON-Patch, 1.57)", patch=schemas.PATCHABLE)
def update_allocation(ident):
    if not supports("allocation_update"):
        raise exceptions.MethodNotAllowed("The API version does not allow updating allocations")
    row = allocation_for(ident, "baremetal:allocation:update")
    ops = spec.body()
    _, changed = ALLOCATIONS.patched(
        row, ops, lambda patched: body.validate(patched, schemas.PATCHED, "allocation")
    )
    if "name" in changed:
        _check_name(changed["name"], "update")
    if "extra" in changed and changed["extra"] is None:
        changed["extra"] = {}
    if changed:
        row = dbapi.update_allocation(row["id"], changed)
    return json_response(render(row))


# --- delete ----------------------------------------------------------------------------------
def _check_releasable(node: dict, allocation: dict) -> None:
    """Refuse to take a node away from an instance that may be running on it (409)."""
    if node["maintenance"]:
        return  # maintenance always allows it, as in Ironic
    state = node["provision_state"]
    if node["target_provision_state"] and state not in _RELEASABLE_IN_TRANSITION:
        raise exceptions.NodeInWrongState(
            err=f"Cannot remove allocation {allocation['uuid']} for node {node['uuid']}, "
            f"because the node is in state {state} where updates are not allowed (and "
            "maintenance mode is off)"
        )
    if state == states.ACTIVE:
        raise exceptions.NodeInWrongState(
            err=f"Cannot remove allocation {allocation['uuid']} for node {node['uuid']}, "
            "because the node is active (and maintenance mode is off)"
        )


def _destroy(allocation: dict):
    """Delete the allocation and free its node; waits briefly for a conductor's lock."""
    deadline = time.monotonic() + _LOCK_RETRY_SECONDS
    delay = 0.05
    while True:
        try:
            dbapi.destroy_allocation(allocation["id"], _check_releasable)
            return no_content()
        except exceptions.NodeLocked:
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@bp.delete("/v1/allocations/<ident>")
@spec.operation("Delete an allocation, freeing its node", status=204)
def delete_allocation(ident):
    _require_api("DELETE")
    return _destroy(allocation_for(ident, "baremetal:allocation:delete"))


# --- the allocation of a node ----------------------------------------------------------------
def _node_allocation(ident: str, rule: str) -> dict:
    """The allocation of a node the caller may see, if the caller may apply ``rule`` to it."""
    if not supports("allocations"):
        raise exceptions.NotFound("The API version does not allow allocations")
    node = node_for(ident, "baremetal:node:get")
    rows, _ = dbapi.list_allocations({"node_id": node["id"]}, limit=1)
    hidden = exceptions.NotFound(f"Allocation for node {ident} was not found")
    if not rows:
        raise hidden
    access.allocation(g.context, rule, rows[0], hidden)
    return rows[0]


@bp.get("/v1/nodes/<ident>/allocation")
@spec.operation("Show the allocation of a node", query=("fields",))
def show_node_allocation(ident):
    args = spec.arguments()
    allocation = _node_allocation(ident, "baremetal:allocation:get")
    return json_response(render(allocation, ALLOCATIONS.selection(args)))


@bp.delete("/v1/nodes/<ident>/allocation")
@spec.operation("Delete the allocation of a node", status=204)
def delete_node_allocation(ident):
    return _destroy(_node_allocation(ident, "baremetal:allocation:delete"))
