"""What a node remembers of its agent, and what the agent's calls do to a waiting flow.

The agent's life, as the conductor sees it (all in ``driver_internal_info``):

1. a flow boots the ramdisk (``boot_ramdisk``): the old token and URL are wiped, the node
   reboots, and ``agent_wait`` says why the flow parked (``boot``: go on with the next step;
   ``rerun``: run the step that asked for the ramdisk again, now that an agent is there);
2. the agent looks the node up: the conductor hands out a fresh ``agent_secret_token`` on the
   first lookup (``conductor/agent_token.py``); every later lookup of this boot sees it masked;
3. every heart-beat must carry that token (the conductor checks it); the deploy interface
   records the agent's URL and time (``DeployInterface.heartbeat``) and, when the flow waits
   for the agent (``waits_for_agent``), the conductor resumes it on a worker once
   ``on_heartbeat`` says so: at once after a boot, or once the command it started has ended;
4. a flow that ends with the machine off wipes it all again (``forget``).

The node's state decides nothing here: ``task.step_kind`` says which kind of steps its flow
runs, and a command that failed fails the flow through ``task.fail``.

A heart-beat while a command still runs touches ``provision_updated_at``, so the wait timeout
of the periodic check (``[conductor] deploy_callback_timeout`` ...) counts from the last sign
of life: an agent that dies mid-command fails the flow once that timeout passes.
"""

import logging
import time

from ironic_lite.common import exceptions, states
from ironic_lite.common.timestamps import utcnow
from ironic_lite.conf import CONF
from ironic_lite.drivers.agent import agent_steps, logs
from ironic_lite.drivers.agent import client as agent_client
from ironic_lite.drivers.base import Task

LOG = logging.getLogger(__name__)

_AGENT_KEYS = (
    "agent_secret_token",
    "agent_url",
    "agent_last_heartbeat",
    "agent_version",
    "agent_verify_ca",
    "agent_flow",
    "agent_wait",
)


def kind_of(task: Task) -> str:
    kind = task.step_kind
    if kind is None:
        raise exceptions.NodeInWrongState(
            err=f"Node {task.node['uuid']} runs no steps in {task.node['provision_state']}"
        )
    return kind


# --- heart-beats -------------------------------------------------------------------------------
def waits_for_agent(task: Task) -> bool:
    """Whether a heart-beat has work to do for the node's flow: a flow of steps parked in its
    wait state for the agent."""
    info = task.node["driver_internal_info"] or {}
    waiting = task.step_kind is not None and task.node["provision_state"] in states.WAIT_STATES
    return waiting and bool(info.get("agent_wait"))


def alive(node: dict, within: float | None = None) -> bool:
    """The node's agent heart-beat within ``within`` seconds (default: its heartbeat timeout)."""
    info = node["driver_internal_info"] or {}
    last = info.get("agent_last_heartbeat")
    if not info.get("agent_url") or last is None:
        return False
    limit = CONF.agent.heartbeat_timeout if within is None else within
    return time.time() - float(last) <= limit


def reusable(node: dict, kind: str) -> bool:
    """Whether a step of ``kind`` may use the running agent instead of booting the ramdisk:
    the flow booted it itself, or fast track trusts an agent seen lately."""
    info = node["driver_internal_info"] or {}
    if info.get("agent_flow") == kind and alive(node):
        return True
    return fast_track_usable(node)


def fast_track_usable(node: dict) -> bool:
    return (
        CONF.deploy.fast_track
        and node["power_state"] == states.POWER_ON
        and alive(node, CONF.deploy.fast_track_timeout)
    )


# --- booting the ramdisk, commands -------------------------------------------------------------
def forget(task: Task) -> None:
    """Drop everything known about the agent (its machine is off or reboots)."""
    task.remember(**dict.fromkeys(_AGENT_KEYS))


def boot_ramdisk(task: Task, kind: str, rerun: bool) -> None:
    """Reboot into the (already prepared) ramdisk and park until its agent heart-beats."""
    forget(task)
    task.remember(agent_flow=kind, agent_wait={"reason": "rerun" if rerun else "boot"})
    task.power(states.REBOOT)


def await_command(
    task: Task,
    kind: str,
    step: str,
    result: dict,
    interface: str = "deploy",
    reboot: bool = False,
) -> bool:
    """Remember the command just started; True when it has already ended well (and the
    step asked for no reboot: then the machine reboots into the ramdisk and the flow waits).
    """
    client = agent_client.AgentClient(task.node)
    status = result.get("command_status")
    if status == "FAILED":
        logs.collect(task, f"{kind}-{step}-failed")
        agent_client.checked(result, client, f"{kind} step {step}")
    wait = {
        "reason": "command",
        "command_id": result.get("id"),
        "step": step,
        "interface": interface,
        "reboot": reboot,
    }
    if status == "SUCCEEDED":
        task.remember(agent_last_result=result.get("command_result") or {})
        return _step_done(task, kind, wait, result)
    task.remember(agent_wait=wait, agent_flow=kind)
    return False


def _step_done(task: Task, kind: str, wait: dict, result: dict) -> bool:
    """What follows an agent step that succeeded: its interface's ``after_<step>`` hook (e.g.
    RAID records the configuration built), then the reboot the step asked for. True: the
    flow goes on now."""
    iface = getattr(task.driver, wait.get("interface") or "deploy", None)
    # On the class: a no-* implementation answers any attribute.
    hook = getattr(type(iface), f"after_{wait.get('step')}", None)
    if hook is not None:
        hook(iface, task, result.get("command_result") or {})
    if wait.get("reboot"):
        task.history(
            f"{kind} step {wait.get('step')} asked for a reboot: rebooting into the ramdisk"
        )
        boot_ramdisk(task, kind, rerun=False)
        return False
    return True


def on_heartbeat(task: Task) -> bool:
    """Act on a heart-beat for a flow parked for the agent; True: resume the flow now."""
    info = task.node["driver_internal_info"] or {}
    wait = info.get("agent_wait") or {}
    kind = kind_of(task)
    reason = wait.get("reason")
    if reason in ("boot", "rerun"):
        changes = {"agent_wait": None}
        if reason == "rerun":
            # The step that asked for the ramdisk runs again, now that the agent is up.
            index = info.get(f"{kind}_step_index") or 1
            changes[f"{kind}_step_index"] = max(0, index - 1)
        task.remember(**changes)
        try:
            agent_steps.fetch(task, kind)
        except agent_client.AgentError as exc:
            LOG.warning("Node %s: cannot read the agent's steps: %s", task.node["uuid"], exc)
        return True
    step = wait.get("step") or "?"
    try:
        result = agent_client.AgentClient(task.node).command(wait.get("command_id"))
    except agent_client.AgentError as exc:
        LOG.warning("Node %s: cannot read the agent's command status: %s", task.node["uuid"], exc)
        return False
    if result is None:
        _fail(task, kind, step, "the agent no longer knows the command (did it restart?)")
        return False
    status = result.get("command_status")
    if status == "RUNNING":
        # A sign of life: the wait timeout counts from here.
        task.save(provision_updated_at=utcnow())
        return False
    if status == "FAILED":
        logs.collect(task, f"{kind}-{step}-failed")
        _fail(task, kind, step, agent_client.command_error(result))
        return False
    if CONF.agent.deploy_logs_collect == "always":
        logs.collect(task, f"{kind}-{step}")
    task.remember(agent_wait=None, agent_last_result=result.get("command_result") or {})
    try:
        return _step_done(task, kind, wait, result)
    except exceptions.IronicLiteError as exc:
        task.fail(
            f"{kind.capitalize()} step {wait.get('interface') or 'deploy'}.{step} failed "
            f"after the agent ran it: {exc}"
        )
        return False


def _fail(task: Task, kind: str, step: str, reason: str) -> None:
    interface = ((task.node["driver_internal_info"] or {}).get("agent_wait") or {}).get("interface")
    task.remember(agent_wait=None)
    task.fail(
        f"{kind.capitalize()} step {interface or 'deploy'}.{step} failed on the agent: {reason}"
    )
