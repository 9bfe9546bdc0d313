"""Verify (``manage`` from enroll): can the conductor reach the node's BMC?

enroll -> verifying -> manageable, or back to enroll with last_error.
``manage`` from any other state just moves the node to manageable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ironic_lite.common import states
from ironic_lite.conductor import hardware_cache, steps, transitions
from ironic_lite.conductor.flows import runner
from ironic_lite.conductor.flows.declaration import Flow

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task


def start(task: Task) -> None:
    transitions.advance(task, "manage", last_error=None)


def run(task: Task, stopping=None) -> None:
    def reach_bmc():
        task.driver.power.validate(task)
        task.driver.management.validate(task)
        task.save(power_state=task.driver.power.get_power_state(task))

    if not runner.guarded(task, "Verifying access to the BMC", reach_bmc):
        return
    hardware_cache.refresh(task)
    if runner.run_steps(task, "verify", steps.automated(task, "verify"), 0, stopping):
        transitions.advance(task, "done")


def resume(task: Task, stopping=None) -> None:
    run(task, stopping)


def begin(task: Task, event: str, **params) -> bool:
    if task.node["provision_state"] != states.ENROLL:
        transitions.advance(task, "manage", target=None)
        return False
    start(task)
    return True


FLOW = Flow(
    name="verify",
    events=("manage",),
    begin=begin,
    run=run,
    resume=resume,
    working=(states.VERIFYING,),
    step_kind="verify",
)
