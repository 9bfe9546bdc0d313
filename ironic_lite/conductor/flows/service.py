"""Servicing: run steps on a node that keeps its instance (firmware, BIOS, RAID ...).

active / service failed / service hold --service--> servicing -> active
servicing -> service wait / service hold -> servicing ...
failure -> service failed with last_error (and the "service failure" fault)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ironic_lite.common import exceptions, states
from ironic_lite.conductor import steps, transitions
from ironic_lite.conductor.flows import runner
from ironic_lite.conductor.flows.declaration import Flow

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task

FAULT = "service failure"


def start(task: Task, service_steps: list[dict], disable_ramdisk: bool = False) -> None:
    if not service_steps:
        raise exceptions.MissingParameterValue(
            err='"service_steps" is required when setting target provision state to service'
        )
    step_list = steps.requested(task, "service", service_steps)
    info = task.with_info(
        service_steps=step_list, service_step_index=0, service_disable_ramdisk=bool(disable_ramdisk)
    )
    transitions.advance(
        task, "service", target=states.ACTIVE, last_error=None, driver_internal_info=info
    )


def run(task: Task, stopping=None) -> None:
    step_list, index = steps.saved_progress(task.node, "service")
    if runner.run_steps(task, "service", step_list, index or 0, stopping, fault=FAULT):
        info = task.with_info(service_disable_ramdisk=None)
        transitions.advance(task, "done", note="servicing done", driver_internal_info=info)


resume = run


def begin(task: Task, event: str, service_steps=None, disable_ramdisk=None, **params) -> bool:
    start(task, service_steps, disable_ramdisk)
    return True


FLOW = Flow(
    name="service",
    events=("service",),
    begin=begin,
    run=run,
    resume=resume,
    working=(states.SERVICING,),
    wait=states.SERVICEWAIT,
    hold=states.SERVICEHOLD,
    step_kind="service",
    wait_timeout="service_callback_timeout",
    fault=FAULT,
    agent_lookup=True,
)
