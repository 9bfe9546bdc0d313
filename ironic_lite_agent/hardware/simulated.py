"""A simulated machine: a directory whose block devices are files.

Layout of the directory (``make_machine`` creates it)::

    hardware.json      what the machine is: cpu, memory, disks, nics (with LLDP neighbours),
                       system vendor, firmware versions, boot mode, BMC address, faults
    disks/sda.img      a disk: a sparse file of the disk's size
    disks/sda.img.json the disk's metadata: partition table, deployed image, bootloader, erase
    actions.jsonl      one JSON line per action that would have touched hardware
    state.json         machine state the agent changed: power, software RAID arrays
    agent.log          the agent's own log (written by the CLI)

Commands run the same code as on a real machine; only the last hop lands in these files, so a
deploy writes the real image bytes to the disk file and a test can compare them.
"""

import datetime
import json
import os
import socket
import uuid

from ironic_lite_agent import errors, lldp
from ironic_lite_agent.hardware.base import Backend, BlockTarget, Disk
from ironic_lite_agent.partitions import Layout, MiB
from ironic_lite_agent.step_spec import step

HARDWARE_FILE = "hardware.json"
ACTIONS_FILE = "actions.jsonl"
STATE_FILE = "state.json"
DEFAULT_BOOT_FILES = ("/boot/vmlinuz", "/boot/initrd.img")
_SIZE_SUFFIXES = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(value: int | str) -> int:
    """Bytes from ``64M``, ``1G``, ``512K`` or a plain number."""
    if isinstance(value, int):
        return value
    text = value.strip().upper().removesuffix("IB").removesuffix("B")
    if text and text[-1] in _SIZE_SUFFIXES:
        return int(float(text[:-1]) * _SIZE_SUFFIXES[text[-1]])
    return int(text)


def _mac(index: int, seed: str) -> str:
    tail = uuid.uuid5(uuid.NAMESPACE_OID, f"{seed}-{index}").bytes[:3]
    return "52:54:00:" + ":".join(f"{b:02x}" for b in tail)


def make_machine(
    directory: str,
    disks: int = 1,
    disk_size: int | str = "64M",
    macs: list[str] | None = None,
    boot_mode: str = "uefi",
    cpus: int = 4,
    memory_mb: int = 4096,
    bmc_address: str = "127.0.0.1",
    erase_methods: list[str] | None = None,
    switch: str = "sim-switch-1",
    system_serial: str | None = None,
) -> dict:
    """Create a simulated machine in ``directory`` and return its hardware description.

    Disks are sparse files of ``disk_size`` (``64M``, ``1G`` or bytes) named sda, sdb...; NICs
    get ``macs`` (or generated 52:54:00 MACs, two by default) and an LLDP neighbour each on
    ``switch``. ``erase_methods`` sets how each disk would be erased (nvme, ata, shred).
    Used by tests and by the lab's machine simulator; the CLI's ``make-machine`` calls it.
    """
    os.makedirs(os.path.join(directory, "disks"), exist_ok=True)
    seed = system_serial or os.path.abspath(directory)
    size = parse_size(disk_size)
    macs = list(macs) if macs else [_mac(i, seed) for i in range(2)]
    disk_entries = []
    for i in range(disks):
        name = "sd" + chr(ord("a") + i)
        path = os.path.join("disks", f"{name}.img")
        with open(os.path.join(directory, path), "wb") as f:
            f.truncate(size)
        method = (erase_methods or [])[i] if i < len(erase_methods or []) else "shred"
        disk_entries.append(
            {
                "name": name,
                "path": path,
                "size": size,
                "model": "SIMDISK",
                "vendor": "ironic-lite",
                "serial": f"SIM{uuid.uuid5(uuid.NAMESPACE_OID, f'{seed}-disk-{i}').hex[:12]}",
                "wwn": f"0x5000c500{uuid.uuid5(uuid.NAMESPACE_OID, f'{seed}-wwn-{i}').hex[:8]}",
                "rotational": method == "shred",
                "erase": method,
            }
        )
    hardware = {
        "hostname": f"sim-{os.path.basename(os.path.abspath(directory))}",
        "cpu": {
            "model_name": "Simulated CPU @ 2.40GHz",
            "count": cpus,
            "socket_count": 1,
            "frequency": "2400",
            "architecture": "x86_64",
            "flags": ["fpu", "vmx", "sse4_2", "avx2", "aes"],
        },
        "memory": {"total": memory_mb * MiB, "physical_mb": memory_mb},
        "disks": disk_entries,
        "nics": [
            {
                "name": f"eth{i}",
                "mac": mac.lower(),
                "ipv4_address": None,
                "speed_mbps": 10000,
                "has_carrier": True,
                "lldp": {
                    "chassis_id": "52:54:00:ff:00:01",
                    "system_name": switch,
                    "port_id": f"Ethernet1/{i + 1}",
                },
            }
            for i, mac in enumerate(macs)
        ],
        "system_vendor": {
            "manufacturer": "ironic-lite",
            "product_name": "Simulated Machine",
            "serial_number": system_serial or f"SIM-{uuid.uuid5(uuid.NAMESPACE_OID, seed).hex[:8]}",
        },
        "firmware": {
            "bios": {"vendor": "SimBIOS", "version": "1.2.0", "build_date": "2026-01-15"},
            "bmc": {"version": "2.10"},
        },
        "boot": {"current_boot_mode": boot_mode, "pxe_interface": macs[0].lower()},
        "bmc": {"address": bmc_address, "v6address": "::/0", "mac": None},
        # The files the deployed OS holds, as far as kexec looks (the simulation does not read
        # the file systems inside an image): a test removes one to make kexec fail.
        "os": {"boot_files": list(DEFAULT_BOOT_FILES)},
        # Faults a test can inject: {"burnin_memory": "ECC error on DIMM A1", "erase": "..."}
        "faults": {},
    }
    with open(os.path.join(directory, HARDWARE_FILE), "w") as f:
        json.dump(hardware, f, indent=2)
    return hardware


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


class SimulatedBackend(Backend):
    """Hardware described by ``<root>/hardware.json``; every effect recorded in the root."""

    name = "simulated"
    manager_name = "SimulatedHardwareManager"
    min_root_disk_size = MiB

    def __init__(self, root: str, **kwargs):
        if not os.path.isfile(os.path.join(root, HARDWARE_FILE)):
            raise errors.DeviceNotFound(
                err=f"{root} is not a simulated machine: it has no {HARDWARE_FILE} "
                "(create one with `ironic-lite-agent make-machine`)"
            )
        self.root = os.path.abspath(root)
        super().__init__(os.path.join(self.root, "work"), **kwargs)

    # --- files of the simulation ----------------------------------------------------------
    def hardware(self) -> dict:
        with open(os.path.join(self.root, HARDWARE_FILE)) as f:
            return json.load(f)

    def record(self, action: str, **fields) -> None:
        """Append one action that would have touched hardware to actions.jsonl."""
        line = json.dumps({"time": _now(), "action": action, **fields}, sort_keys=True)
        with open(os.path.join(self.root, ACTIONS_FILE), "a") as f:
            f.write(line + "\n")

    def actions(self) -> list[dict]:
        path = os.path.join(self.root, ACTIONS_FILE)
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def state(self) -> dict:
        path = os.path.join(self.root, STATE_FILE)
        if not os.path.exists(path):
            return {"power": "on", "raid": []}
        with open(path) as f:
            return json.load(f)

    def _save_state(self, state: dict) -> None:
        _write_json(os.path.join(self.root, STATE_FILE), state)

    def disk_metadata(self, disk: Disk) -> dict:
        path = disk.path + ".json"
        if not os.path.exists(path):
            return {}
        with open(path) as f:
            return json.load(f)

    def _update_metadata(self, disk: Disk, **changes) -> dict:
        meta = self.disk_metadata(disk)
        meta.update(changes)
        _write_json(disk.path + ".json", meta)
        return meta

    def _fault(self, name: str) -> None:
        message = self.hardware().get("faults", {}).get(name)
        if message:
            self.record("fault", fault=name, message=message)
            raise errors.CommandExecutionError(err=message)

    # --- what the machine is --------------------------------------------------------------
    def disks(self) -> list[Disk]:
        out = []
        for entry in self.hardware().get("disks", []):
            path = os.path.join(self.root, entry["path"])
            size = os.path.getsize(path) if os.path.exists(path) else int(entry.get("size", 0))
            out.append(
                Disk(
                    name=entry["name"],
                    path=path,
                    size=size,
                    model=entry.get("model", ""),
                    vendor=entry.get("vendor", ""),
                    serial=entry.get("serial", ""),
                    wwn=entry.get("wwn", ""),
                    rotational=bool(entry.get("rotational", False)),
                    erase_method=entry.get("erase", "shred"),
                )
            )
        return out

    def inventory(self) -> dict:
        hw = self.hardware()
        interfaces = [
            {
                "name": nic["name"],
                "mac_address": nic["mac"],
                "ipv4_address": nic.get("ipv4_address"),
                "ipv6_address": nic.get("ipv6_address"),
                "has_carrier": nic.get("has_carrier", True),
                "speed_mbps": nic.get("speed_mbps"),
                "vendor": nic.get("vendor", "0x1af4"),
                "product": nic.get("product", "0x0001"),
                "client_id": None,
                "biosdevname": None,
                "lldp": lldp.encode_neighbour(nic["lldp"]) if nic.get("lldp") else None,
            }
            for nic in hw.get("nics", [])
        ]
        firmware = hw.get("firmware", {})
        bmc = hw.get("bmc", {})
        return {
            "hostname": hw.get("hostname") or socket.gethostname(),
            "cpu": dict(hw.get("cpu", {})),
            "memory": dict(hw.get("memory", {})),
            "disks": [d.inventory() for d in self.disks()],
            "interfaces": interfaces,
            "system_vendor": {**hw.get("system_vendor", {}), "firmware": firmware.get("bios", {})},
            "firmware": firmware,
            "boot": dict(hw.get("boot", {})),
            "bmc_address": bmc.get("address"),
            "bmc_v6address": bmc.get("v6address"),
            "bmc_mac": bmc.get("mac"),
        }

    # --- images ---------------------------------------------------------------------------
    def whole_disk_target(self, disk: Disk) -> BlockTarget:
        return BlockTarget(disk.path, 0, disk.size, disk.name)

    def apply_layout(self, disk: Disk, layout: Layout) -> None:
        self._update_metadata(disk, partition_table=layout.as_dict(), image=None, bootloader=None)
        self.record("partition", disk=disk.name, layout=layout.as_dict())

    def make_filesystems(
        self, disk: Disk, layout: Layout, ephemeral_format: str, preserve_ephemeral: bool
    ) -> None:
        made = {
            p.role: (
                "vfat" if p.role == "efi" else "swap" if p.role == "swap" else ephemeral_format
            )
            for p in layout.partitions
            if p.role in ("efi", "swap") or (p.role == "ephemeral" and not preserve_ephemeral)
        }
        self._update_metadata(disk, filesystems=made)
        self.record(
            "make_filesystems", disk=disk.name, preserved_ephemeral=preserve_ephemeral, **made
        )

    def partition_target(self, disk: Disk, layout: Layout, number: int) -> BlockTarget:
        part = next(p for p in layout.partitions if p.number == number)
        return BlockTarget(disk.path, part.start, part.size, f"{disk.name} partition {number}")

    def read_layout(self, disk: Disk) -> Layout | None:
        table = self.disk_metadata(disk).get("partition_table")
        return Layout.from_dict(table) if table else None

    def add_configdrive_partition(self, disk: Disk, size: int) -> BlockTarget:
        # The image's own table is inside its bytes; the simulation keeps the config drive's
        # place in the metadata: the last ``size`` bytes before the final (backup-table) MiB.
        start = (disk.size // MiB) * MiB - MiB - size
        part = {"start": start, "size": size, "uuid": str(uuid.uuid4()), "label": "config-2"}
        self._update_metadata(disk, configdrive_partition=part)
        self.record("add_configdrive_partition", disk=disk.name, **part)
        return BlockTarget(disk.path, start, size, f"{disk.name} config drive")

    def record_image(self, disk: Disk, record: dict) -> None:
        self._update_metadata(disk, image=record)
        self.record(
            f"image_{record.get('state', 'written')}",  # image_writing/_deployed/_failed
            disk=disk.name,
            **{k: v for k, v in record.items() if k != "partitions"},
        )

    def install_bootloader(
        self, disk, boot_mode, root_uuid, efi_system_part_uuid, run_image_grub=False
    ) -> dict:
        image = self.disk_metadata(disk).get("image") or {}
        if not image.get("deployed"):
            raise errors.CommandExecutionError(
                err=f"no verified image is deployed on {disk.name}; not installing a bootloader"
            )
        entry = {
            "boot_mode": boot_mode,
            "root_uuid": root_uuid,
            "efi_system_partition_uuid": efi_system_part_uuid,
            "installed_at": _now(),
        }
        self._update_metadata(disk, bootloader=entry)
        self.record("install_bootloader", disk=disk.name, **entry)
        return entry

    # --- erasure --------------------------------------------------------------------------
    def erase_disk(self, disk: Disk) -> str:
        self._fault("erase")
        method = {"nvme": "nvme_format", "ata": "ata_secure_erase"}.get(disk.erase_method, "shred")
        # Truncating to 0 and back leaves a file of the same size that reads all zeros.
        with open(disk.path, "r+b") as f:
            f.truncate(0)
            f.truncate(disk.size)
            os.fsync(f.fileno())
        self._update_metadata(
            disk,
            partition_table=None,
            image=None,
            bootloader=None,
            configdrive_partition=None,
            erased={"method": method, "at": _now()},
        )
        self.record("erase_disk", disk=disk.name, method=method)
        return method

    def erase_disk_metadata(self, disk: Disk) -> None:
        fd = os.open(disk.path, os.O_WRONLY)
        try:
            length = min(MiB, disk.size)
            os.pwrite(fd, b"\0" * length, 0)
            os.pwrite(fd, b"\0" * length, max(0, disk.size - length))
            os.fsync(fd)
        finally:
            os.close(fd)
        self._update_metadata(
            disk,
            partition_table=None,
            image=None,
            bootloader=None,
            configdrive_partition=None,
            metadata_erased_at=_now(),
        )
        self.record("erase_disk_metadata", disk=disk.name)

    def erase_disk_express(self, disk: Disk) -> str:
        self.record("erase_express", disk=disk.name)
        self.erase_disk_metadata(disk)
        return "metadata"

    # --- rescue -----------------------------------------------------------------------------
    @property
    def rescue_password_file(self) -> str:
        return os.path.join(self.root, "rescue", "ipa-rescue-password")

    @property
    def rescued_marker(self) -> str:
        return os.path.join(self.root, "rescue", "rescued")

    def set_rescue_password(self, hashed: str) -> None:
        super().set_rescue_password(hashed)
        self.record("rescue_password_set")

    # --- power ----------------------------------------------------------------------------
    def sync(self) -> None:
        self.record("sync")

    def power_off(self) -> None:
        self.record("power_off")
        self._save_state({**self.state(), "power": "off"})

    def reboot(self) -> None:
        self.record("reboot")
        self._save_state({**self.state(), "power": "rebooting"})

    def kexec_load(self, disk, root, kernel, initrd, append) -> dict:
        image = self.disk_metadata(disk).get("image") or {}
        if not image.get("deployed"):
            raise errors.CommandExecutionError(
                err=f"no verified image is deployed on {disk.name}; nothing to kexec into"
            )
        if root is None:
            layout = self.read_layout(disk)
            part = layout.by_role("root") if layout else None
            root = part.uuid if part else disk.name
        files = self.hardware().get("os", {}).get("boot_files", DEFAULT_BOOT_FILES)
        for what, path in (("kernel", kernel), ("initrd", initrd)):
            if path and path not in files:
                raise errors.DeviceNotFound(
                    err=f"the deployed OS on {disk.name} has no {what} {path}; nothing was loaded"
                )
        cmdline = append if append is not None else f"root={root} ro"
        self._kexec = {
            "disk": disk.name,
            "root": root,
            "image_id": image.get("image_id"),
            "kernel": kernel,
            "initrd": initrd,
            "append": cmdline,
        }
        return {"root": root, "kernel": kernel, "initrd": initrd, "append": cmdline}

    def kexec_exec(self) -> None:
        loaded = getattr(self, "_kexec", None) or {}
        self.record("kexec", **loaded)
        self._save_state({**self.state(), "power": "on", "booted": "kexec", "kexec": loaded})

    # --- burn-in and RAID -----------------------------------------------------------------
    def burnin(self, kind: str, duration: int, **options) -> dict:
        self.record("burnin", kind=kind, duration=duration, options=options)
        self._fault(f"burnin_{kind}")
        return {"kind": kind, "result": "passed", "duration": duration, "simulated": True}

    def create_raid(self, arrays: list[dict]) -> list[dict]:
        state = self.state()
        if state.get("raid"):
            raise errors.CommandExecutionError(
                err=f"software RAID already exists ({', '.join(a['name'] for a in state['raid'])});"
                " delete it first"
            )
        state["raid"] = arrays
        self._save_state(state)
        self.record("create_raid", arrays=arrays)
        return arrays

    def delete_raid(self) -> list[dict]:
        state = self.state()
        removed = state.get("raid") or []
        state["raid"] = []
        self._save_state(state)
        self.record("delete_raid", arrays=removed)
        return removed

    # --- a step of this hardware only ---------------------------------------------------------
    @step(
        clean=0,
        service=0,
        abortable=True,
        reboot_requested=True,
        argsinfo={"note": {"description": "text to record", "required": False}},
    )
    def lab_reboot_marker(self, node=None, ports=None, note=None) -> dict:
        """Records ``note`` and asks the conductor to reboot the machine into the ramdisk
        afterwards (as a firmware update step would): the lab's harmless ``reboot_requested``
        step, offered by the lab's IPA hardware manager too."""
        self.record("lab_reboot_marker", note=note)
        return {"note": note}

    # --- logs -----------------------------------------------------------------------------
    def system_logs(self) -> dict[str, bytes]:
        files = {}
        for name in ("agent.log", ACTIONS_FILE, HARDWARE_FILE, STATE_FILE):
            path = os.path.join(self.root, name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    files[name] = f.read()
        for disk in self.disks():
            meta = disk.path + ".json"
            if os.path.exists(meta):
                with open(meta, "rb") as f:
                    files[f"disks/{os.path.basename(meta)}"] = f.read()
        return files


def _write_json(path: str, data: dict) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
    os.replace(tmp, path)
