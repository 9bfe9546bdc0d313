"""What a flow is, declared once at the end of its own module.

A ``Flow`` names the events that start it, the states it owns (where a worker runs it, where
it waits for a call-back, where it is held), the kind of steps it runs, the ``[conductor]``
option that bounds its wait, the fault a failure leaves, and whether an agent may look its
node up. ``flows.registry`` lists the declarations and derives every per-state table the
conductor reads from them; nothing else spells out which state belongs to which flow.
"""

import dataclasses
from collections.abc import Callable

# A worker's body: ``body(task, stopping)``.
Body = Callable[..., None]


@dataclasses.dataclass(frozen=True)
class Flow:
    name: str
    # The state machine events (``common.states.VERBS``) that start the flow from the API.
    events: tuple[str, ...]
    # ``begin(task, event, **params)`` runs in the RPC call with the node locked: it checks the
    # request (4xx before the node moves) and fires the first event. False: nothing more to
    # do; otherwise ``run`` goes on on a worker.
    begin: Callable[..., bool]
    run: Body
    # Continues the flow from the step saved on the node: after a wait, an unhold, or when
    # another conductor takes the node over.
    resume: Body
    # States in which a worker runs the flow, holding the node's lock.
    working: tuple[str, ...]
    wait: str | None = None
    hold: str | None = None
    # The kind of ``@step`` the flow runs (``conductor.steps``), None for a flow without steps.
    step_kind: str | None = None
    # The ``[conductor]`` option bounding the wait state, in seconds.
    wait_timeout: str | None = None
    # Set with maintenance when the flow fails (Ironic's "clean failure" ...).
    fault: str | None = None
    # Whether an agent in the ramdisk may look the node up (and heart-beat) in the flow's
    # working and wait states.
    agent_lookup: bool = False

    @property
    def states(self) -> tuple[str, ...]:
        return self.working + tuple(s for s in (self.wait, self.hold) if s)
