"""Rescue and unrescue: boot an active node into a rescue environment and back.

active / rescue* --rescue--> rescuing -> rescue  (rescue wait while the ramdisk comes up)
rescue / rescue failed / unrescue failed --unrescue--> unrescuing -> active
failures -> rescue failed / unrescue failed
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ironic_lite.common import exceptions, rescue_password, states
from ironic_lite.conductor import transitions
from ironic_lite.conductor.flows import runner
from ironic_lite.conductor.flows.declaration import Flow
from ironic_lite.drivers.base import Outcome

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task


def start(task: Task, password: str) -> None:
    if not password or not password.strip():
        raise exceptions.MissingParameterValue(
            err='A non-empty "rescue_password" is required when setting target provision '
            "state to rescue"
        )
    if not task.driver.rescue.supported:
        # Refused before the node moves: a rescue it cannot do would strand it in
        # "rescue failed".
        raise exceptions.UnsupportedDriverExtension(driver=task.node["driver"], extension="rescue")
    info = dict(
        task.node["instance_info"] or {},
        rescue_password=password,
        hashed_rescue_password=rescue_password.hash_password(password),
    )
    transitions.advance(task, "rescue", last_error=None, instance_info=info)


def run(task: Task, stopping=None) -> None:
    outcome = []
    if not runner.guarded(task, "Rescue", lambda: outcome.append(task.driver.rescue.rescue(task))):
        return
    if outcome[0] is Outcome.WAIT:
        transitions.advance(task, "wait", note="waiting for the rescue ramdisk")
        return
    transitions.advance(task, "done", note="rescued")


def start_unrescue(task: Task) -> None:
    transitions.advance(task, "unrescue", last_error=None)


def run_unrescue(task: Task, stopping=None) -> None:
    def unrescue():
        task.driver.rescue.unrescue(task)
        info = dict(task.node["instance_info"] or {})
        info.pop("rescue_password", None)
        info.pop("hashed_rescue_password", None)
        task.save(instance_info=info)

    if runner.guarded(task, "Unrescue", unrescue):
        transitions.advance(task, "done", note="unrescued")


def begin(task: Task, event: str, rescue_password=None, **params) -> bool:
    start(task, rescue_password)
    return True


def begin_unrescue(task: Task, event: str, **params) -> bool:
    start_unrescue(task)
    return True


FLOW = Flow(
    name="rescue",
    events=("rescue",),
    begin=begin,
    run=run,
    resume=run,
    working=(states.RESCUING,),
    wait=states.RESCUEWAIT,
    wait_timeout="rescue_callback_timeout",
    agent_lookup=True,
)
UNRESCUE_FLOW = Flow(
    name="unrescue",
    events=("unrescue",),
    begin=begin_unrescue,
    run=run_unrescue,
    resume=run_unrescue,
    working=(states.UNRESCUING,),
)
