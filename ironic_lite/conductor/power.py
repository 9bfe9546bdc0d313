"""Power actions on a locked node: what the BMC is asked, what the node records."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ironic_lite.common import exceptions, states
from ironic_lite.conductor import transitions
from ironic_lite.conf import CONF

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task

LOG = logging.getLogger(__name__)


def refuse_power_off(task: Task, target: str) -> None:
    """409 for a power off of a node with disable_power_off (1.95): such a machine is only
    ever rebooted, as Ironic does for machines whose BMC shares their power."""
    if target in (states.POWER_OFF, states.SOFT_POWER_OFF) and task.node["disable_power_off"]:
        raise exceptions.Conflict(
            f"Node {task.node['uuid']} has disable_power_off set; it can not be powered off."
        )


def check_target(task: Task, target: str) -> None:
    supported = task.driver.power.get_supported_power_states(task)
    if target not in supported:
        raise exceptions.InvalidStateRequested(
            action=target, node=task.node["uuid"], state=task.node["power_state"]
        )
    refuse_power_off(task, target)


def apply(task: Task, target: str, timeout: int | None = None) -> str:
    """Bring the node to ``target`` and record the result; raise (with last_error set) if not.

    Reboots end powered on; soft power off ends powered off.
    """
    # Flows skip their power-offs for such nodes; this catches a step list asking for one.
    refuse_power_off(task, target)
    final = {
        states.REBOOT: states.POWER_ON,
        states.SOFT_REBOOT: states.POWER_ON,
        states.SOFT_POWER_OFF: states.POWER_OFF,
    }.get(target, target)
    task.save(target_power_state=final)
    power = task.driver.power
    try:
        if target in (states.REBOOT, states.SOFT_REBOOT):
            if (
                target == states.SOFT_REBOOT
                and task.node["power_state"] == states.POWER_ON
                and not task.node["disable_power_off"]  # a soft reboot passes through "off"
            ):
                power.set_power_state(task, states.SOFT_POWER_OFF, timeout=timeout)
                power.set_power_state(task, states.POWER_ON, timeout=timeout)
            else:
                power.reboot(task, timeout=timeout)
        else:
            power.set_power_state(task, target, timeout=timeout)
    except exceptions.IronicLiteError as exc:
        message = f"Failed to change power state to '{target}': {exc}"
        task.save(target_power_state=None, last_error=message)
        raise exceptions.IronicLiteError(message) from exc
    task.save(power_state=final, target_power_state=None, last_error=None)
    return final


def abort_pending(task: Task, why: str) -> bool:
    """End a power action that no worker carries on any more; True if there was one.

    A node's ``target_power_state`` is set and cleared under its lock, so an unlocked node (or
    one whose lock was broken) that still has one was left by a conductor that died or
    stopped mid-action: without this, the target stays forever and clients that wait for it
    to clear (Nova) hang. The action may or may not have reached the BMC, so the power state
    is read again (not for a node in maintenance) and recorded: a later forced power sync then
    keeps what the machine really does. The reason lands in node history, and in last_error
    unless a flow is under way (it resumes and reports its own outcome).
    """
    target = task.node["target_power_state"]
    if not target:
        return False
    changes: dict = {"target_power_state": None}
    found = f"power state left at {task.node['power_state']}"
    if not task.node["maintenance"]:
        try:
            changes["power_state"] = task.driver.power.get_power_state(task)
            found = f"the BMC reports {changes['power_state']}"
        except exceptions.IronicLiteError as exc:
            found += f" (the BMC did not answer: {exc})"
    message = f"Pending power action '{target}' aborted: {why}; {found}"
    if not task.node["target_provision_state"]:
        changes["last_error"] = message
    task.save(**changes)
    transitions.history(task, message, severity="WARNING", event_type="power")
    LOG.warning("Node %s: %s", task.node["uuid"], message)
    return True


# Provision states whose power the sync never forces (as Ironic): nothing is settled there.
_NOT_FORCED = frozenset({states.ENROLL, states.ADOPTFAIL})


def forced_by_sync(node: dict) -> bool:
    """Whether power sync puts this node's machine back to its recorded power state
    (``[conductor] force_power_state_during_sync``) instead of recording what it found."""
    return bool(
        CONF.conductor.force_power_state_during_sync
        and node["power_state"] in (states.POWER_ON, states.POWER_OFF)
        and not node["maintenance"]
        and not node["disable_power_off"]
        and node["provision_state"] not in _NOT_FORCED
    )


def put_back(task: Task, expected: str, fault: str) -> str:
    """Power sync found the machine of a node recorded as ``expected`` in another state:
    power it back, recording why in history. Returns the sync outcome: ``forced``,
    ``unchanged``, ``failed`` or ``skipped`` (the node changed since the pass read it).

    The power state is read again under the lock: the pass read it without one, and an
    action that ran in between (a clean step's reboot) may have made that read stale.
    A machine that keeps changing behind ironic-lite's back is put back
    ``power_state_sync_max_retries`` passes in a row, then recorded as it is and put in
    maintenance with ``fault`` (as Ironic does), so that the two do not fight forever.
    """
    node = task.node
    if node["power_state"] != expected or node["target_power_state"] or not forced_by_sync(node):
        return "skipped"
    try:
        actual = task.driver.power.get_power_state(task)
    except exceptions.IronicLiteError:
        return "skipped"  # the next pass reads it again and counts the failure
    if actual == expected:
        return "unchanged"
    info = dict(node["driver_internal_info"] or {})
    corrections = info.pop("power_sync_corrections", 0) + 1
    if corrections > CONF.conductor.power_state_sync_max_retries:
        reason = (
            f"Power state changed outside ironic-lite {corrections - 1} times in a row "
            f"(found {actual}, recorded {expected}); stopped putting it back"
        )
        task.save(
            power_state=actual,
            maintenance=True,
            fault=fault,
            maintenance_reason=reason,
            last_error=reason,
            driver_internal_info=info,
        )
        transitions.history(task, reason, severity="ERROR", event_type="power")
        return "failed"
    # Until the action lands the node shows what the machine does, like any power action.
    task.save(
        power_state=actual, driver_internal_info=dict(info, power_sync_corrections=corrections)
    )
    message = (
        f"Power state changed from {expected} to {actual} outside ironic-lite; "
        f"putting it back to {expected} (force_power_state_during_sync)"
    )
    transitions.history(task, message, severity="WARNING", event_type="power")
    LOG.warning("Node %s: %s", node["uuid"], message)
    try:
        apply(task, expected)
    except exceptions.IronicLiteError as exc:
        transitions.history(task, str(exc), severity="ERROR", event_type="power")
        return "failed"
    return "forced"
