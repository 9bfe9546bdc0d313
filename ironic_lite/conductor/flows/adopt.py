"""Adoption: take over a node that already runs its instance, without deploying it.

manageable / adopt failed --adopt--> adopting -> active; failure -> adopt failed
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ironic_lite.common import states
from ironic_lite.conductor import transitions
from ironic_lite.conductor.flows import runner
from ironic_lite.conductor.flows.declaration import Flow

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task


def start(task: Task) -> None:
    transitions.advance(task, "adopt", last_error=None)


def run(task: Task, stopping=None) -> None:
    def check():
        for iface in ("power", "management", "boot", "deploy"):
            getattr(task.driver, iface).validate(task)
        task.save(power_state=task.driver.power.get_power_state(task))

    if runner.guarded(task, "Adopting the node", check):
        transitions.advance(task, "done", note="adopted")


resume = run


def begin(task: Task, event: str, **params) -> bool:
    start(task)
    return True


FLOW = Flow(
    name="adopt",
    events=("adopt",),
    begin=begin,
    run=run,
    resume=resume,
    working=(states.ADOPTING,),
)
