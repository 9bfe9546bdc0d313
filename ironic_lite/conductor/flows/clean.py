"""Cleaning: automated (on provide and after undeploy) or manual (a given list of steps).

manageable --provide--> cleaning -> available
manageable --clean---> cleaning -> manageable            (manual: the steps asked for)
deleting  --clean---> cleaning -> available              (automated, after tear-down)
cleaning -> clean wait (async step / wait step) -> cleaning ... ; clean hold until unhold
cleaning: when a step needs the ramdisk (and disable_ramdisk is not set), the boot interface
prepares the ramdisk boot first and removes its boot files once the steps are done
any failure -> clean failed, in maintenance with fault "clean failure"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ironic_lite.common import exceptions, states
from ironic_lite.conductor import hardware_cache, steps, transitions
from ironic_lite.conductor.flows import runner
from ironic_lite.conductor.flows.declaration import Flow
from ironic_lite.conf import CONF

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task

FAULT = "clean failure"


def _automated_enabled(node: dict) -> bool:
    if node["automated_clean"] is not None:
        return bool(node["automated_clean"])
    return CONF.conductor.automated_clean


def start_automated(task: Task, event: str = "provide") -> None:
    """Begin automated cleaning (``provide``, or ``clean`` from deleting)."""
    step_list = (
        steps.automated(task, "clean", CONF.conductor.clean_step_priority_override)
        if _automated_enabled(task.node)
        else []
    )
    target = states.MANAGEABLE if task.node["retired"] else states.AVAILABLE
    info = task.with_info(
        clean_steps=step_list, clean_step_index=0, clean_manual=False, clean_disable_ramdisk=False
    )
    transitions.advance(task, event, target=target, last_error=None, driver_internal_info=info)


def start_manual(task: Task, clean_steps: list[dict], disable_ramdisk: bool = False) -> None:
    """Begin manual cleaning with the steps the operator asked for (checked here: a bad
    step name is a 400 before the node moves)."""
    step_list = steps.requested(task, "clean", clean_steps)
    info = task.with_info(
        clean_steps=step_list,
        clean_step_index=0,
        clean_manual=True,
        clean_disable_ramdisk=bool(disable_ramdisk),
    )
    transitions.advance(
        task, "clean", target=states.MANAGEABLE, last_error=None, driver_internal_info=info
    )


def _needs_ramdisk(task: Task, step_list: list[dict]) -> bool:
    if task.node["driver_internal_info"].get("clean_disable_ramdisk"):
        return False
    return any(s.get("requires_ramdisk") for s in step_list)


def run(task: Task, stopping=None) -> None:
    step_list, index = steps.saved_progress(task.node, "clean")
    if index is None:
        index = 0
    boot, ramdisk = task.driver.boot, _needs_ramdisk(task, step_list)
    if (
        ramdisk
        and index == 0
        and not runner.guarded(
            task,
            "Preparing the cleaning ramdisk boot",
            lambda: boot.prepare_ramdisk(task, {}),
            fault=FAULT,
        )
    ):
        return
    if not runner.run_steps(task, "clean", step_list, index, stopping, fault=FAULT):
        return
    if ramdisk and not runner.guarded(
        task, "Removing the cleaning ramdisk boot", lambda: boot.clean_up_ramdisk(task), fault=FAULT
    ):
        return
    # A deploy interface whose steps ran on an agent powers the ramdisk down (fast track
    # keeps it up for the next flow).
    tear_down = getattr(task.driver.deploy, "tear_down_cleaning", None)
    if (
        ramdisk
        and tear_down is not None
        and not runner.guarded(
            task, "Powering off the cleaning ramdisk", lambda: tear_down(task), fault=FAULT
        )
    ):
        return
    hardware_cache.refresh(task)
    manual = task.node["driver_internal_info"].get("clean_manual")
    info = task.with_info(clean_manual=None, clean_disable_ramdisk=None)
    if manual or task.node["target_provision_state"] == states.MANAGEABLE:
        transitions.advance(task, "manage", note="manual cleaning done", driver_internal_info=info)
    else:
        transitions.advance(task, "done", note="cleaning done", driver_internal_info=info)


resume = run


def begin(task: Task, event: str, clean_steps=None, disable_ramdisk=None, **params) -> bool:
    """``provide``: automated cleaning; ``clean``: the operator's steps."""
    if event == "provide":
        if task.node["retired"]:
            # A retired node goes back to manageable after cleaning; never to available.
            raise exceptions.NodeIsRetired(op="providing", node=task.node["uuid"])
        start_automated(task)
        return True
    if not clean_steps:
        raise exceptions.MissingParameterValue(
            err='"clean_steps" is required when setting target provision state to clean'
        )
    start_manual(task, clean_steps, disable_ramdisk)
    return True


FLOW = Flow(
    name="clean",
    events=("provide", "clean"),
    begin=begin,
    run=run,
    resume=resume,
    working=(states.CLEANING,),
    wait=states.CLEANWAIT,
    hold=states.CLEANHOLD,
    step_kind="clean",
    wait_timeout="clean_callback_timeout",
    fault=FAULT,
    agent_lookup=True,
)
