"""Every provisioning flow, and the tables the conductor derives from their declarations.

Adding a flow: its module (ending in a ``FLOW = Flow(...)`` declaration), one line in
``FLOWS`` below, and its states and events in ``common.states``. The checks at the end fail
the import when the declarations and the state machine disagree (a wait state with no flow or
timeout, a transient state no flow owns, a state claimed twice).
"""

from ironic_lite.common import states
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
from ironic_lite.conductor.flows.declaration import Flow
from ironic_lite.drivers.base import STEP_KINDS

FLOWS: tuple[Flow, ...] = (
    verify.FLOW,
    clean.FLOW,
    deploy.FLOW,
    undeploy.FLOW,
    service.FLOW,
    inspect.FLOW,
    adopt.FLOW,
    rescue.FLOW,
    rescue.UNRESCUE_FLOW,
)

BY_EVENT: dict[str, Flow] = {event: flow for flow in FLOWS for event in flow.events}
BY_STATE: dict[str, Flow] = {state: flow for flow in FLOWS for state in flow.states}
# Transient states where a worker holds the node's lock (a stopped conductor's are taken over).
WORKING_STATES = frozenset(state for flow in FLOWS for state in flow.working)
# The [conductor] option bounding each wait state.
WAIT_TIMEOUTS: dict[str, str] = {flow.wait: flow.wait_timeout for flow in FLOWS if flow.wait}
# States in which an agent may look its node up and heart-beat, as in Ironic.
LOOKUP_STATES = frozenset(
    state
    for flow in FLOWS
    if flow.agent_lookup
    for state in flow.working + ((flow.wait,) if flow.wait else ())
)


def step_kind(state: str) -> str | None:
    """The kind of steps the flow owning ``state`` runs (None: no flow, or one without)."""
    flow = BY_STATE.get(state)
    return flow.step_kind if flow else None


def fault(state: str) -> str | None:
    """The fault a failure of the flow owning ``state`` leaves on the node."""
    flow = BY_STATE.get(state)
    return flow.fault if flow else None


def _check() -> None:
    claimed = [state for flow in FLOWS for state in flow.states]
    twice = sorted({s for s in claimed if claimed.count(s) > 1})
    if twice:
        raise RuntimeError(f"states claimed by two flows: {twice}")
    events = [event for flow in FLOWS for event in flow.events]
    if len(events) != len(set(events)):
        raise RuntimeError(f"an event starts two flows: {sorted(events)}")
    if set(claimed) != set(states.TARGETS):
        raise RuntimeError("every transient state of the state machine needs exactly one flow")
    waits = {flow.wait for flow in FLOWS if flow.wait}
    if waits != states.WAIT_STATES or not all(WAIT_TIMEOUTS.values()):
        raise RuntimeError("every wait state needs exactly one flow with a wait timeout")
    if not {flow.step_kind for flow in FLOWS if flow.step_kind} <= set(STEP_KINDS):
        raise RuntimeError(f"a flow runs a kind of step @step does not know: {STEP_KINDS}")
    if {flow.hold for flow in FLOWS if flow.hold} != states.HOLD_STATES:
        raise RuntimeError("every hold state needs exactly one flow")


_check()
