"""Moving a locked node through the provision state machine, and recording it.

Flows never write provision states by hand: they fire an event, the table in
``common.states`` says where it leads, and the move lands in node history with the conductor
and the user that asked.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ironic_lite.common import exceptions, states
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task

LOG = logging.getLogger(__name__)

_UNSET = object()
# Events that park or continue the flow under way: the node keeps its target across them.
_SAME_FLOW = frozenset({"wait", "hold", "resume", "unhold"})


def _event(
    task: Task, event: str, severity: str, event_type: str, state: str, target: str | None
) -> dict | None:
    """The node history record of ``event`` (None when history is turned off)."""
    if not CONF.conductor.node_history:
        return None
    return {
        "event": event,
        "event_type": event_type,
        "severity": severity,
        "conductor": task.host,
        "user": task.context.user,
        "project": task.context.project,
        "state": state,
        "target_provision_state": target,
    }


def history(
    task: Task, event: str, severity: str = "INFO", event_type: str = "provisioning"
) -> None:
    node = task.node
    record = _event(
        task, event, severity, event_type, node["provision_state"], node["target_provision_state"]
    )
    if record is not None:
        dbapi.record_history(node["id"], **record)


def check(task: Task, event: str, action: str | None = None) -> str:
    """The state ``event`` leads to from the node's state, or InvalidStateRequested (400)."""
    new = states.next_state(task.node["provision_state"], event)
    if new is None:
        raise exceptions.InvalidStateRequested(
            action=action or event, node=task.node["uuid"], state=task.node["provision_state"]
        )
    return new


def advance(
    task: Task, event: str, *, target=_UNSET, last_error=_UNSET, note: str | None = None, **changes
) -> str:
    """Fire ``event``: move to the next state, set its target and record the move."""
    old = task.node["provision_state"]
    new = check(task, event)
    values = dict(changes, provision_state=new)
    if target is _UNSET:
        # Parking and resuming keep where the flow is heading (manual cleaning goes back to
        # manageable, not to the table's default of available).
        kept = task.node["target_provision_state"] if event in _SAME_FLOW else None
        target = kept or states.TARGETS.get(new)
    values["target_provision_state"] = target
    if last_error is not _UNSET:
        values["last_error"] = last_error
    record = _event(task, note or f"{old} -> {new} ({event})", "INFO", "provisioning", new, target)
    task.save(history=record, **values)
    LOG.info("Node %s provision state: %s -> %s (event %s)", task.node["uuid"], old, new, event)
    return new


def fail(task: Task, reason: str, *, event: str = "fail", fault: str | None = None) -> str:
    """Fire a failure event with ``reason`` as last_error; optionally set a fault (and
    maintenance, as Ironic does for clean and service failures)."""
    old = task.node["provision_state"]
    new = check(task, event)
    values: dict = {"provision_state": new, "target_provision_state": None, "last_error": reason}
    if fault:
        values.update(fault=fault, maintenance=True, maintenance_reason=reason)
    info = task.node.get("instance_info") or {}
    if new == states.RESCUEFAIL and ({"rescue_password", "hashed_rescue_password"} & set(info)):
        # A failed or timed-out rescue keeps no password on the node (Ironic drops it too).
        values["instance_info"] = {
            k: v for k, v in info.items() if k not in ("rescue_password", "hashed_rescue_password")
        }
    record = _event(task, f"{old} -> {new}: {reason}", "ERROR", "provisioning", new, None)
    task.save(history=record, **values)
    LOG.warning(
        "Node %s provision state: %s -> %s (event %s): %s",
        task.node["uuid"],
        old,
        new,
        event,
        reason,
    )
    return new
