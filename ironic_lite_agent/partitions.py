"""Partition layout of a disk that receives a partition image: where each partition starts,
how large it is, and the sfdisk script that creates it on a real disk.

The order is fixed and simple: the boot partition the boot mode needs (an EFI system partition
for UEFI, a 1 MiB BIOS boot partition for BIOS on GPT), root, swap, ephemeral, and the config
drive as the last partition of the disk. Every partition is aligned to 1 MiB; on GPT the last
MiB of the disk stays free for the backup table.
"""

import dataclasses
import uuid

from ironic_lite_agent import errors

MiB = 1 << 20
SECTOR = 512
CONFIGDRIVE_MB = 64
DEFAULT_ESP_MB = 200
BIOS_BOOT_MB = 1

GPT_TYPES = {
    "efi": "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
    "bios_boot": "21686148-6449-6E6F-744E-656564454649",
    "root": "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
    "ephemeral": "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
    "configdrive": "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
    "swap": "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F",
}
MBR_TYPES = {"efi": "ef", "root": "83", "ephemeral": "83", "configdrive": "83", "swap": "82"}
# The name Ironic's images and cloud-init look for on a config drive partition.
PARTITION_NAMES = {"configdrive": "config-2"}


@dataclasses.dataclass(frozen=True)
class Partition:
    """One partition: its number on the disk, its role, where it starts and its size (bytes),
    and the partition UUID it is created with."""

    number: int
    role: str
    start: int
    size: int
    uuid: str

    @property
    def end(self) -> int:
        return self.start + self.size

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Layout:
    """A partition table: the label (``gpt`` or ``msdos``), its disk identifier and partitions."""

    label: str
    disk_id: str
    disk_size: int
    partitions: tuple[Partition, ...]

    def by_role(self, role: str) -> Partition | None:
        return next((p for p in self.partitions if p.role == role), None)

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "disk_id": self.disk_id,
            "disk_size": self.disk_size,
            "partitions": [p.as_dict() for p in self.partitions],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Layout":
        return cls(
            label=data["label"],
            disk_id=data["disk_id"],
            disk_size=data["disk_size"],
            partitions=tuple(Partition(**p) for p in data["partitions"]),
        )


def plan(
    disk_size: int,
    root_mb: int,
    swap_mb: int = 0,
    ephemeral_mb: int = 0,
    configdrive: bool = False,
    boot_mode: str = "uefi",
    label: str | None = None,
    esp_mb: int = DEFAULT_ESP_MB,
    device: str = "disk",
    new_uuid=lambda: str(uuid.uuid4()),
) -> Layout:
    """The layout for a partition image on a disk of ``disk_size`` bytes.

    Sizes are MiB. Raises PartitionLayoutError naming what does not fit, so a deploy fails
    before anything is written.
    """
    if boot_mode not in ("uefi", "bios"):
        raise errors.PartitionLayoutError(device=device, err=f"unknown boot mode {boot_mode!r}")
    label = label or ("gpt" if boot_mode == "uefi" else "msdos")
    if label not in ("gpt", "msdos"):
        raise errors.PartitionLayoutError(device=device, err=f"unknown disk label {label!r}")
    for name, value in (("root_mb", root_mb), ("swap_mb", swap_mb), ("ephemeral_mb", ephemeral_mb)):
        if not isinstance(value, int) or value < 0:
            raise errors.PartitionLayoutError(device=device, err=f"{name} must be an integer >= 0")
    if root_mb <= 0:
        raise errors.PartitionLayoutError(device=device, err="root_mb must be > 0")

    wanted: list[tuple[str, int]] = []
    if boot_mode == "uefi":
        wanted.append(("efi", esp_mb))
    elif label == "gpt":
        wanted.append(("bios_boot", BIOS_BOOT_MB))
    wanted.append(("root", root_mb))
    if swap_mb:
        wanted.append(("swap", swap_mb))
    if ephemeral_mb:
        wanted.append(("ephemeral", ephemeral_mb))
    if configdrive:
        wanted.append(("configdrive", CONFIGDRIVE_MB))
    if label == "msdos" and len(wanted) > 4:
        raise errors.PartitionLayoutError(
            device=device,
            err=f"an msdos label holds 4 primary partitions, this layout needs {len(wanted)} "
            "(use a gpt label)",
        )

    usable_end = (disk_size // MiB) * MiB - (MiB if label == "gpt" else 0)
    needed = MiB + sum(mb for _, mb in wanted) * MiB
    if needed > usable_end:
        summary = ", ".join(f"{role} {mb} MiB" for role, mb in wanted)
        raise errors.PartitionLayoutError(
            device=device,
            err=f"needs {needed // MiB} MiB ({summary}, 1 MiB alignment) but the disk has "
            f"{usable_end // MiB} MiB usable",
        )

    disk_id = new_uuid() if label == "gpt" else new_uuid().replace("-", "")[:8]
    parts, offset = [], MiB
    for number, (role, mb) in enumerate(wanted, start=1):
        start = usable_end - mb * MiB if role == "configdrive" else offset
        part_uuid = new_uuid() if label == "gpt" else f"{disk_id}-{number:02x}"
        parts.append(Partition(number, role, start, mb * MiB, part_uuid))
        offset = start + mb * MiB
    return Layout(label, disk_id, disk_size, tuple(parts))


def sfdisk_script(layout: Layout) -> str:
    """The sfdisk input that creates ``layout`` (sectors of 512 bytes), UUIDs included, so the
    partition UUIDs are known before the kernel rereads the table."""
    label = "dos" if layout.label == "msdos" else layout.label  # sfdisk's name for msdos
    lines = [f"label: {label}", f"label-id: {_label_id(layout)}", "unit: sectors", ""]
    for p in layout.partitions:
        fields = [f"start={p.start // SECTOR}", f"size={p.size // SECTOR}"]
        if layout.label == "gpt":
            fields.append(f"type={GPT_TYPES[p.role]}")
            fields.append(f"uuid={p.uuid}")
            fields.append(f'name="{PARTITION_NAMES.get(p.role, p.role)}"')
        else:
            fields.append(f"type={MBR_TYPES[p.role]}")
            if p.role == "efi":
                fields.append("bootable")
        lines.append(", ".join(fields))
    return "\n".join(lines) + "\n"


def _label_id(layout: Layout) -> str:
    return layout.disk_id if layout.label == "gpt" else f"0x{layout.disk_id}"


def partition_device(disk_path: str, number: int) -> str:
    """The device node of partition ``number`` of ``disk_path``: sda -> sda2, nvme0n1 ->
    nvme0n1p2 (a name ending in a digit takes a ``p``)."""
    sep = "p" if disk_path[-1].isdigit() else ""
    return f"{disk_path}{sep}{number}"
