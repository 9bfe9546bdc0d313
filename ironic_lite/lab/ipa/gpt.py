"""GUID partition tables (and plain MBR tables) in a disk file, for the lab's disk tools.

The lab's machines have no block devices, so no kernel reads their partition tables; the
tools IPA runs (``parted``, ``sgdisk``, ``lsblk``, ``blkid``) read and write them here, in
the bytes of the disk file. Only what those tools are asked in the lab is covered: 512-byte
sectors, 128 entries of 128 bytes, a protective MBR.
"""

import dataclasses
import os
import struct
import uuid
import zlib

SECTOR = 512
ENTRIES = 128
ENTRY_SIZE = 128
_ENTRY_SECTORS = ENTRIES * ENTRY_SIZE // SECTOR
_SIGNATURE = b"EFI PART"
ESP_TYPE = uuid.UUID("c12a7328-f81f-11d2-ba4b-00a0c93ec93b")
LINUX_TYPE = uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8477de4")
BASIC_DATA_TYPE = uuid.UUID("ebd0a0a2-b9e5-4433-87c0-68b6b72699c7")


@dataclasses.dataclass
class Partition:
    number: int
    start: int  # bytes
    size: int  # bytes
    type_guid: str = str(LINUX_TYPE)
    guid: str = ""
    name: str = ""

    @property
    def end(self) -> int:
        return self.start + self.size - 1


@dataclasses.dataclass
class Table:
    kind: str  # gpt, msdos
    disk_guid: str
    partitions: list[Partition]


def _size(path: str) -> int:
    return os.path.getsize(path)


def read(path: str) -> Table | None:
    """The table in ``path``, or None when it holds neither a GPT nor an MBR table."""
    with open(path, "rb") as f:
        mbr = f.read(SECTOR)
        header = f.read(SECTOR)
        if header[:8] == _SIGNATURE:
            first_entry, count, entry_size = struct.unpack_from("<QII", header, 72)
            f.seek(first_entry * SECTOR)
            raw = f.read(count * entry_size)
            disk_guid = str(uuid.UUID(bytes_le=header[56:72]))
            parts = []
            for i in range(count):
                entry = raw[i * entry_size : (i + 1) * entry_size]
                type_guid = uuid.UUID(bytes_le=entry[:16])
                if type_guid.int == 0:
                    continue
                first, last = struct.unpack_from("<QQ", entry, 32)
                name = entry[56:128].decode("utf-16-le", errors="replace").rstrip("\0")
                parts.append(
                    Partition(
                        i + 1,
                        first * SECTOR,
                        (last - first + 1) * SECTOR,
                        str(type_guid),
                        str(uuid.UUID(bytes_le=entry[16:32])),
                        name,
                    )
                )
            return Table("gpt", disk_guid, parts)
    if len(mbr) == SECTOR and mbr[510:512] == b"\x55\xaa":
        parts = []
        for i in range(4):
            entry = mbr[446 + 16 * i : 462 + 16 * i]
            ptype = entry[4]
            first, count = struct.unpack_from("<II", entry, 8)
            if ptype in (0, 0xEE) or not count:
                continue
            parts.append(Partition(i + 1, first * SECTOR, count * SECTOR, f"0x{ptype:02x}"))
        disk_id = struct.unpack_from("<I", mbr, 440)[0]
        if parts:
            return Table("msdos", f"0x{disk_id:08x}", parts)
    return None


def write(path: str, partitions: list[Partition], disk_guid: str | None = None) -> Table:
    """Write a protective MBR, the primary and the backup GPT for ``partitions``."""
    size = _size(path)
    sectors = size // SECTOR
    disk_guid = disk_guid or str(uuid.uuid4())
    entries = bytearray(ENTRIES * ENTRY_SIZE)
    for part in partitions:
        part.guid = part.guid or str(uuid.uuid4())
        first = part.start // SECTOR
        last = first + part.size // SECTOR - 1
        name = part.name.encode("utf-16-le")[:72]
        struct.pack_into(
            "<16s16sQQQ72s",
            entries,
            (part.number - 1) * ENTRY_SIZE,
            uuid.UUID(part.type_guid).bytes_le,
            uuid.UUID(part.guid).bytes_le,
            first,
            last,
            0,
            name,
        )
    entries_crc = zlib.crc32(entries)
    first_usable = 2 + _ENTRY_SECTORS
    last_usable = sectors - 2 - _ENTRY_SECTORS

    def header(current: int, backup: int, entries_lba: int) -> bytes:
        fields = struct.pack(
            "<8sIIIIQQQQ16sQIII",
            _SIGNATURE,
            0x00010000,
            92,
            0,
            0,
            current,
            backup,
            first_usable,
            last_usable,
            uuid.UUID(disk_guid).bytes_le,
            entries_lba,
            ENTRIES,
            ENTRY_SIZE,
            entries_crc,
        )
        crc = zlib.crc32(fields)
        fields = fields[:16] + struct.pack("<I", crc) + fields[20:]
        return fields.ljust(SECTOR, b"\0")

    mbr = bytearray(SECTOR)
    struct.pack_into(
        "<BBBBBBBBII", mbr, 446, 0, 0, 2, 0, 0xEE, 0xFF, 0xFF, 0xFF, 1, min(sectors - 1, 0xFFFFFFFF)
    )
    mbr[510:512] = b"\x55\xaa"
    with open(path, "r+b") as f:
        f.seek(0)
        f.write(mbr)
        f.write(header(1, sectors - 1, 2))
        f.write(entries)
        f.seek((sectors - 1 - _ENTRY_SECTORS) * SECTOR)
        f.write(entries)
        f.write(header(sectors - 1, 1, sectors - 1 - _ENTRY_SECTORS))
    return Table("gpt", disk_guid, partitions)


def zap(path: str) -> None:
    """Remove every partition table (sgdisk -Z): MBR and both GPT copies zeroed."""
    size = _size(path)
    span = (2 + _ENTRY_SECTORS) * SECTOR
    with open(path, "r+b") as f:
        f.write(b"\0" * min(span, size))
        if size > 2 * span:
            f.seek(size - (1 + _ENTRY_SECTORS) * SECTOR)
            f.write(b"\0" * (1 + _ENTRY_SECTORS) * SECTOR)


def last_usable(path: str) -> int:
    """The first byte after the last usable sector (the backup GPT follows it)."""
    return (_size(path) // SECTOR - 1 - _ENTRY_SECTORS) * SECTOR


def add_partition(
    path: str,
    start: int | None,
    size: int,
    guid: str | None = None,
    type_guid: str = str(BASIC_DATA_TYPE),
    name: str = "",
) -> Partition:
    """Append a partition to the GPT of ``path``; ``start`` None: the end of the disk."""
    table = read(path)
    if table is None or table.kind != "gpt":
        raise ValueError(f"{path} has no GPT")
    end = last_usable(path)
    if start is None:
        start = (end - size) // (1 << 20) * (1 << 20)
        size = end - start
    for part in table.partitions:
        if start < part.start + part.size and part.start < start + size:
            raise ValueError(f"the new partition overlaps partition {part.number}")
    used = {p.number for p in table.partitions}
    number = next(n for n in range(1, ENTRIES + 1) if n not in used)
    part = Partition(number, start, size, type_guid, guid or str(uuid.uuid4()), name)
    write(path, [*table.partitions, part], table.disk_guid)
    return part


def image_with_partitions(path: str, size: int, payload: bytes, esp: bool = True) -> dict:
    """A whole-disk image for IPA tests: a GPT with an ESP (optional) and a root partition
    that starts with ``payload``. Returns the partitions' offsets and GUIDs."""
    with open(path, "wb") as f:
        f.truncate(size)
    mib = 1 << 20
    parts = []
    start = mib
    if esp:
        parts.append(Partition(1, start, 2 * mib, str(ESP_TYPE), name="EFI System"))
        start += 2 * mib
    root_end = last_usable_for(size) // mib * mib
    parts.append(Partition(len(parts) + 1, start, root_end - start, str(LINUX_TYPE), name="root"))
    table = write(path, parts)
    with open(path, "r+b") as f:
        f.seek(parts[-1].start)
        f.write(payload)
    return {"disk_guid": table.disk_guid, "partitions": [dataclasses.asdict(p) for p in parts]}


def last_usable_for(size: int) -> int:
    return (size // SECTOR - 1 - _ENTRY_SECTORS) * SECTOR
