"""Undeploy (``deleted``/``undeploy``): take the instance off a node, then clean it.

active / deploy failed / error / rescue* / wait states --delete--> deleting
deleting -> (power off, tear down, remove boot files, detach every VIF, forget the instance
and its allocation)
-> cleaning (automated) -> available
failure while tearing down -> error with last_error
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ironic_lite.common import exceptions, states
from ironic_lite.conductor import power, transitions
from ironic_lite.conductor.flows import clean, runner
from ironic_lite.conductor.flows.declaration import Flow
from ironic_lite.db import api as dbapi

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task


def start(task: Task) -> None:
    if task.node["protected"]:
        raise exceptions.NodeProtected(node=task.node["uuid"])
    transitions.advance(task, "delete", last_error=None)


def run(task: Task, stopping=None) -> None:
    def tear_down():
        if not task.node["disable_power_off"]:
            power.apply(task, states.POWER_OFF)
        hook = getattr(task.driver.deploy, "tear_down", None)
        if hook is not None:
            hook(task)
        # Boot files of the instance or of a ramdisk the deploy stopped in (both idempotent).
        task.driver.boot.clean_up_instance(task)
        task.driver.boot.clean_up_ramdisk(task)
        detach_vifs(task)
        forget = {
            k: None for k in ("deploy_steps", "deploy_step_index", "agent_url", "agent_token")
        }
        allocation_id = task.node["allocation_id"]
        task.save(
            instance_info={},
            instance_uuid=None,
            instance_name=None,
            allocation_id=None,
            driver_internal_info=task.with_info(**forget),
        )
        if allocation_id is not None:
            # The instance is gone, so is its claim on the node (as in Ironic).
            dbapi.forget_allocation(allocation_id)

    if runner.guarded(task, "Tearing down the instance", tear_down):
        clean.start_automated(task, event="clean")
        clean.run(task, stopping)


def detach_vifs(task: Task) -> None:
    """Detach every VIF: the instance's networking goes with it (Nova relies on this)."""
    network = task.driver.network
    for vif in network.vif_list(task):
        network.vif_detach(task, vif["id"])


def resume(task: Task, stopping=None) -> None:
    run(task, stopping)


def begin(task: Task, event: str, **params) -> bool:
    start(task)
    return True


FLOW = Flow(
    name="undeploy",
    events=("delete",),
    begin=begin,
    run=run,
    resume=resume,
    working=(states.DELETING,),
)
