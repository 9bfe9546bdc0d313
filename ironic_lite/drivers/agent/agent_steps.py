"""Steps the agent offers that no interface of the node declares, merged into its step lists.

An agent (IPA's hardware managers, vendor managers, ironic-lite-agent) may offer more steps
than the conductor knows: ``erase_devices_express``, a vendor's firmware step, a custom step.
As Ironic does, the conductor keeps the agent's last answer to ``get_<kind>_steps`` on the
node (``driver_internal_info.agent_cached_<kind>_steps``) and treats those steps as its own:

- they are listed with the node's steps (``conductor.steps.offered``), with the agent's
  priority, ``abortable`` and ``reboot_requested``;
- a manual clean, service or deploy may request one by name before any agent is up (the
  cache may be empty or old): it is accepted provisionally and checked once the agent
  heart-beats; a step the agent does not offer then fails the flow, naming what it offers;
- an automated flow (automated cleaning, deploy) adds the agent's steps of priority above 0
  (after ``[conductor] <kind>_step_priority_override``) when the agent first heart-beats;
- a step whose ``reboot_requested`` is true reboots the machine into the ramdisk once it
  succeeded, and the flow goes on at the next step when the agent is back.

Only steps of the ``deploy`` interface merge, and those of the ``raid`` interface when the
node's RAID interface is ``agent`` (the interfaces through which Ironic asks its agent).
"""

import logging

from ironic_lite.common import exceptions
from ironic_lite.conductor import steps as conductor_steps
from ironic_lite.conf import CONF
from ironic_lite.drivers.agent import client as agent_client
from ironic_lite.drivers.agent import node_document

LOG = logging.getLogger(__name__)
_OVERRIDES = {
    "clean": "clean_step_priority_override",
    "deploy": "deploy_step_priority_override",
}


def interfaces(task) -> set[str]:
    """The interfaces whose steps the agent may contribute for this node."""
    found = {"deploy"}
    # On the class: a no-* implementation answers any attribute.
    if getattr(type(task.driver.raid), "agent_based", False):
        found.add("raid")
    return found


def as_step(offered: dict, args: dict | None = None, priority: int | None = None) -> dict:
    """An agent's step as a conductor step dict (``agent`` marks where it runs)."""
    return {
        "interface": offered["interface"],
        "step": offered["step"],
        "priority": int(offered.get("priority") or 0) if priority is None else priority,
        "args": args or {},
        "abortable": bool(offered.get("abortable")),
        "requires_ramdisk": True,
        "rerunnable": False,
        "argsinfo": offered.get("argsinfo"),
        "reboot_requested": bool(offered.get("reboot_requested")),
        "agent": True,
    }


def cached(task, kind: str) -> list[dict]:
    """The agent's ``kind`` steps as last seen, for the interfaces that merge them."""
    found = (task.node["driver_internal_info"] or {}).get(f"agent_cached_{kind}_steps") or []
    wanted = interfaces(task)
    return [as_step(s) for s in found if s.get("interface") in wanted]


def provisional(user: dict) -> dict:
    """A requested step no interface declares and no agent has confirmed yet."""
    step = as_step(
        {"interface": user.get("interface"), "step": user.get("step")},
        args=user.get("args"),
        priority=int(user.get("priority", 0) or 0),
    )
    step["provisional"] = True
    return step


def fetch(task, kind: str) -> list[dict]:
    """Ask the running agent for its ``kind`` steps (all hardware managers) and cache them."""
    client = agent_client.AgentClient(task.node)
    answer = client.steps(kind, node_document.node_doc(task.node), node_document.port_docs(task))
    by_key: dict[tuple, dict] = {}
    for found in (answer.get(f"{kind}_steps") or {}).values():
        for s in found or []:
            if not isinstance(s, dict) or not s.get("step") or not s.get("interface"):
                continue
            key = (s["interface"], s["step"])
            # Two managers offering one step: the agent runs the first that supports it;
            # keep the higher priority, as Ironic's de-duplication does.
            if key not in by_key or int(s.get("priority") or 0) > int(
                by_key[key].get("priority") or 0
            ):
                by_key[key] = s
    offered = sorted(by_key.values(), key=lambda s: (s["interface"], s["step"]))
    task.remember(**{f"agent_cached_{kind}_steps": offered})
    return offered


class StepNotOffered(exceptions.InvalidParameterValue):
    """A requested step the agent turned out not to offer."""


def refresh(task, kind: str) -> None:
    """The agent is up: learn its steps and settle the rest of the node's saved step list.

    Provisional steps get the agent's attributes, or StepNotOffered; an automated flow gains
    the agent's steps of positive priority that it does not run yet.
    """
    info = task.node["driver_internal_info"] or {}
    saved, index = conductor_steps.saved_progress(task.node, kind)
    if index is None:
        return
    offered = {(s["interface"], s["step"]): s for s in fetch(task, kind)}
    wanted = interfaces(task)
    remaining = []
    for step in saved[index:]:
        if step.get("agent"):
            found = offered.get((step["interface"], step["step"]))
            if found is None:
                names = ", ".join(f"{i}.{n}" for i, n in sorted(offered)) or "none"
                raise StepNotOffered(
                    err=f"The {kind} step {step['interface']}.{step['step']} is not offered "
                    f"by the agent of node {task.node['uuid']} (it offers: {names})"
                )
            step = as_step(found, args=step.get("args"), priority=step.get("priority"))
        remaining.append(step)
    automated = kind == "deploy" or (kind == "clean" and not info.get("clean_manual"))
    if automated:
        present = {(s["interface"], s["step"]) for s in saved}
        declared = {
            (s["interface"], s["step"])
            for s in conductor_steps.offered(task, kind)
            if not s.get("agent")
        }
        overrides = getattr(CONF.conductor, _OVERRIDES.get(kind, ""), None) or {}
        for key, found in offered.items():
            if key in present or key in declared or key[0] not in wanted:
                continue
            priority = int(overrides.get(f"{key[0]}.{key[1]}", found.get("priority") or 0))
            if priority > 0:
                remaining.append(as_step(found, priority=priority))
        remaining.sort(key=conductor_steps.sort_key)
    steps = saved[:index] + remaining
    task.remember(**{f"{kind}_steps": steps})
