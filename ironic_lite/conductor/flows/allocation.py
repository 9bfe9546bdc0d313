"""Allocation: find a node for a request and claim it, or record one already deployed.

request (resource class, traits, candidate nodes, owner)
  -> stored as ``allocating``, with this conductor as its affinity; the caller gets it back
     at once, and a worker of this conductor goes on (as in Ironic, clients wait for it)
  -> candidates: available, powered, out of maintenance, free, matching; shuffled so that
     concurrent allocations try different nodes first (one whose name is the allocation's
     name goes first)
  -> claim each in turn with one atomic conditional UPDATE until one sticks -> ``active``
     nodes held by a conductor's lock are tried again a few times
  -> nothing left -> ``error`` with last_error in Ironic's words ("no available nodes match
     the resource class ...")
backfill (``node`` given): the allocation is stored ``active`` for an already deployed node
in the same transaction that ties the node to it, or not stored at all; this is done before
answering, as in Ironic.
An allocation whose conductor stopped mid-way is ended in ``error`` by ``fail_abandoned``.
"""

import logging
import random
import time
from collections.abc import Callable

from ironic_lite.common import exceptions, states
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi

LOG = logging.getLogger(__name__)

# Conductor ids by hostname: a conductor's row (and id) outlives its restarts.
_conductor_ids: dict[str, int] = {}


def create(host: str, values: dict, spawn: Callable[[Callable[[], None]], object]) -> str:
    """Store the allocation as ``allocating`` and have ``spawn`` process it on a worker;
    its UUID."""
    allocation = dbapi.create_allocation(dict(values, conductor_affinity=_conductor_id(host)))
    spawn(lambda: _allocate_or_fail(allocation))
    return allocation["uuid"]


def create_backfilled(host: str, values: dict, node_id: int) -> str:
    """Record an ``active`` allocation for the deployed node ``node_id``; its UUID."""
    return backfill(dict(values, conductor_affinity=_conductor_id(host)), node_id)


def _allocate_or_fail(allocation: dict) -> None:
    """The worker's body: a bug must end the allocation in ``error``, not leave it waiting."""
    try:
        allocate(allocation)
    except Exception:
        LOG.exception("Allocation %s failed unexpectedly", allocation["uuid"])
        _fail(allocation, "an internal error occurred while processing it")


# --- picking a node --------------------------------------------------------------------------
def allocate(allocation: dict) -> None:
    """Claim a matching node for an ``allocating`` allocation, or end it in ``error``."""
    locked = 0
    for _ in range(CONF.conductor.node_locked_retry_attempts + 1):
        if locked:
            time.sleep(CONF.conductor.node_locked_retry_interval)
        nodes = _candidates(allocation)
        if not nodes:
            break
        locked = 0
        for node in nodes:
            outcome = dbapi.claim_node_for_allocation(allocation, node["id"])
            if outcome == "claimed":
                LOG.info("Allocation %s got node %s", allocation["uuid"], node["uuid"])
                return
            if outcome == "gone":
                LOG.info("Allocation %s went away while being processed", allocation["uuid"])
                return
            if outcome == "conflict":
                _fail(
                    allocation,
                    f"its UUID {allocation['uuid']} is already the instance_uuid of another node",
                )
                return
            locked += outcome == "locked"
        # Every candidate was locked or went to someone else meanwhile: look again (at once
        # when none was locked); the next pass tells what is left.
    _fail(allocation, _why_nothing_matched(allocation, locked))


def _candidates(allocation: dict) -> list[dict]:
    nodes = dbapi.list_allocation_candidates(
        allocation["resource_class"],
        allocation["traits"],
        allocation["candidate_nodes"],
        allocation["owner"],
    )
    random.shuffle(nodes)
    if allocation["name"]:
        nodes.sort(key=lambda n: n["name"] != allocation["name"])  # stable: the rest stay shuffled
    return nodes


def _why_nothing_matched(allocation: dict, locked: int) -> str:
    """Why no node was claimed, in Ironic's words (clients and operators search for them)."""
    funnel = dbapi.count_allocation_funnel(
        allocation["resource_class"],
        allocation["traits"],
        allocation["candidate_nodes"],
        allocation["owner"],
    )
    resource_class = allocation["resource_class"]
    if not funnel["free"]:
        if allocation["candidate_nodes"]:
            return (
                "none of the requested nodes are available and match the resource class "
                f"{resource_class}"
            )
        return f"no available nodes match the resource class {resource_class}"
    if not funnel["with_traits"]:
        return f"no suitable nodes have the requested traits {', '.join(allocation['traits'])}"
    if locked:
        return f"could not reserve any of {locked} suitable nodes"
    return "all nodes were filtered out during reservation"


def _fail(allocation: dict, reason: str) -> None:
    message = f"Failed to process allocation {allocation['uuid']}: {reason}."
    if dbapi.fail_allocation(allocation["id"], message):
        LOG.warning("%s", message)


# --- backfilling -----------------------------------------------------------------------------
def backfill(values: dict, node_id: int) -> str:
    """Record an ``active`` allocation for a deployed node; 400/409 when it does not fit."""
    node = dbapi.get_node_by_id(node_id)
    _check_backfill_request(values, node)
    for attempt in range(CONF.conductor.node_locked_retry_attempts + 1):
        if attempt:
            time.sleep(CONF.conductor.node_locked_retry_interval)
            node = dbapi.get_node_by_id(node_id)
        refusal = _backfill_refusal(values, node)
        if refusal is None:
            allocation = dbapi.backfill_allocation(values, node_id)
            if allocation is not None:
                LOG.info("Allocation %s backfilled for node %s", allocation["uuid"], node["uuid"])
                return allocation["uuid"]
        elif not isinstance(refusal, exceptions.NodeLocked):
            raise refusal
    raise _backfill_refusal(values, dbapi.get_node_by_id(node_id)) or exceptions.Conflict(
        f"Cannot backfill an allocation for node {node['uuid']}: the node kept changing; retry"
    )


def _check_backfill_request(values: dict, node: dict) -> None:
    """The request's own fields must describe the node (400 otherwise)."""
    problems = []
    if values.get("resource_class") and values["resource_class"] != node["resource_class"]:
        problems.append(
            f"resource class {node['resource_class']} does not match the requested "
            f"resource class {values['resource_class']}"
        )
    missing = sorted(set(values.get("traits") or ()) - set(node["traits"]))
    if missing:
        problems.append(f"the node lacks the requested trait(s) {', '.join(missing)}")
    if values.get("candidate_nodes") and node["uuid"] not in values["candidate_nodes"]:
        problems.append("candidate_nodes must be empty or contain the node")
    if problems:
        raise exceptions.InvalidParameterValue(
            err=f"Cannot backfill an allocation for node {node['uuid']}: {'; '.join(problems)}"
        )


def _backfill_refusal(values: dict, node: dict) -> exceptions.Conflict | None:
    """Why the node cannot take the allocation now (409: its state, not the request), or
    None when it looks fit (the database has the last word, atomically)."""
    ident = node["uuid"]
    if node["reservation"]:
        return exceptions.NodeLocked(node=ident, host=node["reservation"])
    if node["provision_state"] != states.ACTIVE:
        return exceptions.NodeInWrongState(
            err=f"Cannot backfill an allocation for node {ident}: it must be in provision "
            f'state "active", but it is in "{node["provision_state"]}"'
        )
    if node["allocation_id"] is not None:
        return exceptions.Conflict(
            f"Cannot backfill an allocation for node {ident}: it already has allocation "
            f"{node['allocation_uuid']}"
        )
    if node["instance_uuid"] and node["instance_uuid"] != values.get("uuid"):
        return exceptions.NodeAssociated(node=ident, instance=node["instance_uuid"])
    return None


# --- allocations whose conductor stopped -----------------------------------------------------
def fail_abandoned(host: str, started_at) -> int:
    """End in ``error`` the allocations left ``allocating`` by a conductor that stopped.

    An allocation is processed by a worker of the conductor that stored it, so one still
    allocating belongs either to a live conductor busy with it, or to a conductor that died (or
    to this one, before it restarted at ``started_at``). Returns how many were ended.
    """
    alive = {
        c["id"]: c["hostname"]
        for c in dbapi.list_alive_conductors(CONF.conductor.heartbeat_timeout)
    }
    me = _conductor_id(host)
    pending, _ = dbapi.list_allocations({"state": dbapi.ALLOCATING})
    ended = 0
    for allocation in pending:
        owner = allocation["conductor_affinity"]
        if owner is None:
            if not _older_than(allocation, CONF.conductor.heartbeat_timeout):
                continue
            why = "no conductor took it"
        elif owner == me:
            if allocation["created_at"] >= started_at:
                continue  # being processed by this very process
            why = f"conductor {host} restarted while processing it"
        elif owner not in alive:
            why = "the conductor processing it stopped"
        else:
            continue
        message = f"Failed to process allocation {allocation['uuid']}: {why}; create it again."
        if dbapi.fail_allocation(allocation["id"], message):
            LOG.warning("%s", message)
            ended += 1
    return ended


def _older_than(allocation: dict, seconds: int) -> bool:
    return (dbapi.now() - allocation["created_at"]).total_seconds() > seconds


def _conductor_id(host: str) -> int | None:
    found = _conductor_ids.get(host)
    if found is None:
        try:
            found = _conductor_ids[host] = dbapi.get_conductor(host)["id"]
        except exceptions.ConductorNotFound:
            return None
    return found
