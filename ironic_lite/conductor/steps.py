"""Steps: collecting them from a node's interfaces, checking requested ones, running them.

A step is a driver method declared with ``@step``. A flow runs a list of step dicts one after
another; before each one it saves the list and the index on the node, so that a conductor
taking over a dead one's node resumes at the right step (if the step is rerunnable) or fails
it with a clear last_error (if not).

Flow-control steps can appear in any list: ``hold`` parks the node in its hold state,
``wait`` parks it in its wait state (for ``args.seconds`` or until aborted), and
``power_on``/``power_off``/``reboot`` act on the node's power.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from ironic_lite.common import exceptions, states, step_rules
from ironic_lite.conf import CONF
from ironic_lite.drivers import loader
from ironic_lite.drivers.base import Outcome, StepSpec

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task

LOG = logging.getLogger(__name__)

# When two steps have the same priority, the one of the interface with the higher value runs
# first: firmware before the BIOS settings it may reset, RAID before the image lands on it.
INTERFACE_PRIORITY = {
    "vendor": 7,
    "power": 6,
    "management": 5,
    "firmware": 4,
    "bios": 3,
    "raid": 2,
    "deploy": 1,
}
FLOW_CONTROL = step_rules.FLOW_CONTROL
# The node column holding the current step of each kind (verify has none).
STEP_FIELD = {"deploy": "deploy_step", "clean": "clean_step", "service": "service_step"}


class HandBack(Exception):
    """The conductor is stopping: leave the flow where it is for the next owner."""


def _declared(iface, kind: str) -> list[tuple[str, StepSpec]]:
    """(method name, spec) of each ``kind`` step an interface implementation declares."""
    if not iface.supported:
        return []
    found = []
    for name in dir(type(iface)):
        spec = getattr(getattr(type(iface), name, None), "_step_specs", {}).get(kind)
        if spec is not None:
            found.append((name, spec))
    return found


def _steps_of(task: Task, kind: str) -> list[tuple[str, str, StepSpec]]:
    return [
        (itype, name, spec)
        for itype, iface in task.driver.interfaces().items()
        for name, spec in _declared(iface, kind)
    ]


def enabled_offers(kind: str) -> list[dict]:
    """Every ``kind`` step of every enabled implementation of every enabled hardware type:
    what a deploy template or runbook may name before any node runs it."""
    found: dict[tuple[str, str], dict] = {}
    for hw in loader.hardware_types().values():
        for itype, (usable, _default) in loader.enabled_interfaces(hw).items():
            for impl in usable:
                iface = loader.implementation(itype, impl)
                for name, spec in _declared(iface, kind):
                    found.setdefault((itype, name), _as_dict(itype, name, spec))
                # An agent may offer steps of these interfaces that nobody declares: any name
                # is possible (``*``), checked when the agent is up, as Ironic does.
                # (Looked up on the class: a no-* implementation answers any attribute.)
                cls = type(iface)
                if hasattr(cls, "agent_step_requested") or getattr(cls, "agent_based", False):
                    found.setdefault((itype, AGENT_STEP), _agent_wildcard(itype))
    return [found[key] for key in sorted(found)]


# The name standing for "any step the agent offers" in what enabled interfaces offer.
AGENT_STEP = "*"


def _agent_wildcard(itype: str) -> dict:
    return {
        "interface": itype,
        "step": AGENT_STEP,
        "priority": 0,
        "args": {},
        "abortable": False,
        "requires_ramdisk": True,
        "rerunnable": False,
        "argsinfo": None,
        "agent": True,
    }


def _as_dict(
    itype: str, name: str, spec: StepSpec, priority: int | None = None, args: dict | None = None
) -> dict:
    return {
        "interface": itype,
        "step": name,
        "priority": spec.priority if priority is None else priority,
        "args": args or {},
        "abortable": spec.abortable,
        "requires_ramdisk": spec.requires_ramdisk,
        "rerunnable": spec.rerunnable,
        "argsinfo": dict(spec.argsinfo) if spec.argsinfo else None,
    }


def sort_key(step: dict) -> tuple[int, int]:
    return (-step["priority"], -INTERFACE_PRIORITY.get(step["interface"], 0))


def offered(task: Task, kind: str) -> list[dict]:
    """Every ``kind`` step the node's interfaces offer, whatever its priority, and those its
    agent offered the last time it was asked that no interface declares."""
    found = [_as_dict(*declared) for declared in _steps_of(task, kind)]
    agent_offers = getattr(type(task.driver.deploy), "agent_offered_steps", None)
    if agent_offers is not None:
        known = {(s["interface"], s["step"]) for s in found}
        found += [
            s
            for s in agent_offers(task.driver.deploy, task, kind)
            if (s["interface"], s["step"]) not in known
        ]
    return sorted(found, key=sort_key)


def automated(task: Task, kind: str, overrides: dict[str, str] | None = None) -> list[dict]:
    """Steps that run without being asked: priority above 0 (after overrides), in order."""
    result = []
    for step in offered(task, kind):
        key = f"{step['interface']}.{step['step']}"
        priority = int((overrides or {}).get(key, step["priority"]))
        if priority > 0:
            result.append(dict(step, priority=priority))
    return sorted(result, key=sort_key)


def flow_control(step: dict) -> dict:
    step_rules.check_wait_args(step)
    args = step.get("args") or {}
    return {
        "interface": step.get("interface") or "power",
        "step": step["step"],
        "priority": step.get("priority", 0),
        "args": args,
        "abortable": True,
        "requires_ramdisk": False,
        "rerunnable": True,
        "argsinfo": None,
    }


def requested(task: Task, kind: str, user_steps: list[dict]) -> list[dict]:
    """The user's steps checked against what the node offers, in the order they will run.

    Clean and service steps run in the order given; deploy steps carry priorities and are
    merged by the caller.
    """
    available = {(s["interface"], s["step"]): s for s in offered(task, kind)}
    result = []
    for user in user_steps:
        if user.get("step") in FLOW_CONTROL:
            result.append(flow_control(user))
            continue
        found = available.get((user.get("interface"), user.get("step")))
        if found is None:
            # A step only an agent that is not up yet may offer: checked when it is.
            agent_step = getattr(type(task.driver.deploy), "agent_step_requested", None)
            pending = agent_step(task.driver.deploy, task, user) if agent_step else None
            if pending is not None:
                result.append(pending)
                continue
            names = ", ".join(f"{i}.{n}" for i, n in sorted(available)) or "none"
            raise exceptions.InvalidParameterValue(
                err=f"The {kind} step {user.get('interface')}.{user.get('step')} is not "
                f"offered by node {task.node['uuid']} with its current interfaces "
                f"(offered: {names})"
            )
        step_rules.check_args(user, found["argsinfo"], kind)
        priority = user.get("priority", found["priority"])
        result.append(dict(found, args=user.get("args") or {}, priority=priority))
    return result


# --- steps only the agent offers ----------------------------------------------------------------
_OVERRIDE_OPTIONS = {
    "clean": "clean_step_priority_override",
    "deploy": "deploy_step_priority_override",
}


def settle_agent_steps(task: Task, kind: str, step_list: list[dict], start: int) -> list[dict]:
    """The step list once the agent has told its steps (the deploy interface cached them):
    each step requested before (``provisional``) takes the agent's attributes, or the flow
    fails naming what the agent offers; an automated flow gains the agent's steps of positive
    priority it does not run yet, by priority. Steps before ``start`` stay as they were."""
    offers = {(s["interface"], s["step"]): s for s in offered(task, kind) if s.get("agent")}
    remaining = []
    for step in step_list[start:]:
        if step.get("provisional"):
            found = offers.get((step["interface"], step["step"]))
            if found is None:
                names = ", ".join(f"{i}.{n}" for i, n in sorted(offers)) or "none"
                raise StepFailed(
                    step,
                    f"the agent of node {task.node['uuid']} does not offer it (it offers: {names})",
                )
            step = dict(found, args=step.get("args") or {}, priority=step["priority"])
        remaining.append(step)
    info = task.node["driver_internal_info"] or {}
    if kind == "deploy" or (kind == "clean" and not info.get("clean_manual")):
        present = {(s["interface"], s["step"]) for s in step_list}
        overrides = getattr(CONF.conductor, _OVERRIDE_OPTIONS[kind], None) or {}
        remaining += [
            s
            for s in automated(task, kind, overrides)
            if s.get("agent") and (s["interface"], s["step"]) not in present
        ]
        remaining.sort(key=sort_key)
    return step_list[:start] + remaining


# --- running ---------------------------------------------------------------------------------
def _save_progress(task: Task, kind: str, steps: list[dict], index: int | None) -> None:
    info = dict(task.node["driver_internal_info"] or {})
    changes: dict = {}
    if index is None:
        info.pop(f"{kind}_steps", None)
        info.pop(f"{kind}_step_index", None)
        info.pop("wait_until", None)
        if kind in STEP_FIELD:
            changes[STEP_FIELD[kind]] = {}
    else:
        info[f"{kind}_steps"] = steps
        info[f"{kind}_step_index"] = index
        if kind in STEP_FIELD:
            current = steps[index]
            changes[STEP_FIELD[kind]] = {
                k: current[k] for k in ("interface", "step", "priority", "args")
            }
    changes["driver_internal_info"] = info
    task.save(**changes)


def saved_progress(node: dict, kind: str) -> tuple[list[dict], int | None]:
    info = node["driver_internal_info"] or {}
    return info.get(f"{kind}_steps") or [], info.get(f"{kind}_step_index")


def clear_progress(task: Task, kind: str) -> None:
    _save_progress(task, kind, [], None)


def _run_flow_control(task: Task, step: dict) -> Outcome | None:
    name = step["step"]
    if name == "hold":
        return Outcome.HOLD
    if name == "wait":
        seconds = (step.get("args") or {}).get("seconds")
        until = None if seconds is None else time.time() + seconds
        task.remember(wait_until=until)
        return Outcome.WAIT
    target = {"power_on": states.POWER_ON, "power_off": states.POWER_OFF, "reboot": states.REBOOT}[
        name
    ]
    task.power(target)
    return None


def run(task: Task, kind: str, steps: list[dict], start: int = 0, stopping=None) -> Outcome:
    """Run ``steps[start:]``; raise on the first failing step (the flow decides the state).

    A step that returns ``Outcome.WAIT`` has started something asynchronous (e.g. on the
    agent); the flow parks and is resumed later at the next step.
    """
    if (task.node["driver_internal_info"] or {}).get("agent_steps_fresh") == kind:
        # The agent just told its steps: settle the rest of the list first.
        task.remember(agent_steps_fresh=None)
        steps = settle_agent_steps(task, kind, steps, start)
    for index in range(start, len(steps)):
        if stopping is not None and stopping.is_set():
            raise HandBack()
        step = steps[index]
        _save_progress(task, kind, steps, index)
        try:
            if step["step"] in FLOW_CONTROL:
                outcome = _run_flow_control(task, step)
            elif step.get("agent"):
                outcome = task.driver.deploy.execute_agent_step(task, step)
            else:
                iface = getattr(task.driver, step["interface"])
                method = getattr(iface, step["step"])
                outcome = method(task, **(step.get("args") or {}))
        except exceptions.IronicLiteError as exc:
            raise StepFailed(step, str(exc)) from exc
        except Exception as exc:
            LOG.exception(
                "Step %s.%s of node %s crashed", step["interface"], step["step"], task.node["uuid"]
            )
            raise StepFailed(step, f"unexpected {type(exc).__name__}: {exc}") from exc
        if isinstance(outcome, Outcome) and outcome is not Outcome.DONE:
            task.remember(**{f"{kind}_step_index": index + 1})
            return outcome
    if steps or saved_progress(task.node, kind)[1] is not None:
        _save_progress(task, kind, steps, None)
    return Outcome.DONE


class StepFailed(Exception):
    def __init__(self, step: dict, reason: str):
        self.step = step
        self.reason = reason
        super().__init__(f"{step['interface']}.{step['step']} failed: {reason}")
