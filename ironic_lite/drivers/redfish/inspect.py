"""Out-of-band inspection: what the BMC knows of the machine, without booting it.

CPUs and their architecture (Processors), memory (MemorySummary), the largest disk
(SimpleStorage, else Storage) and the NICs' MAC addresses (EthernetInterfaces). Properties
the BMC does not report are left as they were; each MAC that is not a port of the node yet
becomes one (a MAC already on another node is skipped with a warning). What was found is
recorded as the node's inventory (``task.record_inventory``), so inspection rules run.
"""

import logging

import sushy

from ironic_lite.common import exceptions
from ironic_lite.drivers import base
from ironic_lite.drivers.redfish import client

LOG = logging.getLogger(__name__)

_ARCHES = {
    sushy.InstructionSet.X86_64: "x86_64",
    sushy.InstructionSet.X86: "i686",
    sushy.InstructionSet.ARM_A64: "aarch64",
    sushy.InstructionSet.ARM_A32: "arm",
    sushy.InstructionSet.POWER_ISA: "ppc64le",
}
_GIB = 1024**3


def _optional(what: str, read, address: str):
    """``read()``, or None when the BMC lacks that resource (logged)."""
    try:
        return read()
    except (sushy.exceptions.MissingAttributeError, sushy.exceptions.ResourceNotFoundError) as exc:
        LOG.info("BMC %s reports no %s: %s", address, what, exc)
        return None


def _cpus(system, address: str) -> dict:
    processors = _optional("processors", lambda: system.processors.get_members(), address)
    if not processors:
        count = (system.json.get("ProcessorSummary") or {}).get("Count")
        return {"cpus": count} if count else {}
    found: dict = {}
    threads = sum(p.total_threads or p.total_cores or 0 for p in processors)
    if threads:
        found["cpus"] = threads
    arch = next(
        (_ARCHES[p.instruction_set] for p in processors if p.instruction_set in _ARCHES), None
    )
    if arch:
        found["cpu_arch"] = arch
    return found


def _local_gb(system, address: str) -> int | None:
    largest = _optional("SimpleStorage", lambda: system.simple_storage.max_size_bytes, address)
    if not largest:
        largest = _optional("Storage", lambda: system.storage.max_drive_size_bytes, address)
    # One GiB less than the disk, as Ironic does: room for partitioning.
    return max(0, largest // _GIB - 1) if largest else None


def read_hardware(system, address: str) -> tuple[dict, list[str], dict]:
    """The node properties the BMC reports, the MACs of its NICs, and an inventory in the
    agent's shape (cpu, memory, disks, interfaces, system_vendor, boot) for the rules."""
    properties = _cpus(system, address)
    memory = system.memory_summary.size_gib if system.memory_summary else None
    if memory:
        properties["memory_mb"] = int(memory * 1024)
    local_gb = _local_gb(system, address)
    if local_gb is not None:
        properties["local_gb"] = local_gb
    nics = _optional(
        "EthernetInterfaces", lambda: system.ethernet_interfaces.get_members(), address
    )
    macs = [nic.mac_address.lower() for nic in nics or [] if nic.mac_address]
    inventory = {
        "cpu": {"count": properties.get("cpus"), "architecture": properties.get("cpu_arch")},
        "memory": {"physical_mb": properties.get("memory_mb")},
        "disks": (
            [{"name": "largest", "size": (local_gb + 1) * _GIB}] if local_gb is not None else []
        ),
        # The BMC sees no LLDP: interfaces carry no neighbour (agent inspection reports them).
        "interfaces": [
            {"name": nic.identity, "mac_address": nic.mac_address.lower(), "lldp": None}
            for nic in nics or []
            if nic.mac_address
        ],
        "system_vendor": {
            "manufacturer": system.manufacturer,
            "product_name": system.model,
            "serial_number": system.serial_number,
        },
        "boot": {"current_boot_mode": _boot_mode(system)},
    }
    return properties, macs, inventory


def _boot_mode(system) -> str | None:
    mode = getattr(system.boot, "mode", None) if system.boot else None
    return {sushy.BOOT_SOURCE_MODE_UEFI: "uefi", sushy.BOOT_SOURCE_MODE_BIOS: "bios"}.get(mode)


class RedfishInspect(base.InspectInterface):
    properties = client.PROPERTIES

    def validate(self, task) -> None:
        client.driver_info(task.node)

    def inspect_hardware(self, task):
        info = client.driver_info(task.node)
        found, macs, inventory = client.call(
            info,
            "inspect hardware",
            lambda conn: read_hardware(client.system(conn, info), info.address),
        )
        task.save(properties={**(task.node["properties"] or {}), **found})
        known = {port["address"].lower() for port in task.ports}
        for mac in macs:
            if mac in known:
                continue
            try:
                task.add_port(mac)
            except exceptions.Conflict as exc:
                LOG.warning(
                    "Inspection of node %s: not adding port %s: %s", task.node["uuid"], mac, exc
                )
        # After the ports exist: rules may set their attributes.
        task.record_inventory(inventory, source="redfish")
        return None
