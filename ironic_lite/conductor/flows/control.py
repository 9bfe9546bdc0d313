"""Steering flows that are already under way: abort, unhold, resume, take over.

``FLOW_BY_STATE`` says which flow owns a transient state; resuming a node in it (after a wait,
an unhold, or a dead conductor) continues that flow at the step saved on the node.
"""

from ironic_lite.common import exceptions, states
from ironic_lite.conductor import steps, transitions
from ironic_lite.conductor.flows import (
    adopt,
    clean,
    deploy,
    inspect,
    rescue,
    service,
    undeploy,
    verify,
)
from ironic_lite.conductor.task import Task

FLOW_BY_STATE = {
    states.VERIFYING: verify,
    states.CLEANING: clean,
    states.CLEANWAIT: clean,
    states.CLEANHOLD: clean,
    states.DEPLOYING: deploy,
    states.DEPLOYWAIT: deploy,
    states.DEPLOYHOLD: deploy,
    states.SERVICING: service,
    states.SERVICEWAIT: service,
    states.SERVICEHOLD: service,
    states.INSPECTING: inspect,
    states.INSPECTWAIT: inspect,
    states.ADOPTING: adopt,
    states.RESCUING: rescue,
    states.RESCUEWAIT: rescue,
    states.UNRESCUING: rescue,
    states.DELETING: undeploy,
}
# The kind of steps each stepped flow runs (for takeover checks).
STEP_KIND = {
    states.CLEANING: "clean",
    states.DEPLOYING: "deploy",
    states.SERVICING: "service",
    states.VERIFYING: "verify",
}
_ABORT_FAILS = {
    states.CLEANWAIT: clean.FAULT,
    states.CLEANHOLD: clean.FAULT,
    states.SERVICEWAIT: service.FAULT,
    states.SERVICEHOLD: service.FAULT,
}


def abort(task: Task) -> str:
    """Stop a waiting or held flow: it ends in its fail state (service failed -> active)."""
    node = task.node
    state = node["provision_state"]
    if state == states.SERVICEFAIL:
        return transitions.advance(
            task, "abort", last_error=None, note="service failure acknowledged; back to active"
        )
    transitions.check(task, "abort")
    kind = {
        states.CLEANWAIT: "clean",
        states.SERVICEWAIT: "service",
        states.DEPLOYWAIT: "deploy",
    }.get(state)
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


def unhold(task: Task) -> None:
    """Release a held flow: back to its wait state, then on with the next step."""
    transitions.advance(task, "unhold", note="released from hold")


def resume_waiting(task: Task) -> None:
    """Leave a wait state and continue the flow's steps (to be run on a worker)."""
    transitions.advance(task, "resume", note="resuming")


def takeover_check(task: Task, dead_host: str | None) -> bool:
    """Whether the flow in progress can be resumed by this conductor; fails it if not."""
    state = task.node["provision_state"]
    kind = STEP_KIND.get(state)
    if kind is None:
        return state in FLOW_BY_STATE
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
        fault=clean.FAULT if kind == "clean" else None,
    )
    return False
