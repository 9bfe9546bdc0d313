"""What the agent asks of the hardware it runs on, whichever machine that is.

Two backends implement it: ``real`` (the machine's /dev, sysfs and tools such as lsblk,
nvme-cli, hdparm and mdadm) and ``simulated`` (a directory whose block devices are files and
whose hardware is described by hardware.json). Commands and steps only ever talk to a
:class:`Backend`, so every command runs the same code on both; only the last hop differs.

External programs go through a *runner* (:func:`subprocess_runner` by default): tests of the
real backend pass one that answers with canned output, so they never touch this machine.
"""

import abc
import dataclasses
import logging
import os
import subprocess
from collections.abc import Callable

from ironic_lite_agent import errors
from ironic_lite_agent.partitions import Layout, MiB

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Completed:
    """The outcome of an external program."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str = ""


Runner = Callable[..., Completed]


def subprocess_runner(
    args: list[str], input: str | None = None, timeout: float = 3600
) -> Completed:
    """Run a program without a shell; a program that is not installed raises ToolMissing."""
    try:
        proc = subprocess.run(
            args, input=input, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise errors.ToolMissing(tool=args[0], purpose=" ".join(args)) from exc
    except subprocess.TimeoutExpired as exc:
        raise errors.HardwareCommandFailed(
            cmd=" ".join(args), rc="timeout", stderr=f"still running after {timeout} s"
        ) from exc
    return Completed(list(args), proc.returncode, proc.stdout, proc.stderr)


@dataclasses.dataclass(frozen=True)
class Disk:
    """A block device the agent may write: its kernel name, the path it is opened at and its
    size in bytes, plus what inspection reports about it."""

    name: str
    path: str
    size: int
    model: str = ""
    vendor: str = ""
    serial: str = ""
    wwn: str = ""
    rotational: bool = False
    hctl: str = ""
    # How a full erase would be done on this device: nvme, ata or shred (real backend: probed).
    erase_method: str = "shred"

    def inventory(self) -> dict:
        """The disk as Ironic's inspection data lists it."""
        return {
            "name": self.path if self.path.startswith("/dev/") else f"/dev/{self.name}",
            "model": self.model,
            "vendor": self.vendor,
            "size": self.size,
            "rotational": self.rotational,
            "serial": self.serial or None,
            "wwn": self.wwn or None,
            "hctl": self.hctl or None,
            "by_path": None,
        }


@dataclasses.dataclass(frozen=True)
class BlockTarget:
    """A region that receives bytes: ``path`` (device node or disk file), the ``offset`` of the
    region in it and its ``size``. ``label`` names it in messages."""

    path: str
    offset: int
    size: int
    label: str

    def qemu_image_opts(self) -> str:
        """qemu-img's --target-image-opts for exactly this region, so a converted image can
        never spill past it."""
        return (
            f"driver=raw,offset={self.offset},size={self.size},"
            f"file.driver=file,file.filename={self.path}"
        )

    def zero_head(self, length: int = MiB) -> None:
        """Overwrite the first ``length`` bytes of the region with zeros, so a half-written or
        unverified image can never boot."""
        length = min(length, self.size)
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.pwrite(fd, b"\0" * length, self.offset)
            os.fsync(fd)
        finally:
            os.close(fd)


def match_root_disk(disks: list[Disk], hints: dict | None, min_size: int) -> Disk:
    """The disk an image goes to: the one matching every root device hint (name, serial, wwn,
    model, vendor, size in GiB, rotational), or without hints the smallest disk of at least
    ``min_size`` bytes, as Ironic picks it. Hints are the operator's word: as in IPA, the
    minimum size applies only without them."""
    hints = dict(hints or {})
    candidates = list(disks) if hints else [d for d in disks if d.size >= min_size]
    for key, wanted in hints.items():
        if key == "size":
            candidates = [d for d in candidates if d.size // (1 << 30) == int(wanted)]
        elif key == "rotational":
            candidates = [d for d in candidates if d.rotational == _truthy(wanted)]
        elif key == "name":
            w = str(wanted).removeprefix("/dev/")
            candidates = [d for d in candidates if d.name == w]
        elif key in ("serial", "wwn", "model", "vendor"):
            candidates = [d for d in candidates if getattr(d, key).lower() == str(wanted).lower()]
        else:
            raise errors.NotSupported(err=f"root device hint {key!r} is not supported")
    if not candidates:
        wanted = (
            f"matches the root device hints {hints}" if hints else f"of at least {min_size} bytes"
        )
        raise errors.DeviceNotFound(
            err=f"no disk {wanted}; "
            f"disks: {', '.join(f'{d.name} ({d.size} bytes)' for d in disks) or 'none'}"
        )
    return min(candidates, key=lambda d: (d.size, d.name))


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


class Backend(abc.ABC):
    """The hardware operations behind every command. Each method names the effect it has; the
    backends decide how (a tool on real hardware, a file and a JSONL record in simulation)."""

    name: str = "base"
    #: the hardware manager name reported with steps (Ironic's step lists are keyed by it)
    manager_name: str = "GenericHardwareManager"
    manager_version: str = "1.0"
    #: smallest disk that is picked as the root disk when no hint is given
    min_root_disk_size: int = 4 << 30

    def __init__(self, work_dir: str, runner: Runner = subprocess_runner):
        self.work_dir = work_dir
        self._runner = runner
        os.makedirs(work_dir, exist_ok=True)

    def run(self, *args: str, input: str | None = None, check: bool = True, timeout: float = 3600):
        """Run a program through the runner; a non-zero exit raises HardwareCommandFailed."""
        result = self._runner(list(args), input=input, timeout=timeout)
        if check and result.returncode != 0:
            raise errors.HardwareCommandFailed(
                cmd=" ".join(args), rc=result.returncode, stderr=(result.stderr or "").strip()
            )
        return result

    # --- what the machine is ------------------------------------------------------------
    @abc.abstractmethod
    def inventory(self) -> dict:
        """Ironic's inspection inventory: cpu, memory, disks, interfaces (with LLDP),
        system_vendor (with firmware), boot, bmc_address, hostname."""

    @abc.abstractmethod
    def disks(self) -> list[Disk]:
        """The block devices an image or an erase may target (no partitions, no read-only)."""

    def macs(self) -> list[str]:
        return [i["mac_address"] for i in self.inventory()["interfaces"] if i.get("mac_address")]

    def root_disk(self, hints: dict | None = None) -> Disk:
        return match_root_disk(self.disks(), hints, self.min_root_disk_size)

    # --- images ---------------------------------------------------------------------------
    @abc.abstractmethod
    def whole_disk_target(self, disk: Disk) -> BlockTarget:
        """The whole disk as a write target."""

    @abc.abstractmethod
    def apply_layout(self, disk: Disk, layout: Layout) -> None:
        """Write ``layout`` as the disk's partition table (replacing any table there)."""

    @abc.abstractmethod
    def make_filesystems(
        self, disk: Disk, layout: Layout, ephemeral_format: str, preserve_ephemeral: bool
    ) -> None:
        """Format the partitions a partition image does not fill: the EFI system partition
        (vfat), swap, and the ephemeral partition (unless it is preserved), as Ironic's
        agent does, so the bootloader step can mount the ESP and the OS its swap."""

    @abc.abstractmethod
    def partition_target(self, disk: Disk, layout: Layout, number: int) -> BlockTarget:
        """Partition ``number`` of ``layout`` as a write target."""

    @abc.abstractmethod
    def read_layout(self, disk: Disk) -> Layout | None:
        """The partition table on the disk now, or None when there is none."""

    @abc.abstractmethod
    def add_configdrive_partition(self, disk: Disk, size: int) -> BlockTarget:
        """Append a config drive partition of ``size`` bytes at the end of a disk that holds a
        whole-disk image; returns it as a write target."""

    @abc.abstractmethod
    def record_image(self, disk: Disk, record: dict) -> None:
        """Remember what was deployed on ``disk`` (``record['deployed']`` is True only after
        the checksum matched and every write finished)."""

    @abc.abstractmethod
    def install_bootloader(
        self,
        disk: Disk,
        boot_mode: str,
        root_uuid: str | None,
        efi_system_part_uuid: str | None,
        run_image_grub: bool = False,
    ) -> dict:
        """Make the deployed disk bootable in ``boot_mode``; the image's own grub-install
        runs (in a chroot) only when ``run_image_grub``."""

    # --- erasure --------------------------------------------------------------------------
    @abc.abstractmethod
    def erase_disk(self, disk: Disk) -> str:
        """Erase every byte of ``disk`` by the best method it supports; returns the method."""

    @abc.abstractmethod
    def erase_disk_metadata(self, disk: Disk) -> None:
        """Wipe partition tables and file system signatures: the first and last MiB."""

    def erase_disk_express(self, disk: Disk) -> str:
        """A fast erase of ``disk``; the method used. Here: its metadata only (a backend with
        a quick hardware erase overrides it)."""
        self.erase_disk_metadata(disk)
        return "metadata"

    # --- rescue -----------------------------------------------------------------------------
    # Where IPA's rescue ramdisks look for the rescue user's password hash, and IPA's marker
    # of a rescued machine (the agent's service does not start again once it exists).
    rescue_password_file = "/etc/ipa-rescue-config/ipa-rescue-password"
    rescued_marker = "/etc/.rescued"

    def set_rescue_password(self, hashed: str) -> None:
        """Leave the rescue user's crypt(3) password hash where the ramdisk's rescue unit
        reads it (IPA's file), readable by root only, and mark the machine rescued."""
        os.makedirs(os.path.dirname(self.rescue_password_file), mode=0o700, exist_ok=True)
        fd = os.open(self.rescue_password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(hashed)
        with open(self.rescued_marker, "w"):
            pass

    # --- power ----------------------------------------------------------------------------
    def sync(self) -> None:
        """Flush file system buffers to the disks."""
        self.run("sync", check=False)

    @abc.abstractmethod
    def power_off(self) -> None:
        """Power the machine off in-band (the agent process ends right after)."""

    @abc.abstractmethod
    def reboot(self) -> None:
        """Reboot the machine in-band (the agent process ends right after)."""

    @abc.abstractmethod
    def kexec_load(
        self,
        disk: Disk,
        root: str | None,
        kernel: str,
        initrd: str | None,
        append: str | None,
    ) -> dict:
        """Load the deployed OS's ``kernel`` and ``initrd`` (paths inside its root file
        system, on partition ``root`` of ``disk``, or found from the disk's layout) to be
        started by :meth:`kexec_exec`; raises, having started nothing, when it cannot."""

    @abc.abstractmethod
    def kexec_exec(self) -> None:
        """Jump into the kernel :meth:`kexec_load` loaded (the agent process ends)."""

    # --- burn-in and RAID -----------------------------------------------------------------
    @abc.abstractmethod
    def burnin(self, kind: str, duration: int, **options) -> dict:
        """Stress ``kind`` (cpu, memory, disk, network) for ``duration`` seconds; returns the
        tool's summary. Raises when the stress found a fault."""

    @abc.abstractmethod
    def create_raid(self, arrays: list[dict]) -> list[dict]:
        """Create software RAID arrays ``[{name, level, devices}]``; returns what exists."""

    @abc.abstractmethod
    def delete_raid(self) -> list[dict]:
        """Stop every software RAID array and wipe its members; returns what was removed."""

    # --- logs -----------------------------------------------------------------------------
    @abc.abstractmethod
    def system_logs(self) -> dict[str, bytes]:
        """Files for log.collect_system_logs: name in the archive -> content."""
