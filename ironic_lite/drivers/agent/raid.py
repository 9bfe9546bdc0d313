"""The ``agent`` RAID interface: software RAID built by the agent in the ramdisk.

Steps (Ironic's names and priorities, all on demand):

- ``create_configuration`` (clean): the node's ``target_raid_config``, less the root or the
  other volumes when ``create_root_volume`` / ``create_nonroot_volumes`` say so, is sent to
  the agent as the node's ``target_raid_config`` (IPA and ironic-lite-agent read it there);
  once the agent has built it, ``raid_config`` records what it answered and a root volume
  sets ``properties.local_gb`` and the ``raid_level`` capability, as Ironic does;
- ``delete_configuration`` (clean): the agent removes every software RAID device;
  ``raid_config`` is emptied and ``properties.root_device`` dropped;
- ``apply_configuration`` (deploy, service): builds ``raid_config`` (an argument) instead.

Each runs through the agent like any agent step (``deploy.run_on_agent``): the first one of
a flow boots the ramdisk.
"""

from ironic_lite.common import exceptions, raid
from ironic_lite.common.timestamps import utcnow
from ironic_lite.drivers import base
from ironic_lite.drivers.agent.deploy import run_on_agent

_CREATE_ARGSINFO = {
    "create_root_volume": {
        "description": "Create the logical disk marked is_root_volume (default true).",
        "required": False,
    },
    "create_nonroot_volumes": {
        "description": "Create the logical disks not marked is_root_volume (default true).",
        "required": False,
    },
}
_APPLY_ARGSINFO = {
    "raid_config": {"description": "The RAID configuration to apply.", "required": True},
    "delete_existing": {
        "description": "Delete the existing RAID configuration first (default true).",
        "required": False,
    },
}


def _flag(value, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise exceptions.InvalidParameterValue(err=f"{name} must be a boolean, not {value!r}")


def filtered_target(node: dict, create_root: bool, create_nonroot: bool) -> dict:
    """The node's target_raid_config with only the volumes asked for; MissingParameterValue
    when there is none or nothing is left (Ironic's messages)."""
    target = node.get("target_raid_config") or {}
    if not target:
        raise exceptions.MissingParameterValue(
            err=f"Node {node['uuid']} has no target RAID configuration."
        )
    raid.validate(target)
    disks = [
        d
        for d in target["logical_disks"]
        if (create_root or not d.get("is_root_volume"))
        and (create_nonroot or d.get("is_root_volume"))
    ]
    if not disks:
        raise exceptions.MissingParameterValue(
            err=f"Node {node['uuid']} has empty target RAID configuration after skipping "
            "root volume and/or non-root volumes."
        )
    return {"logical_disks": disks}


class AgentRAID(base.RAIDInterface):
    """Software RAID through the agent; see the module docstring."""

    # The agent's own RAID steps (vendor RAID managers) merge into the node's step lists.
    agent_based = True

    def validate_raid_config(self, task, raid_config: dict) -> None:
        raid.validate(raid_config)

    @base.step(
        "clean", priority=0, requires_ramdisk=True, abortable=True, argsinfo=_CREATE_ARGSINFO
    )
    def create_configuration(
        self, task, create_root_volume: bool = True, create_nonroot_volumes: bool = True
    ):
        """Build the node's target RAID configuration in software on the agent."""
        target = filtered_target(
            task.node,
            _flag(create_root_volume, "create_root_volume"),
            _flag(create_nonroot_volumes, "create_nonroot_volumes"),
        )
        task.remember(target_raid_config=target)
        return run_on_agent(
            task, "create_configuration", interface="raid", node={"target_raid_config": target}
        )

    @base.step("clean", priority=0, requires_ramdisk=True, abortable=True)
    def delete_configuration(self, task):
        """Remove every software RAID device the agent finds."""
        return run_on_agent(task, "delete_configuration", interface="raid")

    @base.step(("deploy", "service"), priority=0, requires_ramdisk=True, argsinfo=_APPLY_ARGSINFO)
    def apply_configuration(self, task, raid_config: dict, delete_existing: bool = True):
        """Build ``raid_config`` (replacing what exists, unless ``delete_existing`` is false)."""
        raid.validate(raid_config)
        return run_on_agent(
            task,
            "apply_configuration",
            {
                "raid_config": raid_config,
                "delete_existing": _flag(delete_existing, "delete_existing"),
            },
            interface="raid",
            node={"target_raid_config": raid_config},
        )

    # --- after the agent's command succeeded (called by the agent session) ---------------
    def after_create_configuration(self, task, command_result: dict) -> None:
        record_raid_config(task, command_result)

    def after_apply_configuration(self, task, command_result: dict) -> None:
        record_raid_config(task, command_result)

    def after_delete_configuration(self, task, command_result: dict) -> None:
        properties = dict(task.node["properties"] or {})
        properties.pop("root_device", None)
        task.save(raid_config={}, properties=properties)


def record_raid_config(task, command_result: dict) -> None:
    """Store what the agent built as ``raid_config`` (with ``last_updated``), and what a root
    volume means for scheduling, as Ironic's ``update_raid_info`` does."""
    built = next(
        (
            command_result.get(f"{kind}_result")
            for kind in ("clean", "deploy", "service")
            if command_result.get(f"{kind}_result")
        ),
        None,
    )
    if not isinstance(built, dict) or not built.get("logical_disks"):
        raise exceptions.IronicLiteError(
            f"The agent did not return the RAID configuration it built for node "
            f"{task.node['uuid']} (it returned {command_result!r})"
        )
    current = dict(built, last_updated=str(utcnow()))
    properties = dict(task.node["properties"] or {})
    root = raid.root_volume(built)
    if root:
        if root.get("size_gb") not in (None, "MAX"):
            properties["local_gb"] = int(root["size_gb"])
        if root.get("root_device_hint"):
            properties["root_device"] = root["root_device_hint"]
        capabilities = [
            c
            for c in str(properties.get("capabilities") or "").split(",")
            if c and not c.startswith("raid_level:")
        ]
        capabilities.append(f"raid_level:{root['raid_level']}")
        properties["capabilities"] = ",".join(capabilities)
    task.save(raid_config=current, properties=properties)
