"""Inspection: find out what hardware a node has.

manageable / inspect failed --inspect--> inspecting -> manageable
inspecting -> inspect wait (in-band: the agent reports back) -> manageable
failure -> inspect failed with last_error
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ironic_lite.common import states
from ironic_lite.conductor import transitions
from ironic_lite.conductor.flows import runner
from ironic_lite.conductor.flows.declaration import Flow
from ironic_lite.db.models import utcnow
from ironic_lite.drivers.base import Outcome

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task


def start(task: Task) -> None:
    transitions.advance(
        task,
        "inspect",
        last_error=None,
        inspection_started_at=utcnow(),
        inspection_finished_at=None,
    )


def run(task: Task, stopping=None) -> None:
    outcome = []

    def inspect():
        outcome.append(task.driver.inspect.inspect_hardware(task))

    if not runner.guarded(task, "Inspection", inspect):
        return
    if outcome[0] is Outcome.WAIT:
        transitions.advance(task, "wait", note="waiting for the ramdisk's inventory")
        return
    finish(task)


def finish(task: Task) -> None:
    """Inspection data is in: back to manageable."""
    transitions.advance(task, "done", target=None, inspection_finished_at=utcnow())


def resume(task: Task, stopping=None) -> None:
    if task.node["provision_state"] == states.INSPECTING:
        run(task, stopping)


def begin(task: Task, event: str, **params) -> bool:
    start(task)
    return True


FLOW = Flow(
    name="inspect",
    events=("inspect",),
    begin=begin,
    run=run,
    resume=resume,
    working=(states.INSPECTING,),
    wait=states.INSPECTWAIT,
    wait_timeout="inspect_wait_timeout",
    agent_lookup=True,
)
