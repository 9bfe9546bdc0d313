"""The real backend against canned tool output and a fake /sys tree: parsing and the exact
commands it would run. Nothing here touches this machine's devices."""

import json
import os

import pytest

from ironic_lite_agent import errors, partitions
from ironic_lite_agent.hardware.base import Completed, Disk
from ironic_lite_agent.hardware.real import RealBackend
from ironic_lite_agent.partitions import MiB

LSBLK = {
    "blockdevices": [
        {
            "name": "/dev/sda",
            "size": 480103981056,
            "model": "INTEL SSDSC2KB48 ",
            "vendor": "ATA ",
            "serial": "BTYS0001",
            "wwn": "0x55cd2e414dd8a1b2",
            "rota": False,
            "type": "disk",
            "hctl": "0:0:0:0",
            "ro": False,
            "tran": "sata",
        },
        {
            "name": "/dev/nvme0n1",
            "size": 960197124096,
            "model": "SAMSUNG MZQL2960",
            "vendor": None,
            "serial": "S64FNE0R",
            "wwn": "eui.36344630",
            "rota": "0",
            "type": "disk",
            "hctl": None,
            "ro": "0",
            "tran": "nvme",
        },
        {
            "name": "/dev/sdb",
            "size": 4000787030016,
            "model": "ST4000NM",
            "vendor": "SEAGATE",
            "serial": "ZC1",
            "wwn": None,
            "rota": "1",
            "type": "disk",
            "hctl": "1:0:0:0",
            "ro": "0",
            "tran": "sas",
        },
        {"name": "/dev/sr0", "size": 1073741312, "type": "rom", "ro": True},
        {"name": "/dev/loop0", "size": 100, "type": "loop", "ro": False},
        {"name": "/dev/sdc", "size": 0, "type": "disk", "ro": False},
    ]
}
LSCPU = {
    "lscpu": [
        {"field": "Architecture:", "data": "x86_64"},
        {"field": "CPU(s):", "data": "32"},
        {"field": "Model name:", "data": "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"},
        {"field": "Socket(s):", "data": "2"},
        {"field": "CPU max MHz:", "data": "3200.0000"},
        {"field": "Flags:", "data": "fpu vme de pse vmx"},
    ]
}
DMIDECODE = """\
Memory Device
\tSize: 32 GB
\tLocator: DIMM_A1
Memory Device
\tSize: No Module Installed
Memory Device
\tSize: 16384 MB
"""
IPMI_LAN = """\
Set in Progress         : Set Complete
IP Address Source       : Static Address
IP Address              : 10.20.0.15
Subnet Mask             : 255.255.255.0
MAC Address             : AA:BB:CC:00:11:22
"""
IP_ADDR = [
    {
        "ifname": "eno1",
        "addr_info": [
            {"family": "inet", "local": "192.0.2.10", "scope": "global"},
            {"family": "inet6", "local": "fe80::1", "scope": "link"},
        ],
    }
]
HDPARM_OK = """\
Security:
\tMaster password revision code = 65534
\t\tsupported
\tnot\tenabled
\tnot\tlocked
\tnot\tfrozen
\tnot\texpired: security count
\t\tsupported: enhanced erase
\t2min for SECURITY ERASE UNIT. 2min for ENHANCED SECURITY ERASE UNIT.

Logical Unit WWN Device Identifier: 55cd2e414dd8a1b2
"""
HDPARM_FROZEN = HDPARM_OK.replace("\tnot\tfrozen", "\t\tfrozen")
SFDISK_JSON = {
    "partitiontable": {
        "label": "gpt",
        "id": "0A1B2C3D-0000-4000-8000-000000000001",
        "device": "/dev/sda",
        "unit": "sectors",
        "sectorsize": 512,
        "partitions": [
            {
                "node": "/dev/sda1",
                "start": 2048,
                "size": 409600,
                "type": "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
                "uuid": "AAAA-1",
                "name": "EFI",
            },
            {
                "node": "/dev/sda2",
                "start": 411648,
                "size": 4194304,
                "type": "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
                "uuid": "BBBB-2",
            },
        ],
    }
}


class FakeRunner:
    """Answers commands from a table (first matching prefix wins); records every call.
    A command not in the table behaves like a tool that is not installed."""

    def __init__(self, table: dict | None = None):
        self.table = dict(table or {})
        self.calls: list[tuple[list[str], str | None]] = []

    def __call__(self, args, input=None, timeout=None):
        self.calls.append((list(args), input))
        for prefix, answer in self.table.items():
            if tuple(args[: len(prefix)]) == prefix:
                if callable(answer):
                    answer = answer(args)
                if isinstance(answer, Completed):
                    return answer
                if isinstance(answer, (dict, list)):
                    answer = json.dumps(answer)
                return Completed(list(args), 0, answer)
        raise errors.ToolMissing(tool=args[0], purpose="test")

    def commands(self) -> list[list[str]]:
        return [c for c, _ in self.calls]


def _write(root, rel, content):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(content)


@pytest.fixture
def sysroot(tmp_path):
    root = str(tmp_path)
    _write(root, "proc/meminfo", "MemTotal:       65536000 kB\nMemFree: 1 kB\n")
    _write(root, "proc/cmdline", "BOOT_IMAGE=/vmlinuz ipa-api-url=x BOOTIF=01-aa-bb-cc-dd-ee-01")
    _write(root, "proc/sysrq-trigger", "")
    for key, value in {
        "sys_vendor": "Dell Inc.",
        "product_name": "PowerEdge R650",
        "product_serial": "7XYZ123",
        "bios_vendor": "Dell Inc.",
        "bios_version": "1.9.2",
        "bios_date": "06/14/2023",
    }.items():
        _write(root, f"sys/class/dmi/id/{key}", value + "\n")
    os.makedirs(os.path.join(root, "sys/firmware/efi"))
    for name, mac, carrier, speed in (
        ("eno1", "AA:BB:CC:DD:EE:01", "1", "25000"),
        ("eno2", "aa:bb:cc:dd:ee:02", "0", "-1"),
    ):
        _write(root, f"sys/class/net/{name}/address", mac)
        _write(root, f"sys/class/net/{name}/carrier", carrier)
        _write(root, f"sys/class/net/{name}/speed", speed)
        _write(root, f"sys/class/net/{name}/device/vendor", "0x15b3")
        _write(root, f"sys/class/net/{name}/device/device", "0x101d")
    _write(root, "sys/class/net/lo/address", "00:00:00:00:00:00")
    os.makedirs(os.path.join(root, "sys/class/net/virbr0"))  # virtual: no device link
    return root


def _backend(sysroot, tmp_path, table, **kwargs):
    runner = FakeRunner(table)
    backend = RealBackend(root=sysroot, work_dir=str(tmp_path / "work"), runner=runner, **kwargs)
    return backend, runner


def test_disks_from_lsblk(sysroot, tmp_path):
    backend, runner = _backend(sysroot, tmp_path, {("lsblk",): LSBLK})
    disks = backend.disks()
    assert [(d.path, d.erase_method, d.rotational) for d in disks] == [
        ("/dev/sda", "ata", False),
        ("/dev/nvme0n1", "nvme", False),
        ("/dev/sdb", "shred", True),
    ]
    assert disks[0].model == "INTEL SSDSC2KB48" and disks[0].vendor == "ATA"
    assert runner.commands()[0][:4] == ["lsblk", "--json", "--bytes", "--nodeps"]
    assert backend.root_disk().path == "/dev/sda"  # smallest disk of at least 4 GiB


def test_inventory_from_sysfs_and_tools(sysroot, tmp_path):
    table = {
        ("lsblk",): LSBLK,
        ("lscpu",): LSCPU,
        ("dmidecode",): DMIDECODE,
        ("ipmitool", "lan", "print"): IPMI_LAN,
        ("ipmitool", "mc", "info"): "Firmware Revision         : 7.10\n",
        ("ip",): IP_ADDR,
        ("ethtool", "-i", "eno1"): "driver: mlx5\nfirmware-version: 22.36\n",
    }
    tlvs = {"eno1": [[1, "04aabbccddeeff"]]}
    backend, _ = _backend(sysroot, tmp_path, table, lldp_reader=lambda names: tlvs)
    inv = backend.inventory()
    assert inv["cpu"] == {
        "model_name": "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
        "frequency": "3200",
        "count": 32,
        "socket_count": 2,
        "architecture": "x86_64",
        "flags": ["fpu", "vme", "de", "pse", "vmx"],
    }
    assert inv["memory"] == {"total": 65536000 * 1024, "physical_mb": 32768 + 16384}
    assert [i["name"] for i in inv["interfaces"]] == ["eno1", "eno2"]
    eno1, eno2 = inv["interfaces"]
    assert eno1["mac_address"] == "aa:bb:cc:dd:ee:01" and eno1["ipv4_address"] == "192.0.2.10"
    assert eno1["ipv6_address"] is None  # link-local is not reported
    assert eno1["has_carrier"] is True and eno1["speed_mbps"] == 25000
    assert eno1["lldp"] == tlvs["eno1"] and eno2["lldp"] is None
    assert eno2["has_carrier"] is False and eno2["speed_mbps"] is None
    assert inv["system_vendor"]["product_name"] == "PowerEdge R650"
    assert inv["system_vendor"]["firmware"]["version"] == "1.9.2"
    assert inv["firmware"]["bmc"] == {"version": "7.10"}
    assert inv["firmware"]["nics"] == {"eno1": "22.36", "eno2": None}
    assert inv["boot"] == {"current_boot_mode": "uefi", "pxe_interface": "aa:bb:cc:dd:ee:01"}
    assert inv["bmc_address"] == "10.20.0.15" and inv["bmc_mac"] == "aa:bb:cc:00:11:22"
    assert len(inv["disks"]) == 3


def test_macs_for_the_lookup_come_from_sysfs_without_tools_or_lldp(sysroot, tmp_path):
    def no_lldp(names):
        raise AssertionError("the lookup must not wait for LLDP")

    backend, runner = _backend(sysroot, tmp_path, {}, lldp_reader=no_lldp)
    assert backend.macs() == ["aa:bb:cc:dd:ee:01", "aa:bb:cc:dd:ee:02"]
    assert runner.commands() == []


def test_inventory_survives_missing_tools(sysroot, tmp_path):
    backend, _ = _backend(sysroot, tmp_path, {("lsblk",): LSBLK})
    inv = backend.inventory()
    assert inv["bmc_address"] is None
    assert inv["memory"]["physical_mb"] == 64000  # MemTotal rounded up to 128 MiB
    assert inv["cpu"]["count"] > 0


NVME = Disk("nvme0n1", "/dev/nvme0n1", 10 * MiB, erase_method="nvme")
SATA = Disk("sda", "/dev/sda", 10 * MiB, erase_method="ata")
SAS = Disk("sdb", "/dev/sdb", 10 * MiB, erase_method="shred")


def test_erase_nvme_uses_crypto_erase_when_supported(sysroot, tmp_path):
    backend, runner = _backend(
        sysroot, tmp_path, {("nvme", "id-ctrl"): {"fna": 4}, ("nvme", "format"): ""}
    )
    assert backend.erase_disk(NVME) == "nvme_crypto_erase"
    assert runner.commands()[-1] == ["nvme", "format", "/dev/nvme0n1", "--ses=2", "--force"]


def test_erase_nvme_falls_back_to_shred_when_format_fails(sysroot, tmp_path):
    backend, runner = _backend(
        sysroot,
        tmp_path,
        {
            ("nvme", "id-ctrl"): {"fna": 0},
            ("nvme", "format"): Completed([], 1, "", "Invalid Field"),
            ("shred",): "",
        },
    )
    assert backend.erase_disk(NVME) == "shred"
    assert ["nvme", "format", "/dev/nvme0n1", "--ses=1", "--force"] in runner.commands()
    assert runner.commands()[-1][0] == "shred"


def test_erase_ata_secure_erase_enhanced(sysroot, tmp_path):
    backend, runner = _backend(sysroot, tmp_path, {("hdparm", "-I"): HDPARM_OK, ("hdparm",): ""})
    assert backend.erase_disk(SATA) == "ata_secure_erase"
    assert runner.commands()[-2:] == [
        ["hdparm", "--user-master", "u", "--security-set-pass", "NULL", "/dev/sda"],
        ["hdparm", "--user-master", "u", "--security-erase-enhanced", "NULL", "/dev/sda"],
    ]


def test_erase_frozen_ata_shreds(sysroot, tmp_path):
    backend, runner = _backend(sysroot, tmp_path, {("hdparm", "-I"): HDPARM_FROZEN, ("shred",): ""})
    assert backend.erase_disk(SATA) == "shred"
    assert runner.commands()[-1] == [
        "shred",
        "--force",
        "--zero",
        "--verbose",
        "--iterations",
        "1",
        "/dev/sda",
    ]
    assert not any("--security-erase" in c for c in runner.commands())


def test_shred_failure_is_a_failed_command(sysroot, tmp_path):
    backend, _ = _backend(sysroot, tmp_path, {("shred",): Completed([], 1, "", "I/O error")})
    with pytest.raises(errors.HardwareCommandFailed, match="exit code 1: I/O error"):
        backend.erase_disk(SAS)


def test_erase_metadata_wipes_signatures_head_and_tail(sysroot, tmp_path):
    backend, runner = _backend(
        sysroot, tmp_path, {("wipefs",): "", ("dd",): "", ("partprobe",): "", ("udevadm",): ""}
    )
    backend.erase_disk_metadata(SAS)
    cmds = runner.commands()
    assert cmds[0] == ["wipefs", "--force", "--all", "/dev/sdb"]
    assert cmds[1][:3] == ["dd", "if=/dev/zero", "of=/dev/sdb"] and "seek=9" not in cmds[1]
    assert cmds[2][-1] == "seek=9"


def test_apply_layout_feeds_sfdisk_the_script(sysroot, tmp_path):
    backend, runner = _backend(
        sysroot, tmp_path, {("sfdisk",): "", ("partprobe",): "", ("udevadm",): ""}
    )
    layout = partitions.plan(1024 * MiB, root_mb=100, configdrive=True)
    backend.apply_layout(SAS, layout)
    args, script = runner.calls[0]
    assert args == ["sfdisk", "--wipe", "always", "--wipe-partitions", "always", "/dev/sdb"]
    assert script == partitions.sfdisk_script(layout)
    target = backend.partition_target(SAS, layout, 2)
    assert (target.path, target.offset, target.size) == ("/dev/sdb2", 0, 100 * MiB)


def test_read_layout_parses_sfdisk_json(sysroot, tmp_path):
    backend, _ = _backend(sysroot, tmp_path, {("sfdisk", "--json"): SFDISK_JSON})
    layout = backend.read_layout(Disk("sda", "/dev/sda", 4096 * MiB))
    assert layout.label == "gpt"
    assert [(p.number, p.role, p.start, p.uuid) for p in layout.partitions] == [
        (1, "efi", MiB, "aaaa-1"),
        (2, "data", 411648 * 512, "bbbb-2"),
    ]


def test_configdrive_partition_is_appended_after_the_image(sysroot, tmp_path):
    backend, runner = _backend(
        sysroot,
        tmp_path,
        {("sfdisk", "--json"): SFDISK_JSON, ("sfdisk",): "", ("partprobe",): "", ("udevadm",): ""},
    )
    disk = Disk("sda", "/dev/sda", 4096 * MiB)
    target = backend.add_configdrive_partition(disk, 64 * MiB)
    assert (target.path, target.size) == ("/dev/sda3", 64 * MiB)
    assert ["sfdisk", "--relocate", "gpt-bak-std", "/dev/sda"] in runner.commands()
    args, line = runner.calls[-3]
    assert args == ["sfdisk", "--append", "/dev/sda"]
    start = (4096 - 1 - 64) * MiB // 512
    assert line.startswith(f"start={start}, size={64 * MiB // 512}, ") and "config-2" in line


def test_configdrive_needs_room(sysroot, tmp_path):
    backend, _ = _backend(sysroot, tmp_path, {("sfdisk", "--json"): SFDISK_JSON, ("sfdisk",): ""})
    with pytest.raises(errors.ImageWriteError, match="no room"):
        backend.add_configdrive_partition(Disk("sda", "/dev/sda", 2100 * MiB), 64 * MiB)


def test_uefi_bootloader_registers_the_loader_the_image_ships(sysroot, tmp_path):
    def mount(args):
        if args[1] != "--bind":  # the ESP: put the image's loader where it was mounted
            os.makedirs(os.path.join(args[2], "EFI", "ubuntu"), exist_ok=True)
            open(os.path.join(args[2], "EFI", "ubuntu", "shimx64.efi"), "w").close()
        return ""

    backend, runner = _backend(
        sysroot,
        tmp_path,
        {
            ("blkid",): "/dev/sda1\n",
            ("mount",): mount,
            ("umount",): "",
            ("efibootmgr",): "",
            ("sfdisk", "--json"): SFDISK_JSON,
        },
    )
    result = backend.install_bootloader(Disk("sda", "/dev/sda", 4096 * MiB), "uefi", None, "AAAA-1")
    assert result["loader"] == "\\EFI\\ubuntu\\shimx64.efi"
    cmds = runner.commands()
    assert cmds[0] == ["blkid", "-l", "-o", "device", "-t", "PARTUUID=AAAA-1"]
    assert cmds[-1] == [
        "efibootmgr",
        "--create",
        "--disk",
        "/dev/sda",
        "--part",
        "1",
        "--label",
        "ironic-lite",
        "--loader",
        "\\EFI\\ubuntu\\shimx64.efi",
    ]
    assert [c[0] for c in cmds].count("umount") == 1


def test_partition_image_filesystems_as_ironics_agent_makes_them(sysroot, tmp_path):
    backend, runner = _backend(
        sysroot, tmp_path, {("mkfs",): "", ("mkfs.vfat",): "", ("mkswap",): "", ("udevadm",): ""}
    )
    layout = partitions.plan(
        8192 * MiB, root_mb=1024, swap_mb=256, ephemeral_mb=1024, boot_mode="uefi"
    )
    backend.make_filesystems(SAS, layout, "ext4", preserve_ephemeral=False)
    assert runner.commands()[:3] == [
        ["mkfs.vfat", "-n", "efi-part", "/dev/sdb1"],
        ["mkswap", "-L", "swap1", "/dev/sdb3"],
        ["mkfs", "-t", "ext4", "-F", "-L", "ephemeral0", "/dev/sdb4"],
    ]
    runner.calls.clear()
    backend.make_filesystems(SAS, layout, "xfs", preserve_ephemeral=True)
    assert not any("ephemeral0" in c for c in runner.commands())  # its data stays


def test_uefi_bootloader_copies_the_partition_images_own_efi_assets(sysroot, tmp_path):
    """A fresh (empty) ESP and a root file system carrying /boot/efi/EFI: the loader is
    copied to the ESP, registered, and the ESP added to the image's fstab."""
    mounted = {}

    def mount(args):
        device, where = args[-2], args[-1]
        mounted[where] = device
        if device == "/dev/sda2":  # the root file system of the image
            _write(where, "boot/efi/EFI/BOOT/BOOTX64.EFI", "grub")
            _write(where, "etc/fstab", "LABEL=root / ext4 defaults 0 1")
        return ""

    backend, runner = _backend(
        sysroot,
        tmp_path,
        {
            ("blkid", "-l", "-o", "device", "-t", "PARTUUID=esp-uuid"): "/dev/sda1\n",
            ("blkid", "-l", "-o", "device", "-t", "PARTUUID=root-uuid"): "/dev/sda2\n",
            ("mount",): mount,
            ("umount",): "",
            ("efibootmgr",): "",
        },
    )
    result = backend.install_bootloader(
        Disk("sda", "/dev/sda", 4096 * MiB), "uefi", "root-uuid", "esp-uuid"
    )
    assert result["loader"] == "\\EFI\\BOOT\\BOOTX64.EFI"
    esp_dir = next(w for w, d in mounted.items() if d == "/dev/sda1")
    root_dir = next(w for w, d in mounted.items() if d == "/dev/sda2")
    assert os.path.exists(os.path.join(esp_dir, "EFI", "BOOT", "BOOTX64.EFI"))
    with open(os.path.join(root_dir, "etc", "fstab")) as f:
        assert f.read().splitlines()[-1].split() == [
            "PARTUUID=esp-uuid",
            "/boot/efi",
            "vfat",
            "umask=0077",
            "0",
            "1",
        ]
    assert runner.commands()[-1][-2:] == ["--loader", "\\EFI\\BOOT\\BOOTX64.EFI"]
    assert not any(c[0] == "chroot" for c in runner.commands())  # no grub-install needed


def test_bios_bootloader_runs_grub_in_a_chroot_and_unmounts_everything(sysroot, tmp_path):
    backend, runner = _backend(
        sysroot,
        tmp_path,
        {
            ("blkid", "-l", "-o", "device", "-t", "PARTUUID"): Completed([], 2, ""),
            ("blkid",): "/dev/sda2\n",
            ("mount",): "",
            ("umount",): "",
            ("chroot",): Completed([], 1, "", "grub-install: error: disk not found"),
        },
    )
    with pytest.raises(errors.HardwareCommandFailed, match="grub-install: error"):
        backend.install_bootloader(
            Disk("sda", "/dev/sda", 4096 * MiB), "bios", "fs-uuid", None, run_image_grub=True
        )
    cmds = runner.commands()
    mounts = [c for c in cmds if c[0] == "mount"]
    umounts = [c for c in cmds if c[0] == "umount"]
    assert len(mounts) == 4 and len(umounts) == 4  # root + /dev /proc /sys, all undone
    assert umounts[-1][1] == mounts[0][2]  # the root goes last


def test_the_images_grub_install_runs_only_when_the_conductor_allows_it(sysroot, tmp_path):
    """Ironic's CVE-2026-43003 mitigation: chrooting into the image runs its programs as root,
    so without enable_bios_bootloader_install neither BIOS nor an empty-ESP UEFI install
    does, and nothing is chrooted."""
    backend, runner = _backend(
        sysroot,
        tmp_path,
        {
            ("blkid", "-l", "-o", "device", "-t", "PARTUUID=esp-uuid"): "/dev/sda1\n",
            ("blkid",): "/dev/sda2\n",
            ("mount",): "",
            ("umount",): "",
        },
    )
    disk = Disk("sda", "/dev/sda", 4096 * MiB)
    with pytest.raises(errors.InvalidImage, match="enable_bios_bootloader_install"):
        backend.install_bootloader(disk, "bios", "root-uuid", None)
    with pytest.raises(errors.InvalidImage, match="ESP /dev/sda1 is empty"):
        backend.install_bootloader(disk, "uefi", "root-uuid", "esp-uuid")
    assert not any(c[0] == "chroot" for c in runner.commands())


def test_bios_bootloader_needs_a_root(sysroot, tmp_path):
    backend, _ = _backend(sysroot, tmp_path, {})
    with pytest.raises(errors.NotSupported, match="root_uuid"):
        backend.install_bootloader(SAS, "bios", None, None)


def test_power_off_and_reboot_use_sysrq(sysroot, tmp_path):
    backend, runner = _backend(sysroot, tmp_path, {("sync",): ""})
    backend.power_off()
    with open(os.path.join(sysroot, "proc/sysrq-trigger")) as f:
        assert f.read() == "o"
    backend.reboot()
    with open(os.path.join(sysroot, "proc/sysrq-trigger")) as f:
        assert f.read() == "b"
    assert runner.commands() == [["sync"], ["sync"]]


def test_software_raid_create_and_delete(sysroot, tmp_path):
    _write(
        sysroot,
        "proc/mdstat",
        "Personalities : [raid1]\n"
        "md0 : active raid1 sdb[1] sda[0]\n      976630464 blocks super 1.2 [2/2] [UU]\n\n"
        "unused devices: <none>\n",
    )
    backend, runner = _backend(sysroot, tmp_path, {("mdadm",): ""})
    backend.create_raid([{"name": "md0", "level": "1", "devices": ["/dev/sda", "/dev/sdb"]}])
    assert runner.commands()[0] == [
        "mdadm",
        "--create",
        "/dev/md0",
        "--run",
        "--metadata=1.2",
        "--level=1",
        "--raid-devices=2",
        "/dev/sda",
        "/dev/sdb",
    ]
    removed = backend.delete_raid()
    assert removed == [{"name": "md0", "level": "1", "devices": ["/dev/sdb", "/dev/sda"]}]
    assert runner.commands()[1:] == [
        ["mdadm", "--stop", "/dev/md0"],
        ["mdadm", "--zero-superblock", "/dev/sdb"],
        ["mdadm", "--zero-superblock", "/dev/sda"],
    ]


def test_burnin_tools(sysroot, tmp_path):
    fio = {"jobs": [{"error": 0, "read": {"iops": 1000.5}, "write": {"iops": 990.1}}]}
    backend, runner = _backend(
        sysroot,
        tmp_path,
        {("stress-ng",): "stress-ng: passed: 32\n", ("fio",): fio, ("lsblk",): LSBLK},
    )
    assert backend.burnin("cpu", 10)["result"] == "passed"
    assert runner.commands()[0][:3] == ["stress-ng", "--cpu", "0"]
    disk = backend.burnin("disk", 10)
    assert disk["jobs"] == [{"read_iops": 1000.5, "write_iops": 990.1}]
    assert "--filename=/dev/sda:/dev/nvme0n1:/dev/sdb" in runner.commands()[-1]
    with pytest.raises(errors.NotSupported, match="partner"):
        backend.burnin("network", 10)
    bad = {"jobs": [{"error": 5, "read": {"iops": 1}, "write": {"iops": 1}}]}
    backend, _ = _backend(sysroot, tmp_path, {("fio",): bad, ("lsblk",): LSBLK})
    with pytest.raises(errors.CommandExecutionError, match="5 I/O errors"):
        backend.burnin("disk", 10)


def test_missing_stress_tool_is_a_clear_error(sysroot, tmp_path):
    backend, _ = _backend(sysroot, tmp_path, {})
    with pytest.raises(errors.ToolMissing, match="stress-ng is not installed"):
        backend.burnin("memory", 10)


def test_system_logs_gather_what_exists(sysroot, tmp_path):
    log = tmp_path / "agent.log"
    log.write_text("agent says hi\n")
    backend, _ = _backend(sysroot, tmp_path, {("dmesg",): "kernel says hi\n"}, log_file=str(log))
    files = backend.system_logs()
    assert files == {"dmesg.txt": b"kernel says hi\n", "agent.log": b"agent says hi\n"}
