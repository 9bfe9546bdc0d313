"""The lab's hardware manager for ironic-python-agent (loaded by IPA, in IPA's venv).

IPA picks hardware managers by the support level they report; this one reports
SERVICE_PROVIDER (above the generic manager's MAINLINE/GENERIC) when the machine simulator
started IPA for a simulated machine (``IRONIC_LITE_LAB_MACHINE`` names its directory), and
nothing otherwise, so it never claims a real machine.

It presents the machine as ironic-lite-agent's ``simulated`` backend sees it (the same
``hardware.json`` and disk files, read through that backend's own code): NICs with their
MACs and LLDP neighbours, CPUs, RAM, disks (their paths are the disk files), BMC address,
boot mode, system vendor. Erase, erase metadata, express erase, software RAID and sync are
done by the backend and recorded in ``actions.jsonl``; everything else (image download and
checksum, partitioning, config drive, bootloader, burn-in, power) is stock IPA, whose
programs are the lab's shims (``ironic_lite.lab.ipa.tools``).

Guards: every device path this manager hands out or is handed must be one of the machine's
disk files. Anything else (a path under /dev, a block device) raises at once and is
recorded as ``refused``, so a test sees it.

It also offers two steps of its own (clean and service, priority 0, argument ``note``), so that
a conductor's handling of steps only the agent knows can be tested: ``lab_marker``, and
``lab_reboot_marker`` with ``reboot_requested`` (the conductor reboots the machine into the
ramdisk after it, as after a firmware update; ironic-lite-agent's simulated backend offers it
too).

Not importable by ironic-lite (it imports IPA); ``ironic_lite.lab.ipa.venv`` installs it
into IPA's venv as the module ``ironic_lite_lab_ipa``.
"""

import os
import stat
import sys

from ironic_python_agent import device_hints, errors, hardware
from oslo_log import log

LOG = log.getLogger(__name__)
_MACHINE = os.environ.get("IRONIC_LITE_LAB_MACHINE")
if os.environ.get("IRONIC_LITE_LAB_AGENT_PATH"):
    sys.path.insert(0, os.environ["IRONIC_LITE_LAB_AGENT_PATH"])


class DeviceRefused(errors.RESTError):
    message = "ironic-lite lab: refusing a device that is not a disk file of the machine"

    def __init__(self, details):
        super().__init__(details)


def _backend():
    from ironic_lite_agent.hardware.simulated import SimulatedBackend

    return SimulatedBackend(_MACHINE)


class LabHardwareManager(hardware.HardwareManager):
    HARDWARE_MANAGER_NAME = "LabHardwareManager"
    HARDWARE_MANAGER_VERSION = "1.0"

    def evaluate_hardware_support(self):
        if _MACHINE and os.path.isfile(os.path.join(_MACHINE, "hardware.json")):
            return hardware.HardwareSupport.SERVICE_PROVIDER
        return hardware.HardwareSupport.NONE

    # --- guards ---------------------------------------------------------------------------
    def _guard(self, path):
        """The disk of the machine at ``path``; DeviceRefused for anything else."""
        backend = _backend()
        normal = os.path.normpath(path or "")
        for disk in backend.disks():
            if normal == os.path.normpath(disk.path):
                mode = os.stat(normal).st_mode
                if stat.S_ISREG(mode):
                    return disk
        backend.record("refused", tool="hardware_manager", argv=[path], reason="not a disk file")
        raise DeviceRefused(f"{path} is not a disk file of machine {_MACHINE}")

    # --- what the machine is ----------------------------------------------------------------
    def list_network_interfaces(self):
        inventory = _backend().inventory()
        return [
            hardware.NetworkInterface(
                nic["name"],
                nic["mac_address"],
                ipv4_address=nic.get("ipv4_address"),
                ipv6_address=nic.get("ipv6_address"),
                has_carrier=nic.get("has_carrier", True),
                lldp=nic.get("lldp"),
                vendor=nic.get("vendor"),
                product=nic.get("product"),
                speed_mbps=nic.get("speed_mbps"),
            )
            for nic in inventory["interfaces"]
        ]

    def collect_lldp_data(self, interface_names=None):
        return {
            nic.name: nic.lldp or []
            for nic in self.list_network_interfaces()
            if interface_names is None or nic.name in interface_names
        }

    def get_cpus(self):
        cpu = _backend().inventory()["cpu"]
        return hardware.CPU(
            model_name=cpu.get("model_name"),
            frequency=cpu.get("frequency"),
            count=cpu.get("count"),
            architecture=cpu.get("architecture"),
            flags=cpu.get("flags") or [],
            socket_count=cpu.get("socket_count"),
        )

    def get_memory(self):
        memory = _backend().inventory()["memory"]
        return hardware.Memory(total=memory["total"], physical_mb=memory.get("physical_mb"))

    def list_block_devices(self, include_partitions=False):
        devices = []
        for disk in _backend().disks():
            self._guard(disk.path)
            devices.append(
                hardware.BlockDevice(
                    name=disk.path,
                    model=disk.model,
                    size=disk.size,
                    rotational=disk.rotational,
                    wwn=disk.wwn or None,
                    serial=disk.serial or None,
                    vendor=disk.vendor or None,
                    logical_sectors=512,
                    physical_sectors=512,
                    tran="sata",
                )
            )
        return devices

    def list_block_devices_check_skip_list(self, node, include_partitions=False):
        skip = self.get_skip_list_from_node_for_disks(node)
        return [d for d in self.list_block_devices() if d.name not in skip]

    def get_skip_list_from_node_for_disks(self, node, block_devices=None):
        hints = ((node or {}).get("properties") or {}).get("skip_block_devices") or []
        devices = block_devices or self.list_block_devices()
        skipped = set()
        for hint in hints:
            found = device_hints.find_devices_by_hints([d.serialize() for d in devices], hint)
            skipped.update(d["name"] for d in found)
        return skipped

    def get_skip_list_from_node_for_raids(self, node):
        return set()

    def get_os_install_device(self, permit_refresh=False):
        devices = self.list_block_devices()
        node = hardware.get_cached_node() or {}
        hints = (node.get("properties") or {}).get("root_device")
        if hints:
            found = device_hints.match_root_device_hints([d.serialize() for d in devices], hints)
            if not found:
                raise errors.DeviceNotFound(f"No disk of the lab machine matches {hints}")
            return self._guard(found["name"]).path
        if not devices:
            raise errors.DeviceNotFound("The lab machine has no disk")
        return self._guard(devices[0].name).path

    def get_bmc_address(self):
        return _backend().inventory().get("bmc_address") or "0.0.0.0"

    def get_bmc_v6address(self):
        return _backend().inventory().get("bmc_v6address") or "::/0"

    def get_bmc_mac(self):
        mac = _backend().inventory().get("bmc_mac")
        if not mac:
            raise errors.IncompatibleHardwareMethodError()
        return mac

    def get_boot_info(self):
        boot = _backend().inventory()["boot"]
        return hardware.BootInfo(
            current_boot_mode=boot.get("current_boot_mode", "uefi"),
            pxe_interface=boot.get("pxe_interface"),
        )

    def get_system_vendor_info(self):
        vendor = _backend().inventory()["system_vendor"]
        bios = vendor.get("firmware") or {}
        return hardware.SystemVendorInfo(
            product_name=vendor.get("product_name"),
            serial_number=vendor.get("serial_number"),
            manufacturer=vendor.get("manufacturer"),
            firmware=hardware.SystemFirmware(
                vendor=bios.get("vendor"),
                version=bios.get("version"),
                build_date=bios.get("build_date"),
            ),
        )

    def get_usb_devices(self):
        return []

    # --- what changes it ------------------------------------------------------------------
    def erase_block_device(self, node, block_device):
        backend = _backend()
        disk = self._guard(block_device.name)
        try:
            return backend.erase_disk(disk)
        except Exception as exc:
            raise errors.BlockDeviceEraseError(str(exc)) from exc

    def erase_devices(self, node, ports):
        return {
            device.name: self.erase_block_device(node, device)
            for device in self.list_block_devices_check_skip_list(node)
        }

    def erase_devices_metadata(self, node, ports):
        backend = _backend()
        for device in self.list_block_devices_check_skip_list(node):
            backend.erase_disk_metadata(self._guard(device.name))

    def erase_devices_express(self, node, ports):
        backend = _backend()
        for device in self.list_block_devices_check_skip_list(node):
            disk = self._guard(device.name)
            backend.record("erase_express", disk=disk.name)
            backend.erase_disk_metadata(disk)

    def full_sync(self):
        _backend().sync()

    def create_configuration(self, node, ports):
        config = (node or {}).get("target_raid_config") or {}
        arrays = [
            {
                "name": f"md{i}",
                "raid_level": str(volume.get("raid_level")),
                "size_gb": volume.get("size_gb"),
                "is_root_volume": bool(volume.get("is_root_volume")),
            }
            for i, volume in enumerate(config.get("logical_disks") or [])
        ]
        if not arrays:
            raise errors.SoftwareRAIDError("the node has no target_raid_config logical_disks")
        _backend().create_raid(arrays)
        return config

    def delete_configuration(self, node, ports):
        _backend().delete_raid()

    def apply_configuration(self, node, ports, raid_config, delete_existing=True):
        """The deploy/service step IPA's generic manager offers, through the lab's RAID
        (IPA's own would run mdadm): replace what exists unless told not to."""
        if delete_existing:
            self.delete_configuration(node, ports)
        return self.create_configuration({**(node or {}), "target_raid_config": raid_config}, ports)

    def lab_marker(self, node, ports, note=None):
        """A step only this manager offers: records ``note``."""
        _backend().record("lab_marker", note=note)
        return {"note": note}

    def lab_reboot_marker(self, node, ports, note=None):
        """A step only this manager offers, after which the conductor reboots: records
        ``note``."""
        _backend().record("lab_reboot_marker", note=note)
        return {"note": note}

    # --- steps -----------------------------------------------------------------------------
    def _lab_steps(self):
        return [
            {
                "step": name,
                "priority": 0,
                "interface": "deploy",
                "reboot_requested": reboot,
                "abortable": True,
                "argsinfo": {"note": {"description": "text to record", "required": False}},
            }
            for name, reboot in (("lab_marker", False), ("lab_reboot_marker", True))
        ]

    def get_clean_steps(self, node, ports):
        return self._lab_steps()

    def get_service_steps(self, node, ports):
        return self._lab_steps()

    def get_deploy_steps(self, node, ports):
        return []
