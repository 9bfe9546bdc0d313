"""Deploying (``active``/``deploy``) and rebuilding an instance onto a node.

available / deploy failed / active / error --deploy|rebuild--> deploying -> active
deploying: the boot interface prepares the ramdisk boot, the steps run, then it prepares the
instance's boot (which removes the ramdisk's boot files); a deploy interface that boots the
instance itself (``ramdisk``) skips both
deploying -> wait call-back (async step / wait step) -> deploying ... ; deploy hold until unhold
any failure -> deploy failed with last_error naming the step
Steps: the interfaces' automated deploy steps, the steps of deploy templates matching the
instance's traits, and the operator's deploy_steps, merged by priority.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ironic_lite.common import exceptions, node_rules, states
from ironic_lite.conductor import steps, transitions
from ironic_lite.conductor.flows import runner
from ironic_lite.conductor.flows.declaration import Flow
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task


def _instance_traits(task: Task) -> list[str]:
    """Traits the instance asks for; each must be one of the node's own traits."""
    wanted = (task.node["instance_info"] or {}).get("traits") or []
    if not isinstance(wanted, list) or not all(isinstance(t, str) for t in wanted):
        raise exceptions.InvalidParameterValue(err="instance_info/traits must be a list of traits")
    missing = sorted(set(wanted) - set(task.node.get("traits") or []))
    if missing:
        raise exceptions.InvalidParameterValue(
            err=f"Cannot specify instance traits that are not also node traits: "
            f"{', '.join(missing)} (node {task.node['uuid']})"
        )
    return wanted


def _deploy_steps(task: Task, user_steps: list[dict] | None) -> tuple[list[dict], list[str]]:
    """The ordered deploy steps and the names of the deploy templates that contributed.

    The interfaces' automated steps come first; steps of the deploy templates named by the
    instance's traits override them, and the user's deploy_steps override both (a step is
    known by interface and name; priority 0 takes it out).
    """
    chosen = {
        (s["interface"], s["step"]): s
        for s in steps.automated(task, "deploy", CONF.conductor.deploy_step_priority_override)
    }
    templates = dbapi.deploy_templates_named(_instance_traits(task))
    for source in [t["steps"] for t in templates] + [user_steps or []]:
        for s in steps.requested(task, "deploy", source):
            chosen[(s["interface"], s["step"])] = s
    ordered = [s for s in chosen.values() if s["priority"] > 0]
    return sorted(ordered, key=steps.sort_key), [t["name"] for t in templates]


def start(task: Task, event: str, configdrive=None, deploy_steps=None) -> None:
    """Check the request, then move to deploying with the full, ordered list of steps."""
    node_rules.refuse_provisioning_in_maintenance(task.node)
    if task.node["protected"] and event == "rebuild":
        raise exceptions.NodeProtected(node=task.node["uuid"])
    step_list, templates = _deploy_steps(task, deploy_steps)
    changes = {}
    if configdrive is not None:
        changes["instance_info"] = dict(task.node["instance_info"] or {}, configdrive=configdrive)
    changes["driver_internal_info"] = task.with_info(deploy_steps=step_list, deploy_step_index=0)
    note = f"deploying with templates {', '.join(templates)}" if templates else None
    transitions.advance(task, event, target=states.ACTIVE, last_error=None, note=note, **changes)


def run(task: Task, stopping=None) -> None:
    step_list, index = steps.saved_progress(task.node, "deploy")
    boot = task.driver.boot
    # The ramdisk deploy boots its instance itself, in its deploy step.
    ramdisk_first = task.driver.deploy.uses_deploy_ramdisk
    if (
        ramdisk_first
        and not index
        and not runner.guarded(
            task, "Preparing the deploy ramdisk boot", lambda: boot.prepare_ramdisk(task, {})
        )
    ):
        return
    if not runner.run_steps(task, "deploy", step_list, index or 0, stopping):
        return
    # The instance boots from its disk from now on; the ramdisk's boot files go.
    if ramdisk_first and not runner.guarded(
        task, "Preparing the instance boot", lambda: boot.prepare_instance(task)
    ):
        return
    transitions.advance(task, "done", note="deploy done")


resume = run


def begin(task: Task, event: str, configdrive=None, deploy_steps=None, **params) -> bool:
    start(task, event, configdrive, deploy_steps)
    return True


FLOW = Flow(
    name="deploy",
    events=("deploy", "rebuild"),
    begin=begin,
    run=run,
    resume=resume,
    working=(states.DEPLOYING,),
    wait=states.DEPLOYWAIT,
    hold=states.DEPLOYHOLD,
    step_kind="deploy",
    wait_timeout="deploy_callback_timeout",
    agent_lookup=True,
)
