"""Rescue and unrescue: boot an active node into a rescue environment and back.

active / rescue* --rescue--> rescuing -> rescue  (rescue wait while the ramdisk comes up)
rescue / rescue failed / unrescue failed --unrescue--> unrescuing -> active
failures -> rescue failed / unrescue failed
"""

from ironic_lite.common import exceptions, rescue_password
from ironic_lite.conductor import steps, transitions
from ironic_lite.conductor.flows import runner
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
    if outcome[0] is steps.Outcome.WAIT:
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


def resume(task: Task, stopping=None) -> None:
    if task.node["provision_state"] == "unrescuing":
        run_unrescue(task, stopping)
    else:
        run(task, stopping)
