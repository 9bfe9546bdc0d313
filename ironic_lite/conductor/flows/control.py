"""Steering flows that are already under way: abort, unhold, resume, take over.

The flow that owns a state comes from the flows' declarations (``registry.BY_STATE``);
resuming a node in it (after a wait, an unhold, or a dead conductor) continues that flow at
the step saved on the node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ironic_lite.common import exceptions, states
from ironic_lite.conductor import steps, transitions
from ironic_lite.conductor.flows import registry
from ironic_lite.conductor.flows.declaration import Body

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task


def abort(task: Task) -> str:
    """Stop a waiting or held flow: it ends in its fail state (service failed -> active)."""
    node = task.node
    state = node["provision_state"]
    if state == states.SERVICEFAIL:
        return transitions.advance(
            task, "abort", last_error=None, note="service failure acknowledged; back to active"
        )
    transitions.check(task, "abort")
    kind = registry.step_kind(state) if state in states.WAIT_STATES else None
    if kind:
        step_list, index = steps.saved_progress(node, kind)
        current = step_list[index - 1] if index else None
        if current is not None and not current.get("abortable"):
            raise exceptions.NodeInWrongState(
                err=f"Node {node['uuid']} is running {kind} step {current['interface']}."
                f"{current['step']}, which can not be aborted; wait for it to finish."
            )
    who = task.context.user or "an operator"
    reason = f"{state} aborted by {who}"
    new = transitions.fail(task, reason, event="abort", fault=None)
    for kind in ("clean", "deploy", "service"):
        steps.clear_progress(task, kind)
    return new


def unhold(task: Task) -> Body:
    """Release a held flow: back to its wait state, then on with the next step (the body
    returned, to run on a worker)."""
    transitions.advance(task, "unhold", note="released from hold")
    return continue_body(task)


def continue_body(task: Task) -> Body:
    """The body that takes a node out of its wait state and continues its flow."""
    flow = registry.BY_STATE[task.node["provision_state"]]

    def body(task: Task, stopping) -> None:
        resume_waiting(task)
        flow.resume(task, stopping)

    return body


def resume_waiting(task: Task) -> None:
    """Leave a wait state and continue the flow's steps (to be run on a worker)."""
    transitions.advance(task, "resume", note="resuming")


def takeover_check(task: Task, dead_host: str | None) -> bool:
    """Whether the flow in progress can be resumed by this conductor; fails it if not."""
    state = task.node["provision_state"]
    kind = registry.step_kind(state)
    if kind is None:
        return state in registry.BY_STATE
    step_list, index = steps.saved_progress(task.node, kind)
    if index is None or index >= len(step_list):
        return True
    current = step_list[index]
    if current.get("rerunnable"):
        return True
    transitions.fail(
        task,
        f"Conductor {dead_host or 'that ran it'} stopped while running {kind} step "
        f"{current['interface']}.{current['step']}, which is not safe to run again; "
        f"retry the {kind}.",
        fault=registry.fault(state),
    )
    return False


def _abort(task: Task) -> None:
    abort(task)


# The events that steer a flow under way rather than start one: each returns the body to run
# on a worker, or None.
STEERING = {"abort": _abort, "unhold": unhold}
