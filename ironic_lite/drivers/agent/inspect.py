"""The ``agent`` inspect interface: the ramdisk's agent reports the machine's inventory.

``inspect_hardware`` boots the ramdisk (with the inspection callback URL on its kernel command
line) and parks the node in ``inspect wait``; the agent POSTs its inventory to
``/v1/continue_inspection`` and ``continue_inspection`` (run by the conductor on that call,
on a worker) records it,
adds a port for every NIC that has none, fills the scheduling properties and powers the
machine off. With fast track and a live agent, the agent is asked to inspect at once.
"""

import logging

from ironic_lite.common import exceptions, states
from ironic_lite.conf import CONF
from ironic_lite.drivers import base
from ironic_lite.drivers.agent import client as agent_client
from ironic_lite.drivers.agent import session
from ironic_lite.drivers.boot.pxe import api_url

LOG = logging.getLogger(__name__)


class AgentInspect(base.InspectInterface):
    def inspect_hardware(self, task):
        """Boot the ramdisk to inspect (or ask a live agent); the node waits for the data."""
        if session.fast_track_usable(task.node):
            try:
                client = agent_client.AgentClient(task.node)
                agent_client.checked(client.run("system.inspect"), client, "inspection")
                return base.Outcome.WAIT
            except agent_client.AgentError as exc:
                LOG.info(
                    "Node %s: fast-track inspection failed (%s); rebooting", task.node["uuid"], exc
                )
        task.driver.boot.prepare_ramdisk(
            task, {"ipa-inspection-callback-url": f"{api_url()}/v1/continue_inspection"}
        )
        session.forget(task)
        task.remember(agent_flow="inspect")
        task.power(states.REBOOT)
        return base.Outcome.WAIT

    def continue_inspection(self, task, inventory: dict, plugin_data: dict) -> None:
        finish(task, inventory, plugin_data)


class InspectionReportedError(exceptions.IronicLiteError):
    message = "The agent reported an inspection error: %(error)s"


def finish(task, inventory: dict, plugin_data: dict) -> None:
    """Store what the agent found; ports and properties follow from it. An ``error`` in the
    data (IPA sends one when a collector failed) fails the inspection with it, as in Ironic."""
    if plugin_data.get("error"):
        raise InspectionReportedError(error=plugin_data["error"])
    if not isinstance(inventory, dict) or not inventory.get("interfaces"):
        raise exceptions.InvalidParameterValue(
            err="The inspection data has no inventory with network interfaces"
        )
    _add_ports(task, inventory, plugin_data.get("boot_interface"))
    properties = dict(task.node["properties"] or {})
    properties.update(_properties(inventory, plugin_data))
    task.save(properties=properties)
    # Last, so inspection rules see the ports and properties (and may override them).
    task.record_inventory(inventory, plugin_data, source="agent")
    task.driver.boot.clean_up_ramdisk(task)
    if not CONF.deploy.fast_track:
        session.forget(task)
        task.power(states.POWER_OFF)


def _add_ports(task, inventory: dict, boot_interface: str | None) -> None:
    known = {p["address"].lower() for p in task.ports}
    boot_mac = (boot_interface or (inventory.get("boot") or {}).get("pxe_interface") or "").lower()
    for nic in inventory.get("interfaces") or []:
        mac = (nic.get("mac_address") or "").lower()
        if not mac or mac in known:
            continue
        fields = {"pxe_enabled": mac == boot_mac if boot_mac else True}
        try:
            task.add_port(mac, **fields)
        except exceptions.MACAlreadyExists:
            LOG.warning(
                "Node %s: NIC %s (%s) already has a port on another node; not added",
                task.node["uuid"],
                nic.get("name"),
                mac,
            )
            continue
        known.add(mac)


def _properties(inventory: dict, plugin_data: dict) -> dict:
    """cpus, cpu_arch, memory_mb and local_gb (the root disk, in GiB, less one as Ironic)."""
    found: dict = {}
    cpu = inventory.get("cpu") or {}
    if cpu.get("count"):
        found["cpus"] = int(cpu["count"])
    if cpu.get("architecture"):
        found["cpu_arch"] = cpu["architecture"]
    memory = inventory.get("memory") or {}
    if memory.get("physical_mb"):
        found["memory_mb"] = int(memory["physical_mb"])
    root = plugin_data.get("root_disk") or {}
    if not root and inventory.get("disks"):
        root = inventory["disks"][0]
    if root.get("size"):
        found["local_gb"] = max(0, int(root["size"]) // 2**30 - 1)
    return found
