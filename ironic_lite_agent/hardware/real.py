"""The real machine: /dev, /proc, sysfs and the usual tools (lsblk, sfdisk, nvme-cli, hdparm,
shred, wipefs, mdadm, stress-ng, fio, ipmitool, efibootmgr, grub-install).

Every program runs through the injected runner and every file is read under ``root``, so the
unit tests run this code against canned tool output and a fake /sys tree, never against this
machine's disks.
"""

import contextlib
import json
import logging
import os
import re
import shutil
import socket
import tempfile

from ironic_lite_agent import errors
from ironic_lite_agent.hardware.base import Backend, BlockTarget, Completed, Disk
from ironic_lite_agent.partitions import (
    GPT_TYPES,
    MBR_TYPES,
    SECTOR,
    Layout,
    MiB,
    Partition,
    partition_device,
)

LOG = logging.getLogger(__name__)

_LSBLK_COLUMNS = "NAME,SIZE,MODEL,VENDOR,SERIAL,WWN,ROTA,TYPE,HCTL,RO,TRAN"
_SKIP_DISK_PREFIXES = ("/dev/loop", "/dev/ram", "/dev/zram", "/dev/sr", "/dev/fd")
_ROLE_BY_TYPE = {v.lower(): k for k, v in GPT_TYPES.items() if k in ("efi", "bios_boot", "swap")}
_ROLE_BY_TYPE.update({"ef": "efi", "82": "swap"})


def _flag(value) -> bool:
    return value in (True, 1, "1", "true")


class RealBackend(Backend):
    """The machine the agent boots on. ``root`` is "/" in a ramdisk (a fake tree in tests)."""

    name = "real"
    manager_name = "GenericHardwareManager"

    def __init__(
        self,
        root: str = "/",
        work_dir: str = "/var/lib/ironic-lite-agent",
        lldp_reader=None,
        log_file: str | None = None,
        **kwargs,
    ):
        self.root = root
        self.log_file = log_file
        # A callable(interface names) -> {name: [[type, hex], ...]}; None: no LLDP collection.
        self.lldp_reader = lldp_reader
        super().__init__(work_dir, **kwargs)

    # --- small readers ----------------------------------------------------------------
    def _path(self, *parts: str) -> str:
        return os.path.join(self.root, *[p.lstrip("/") for p in parts])

    def _read(self, *parts: str, default: str | None = None) -> str | None:
        try:
            with open(self._path(*parts)) as f:
                return f.read().strip()
        except OSError:
            return default

    def _try(self, *args: str) -> Completed | None:
        """A program whose absence or failure only leaves a field empty (inventory)."""
        try:
            result = self.run(*args, check=False, timeout=60)
        except errors.AgentError as exc:
            LOG.debug("%s: %s", " ".join(args), exc)
            return None
        return result if result.returncode == 0 else None

    # --- what the machine is --------------------------------------------------------------
    def disks(self) -> list[Disk]:
        out = self.run(
            "lsblk", "--json", "--bytes", "--nodeps", "--paths", "--output", _LSBLK_COLUMNS
        ).stdout
        disks = []
        for dev in json.loads(out or "{}").get("blockdevices", []):
            name = dev.get("name") or ""
            if (
                dev.get("type") != "disk"
                or _flag(dev.get("ro"))
                or name.startswith(_SKIP_DISK_PREFIXES)
            ):
                continue
            size = int(dev.get("size") or 0)
            if size <= 0:
                continue
            tran = (dev.get("tran") or "").lower()
            method = (
                "nvme"
                if tran == "nvme" or "/nvme" in name
                else ("ata" if tran in ("sata", "ata") else "shred")
            )
            disks.append(
                Disk(
                    name=os.path.basename(name),
                    path=name,
                    size=size,
                    model=(dev.get("model") or "").strip(),
                    vendor=(dev.get("vendor") or "").strip(),
                    serial=(dev.get("serial") or "").strip(),
                    wwn=(dev.get("wwn") or "").strip(),
                    rotational=_flag(dev.get("rota")),
                    hctl=dev.get("hctl") or "",
                    erase_method=method,
                )
            )
        return disks

    def inventory(self) -> dict:
        bios = {
            "vendor": self._read("sys/class/dmi/id/bios_vendor", default=""),
            "version": self._read("sys/class/dmi/id/bios_version", default=""),
            "build_date": self._read("sys/class/dmi/id/bios_date", default=""),
        }
        interfaces = self._interfaces()
        bmc = self._bmc()
        return {
            "hostname": socket.gethostname(),
            "cpu": self._cpu(),
            "memory": self._memory(),
            "disks": [d.inventory() for d in self.disks()],
            "interfaces": interfaces,
            "system_vendor": {
                "manufacturer": self._read("sys/class/dmi/id/sys_vendor", default=""),
                "product_name": self._read("sys/class/dmi/id/product_name", default=""),
                "serial_number": self._read("sys/class/dmi/id/product_serial", default=""),
                "firmware": bios,
            },
            "firmware": {
                "bios": bios,
                "bmc": {"version": bmc.get("firmware")},
                "nics": {i["name"]: self._nic_firmware(i["name"]) for i in interfaces},
            },
            "boot": {
                "current_boot_mode": "uefi"
                if os.path.isdir(self._path("sys/firmware/efi"))
                else "bios",
                "pxe_interface": self._pxe_mac(),
            },
            "bmc_address": bmc.get("address"),
            "bmc_v6address": None,
            "bmc_mac": bmc.get("mac"),
        }

    def _cpu(self) -> dict:
        fields = {}
        result = self._try("lscpu", "--json")
        if result:
            for item in json.loads(result.stdout).get("lscpu", []):
                fields[item["field"].rstrip(":")] = item.get("data")
        freq = fields.get("CPU max MHz") or fields.get("CPU MHz") or ""
        return {
            "model_name": fields.get("Model name"),
            "frequency": freq.split(".")[0] if freq else None,
            "count": int(fields.get("CPU(s)") or os.cpu_count() or 0),
            "socket_count": int(fields.get("Socket(s)") or 1),
            "architecture": fields.get("Architecture"),
            "flags": (fields.get("Flags") or "").split(),
        }

    def _memory(self) -> dict:
        total = 0
        for line in (self._read("proc/meminfo", default="") or "").splitlines():
            if line.startswith("MemTotal:"):
                total = int(line.split()[1]) * 1024
        physical_mb = 0
        result = self._try("dmidecode", "--type", "17")
        if result:
            for match in re.finditer(r"^\s*Size:\s*(\d+)\s*(MB|GB|TB)\s*$", result.stdout, re.M):
                physical_mb += (
                    int(match.group(1)) * {"MB": 1, "GB": 1024, "TB": 1 << 20}[match.group(2)]
                )
        if not physical_mb and total:
            physical_mb = -(-total // (128 * MiB)) * 128  # round up to 128 MiB
        return {"total": total, "physical_mb": physical_mb}

    def _nic_names(self) -> list[str]:
        net = self._path("sys/class/net")
        return sorted(
            n
            for n in (os.listdir(net) if os.path.isdir(net) else [])
            if n != "lo" and os.path.exists(os.path.join(net, n, "device"))
        )

    def macs(self) -> list[str]:
        """The physical NICs' MACs, from sysfs alone: the lookup needs nothing more, and the
        whole inventory (LLDP listens up to 30 s, lshw, dmidecode) delayed every boot."""
        found = [
            (self._read("sys/class/net", n, "address") or "").lower() for n in self._nic_names()
        ]
        return [mac for mac in found if mac]

    def _interfaces(self) -> list[dict]:
        names = self._nic_names()
        addresses = self._ip_addresses()
        neighbours = self.lldp_reader(names) if self.lldp_reader else {}
        out = []
        for name in names:
            speed = self._read("sys/class/net", name, "speed")
            out.append(
                {
                    "name": name,
                    "mac_address": (self._read("sys/class/net", name, "address") or "").lower(),
                    "ipv4_address": addresses.get(name, {}).get("inet"),
                    "ipv6_address": addresses.get(name, {}).get("inet6"),
                    "has_carrier": self._read("sys/class/net", name, "carrier") == "1",
                    "speed_mbps": int(speed)
                    if speed and speed.lstrip("-").isdigit() and int(speed) > 0
                    else None,
                    "vendor": self._read("sys/class/net", name, "device/vendor"),
                    "product": self._read("sys/class/net", name, "device/device"),
                    "client_id": None,
                    "biosdevname": None,
                    "lldp": neighbours.get(name),
                }
            )
        return out

    def _ip_addresses(self) -> dict:
        result = self._try("ip", "-json", "addr", "show")
        out: dict = {}
        for link in json.loads(result.stdout) if result else []:
            for addr in link.get("addr_info", []):
                if addr.get("scope") == "global":
                    out.setdefault(link["ifname"], {}).setdefault(addr["family"], addr["local"])
        return out

    def _nic_firmware(self, name: str) -> str | None:
        result = self._try("ethtool", "-i", name)
        match = re.search(r"^firmware-version:\s*(.+)$", result.stdout, re.M) if result else None
        return match.group(1).strip() if match else None

    def _bmc(self) -> dict:
        out = {}
        result = self._try("ipmitool", "lan", "print")
        if result:
            ip = re.search(r"^IP Address\s*:\s*(\S+)", result.stdout, re.M)
            mac = re.search(r"^MAC Address\s*:\s*(\S+)", result.stdout, re.M)
            if ip and ip.group(1) != "0.0.0.0":
                out["address"] = ip.group(1)
            if mac:
                out["mac"] = mac.group(1).lower()
        result = self._try("ipmitool", "mc", "info")
        if result:
            rev = re.search(r"^Firmware Revision\s*:\s*(\S+)", result.stdout, re.M)
            out["firmware"] = rev.group(1) if rev else None
        return out

    def _pxe_mac(self) -> str | None:
        # PXE firmware passes the boot NIC as BOOTIF=01-aa-bb-cc-dd-ee-ff on the kernel line.
        cmdline = self._read("proc/cmdline", default="") or ""
        match = re.search(r"\bBOOTIF=(?:01-)?([0-9a-fA-F-]{17})\b", cmdline)
        return match.group(1).replace("-", ":").lower() if match else None

    # --- images ---------------------------------------------------------------------------
    def whole_disk_target(self, disk: Disk) -> BlockTarget:
        return BlockTarget(disk.path, 0, disk.size, disk.path)

    def apply_layout(self, disk: Disk, layout: Layout) -> None:
        from ironic_lite_agent.partitions import sfdisk_script

        self.run(
            "sfdisk",
            "--wipe",
            "always",
            "--wipe-partitions",
            "always",
            disk.path,
            input=sfdisk_script(layout),
        )
        self._reread(disk)

    def _reread(self, disk: Disk) -> None:
        self.run("partprobe", disk.path, check=False)
        self.run("udevadm", "settle", check=False)

    def make_filesystems(
        self, disk: Disk, layout: Layout, ephemeral_format: str, preserve_ephemeral: bool
    ) -> None:
        for part in layout.partitions:
            dev = partition_device(disk.path, part.number)
            if part.role == "efi":
                self.run("mkfs.vfat", "-n", "efi-part", dev)
            elif part.role == "swap":
                self.run("mkswap", "-L", "swap1", dev)
            elif part.role == "ephemeral" and not preserve_ephemeral:
                self.run(*_mkfs(ephemeral_format, dev, "ephemeral0"))
        self.run("udevadm", "settle", check=False)

    def partition_target(self, disk: Disk, layout: Layout, number: int) -> BlockTarget:
        part = next(p for p in layout.partitions if p.number == number)
        dev = partition_device(disk.path, number)
        return BlockTarget(dev, 0, part.size, dev)

    def read_layout(self, disk: Disk) -> Layout | None:
        result = self.run("sfdisk", "--json", disk.path, check=False)
        if result.returncode != 0 or not result.stdout.strip():
            return None
        table = json.loads(result.stdout)["partitiontable"]
        sector = int(table.get("sectorsize", SECTOR))
        parts = []
        for p in table.get("partitions", []):
            number = int(re.search(r"(\d+)$", p["node"]).group(1))
            kind = str(p.get("type", "")).lower()
            role = _ROLE_BY_TYPE.get(kind, "data")
            if p.get("name") == "config-2":
                role = "configdrive"
            part_uuid = (
                p.get("uuid") or f"{str(table.get('id', '')).removeprefix('0x')}-{number:02x}"
            )
            parts.append(
                Partition(
                    number,
                    role,
                    int(p["start"]) * sector,
                    int(p["size"]) * sector,
                    part_uuid.lower(),
                )
            )
        label = "msdos" if table["label"] == "dos" else table["label"]
        return Layout(label, str(table.get("id", "")).lower(), disk.size, tuple(parts))

    def add_configdrive_partition(self, disk: Disk, size: int) -> BlockTarget:
        layout = self.read_layout(disk)
        if layout is None:
            raise errors.ImageWriteError(
                image="config drive",
                device=disk.path,
                err="the whole-disk image has no partition table to add a config drive to",
            )
        if layout.label == "gpt":
            # The image's backup GPT sits at the end of the image, not of this larger disk.
            self.run("sfdisk", "--relocate", "gpt-bak-std", disk.path)
        elif len(layout.partitions) >= 4:
            raise errors.ImageWriteError(
                image="config drive",
                device=disk.path,
                err="the image's msdos table already has 4 partitions",
            )
        last_end = max((p.end for p in layout.partitions), default=MiB)
        start = (disk.size // MiB) * MiB - MiB - size
        if start < last_end:
            raise errors.ImageWriteError(
                image="config drive",
                device=disk.path,
                err=f"no room for a {size // MiB} MiB config drive after the image's partitions",
            )
        number = max((p.number for p in layout.partitions), default=0) + 1
        if layout.label == "gpt":
            line = (
                f"start={start // SECTOR}, size={size // SECTOR}, "
                f'type={GPT_TYPES["configdrive"]}, name="config-2"'
            )
        else:
            line = (
                f"start={start // SECTOR}, size={size // SECTOR}, type={MBR_TYPES['configdrive']}"
            )
        self.run("sfdisk", "--append", disk.path, input=line + "\n")
        self._reread(disk)
        dev = partition_device(disk.path, number)
        return BlockTarget(dev, 0, size, dev)

    def record_image(self, disk: Disk, record: dict) -> None:
        path = os.path.join(self.work_dir, "deployed.json")
        data = {}
        if os.path.exists(path):
            with open(path) as f:
                data = json.load(f)
        data[disk.path] = record
        with open(path, "w") as f:
            json.dump(data, f, indent=2)

    def install_bootloader(
        self, disk, boot_mode, root_uuid, efi_system_part_uuid, run_image_grub=False
    ) -> dict:
        if boot_mode == "uefi":
            return self._install_uefi(disk, root_uuid, efi_system_part_uuid, run_image_grub)
        if not root_uuid:
            raise errors.NotSupported(err="BIOS boot needs root_uuid to install GRUB")
        _require_image_grub(run_image_grub, "a BIOS boot loader")
        root = self._device_by_uuid(root_uuid)
        with self._chroot(root) as target:
            self.run("chroot", target, "grub-install", disk.path)
            self.run("chroot", target, "grub-mkconfig", "-o", "/boot/grub/grub.cfg")
        return {"boot_mode": "bios", "disk": disk.path, "root": root}

    def _install_uefi(self, disk: Disk, root_uuid, efi_uuid, run_image_grub: bool) -> dict:
        esp = None
        if efi_uuid:
            esp = self._device_by_uuid(efi_uuid)
        elif (layout := self.read_layout(disk)) and layout.by_role("efi"):
            esp = partition_device(disk.path, layout.by_role("efi").number)
        if not esp:
            raise errors.DeviceNotFound(err=f"no EFI system partition on {disk.path}")
        number = int(re.search(r"(\d+)$", esp).group(1))
        with self._mounted(esp) as mountpoint:
            loader = _find_efi_loader(mountpoint)
            if loader is None and root_uuid:
                loader = self._copy_image_efi_assets(root_uuid, mountpoint, efi_uuid)
        if loader is None:
            if not root_uuid:
                raise errors.DeviceNotFound(
                    err=f"the EFI system partition {esp} holds no boot loader and no root_uuid "
                    "was given to install one"
                )
            _require_image_grub(
                run_image_grub,
                f"a UEFI boot loader (the ESP {esp} is empty and the image carries none in "
                "/boot/efi/EFI)",
            )
            root = self._device_by_uuid(root_uuid)
            with self._chroot(root, esp=esp) as target:
                self.run(
                    "chroot",
                    target,
                    "grub-install",
                    "--target=x86_64-efi",
                    "--efi-directory=/boot/efi",
                    "--bootloader-id=ironic-lite",
                )
                self.run("chroot", target, "grub-mkconfig", "-o", "/boot/grub/grub.cfg")
            loader = "\\EFI\\ironic-lite\\grubx64.efi"
        self.run(
            "efibootmgr",
            "--create",
            "--disk",
            disk.path,
            "--part",
            str(number),
            "--label",
            "ironic-lite",
            "--loader",
            loader,
        )
        return {"boot_mode": "uefi", "disk": disk.path, "esp": esp, "loader": loader}

    def _copy_image_efi_assets(self, root_uuid: str, esp_dir: str, efi_uuid: str | None):
        """A partition image that carries its boot loader in ``/boot/efi/EFI`` (as built
        images do): copy it onto the fresh ESP (mounted at ``esp_dir``) and mount the ESP from
        the image's fstab, as Ironic's agent does before it falls back to grub-install. The
        loader, or None."""
        with self._mounted(self._device_by_uuid(root_uuid)) as target:
            image_esp = os.path.join(target, "boot", "efi")
            if not _find_efi_loader(image_esp):
                return None
            shutil.copytree(
                os.path.join(image_esp, "EFI"), os.path.join(esp_dir, "EFI"), dirs_exist_ok=True
            )
            fstab = os.path.join(target, "etc", "fstab")
            if efi_uuid and os.path.isfile(fstab):
                _add_esp_to_fstab(fstab, efi_uuid)
        loader = _find_efi_loader(esp_dir)
        LOG.info("copied the image's EFI boot loader %s to the ESP", loader)
        return loader

    def _device_by_uuid(self, value: str) -> str:
        for key in ("PARTUUID", "UUID"):
            result = self.run("blkid", "-l", "-o", "device", "-t", f"{key}={value}", check=False)
            if result.returncode == 0 and result.stdout.strip():
                return result.stdout.strip()
        raise errors.DeviceNotFound(err=f"no partition with UUID or PARTUUID {value}")

    @contextlib.contextmanager
    def _mounted(self, device: str, mountpoint: str | None = None, read_only: bool = False):
        mountpoint = mountpoint or tempfile.mkdtemp(prefix="mnt-", dir=self.work_dir)
        self.run("mount", *(("-o", "ro") if read_only else ()), device, mountpoint)
        try:
            yield mountpoint
        finally:
            self.run("umount", mountpoint, check=False)

    @contextlib.contextmanager
    def _chroot(self, root_device: str, esp: str | None = None):
        with self._mounted(root_device) as target:
            bound = []
            try:
                for fs in ("/dev", "/proc", "/sys"):
                    self.run("mount", "--bind", fs, target + fs)
                    bound.append(target + fs)
                if esp:
                    self.run("mount", esp, target + "/boot/efi")
                    bound.append(target + "/boot/efi")
                yield target
            finally:
                for path in reversed(bound):
                    self.run("umount", path, check=False)

    # --- erasure --------------------------------------------------------------------------
    def erase_disk(self, disk: Disk) -> str:
        if disk.erase_method == "nvme":
            method = self._nvme_erase(disk)
            if method:
                return method
        elif disk.erase_method == "ata" or self._ata_security(disk):
            method = self._ata_erase(disk)
            if method:
                return method
        self.run("shred", "--force", "--zero", "--verbose", "--iterations", "1", disk.path)
        return "shred"

    def _nvme_erase(self, disk: Disk) -> str | None:
        result = self._try("nvme", "id-ctrl", disk.path, "--output-format=json")
        if result is None:
            return None
        fna = int(json.loads(result.stdout).get("fna", 0))
        ses, method = ("2", "nvme_crypto_erase") if fna & 0x4 else ("1", "nvme_format")
        try:
            self.run("nvme", "format", disk.path, f"--ses={ses}", "--force")
        except errors.HardwareCommandFailed as exc:
            LOG.warning("nvme format of %s failed, falling back to shred: %s", disk.path, exc)
            return None
        return method

    def _ata_security(self, disk: Disk) -> dict | None:
        result = self._try("hdparm", "-I", disk.path)
        if result is None or "Security:" not in result.stdout:
            return None
        section = result.stdout.split("Security:", 1)[1].split("\n\n", 1)[0]
        lines = [line.strip() for line in section.splitlines()]
        return {
            "supported": "supported" in lines,
            "enhanced": any(
                line.endswith("supported: enhanced erase") and "not" not in line for line in lines
            ),
            "frozen": "frozen" in lines,
            "locked": "locked" in lines,
            "enabled": "enabled" in lines,
        }

    def _ata_erase(self, disk: Disk) -> str | None:
        sec = self._ata_security(disk)
        if not sec or not sec["supported"] or sec["frozen"] or sec["locked"] or sec["enabled"]:
            LOG.info("ATA secure erase is not possible on %s (%s); using shred", disk.path, sec)
            return None
        erase = "--security-erase-enhanced" if sec["enhanced"] else "--security-erase"
        self.run("hdparm", "--user-master", "u", "--security-set-pass", "NULL", disk.path)
        self.run("hdparm", "--user-master", "u", erase, "NULL", disk.path)
        return "ata_secure_erase"

    def erase_disk_metadata(self, disk: Disk) -> None:
        self.run("wipefs", "--force", "--all", disk.path)
        last = max(0, disk.size // MiB - 1)
        self.run("dd", "if=/dev/zero", f"of={disk.path}", "bs=1M", "count=1", "oflag=direct")
        self.run(
            "dd",
            "if=/dev/zero",
            f"of={disk.path}",
            "bs=1M",
            "count=1",
            "oflag=direct",
            f"seek={last}",
        )
        self._reread(disk)

    # --- power ----------------------------------------------------------------------------
    def power_off(self) -> None:
        self._sysrq("o")

    def reboot(self) -> None:
        self._sysrq("b")

    def kexec_load(self, disk, root, kernel, initrd, append) -> dict:
        try:
            self.run("kexec", "--version", timeout=60)
        except errors.ToolMissing as exc:
            raise errors.ToolMissing(tool="kexec", purpose="kexec into the deployed OS") from exc
        device = self._kexec_root(disk, root)
        with self._mounted(device, read_only=True) as mountpoint:
            files = {"kernel": kernel, "initrd": initrd}
            for what, path in files.items():
                if path and not os.path.isfile(os.path.join(mountpoint, path.lstrip("/"))):
                    raise errors.DeviceNotFound(
                        err=f"the deployed OS on {device} has no {what} {path}; nothing was loaded"
                    )
            cmdline = append if append is not None else f"root={device} ro"
            args = ["kexec", "-l", os.path.join(mountpoint, kernel.lstrip("/"))]
            if initrd:
                args.append(f"--initrd={os.path.join(mountpoint, initrd.lstrip('/'))}")
            args.append(f"--append={cmdline}")
            self.run(*args, timeout=300)
        return {"root": device, "kernel": kernel, "initrd": initrd, "append": cmdline}

    def _kexec_root(self, disk: Disk, root: str | None) -> str:
        """The partition holding the deployed OS: ``root`` (a device path, or a partition or
        file system UUID), else the root partition of a partition image, else the largest
        data partition of the disk (a whole-disk image)."""
        if root:
            return root if root.startswith("/dev/") else self._device_by_uuid(root)
        layout = self.read_layout(disk)
        parts = list(layout.partitions) if layout else []
        part = (layout.by_role("root") if layout else None) or max(
            (p for p in parts if p.role == "data"), key=lambda p: p.size, default=None
        )
        if part is None:
            raise errors.DeviceNotFound(
                err=f"no root partition found on {disk.path} to kexec from; give root_device"
            )
        return partition_device(disk.path, part.number)

    def kexec_exec(self) -> None:
        self.run("sync", check=False)
        self.run("kexec", "-e", check=False)

    def _sysrq(self, key: str) -> None:
        self.run("sync", check=False)
        with open(self._path("proc/sysrq-trigger"), "w") as f:
            f.write(key)

    # --- burn-in and RAID -----------------------------------------------------------------
    def burnin(self, kind: str, duration: int, **options) -> dict:
        if kind == "cpu":
            result = self.run(
                "stress-ng",
                "--cpu",
                "0",
                "--timeout",
                f"{duration}s",
                "--metrics-brief",
                timeout=duration + 120,
            )
        elif kind == "memory":
            result = self.run(
                "stress-ng",
                "--vm",
                "1",
                "--vm-bytes",
                str(options.get("vm_bytes", "90%")),
                "--verify",
                "--timeout",
                f"{duration}s",
                "--metrics-brief",
                timeout=duration + 120,
            )
        elif kind == "disk":
            devices = ":".join(d.path for d in self.disks())
            result = self.run(
                "fio",
                "--name=burnin",
                f"--filename={devices}",
                "--rw=randrw",
                "--bs=4k",
                "--direct=1",
                "--ioengine=libaio",
                "--time_based",
                f"--runtime={duration}",
                "--output-format=json",
                timeout=duration + 300,
            )
            data = json.loads(result.stdout)
            errs = sum(int(j.get("error", 0)) for j in data.get("jobs", []))
            if errs:
                raise errors.CommandExecutionError(err=f"fio reported {errs} I/O errors")
            return {
                "kind": kind,
                "result": "passed",
                "duration": duration,
                "jobs": [
                    {"read_iops": j["read"]["iops"], "write_iops": j["write"]["iops"]}
                    for j in data.get("jobs", [])
                ],
            }
        elif kind == "network":
            partner = options.get("partner")
            if not partner:
                raise errors.NotSupported(
                    err="network burn-in needs a partner host running iperf3 -s (arg partner)"
                )
            result = self.run(
                "iperf3",
                "--client",
                partner,
                "--time",
                str(duration),
                "--json",
                timeout=duration + 120,
            )
        else:
            raise errors.NotSupported(err=f"unknown burn-in {kind!r}")
        return {
            "kind": kind,
            "result": "passed",
            "duration": duration,
            "summary": result.stdout.strip().splitlines()[-5:],
        }

    def create_raid(self, arrays: list[dict]) -> list[dict]:
        for array in arrays:
            self.run(
                "mdadm",
                "--create",
                f"/dev/{array['name']}",
                "--run",
                "--metadata=1.2",
                f"--level={array['level']}",
                f"--raid-devices={len(array['devices'])}",
                *array["devices"],
            )
        return arrays

    def delete_raid(self) -> list[dict]:
        removed = []
        mdstat = self._read("proc/mdstat", default="") or ""
        for match in re.finditer(
            r"^(md\w+)\s*:\s*\w+\s+(?:\(\S+\)\s+)?(\w+)\s+(.*)$", mdstat, re.M
        ):
            name, level, members = match.groups()
            devices = ["/dev/" + m.split("[")[0] for m in members.split()]
            self.run("mdadm", "--stop", f"/dev/{name}")
            for dev in devices:
                self.run("mdadm", "--zero-superblock", dev, check=False)
            removed.append({"name": name, "level": level.removeprefix("raid"), "devices": devices})
        return removed

    # --- logs -----------------------------------------------------------------------------
    def system_logs(self) -> dict[str, bytes]:
        files = {}
        for name, args in (
            ("journal.txt", ("journalctl", "--boot", "--no-pager")),
            ("dmesg.txt", ("dmesg",)),
            ("lsblk.txt", ("lsblk", "--all", "--output-all")),
            ("ip-addr.txt", ("ip", "addr")),
            ("mdstat.txt", ("cat", self._path("proc/mdstat"))),
        ):
            result = self._try(*args)
            if result:
                files[name] = result.stdout.encode()
        if self.log_file and os.path.exists(self.log_file):
            with open(self.log_file, "rb") as f:
                files["agent.log"] = f.read()
        return files


def _find_efi_loader(mountpoint: str) -> str | None:
    """The loader an image ships on its ESP, as the firmware path efibootmgr wants (FAT
    names are case-insensitive: the mount may show BOOTX64.EFI as bootx64.efi)."""
    for candidate in ("shimx64.efi", "grubx64.efi", "bootx64.efi"):
        for dirpath, _dirs, files in sorted(os.walk(os.path.join(mountpoint, "EFI"))):
            for name in sorted(files):
                if name.lower() == candidate:
                    rel = os.path.relpath(os.path.join(dirpath, name), mountpoint)
                    return "\\" + rel.replace("/", "\\")
    return None


def _require_image_grub(allowed: bool, what: str) -> None:
    if not allowed:
        raise errors.InvalidImage(
            image="the deployed image",
            err=f"installing {what} means running the image's grub-install as root in the "
            "ramdisk, which the conductor does not allow ([agent] "
            "enable_bios_bootloader_install)",
        )


def _add_esp_to_fstab(fstab: str, efi_uuid: str) -> None:
    """Mount the ESP at /boot/efi in the deployed OS (once)."""
    with open(fstab) as f:
        text = f.read()
    if efi_uuid in text:
        return
    with open(fstab, "a") as f:
        if text and not text.endswith("\n"):
            f.write("\n")
        f.write(f"PARTUUID={efi_uuid}\t/boot/efi\tvfat\tumask=0077\t0\t1\n")


def _mkfs(fs: str, device: str, label: str) -> tuple[str, ...]:
    """The mkfs command line for ``fs`` (each tool names its label option differently)."""
    if fs == "swap":
        return ("mkswap", "-L", label, device)
    if fs in ("vfat", "fat", "msdos"):
        return ("mkfs", "-t", fs, "-n", label, device)
    force = ("-F",) if fs.startswith("ext") else ("-f",) if fs in ("xfs", "btrfs") else ()
    return ("mkfs", "-t", fs, *force, "-L", label, device)
