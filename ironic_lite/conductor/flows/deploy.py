"""Deploying (``active``/``deploy``) and rebuilding an instance onto a node.

available / deploy failed / active / error --deploy|rebuild--> deploying -> active
deploying -> wait call-back (async step / wait step) -> deploying ... ; deploy hold until unhold
any failure -> deploy failed with last_error naming the step
Steps: the operator's deploy_steps and the interfaces' automated deploy steps, merged by
priority.
"""

from ironic_lite.common import exceptions, states
from ironic_lite.conductor import steps, transitions
from ironic_lite.conductor.flows import runner
from ironic_lite.conductor.task import Task
from ironic_lite.conf import CONF


def _deploy_steps(task: Task, user_steps: list[dict] | None) -> list[dict]:
    chosen = steps.requested(task, "deploy", user_steps or [])
    named = {(s["interface"], s["step"]) for s in chosen}
    chosen += [
        s
        for s in steps.automated(task, "deploy", CONF.conductor.deploy_step_priority_override)
        if (s["interface"], s["step"]) not in named
    ]
    for s in chosen:
        if s["step"] not in steps.FLOW_CONTROL and s["priority"] <= 0:
            raise exceptions.InvalidParameterValue(
                err=f"Deploy step {s['interface']}.{s['step']} needs a priority above 0"
            )
    return sorted(chosen, key=steps.sort_key)


def start(task: Task, event: str, configdrive=None, deploy_steps=None) -> None:
    """Check the request, then move to deploying with the full, ordered list of steps."""
    if task.node["maintenance"]:
        raise exceptions.InvalidParameterValue(
            err=f"The provisioning operation can't be performed on node "
            f"{task.node['uuid']} because it's in maintenance mode."
        )
    if task.node["protected"] and event == "rebuild":
        raise exceptions.NodeProtected(node=task.node["uuid"])
    step_list = _deploy_steps(task, deploy_steps)
    changes = {}
    if configdrive is not None:
        changes["instance_info"] = dict(task.node["instance_info"] or {}, configdrive=configdrive)
    changes["driver_internal_info"] = task.with_info(deploy_steps=step_list, deploy_step_index=0)
    transitions.advance(task, event, target=states.ACTIVE, last_error=None, **changes)


def run(task: Task, stopping=None) -> None:
    step_list, index = steps.saved_progress(task.node, "deploy")
    if not runner.run_steps(task, "deploy", step_list, index or 0, stopping):
        return
    transitions.advance(task, "done", note="deploy done")


resume = run
