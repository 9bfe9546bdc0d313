"""Provisioning the VM lab's machines through openstacksdk, step by step, with bounded waits:
shared by the end-to-end VM test and the VM deploy benchmark.

Every wait polls the API (and the serial console for an instance's marker) until its state
or its deadline, and fails with the node's ``last_error`` and the last 6 KiB of each VM's
serial console: a VM that hangs in its firmware or kernel shows where.
"""

import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import time
import uuid as uuid_mod

import openstack
import pycdlib

from ironic_lite.lab import vmstack
from ironic_lite.ramdisk import disk_image, iso

# The service's options for real VMs under TCG (a boot takes minutes): fast track keeps the
# agent that inspected or cleaned a machine for the next step, the serial console shows the
# ramdisk's kernel, every callback gets far more than a TCG boot needs. Stock IPA 13 fills an
# empty ESP from a partition image only with enable_bios_bootloader_install (as with Ironic);
# ironic-lite-agent copies the image's loader without it.
SERVICE_CONF = """
[deploy]
fast_track = true
[agent]
heartbeat_timeout = 60
enable_bios_bootloader_install = true
[pxe]
kernel_append_params = nofb nomodeset vga=normal console=ttyS0,115200n8
[conductor]
check_provision_state_interval = 2
deploy_callback_timeout = 1500
clean_callback_timeout = 1500
inspect_wait_timeout = 1500
"""
FAILED = {"inspect failed", "clean failed", "deploy failed", "error", "rescue failed"}
BOOT_LINE = re.compile(r"=== ironic-lite-lab: boot (\d+) of (\S+): (\S+) from (\S+)[^\n]*===")


class FlowError(AssertionError):
    """A step did not end as expected in time; the message has the serial consoles."""


def connect(lab: vmstack.VmLab):
    url = lab.urls["api"]
    return openstack.connect(
        auth_type="none",
        auth={"endpoint": url},
        baremetal_endpoint_override=url,
        baremetal_api_version="1.95",
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )


def serial_report(lab: vmstack.VmLab, names: list[str] | None = None) -> str:
    parts = []
    for vm in lab.state.get("vms", []):
        if names is None or vm["name"] in names:
            text = vmstack._printable(lab.serial(vm["name"])[-6144:])
            parts.append(f"--- serial console of {vm['name']} (last 6 KiB) ---\n{text}")
    return "\n".join(parts)


def wait(lab, predicate, timeout: float, what: str, names=None, interval: float = 2.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise FlowError(
                f"timed out after {timeout:.0f} s waiting for {what}\n{serial_report(lab, names)}"
            )
        time.sleep(interval)


def settle(lab, conn, nodes: dict[str, str], state: str, timeout: float, what: str) -> dict:
    """Wait until every node (name -> UUID) is in ``state``; fail at once on a failed state."""
    done: dict = {}

    def check():
        for name, uuid in nodes.items():
            if name in done:
                continue
            node = conn.baremetal.get_node(uuid)
            if node.provision_state == state and node.target_provision_state is None:
                done[name] = node
            elif node.provision_state in FAILED:
                raise FlowError(
                    f"{name} went to {node.provision_state} waiting for {what}: "
                    f"{node.last_error}\n{serial_report(lab, [name])}"
                )
        return len(done) == len(nodes)

    wait(lab, check, timeout, f"{what} ({', '.join(nodes)} to be {state})", list(nodes))
    return done


def boots(lab, name: str) -> list[tuple[int, str, str]]:
    """(boot number, device, text) of each boot in a VM's serial log."""
    text = lab.serial(name)
    found = list(BOOT_LINE.finditer(text))
    return [
        (int(m[1]), m[4], text[m.end() : found[i + 1].start() if i + 1 < len(found) else None])
        for i, m in enumerate(found)
    ]


def wait_marker(
    lab, name: str, marker: str, timeout: float, after_boot: int = 0, device: str = "disk"
) -> int:
    """Wait until a boot from ``device``, later than ``after_boot``, printed ``marker``; its
    boot number."""

    def seen():
        for number, booted_from, text in boots(lab, name):
            if number > after_boot and booted_from == device and marker in text:
                return number
        return None

    what = f"{name} to boot from its {device} and print {marker!r}"
    return wait(lab, seen, timeout, what, [name])


def last_boot(lab, name: str) -> int:
    found = boots(lab, name)
    return found[-1][0] if found else 0


# --- the VM's disk, read from the host ----------------------------------------------------
def _qemu_io(disk: str, command: str, write: bool = False) -> str:
    argv = ["qemu-io", "-f", "qcow2"] + ([] if write else ["-U", "-r"]) + ["-c", command, disk]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    return result.stdout + result.stderr


def disk_path(vm: dict) -> str:
    return os.path.join(vm["directory"], "disk.qcow2")


def fill_disk(vm: dict, size: int) -> None:
    """Write a pattern at the start, middle and end of a powered-off VM's disk."""
    for offset in (0, size // 2, size - 2**20):
        out = _qemu_io(disk_path(vm), f"write -P 0xa5 {offset} 1M", write=True)
        if "wrote" not in out:
            raise FlowError(f"writing {vm['name']}'s disk failed: {out}")


def disk_is_zero(vm: dict, size: int) -> bool:
    """Whether every byte of the VM's disk reads zero (it may be running: shared, read-only)."""
    out = _qemu_io(disk_path(vm), f"read -P 0 0 {size}")
    return "read " in out and "Pattern verification failed" not in out


def disk_has_pattern(vm: dict) -> bool:
    out = _qemu_io(disk_path(vm), "read -P 0xa5 0 1M")
    return "read " in out and "Pattern verification failed" not in out


class DeployedDisk:
    """A VM's disk as the agent left it, copied to a sparse raw file and read from the host:
    its partitions, the config drive's files, the ESP's and the root file system's."""

    ESP_GUID = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"

    def __init__(self, vm: dict, workdir: str):
        self.raw = os.path.join(workdir, f"{vm['name']}-disk.raw")
        subprocess.run(
            ["qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", disk_path(vm), self.raw],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        self.partitions = self._table()

    def _read(self, offset: int, length: int) -> bytes:
        with open(self.raw, "rb") as f:
            f.seek(offset)
            return f.read(length)

    def _table(self) -> list[dict]:
        """(start, size, type) of each partition: GPT behind a protective MBR, else MBR."""
        mbr = self._read(0, 512)
        if mbr[510:512] != b"\x55\xaa":
            return []
        entries = [struct.unpack_from("<B3xB3xII", mbr, 446 + 16 * i) for i in range(4)]
        if entries[0][1] != 0xEE:
            return [
                {"start": lba * 512, "size": n * 512, "type": f"{kind:02x}"}
                for _, kind, lba, n in entries
                if kind
            ]
        header = self._read(512, 92)
        table_lba, count, size = struct.unpack_from("<QII", header, 72)
        found = []
        for i in range(count):
            entry = self._read(table_lba * 512 + i * size, size)
            if entry[:16] == bytes(16):
                continue
            first, last = struct.unpack_from("<QQ", entry, 32)
            found.append(
                {
                    "start": first * 512,
                    "size": (last - first + 1) * 512,
                    "type": str(uuid_mod.UUID(bytes_le=entry[:16])),
                    "name": entry[56:128].decode("utf-16-le").rstrip("\x00"),
                }
            )
        return found

    def _extract(self, part: dict, name: str) -> str:
        path = f"{self.raw}.{name}"
        with open(self.raw, "rb") as src, open(path, "wb") as dst:
            src.seek(part["start"])
            left = part["size"]
            while left:
                chunk = src.read(min(left, 4 << 20))
                if not chunk:
                    break
                dst.write(chunk)
                left -= len(chunk)
        return path

    def config_drive(self) -> dict:
        """The config drive's openstack/latest/meta_data.json (the partition whose ISO 9660
        volume is config-2)."""
        for part in self.partitions:
            volume = self._read(part["start"] + 32768, 72)
            if volume[1:6] == b"CD001" and volume[40:72].strip() == b"config-2":
                iso_file = pycdlib.PyCdlib()
                with open(self._extract(part, "configdrive"), "rb") as f:
                    iso_file.open_fp(f)
                    out = io.BytesIO()
                    iso_file.get_file_from_iso_fp(out, rr_path="/openstack/latest/meta_data.json")
                    iso_file.close()
                return json.loads(out.getvalue())
        raise FlowError(f"no config-2 partition among {self.partitions}")

    def esp_files(self) -> str:
        """A listing of /EFI on the EFI system partition."""
        esp = next(p for p in self.partitions if p["type"] in (self.ESP_GUID, "ef"))
        result = subprocess.run(
            ["mdir", "-/", "-b", "-i", f"{self.raw}@@{esp['start']}", "::/EFI"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        return result.stdout + result.stderr

    def ext4_file(self, path: str) -> str:
        """A file of the (first) ext4 file system on the disk: the root partition's."""
        for part in self.partitions:
            if self._read(part["start"] + 1024 + 56, 2) == b"\x53\xef":
                fs = self._extract(part, "root")
                result = subprocess.run(
                    ["debugfs", "-R", f"cat {path}", fs], capture_output=True, text=True, timeout=60
                )
                return result.stdout
        raise FlowError(f"no ext4 partition among {self.partitions}")


# --- images ---------------------------------------------------------------------------------
def publish_partition_image(lab, marker: str, kernel: str, root_gb: float = 0.25) -> dict:
    """A partition image printing ``marker`` (ext4 root with its EFI loader): its
    instance_info. root_gb stays small so the lab's 1 GiB disk holds IPA's 550 MiB ESP."""
    info = publish_disk_image(lab, marker, kernel, kind="partition")
    return {**info, "image_type": "partition", "root_gb": root_gb}


def publish_disk_image(lab, marker: str, kernel: str, kind: str = "whole-disk") -> dict:
    """A whole-disk image printing ``marker``, in the lab's HTTP root: its instance_info."""
    source = disk_image.cached_disk_image(marker, kernel, kind)
    name = os.path.basename(source)
    target = lab.path("http", "images", name)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    _link(source, target)
    with open(source, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return {
        "image_source": f"{lab.state['http_url']}/images/{name}",
        "image_os_hash_algo": "sha256",
        "image_os_hash_value": digest,
        "image_disk_format": "raw",
    }


def publish_marker_iso(lab, marker: str, kernel: str) -> str:
    """A bootable ISO (BIOS and UEFI) whose initramfs prints ``marker``: its URL."""
    target = lab.path("http", "images", f"{hashlib.sha256(marker.encode()).hexdigest()[:12]}.iso")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    initramfs = target + ".initramfs"
    disk_image.marker_initramfs(marker, initramfs)
    iso.make_iso(kernel, initramfs, target)
    return f"{lab.state['http_url']}/images/{os.path.basename(target)}"


def publish_ramdisk(lab, manifest: dict) -> dict[str, str]:
    """An agent's ramdisk in the lab's HTTP root (both agents can serve in one lab): the
    node's ``deploy_kernel`` and ``deploy_ramdisk``."""
    directory = lab.path("http", f"ramdisk-{manifest['agent']}")
    os.makedirs(directory, exist_ok=True)
    for role, name in (("kernel", "vmlinuz"), ("initramfs", "initramfs")):
        target = os.path.join(directory, name)
        _link(manifest[role], target)
    base = f"{lab.state['http_url']}/ramdisk-{manifest['agent']}"
    return {"deploy_kernel": f"{base}/vmlinuz", "deploy_ramdisk": f"{base}/initramfs"}


def _link(source: str, target: str) -> None:
    if os.path.exists(target):
        return
    try:
        os.link(source, target)
    except OSError:  # another filesystem
        shutil.copy(source, target + ".tmp")
        os.replace(target + ".tmp", target)


def set_ramdisk(conn, uuid: str, ramdisk: dict[str, str]) -> None:
    """Point a node at an agent's ramdisk (a patch: driver_info's secrets read back masked)."""
    patch = [{"op": "add", "path": f"/driver_info/{k}", "value": v} for k, v in ramdisk.items()]
    conn.baremetal.patch_node(uuid, patch)


def set_root_device(conn, uuid: str, name: str = "/dev/vda") -> None:
    """A root device hint: without one both agents want a disk of at least 4 GiB, and the
    lab's small disks (quick to erase under TCG) are smaller."""
    conn.baremetal.patch_node(
        uuid, [{"op": "add", "path": "/properties/root_device", "value": {"name": name}}]
    )
