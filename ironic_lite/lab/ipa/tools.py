"""The programs IPA runs, for a simulated machine whose disks are files.

    python -m ironic_lite.lab.ipa.tools TOOL ARGS...     (each tool a shim on IPA's PATH)

Stock IPA partitions, wipes and copies by running ``parted``, ``sgdisk``, ``wipefs``, ``dd``,
``lsblk``, ``blkid``, ``qemu-img`` ... on block devices, and powers off with ``poweroff``.
In the lab the machine's disks are the files of ``hardware.json`` (the same files
ironic-lite-agent's ``simulated`` backend uses) and IPA sees them at those paths; these
shims do to the files what the real programs do to disks: partition tables are real GPTs in
the bytes (``gpt``), ``dd`` writes at a partition's offset, ``qemu-img convert`` writes raw
into the file, ``poweroff`` and ``reboot`` are recorded in ``state.json`` as the simulated
backend records them (the machine simulator then tells the BMC) and end the sandbox.

Every path is checked first: anything that is not one of the machine's disk files (or a
partition of one) is refused with exit code 1, "refusing", and a ``refused`` line in
``actions.jsonl``; so is anything under /dev (but /dev/zero and friends as input), /sys or
/proc, and any block or character device. Programs not listed here are not shimmed; those
that could touch hardware are refused outright (``REFUSED``).

The partition path of disk ``D`` and number ``N`` is ``D`` + ``N`` (IPA's own rule); in
``lsblk`` output a name is relative to /dev (``../x/disks/sda.img1``), since IPA prefixes
names with ``/dev/``.
"""

import contextlib
import datetime
import json
import os
import re
import signal
import stat
import subprocess
import sys
import uuid

from ironic_lite.lab.ipa import gpt

MiB = 1 << 20
_INPUTS = frozenset({"/dev/zero", "/dev/null", "/dev/urandom", "/dev/random"})
_FORBIDDEN_ROOTS = ("/dev", "/sys", "/proc")
# Programs that only ever act on hardware: in the lab they fail, loudly.
REFUSED = (
    "hdparm",
    "nvme",
    "smartctl",
    "kexec",
    "modprobe",
    "insmod",
    "rmmod",
    "hwclock",
    "chronyd",
    "chronyc",
    "ntpdate",
    "mdadm",
    "multipath",
    "multipathd",
    "iscsistart",
    "kpartx",
    "losetup",
    "grub-install",
    "grub2-install",
    "shred",
    "swapon",
    "ipmitool",
    "ethtool",
    "mkfs",
    "mkfs.ext4",
    "mkfs.xfs",
    "mkfs.vfat",
    "mkfs.fat",
    "mkswap",
    "findfs",
    "cryptsetup",
    "vgchange",
    "vgremove",
    "pvremove",
    "lvremove",
    "efivar",
    "getenforce",
    "podman",
)


class Refused(Exception):
    pass


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


class Machine:
    def __init__(self, root: str):
        self.root = os.path.abspath(root)
        with open(os.path.join(self.root, "hardware.json")) as f:
            self.hardware = json.load(f)
        self.disks = [
            {**d, "path": os.path.join(self.root, d["path"])} for d in self.hardware["disks"]
        ]

    def record(self, action: str, **fields) -> None:
        line = json.dumps({"time": _now(), "action": action, **fields}, sort_keys=True)
        with open(os.path.join(self.root, "actions.jsonl"), "a") as f:
            f.write(line + "\n")

    def state(self) -> dict:
        try:
            with open(os.path.join(self.root, "state.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {"power": "on", "raid": []}

    def save_state(self, state: dict) -> None:
        path = os.path.join(self.root, "state.json")
        with open(path + ".tmp", "w") as f:
            json.dump(state, f)
        os.replace(path + ".tmp", path)

    def locate(self, path: str) -> tuple[dict, int | None]:
        """(disk, partition number or None) for a path IPA gave; Refused for anything else."""
        normal = os.path.normpath(path)
        if normal.startswith(_FORBIDDEN_ROOTS) or normal in ("/dev", "/sys", "/proc"):
            raise Refused(f"{path} is a device path of this host")
        if os.path.exists(normal):
            mode = os.stat(normal).st_mode
            if stat.S_ISBLK(mode) or stat.S_ISCHR(mode):
                raise Refused(f"{path} is a device of this host")
        for disk in self.disks:
            if normal == disk["path"]:
                self.ensure_size(disk)
                return disk, None
            tail = normal[len(disk["path"]) :] if normal.startswith(disk["path"]) else ""
            match = re.fullmatch(r"p?(\d+)", tail)
            if match:
                self.ensure_size(disk)
                return disk, int(match.group(1))
        raise Refused(f"{path} is not a disk of the simulated machine")

    @staticmethod
    def ensure_size(disk: dict) -> None:
        """A disk file written with open(..., "wb") shrank: give it its size back."""
        size = int(disk["size"])
        if os.path.getsize(disk["path"]) < size:
            with open(disk["path"], "r+b") as f:
                f.truncate(size)

    def partition(self, disk: dict, number: int) -> gpt.Partition:
        table = gpt.read(disk["path"])
        for part in table.partitions if table else []:
            if part.number == number:
                return part
        raise Refused(f"{disk['path']} has no partition {number}")

    def extent(self, path: str) -> tuple[str, int, int]:
        """(disk file, offset, size) of a disk or partition path."""
        disk, number = self.locate(path)
        if number is None:
            return disk["path"], 0, int(disk["size"])
        part = self.partition(disk, number)
        return disk["path"], part.start, part.size


def _dev_name(path: str) -> str:
    return os.path.relpath(path, "/dev")


def _fstype(disk_path: str, offset: int) -> str:
    with open(disk_path, "rb") as f:
        f.seek(offset)
        head = f.read(0x8010)
    if head[0x8001:0x8006] == b"CD001":
        return "iso9660"
    if head[0x52:0x57] == b"FAT32" or head[0x36:0x39] == b"FAT":
        return "vfat"
    if len(head) > 1082 and head[1080:1082] == b"\x53\xef":
        return "ext4"
    if head[4086:4096] == b"SWAPSPACE2":
        return "swap"
    return ""


def _fs_label(disk_path: str, offset: int, fstype: str) -> str:
    with open(disk_path, "rb") as f:
        f.seek(offset)
        head = f.read(0x8400)
    if fstype == "iso9660":
        return head[0x8028:0x8048].decode(errors="replace").strip()
    if fstype == "vfat":
        at = 0x47 if head[0x52:0x57] == b"FAT32" else 0x2B
        return head[at : at + 11].decode(errors="replace").strip()
    return ""


# --- the tools --------------------------------------------------------------------------------
def _device_args(machine: Machine, argv: list[str]) -> list[str]:
    found = []
    for arg in argv:
        if arg.startswith("/") or arg.startswith("."):
            machine.locate(arg)
            found.append(arg)
    return found


def parted(machine: Machine, argv: list[str]) -> int:
    devices = _device_args(machine, argv)
    if not devices:
        raise Refused("parted without a disk of the machine")
    path, number = machine.locate(devices[0])
    if number is not None:
        raise Refused("parted on a partition")
    path = path["path"]
    words = [a for a in argv if a not in devices and not a.startswith("-")]
    if "mklabel" in words:
        label = words[words.index("mklabel") + 1]
        if label != "gpt":
            raise Refused(f"the lab writes GPT labels only, not {label}")
        gpt.zap(path)
        gpt.write(path, [])
        return 0
    if "mkpart" in words:
        i = words.index("mkpart")
        start, end = _parted_pos(path, words[-2]), _parted_pos(path, words[-1])
        part = gpt.add_partition(path, start, end - start, name=words[i + 1])
        machine.record("ipa_partition", disk=path, number=part.number, start=start)
        return 0
    table = gpt.read(path)
    size = os.path.getsize(path)
    if "-m" in argv or "--machine" in argv:
        lines = [
            "BYT;",
            f"{path}:{size / MiB:.2f}MiB:scsi:512:512:"
            f"{table.kind if table else 'unknown'}:SIMDISK:;",
        ]
        for p in table.partitions if table else []:
            fs = _fstype(path, p.start)
            flags = "boot, esp" if p.type_guid == str(gpt.ESP_TYPE) else ""
            lines.append(
                f"{p.number}:{p.start / MiB:.2f}MiB:{(p.end + 1) / MiB:.2f}MiB:"
                f"{p.size / MiB:.2f}MiB:{'fat32' if fs == 'vfat' else fs}:{p.name}:{flags};"
            )
        print("\n".join(lines))
        return 0
    print(
        f"Model: SIMDISK (scsi)\nDisk {path}: {size / MiB:.0f}MiB\n"
        f"Sector size (logical/physical): 512B/512B\n"
        f"Partition Table: {table.kind if table else 'unknown'}\n"
    )
    return 0


def _parted_pos(path: str, text: str) -> int:
    size = os.path.getsize(path)
    match = re.fullmatch(r"(-?[\d.]+)(MiB|MB|GiB|GB|s|%)?", text)
    if not match:
        raise Refused(f"parted position {text!r}")
    value, unit = float(match.group(1)), match.group(2) or "MB"
    scale = {"MiB": MiB, "MB": 10**6, "GiB": 1 << 30, "GB": 10**9, "s": 512}.get(unit)
    at = value * size / 100 if unit == "%" else value * scale
    if at < 0 or text.startswith("-"):
        at = gpt.last_usable(path) + at
    return int(at) // MiB * MiB


def sgdisk(machine: Machine, argv: list[str]) -> int:
    devices = _device_args(machine, argv)
    disk, number = machine.locate(devices[-1]) if devices else (None, None)
    if disk is None or number is not None:
        raise Refused("sgdisk without a disk of the machine")
    path = disk["path"]
    opts = dict(zip(argv[::1], argv[1::1], strict=False))
    if "-Z" in argv or "--zap-all" in argv:
        gpt.zap(path)
        machine.record("ipa_wipe_table", disk=path)
        return 0
    if "-n" in argv:
        _num, start, _end = opts["-n"].split(":")
        guid = opts.get("-u", "0:").split(":", 1)[1] or None
        size = 64 * MiB if not start.startswith("-") else _sgdisk_size(start[1:])
        part = gpt.add_partition(path, None, size, guid=guid)
        machine.record("ipa_partition", disk=path, number=part.number, start=part.start)
        return 0
    table = gpt.read(path)
    if "-e" in argv and table and table.kind == "gpt":
        gpt.write(path, table.partitions, table.disk_guid)
        return 0
    if "-v" in argv:
        print("No problems found." if table else "Problem: no GPT found.")
        return 0
    return 0


def _sgdisk_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)([KMGT]?)i?B?", text)
    if not match:
        raise Refused(f"sgdisk size {text!r}")
    return int(match.group(1)) * {"": 512, "K": 1024, "M": MiB, "G": 1 << 30}[match.group(2)]


def partprobe(machine: Machine, argv: list[str]) -> int:
    for dev in _device_args(machine, argv):
        if "-s" in argv:
            disk, _ = machine.locate(dev)
            table = gpt.read(disk["path"])
            numbers = " ".join(str(p.number) for p in table.partitions) if table else ""
            print(f"{dev}: {table.kind if table else 'unknown'} partitions {numbers}".rstrip())
    return 0


def blockdev(machine: Machine, argv: list[str]) -> int:
    devices = _device_args(machine, argv)
    if not devices:
        raise Refused("blockdev without a disk of the machine")
    _path, _offset, size = machine.extent(devices[0])
    if "--getsize64" in argv:
        print(size)
    elif "--getss" in argv or "--getpbsz" in argv or "--getbsz" in argv:
        print(512)
    elif "--getsz" in argv:
        print(size // 512)
    return 0


def wipefs(machine: Machine, argv: list[str]) -> int:
    for dev in _device_args(machine, argv):
        path, offset, size = machine.extent(dev)
        disk, number = machine.locate(dev)
        if number is None:
            gpt.zap(path)
        with open(path, "r+b") as f:
            f.seek(offset)
            f.write(b"\0" * min(size, 64 * 1024))
        machine.record("ipa_wipefs", device=dev)
    return 0


def dd(machine: Machine, argv: list[str]) -> int:
    args = dict(a.split("=", 1) for a in argv if "=" in a)
    source, target = args.get("if"), args.get("of")
    if not source or not target:
        raise Refused("dd without if= and of=")
    path, offset, size = machine.extent(target)
    if source not in _INPUTS:
        try:
            machine.locate(source)
        except Refused:
            normal = os.path.normpath(source)
            if normal.startswith(_FORBIDDEN_ROOTS) or not os.path.isfile(normal):
                raise
    bs = _dd_bytes(args.get("bs", "512"))
    count = int(args["count"]) if "count" in args else None
    seek = int(args.get("seek", 0)) * bs
    length = size - seek if count is None else min(count * bs, size - seek)
    written = 0
    src_path, src_offset = (source, 0)
    if source not in _INPUTS:
        with contextlib.suppress(Refused):
            src_path, src_offset, _ = machine.extent(source)
    with open(path, "r+b") as out:
        out.seek(offset + seek)
        if source in ("/dev/zero", "/dev/null"):
            out.write(b"\0" * max(0, length))
            written = max(0, length)
        else:
            with open(src_path, "rb") as src:
                src.seek(src_offset + int(args.get("skip", 0)) * bs)
                while written < length:
                    chunk = src.read(min(MiB, length - written))
                    if not chunk:
                        break
                    out.write(chunk)
                    written += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    machine.record("ipa_dd", source=source, target=target, bytes=written)
    print(f"{written} bytes copied", file=sys.stderr)
    return 0


def _dd_bytes(text: str) -> int:
    match = re.fullmatch(r"(\d+)([kKMG]?)", text)
    if not match:
        raise Refused(f"dd block size {text!r}")
    return (
        int(match.group(1)) * {"": 1, "k": 1024, "K": 1024, "M": MiB, "G": 1 << 30}[match.group(2)]
    )


def _rows(machine: Machine, dev: str | None) -> list[dict]:
    """What lsblk and blkid know: the disk(s) and their partitions."""
    disks = machine.disks if dev is None else [machine.locate(dev)[0]]
    only = None if dev is None else machine.locate(dev)[1]
    rows = []
    for disk in disks:
        table = gpt.read(disk["path"])
        if only is None:
            rows.append(
                {
                    "NAME": _dev_name(disk["path"]),
                    "KNAME": _dev_name(disk["path"]),
                    "TYPE": "disk",
                    "SIZE": str(disk["size"]),
                    "UUID": "",
                    "PARTUUID": "",
                    "LABEL": "",
                    "FSTYPE": "",
                    "PTTYPE": table.kind if table else "",
                    "PTUUID": table.disk_guid if table else "",
                    "PARTLABEL": "",
                    "MODEL": disk.get("model", ""),
                    "RO": "0",
                    "RM": "0",
                }
            )
        for part in table.partitions if table else []:
            if only is not None and part.number != only:
                continue
            path = f"{disk['path']}{part.number}"
            fstype = _fstype(disk["path"], part.start)
            rows.append(
                {
                    "NAME": _dev_name(path),
                    "KNAME": _dev_name(path),
                    "TYPE": "part",
                    "SIZE": str(part.size),
                    "UUID": _fs_uuid(disk, part, fstype),
                    "PARTUUID": part.guid,
                    "LABEL": _fs_label(disk["path"], part.start, fstype),
                    "FSTYPE": fstype,
                    "PTTYPE": table.kind,
                    "PTUUID": table.disk_guid,
                    "PARTLABEL": part.name,
                    "MODEL": "",
                    "RO": "0",
                    "RM": "0",
                }
            )
    return rows


def _fs_uuid(disk: dict, part: gpt.Partition, fstype: str) -> str:
    if not fstype:
        return ""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{disk['path']}:{part.start}:{fstype}"))


def lsblk(machine: Machine, argv: list[str]) -> int:
    devices = _device_args(machine, argv)
    # Asked for every device: the "kernel" knows none (IPA's generic manager must find
    # nothing; the lab's manager presents the disks). Asked for a disk file: its rows.
    rows = _rows(machine, devices[0]) if devices else []
    columns, flags = None, set()
    for i, arg in enumerate(argv):
        if arg in ("--output", "-o") and i + 1 < len(argv):
            columns = argv[i + 1]
        elif arg.startswith("--"):
            flags.add(arg)
        elif arg.startswith("-"):
            # A cluster of short options (-PbioKNAME,UUID): -o takes the rest or the next arg.
            for at, char in enumerate(arg[1:], start=1):
                if char == "o":
                    columns = arg[at + 1 :] or (argv[i + 1] if i + 1 < len(argv) else "")
                    break
                flags.add("-" + char)
    names = (
        [c.strip().upper() for c in columns.split(",")]
        if columns
        else list(rows[0] if rows else [])
    )
    if flags & {"--nodeps", "-d"}:
        rows = rows[:1]
    if flags & {"--json", "-J"}:
        devices = [{c.lower(): r.get(c, "") for c in names} for r in rows]
        print(json.dumps({"blockdevices": devices}))
    elif flags & {"--pairs", "-P"}:
        for row in rows:
            print(" ".join(f'{c}="{row.get(c, "")}"' for c in names))
    else:
        for row in rows:
            print(" ".join(str(row.get(c, "")) for c in names))
    return 0


def blkid(machine: Machine, argv: list[str]) -> int:
    devices = _device_args(machine, argv)
    if not devices:
        return 2
    rows = _rows(machine, devices[0])
    row = rows[0] if rows else {}
    tags = [argv[i + 1] for i, a in enumerate(argv) if a == "-s" and i + 1 < len(argv)]
    if "-o" in argv and argv[argv.index("-o") + 1] == "value":
        values = [row.get(t, "") for t in tags] if tags else [row.get("UUID", "")]
        values = [v for v in values if v]
        if not values:
            return 2
        print("\n".join(values))
        return 0
    pairs = {k: row.get(k) for k in ("UUID", "LABEL", "TYPE", "PTTYPE", "PARTUUID") if row.get(k)}
    pairs["TYPE"] = row.get("FSTYPE") or None
    print(devices[0] + ": " + " ".join(f'{k}="{v}"' for k, v in pairs.items() if v))
    return 0


def hexdump(machine: Machine, argv: list[str]) -> int:
    devices = _device_args(machine, argv)
    path, offset, _size = machine.extent(devices[0])
    skip = int(argv[argv.index("-s") + 1]) if "-s" in argv else 0
    with open(path, "rb") as f:
        f.seek(offset + skip)
        data = f.read(4)
    value = int.from_bytes(data.ljust(4, bytes(1)), "little")
    print(f"0x{value:08x}", end="")
    return 0


def mount(machine: Machine, argv: list[str]) -> int:
    """Config drive checks mount a partition to see that it holds a file system."""
    sources = [a for a in argv if a.startswith("/") and not os.path.isdir(a)]
    if not sources:
        raise Refused("mount of anything but a partition of the machine")
    path, offset, _ = machine.extent(sources[0])
    fstype = _fstype(path, offset)
    machine.record("ipa_mount", device=sources[0], fstype=fstype)
    if not fstype:
        print(f"mount: {sources[0]}: wrong fs type, bad option, bad superblock", file=sys.stderr)
        return 32
    return 0


def qemu_img(machine: Machine, argv: list[str]) -> int:
    """qemu-img itself; ``convert -O host_device`` writes raw into the disk file instead."""
    real = "/usr/bin/qemu-img"
    if argv[:1] != ["convert"]:
        return subprocess.call([real, *argv])
    args = list(argv)
    target = args[-1]
    path, offset, size = machine.extent(target)
    if "-O" in args:
        args[args.index("-O") + 1] = "raw"
    args = args[:-1]
    args += [
        "-n",
        "--target-image-opts",
        f"driver=raw,offset={offset},size={size},file.filename={path}",
    ]
    if "-O" in args:
        i = args.index("-O")
        del args[i : i + 2]
    machine.record("ipa_qemu_img_convert", target=target)
    return subprocess.call([real, *args])


def efibootmgr(machine: Machine, argv: list[str]) -> int:
    if "--version" in argv or "-V" in argv:
        print("version 18 (ironic-lite lab)")
        return 0
    state = machine.state()
    entries = state.setdefault("uefi_boot_entries", [])
    if "-c" in argv or "--create" in argv:
        opts = dict(zip(argv, argv[1:], strict=False))
        entry = {
            "disk": opts.get("-d"),
            "part": opts.get("-p"),
            "label": opts.get("-L"),
            "loader": opts.get("-l"),
        }
        machine.locate(entry["disk"])
        entries.append(entry)
        machine.save_state(state)
        machine.record("install_bootloader", tool="efibootmgr", **entry)
    print("BootCurrent: 0001\nBootOrder: " + ",".join(f"{i:04X}" for i in range(len(entries))))
    for i, e in enumerate(entries):
        print(f"Boot{i:04X}* {e['label']}\tHD({e['part']},GPT)/File({e['loader']})")
    return 0


def power(machine: Machine, action: str) -> int:
    """poweroff / reboot: recorded as the simulated backend records them; the sandbox ends."""
    power_state = "off" if action == "power_off" else "rebooting"
    machine.record(action, by="ipa")
    machine.save_state({**machine.state(), "power": power_state})
    # PID 1 of the sandbox's namespace: its end ends IPA, and the simulator sees the state.
    os.kill(1, signal.SIGTERM)
    return 0


def ip(machine: Machine, argv: list[str]) -> int:
    """Read-only questions (routes, addresses) go to ip; changes are refused."""
    words = [a for a in argv if not a.startswith("-")]
    if words[:2] in (["route", "get"], ["r", "get"]) or (
        words[:1] in (["addr"], ["address"], ["a"], ["link"], ["l"])
        and (len(words) == 1 or words[1] in ("show", "list"))
    ):
        for real in ("/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip", "/bin/ip"):
            if os.path.exists(real):
                return subprocess.call([real, *argv])
        return 1
    raise Refused(f"ip {' '.join(argv)} would change this host's network")


def burnin(machine: Machine, tool: str, argv: list[str]) -> int:
    """stress-ng / fio: recorded with the arguments IPA built from ``driver_info``; a fault
    in ``hardware.json`` (``burnin_cpu`` ...) fails it. No load is generated."""
    kind = "disk" if tool == "fio" else ("memory" if "--vm" in argv else "cpu")
    if "--timeout" in argv:
        duration = argv[argv.index("--timeout") + 1]
    else:
        duration = next((a.split("=", 1)[1] for a in argv if a.startswith("--runtime=")), None)
        if duration is None and "--runtime" in argv:
            duration = argv[argv.index("--runtime") + 1]
    machine.record("burnin", kind=kind, duration=duration, argv=argv, by="ipa")
    fault = (machine.hardware.get("faults") or {}).get(f"burnin_{kind}")
    if fault:
        machine.record("fault", fault=f"burnin_{kind}", message=fault)
        print(fault, file=sys.stderr)
        return 1
    print(f"{tool}: passed (ironic-lite lab)", file=sys.stderr)
    return 0


def test(machine: Machine, argv: list[str]) -> int:
    """``test -e PARTITION``: a partition of a disk file "exists" while the table has it
    (no device node is ever made); anything else is the real test."""
    if len(argv) == 2 and argv[0] == "-e":
        try:
            disk, number = machine.locate(argv[1])
        except Refused:
            pass
        else:
            if number is None:
                return 0
            try:
                machine.partition(disk, number)
                return 0
            except Refused:
                return 1
    return subprocess.call(["/usr/bin/test", *argv])


def _ok(machine: Machine, argv: list[str]) -> int:
    return 0


TOOLS = {
    "parted": parted,
    "sgdisk": sgdisk,
    "partprobe": partprobe,
    "partx": lambda m, a: (_device_args(m, a), 0)[1],
    "blockdev": blockdev,
    "wipefs": wipefs,
    "dd": dd,
    "lsblk": lsblk,
    "blkid": blkid,
    "hexdump": hexdump,
    "mount": mount,
    "umount": _ok,
    "findmnt": lambda m, a: 1,
    "fuser": lambda m, a: 1,
    "udevadm": _ok,
    "sync": _ok,
    "qemu-img": qemu_img,
    "efibootmgr": efibootmgr,
    "poweroff": lambda m, a: power(m, "power_off"),
    "halt": lambda m, a: power(m, "power_off"),
    "reboot": lambda m, a: power(m, "reboot"),
    "shutdown": lambda m, a: power(m, "reboot" if "-r" in a else "power_off"),
    "ip": ip,
    "test": test,
    "stress-ng": lambda m, a: burnin(m, "stress-ng", a),
    "fio": lambda m, a: burnin(m, "fio", a),
}


def run(tool: str, argv: list[str], machine_dir: str) -> int:
    machine = Machine(machine_dir)
    try:
        if tool in REFUSED:
            raise Refused(f"{tool} acts on hardware; the lab does not simulate it")
        handler = TOOLS.get(tool)
        if handler is None:
            raise Refused(f"{tool} is not a lab tool")
        return handler(machine, argv)
    except Refused as exc:
        machine.record("refused", tool=tool, argv=argv, reason=str(exc))
        print(f"ironic-lite lab: refusing {tool}: {exc}", file=sys.stderr)
        return 1


def install(directory: str, python: str) -> str:
    """Write a shim for every tool into ``directory`` (IPA's PATH comes first there)."""
    os.makedirs(directory, exist_ok=True)
    for tool in (*TOOLS, *REFUSED):
        path = os.path.join(directory, tool)
        text = f'#!/bin/sh\nexec "{python}" -m ironic_lite.lab.ipa.tools "{tool}" "$@"\n'
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.chmod(path + ".tmp", 0o755)
        os.replace(path + ".tmp", path)
    return directory


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: python -m ironic_lite.lab.ipa.tools TOOL ARGS...", file=sys.stderr)
        return 2
    machine_dir = os.environ.get("IRONIC_LITE_LAB_MACHINE")
    if not machine_dir:
        print("ironic-lite lab: IRONIC_LITE_LAB_MACHINE is not set", file=sys.stderr)
        return 1
    return run(sys.argv[1], sys.argv[2:], machine_dir)


if __name__ == "__main__":
    sys.exit(main())
