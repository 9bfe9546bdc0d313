"""Steps the agent offers that no interface of the node declares, merged into its step lists.

An agent (IPA's hardware managers, vendor managers, ironic-lite-agent) may offer more steps
than the conductor knows: ``erase_devices_express``, a vendor's firmware step, a custom step.
As Ironic does, the conductor keeps the agent's last answer to ``get_<kind>_steps`` on the
node (``driver_internal_info.agent_cached_<kind>_steps``) and treats those steps as its own:

- they are listed with the node's steps (``conductor.steps.offered``), with the agent's
  priority, ``abortable`` and ``reboot_requested``;
- a manual clean, service or deploy may request one by name before any agent is up (the
  cache may be empty or old): it is accepted provisionally; when the agent first
  heart-beats its steps are fetched (``fetch``) and the conductor settles the rest of the
  list (``conductor.steps.settle_agent_steps``): a step the agent does not offer fails the
  flow, naming what it offers, and an automated flow (automated cleaning, deploy) gains
  the agent's steps of priority above 0 (after ``[conductor] <kind>_step_priority_override``);
- a step whose ``reboot_requested`` is true reboots the machine into the ramdisk once it
  succeeded, and the flow goes on at the next step when the agent is back.

Only steps of the ``deploy`` interface merge, and those of the ``raid`` interface when the
node's RAID interface is ``agent`` (the interfaces through which Ironic asks its agent).
"""

import logging

from ironic_lite.drivers.agent import client as agent_client
from ironic_lite.drivers.agent import node_document

LOG = logging.getLogger(__name__)


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
    # The conductor settles the flow's step list against them before it goes on
    # (``conductor.steps.settle_agent_steps``).
    task.remember(**{f"agent_cached_{kind}_steps": offered, "agent_steps_fresh": kind})
    return offered
