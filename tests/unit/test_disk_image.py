"""The test instance's whole-disk image: an MBR with one EFI system partition holding GRUB, the
kernel and an initramfs whose /init prints the marker (the VM test boots it for real)."""

import shutil
import struct
import subprocess

import pytest

from ironic_lite.ramdisk import disk_image

TOOLS = ("mformat", "mcopy", "mmd", "mtype", "grub-mkstandalone", "zstd", "cpio")


@pytest.fixture
def image(tmp_path):
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (the ramdisk builder's tools)")
    try:
        disk_image.static_busybox()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    kernel = tmp_path / "vmlinuz"
    kernel.write_bytes(b"not really a kernel")
    path = tmp_path / "disk.raw"
    disk_image.make_disk_image(str(kernel), str(path), "marker: it booted", size_mib=16)
    return path


def test_the_disk_has_one_efi_system_partition_from_1_mib(image):
    data = image.read_bytes()
    assert len(data) == 16 * 2**20
    assert data[510:512] == b"\x55\xaa"
    status, kind, start, sectors = struct.unpack_from("<B3xB3xII", data, 446)
    assert (status, kind, start, sectors) == (0x80, 0xEF, 2048, 16 * 2048 - 2048)
    assert data[462:510] == bytes(48)  # no other partition


def test_the_partition_holds_grub_the_kernel_and_the_marker(image, tmp_path):
    partition = f"{image}@@1M"
    listing = subprocess.run(
        ["mdir", "-b", "-i", partition, "::/EFI/BOOT", "::/instance"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert "BOOTX64.EFI" in listing.upper() and "VMLINUZ" in listing.upper()
    kernel = subprocess.run(
        ["mtype", "-i", partition, "::/instance/vmlinuz"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert kernel == b"not really a kernel"
    out = tmp_path / "initramfs"
    subprocess.run(
        ["mcopy", "-i", partition, "::/instance/initramfs", str(out)], check=True, timeout=60
    )
    unpacked = tmp_path / "root"
    unpacked.mkdir()
    cpio = subprocess.run(
        f"zstd -dc {out} | cpio -idm --quiet", shell=True, cwd=unpacked, timeout=60
    )
    assert cpio.returncode == 0
    init = (unpacked / "init").read_text()
    assert 'echo "marker: it booted"' in init
    assert not disk_image._dynamic(str(unpacked / "bin" / "busybox"))


def test_a_dynamic_executable_is_told_apart(tmp_path):
    python = shutil.which("python3")
    assert python and disk_image._dynamic(python)
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\n")
    assert disk_image._dynamic(str(script))  # not ELF: not usable as a static busybox


def test_the_partition_image_is_an_ext4_root_carrying_its_efi_loader(tmp_path):
    """What an agent needs from a UEFI partition image: a file system it can mount with the
    boot loader under /boot/efi/EFI (copied to the ESP it makes) and an fstab to extend."""
    missing = [
        t
        for t in ("mkfs.ext4", "debugfs", "grub-mkstandalone", "zstd", "cpio")
        if not shutil.which(t)
    ]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    kernel = tmp_path / "vmlinuz"
    kernel.write_bytes(b"not really a kernel")
    path = tmp_path / "root.img"
    disk_image.make_partition_image(str(kernel), str(path), "marker: partition", size_mib=16)
    data = path.read_bytes()
    assert len(data) == 16 * 2**20
    assert data[1024 + 56 : 1024 + 58] == b"\x53\xef"  # the ext superblock's magic
    assert data[1024 + 120 : 1024 + 133] == b"instance-root"

    def debugfs(request: str) -> str:
        return subprocess.run(
            ["debugfs", "-R", request, str(path)],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout  # fmt: skip

    assert "BOOTX64.EFI" in debugfs("ls -l /boot/efi/EFI/BOOT")
    assert debugfs("cat /instance/vmlinuz") == "not really a kernel"
    assert "LABEL=instance-root" in debugfs("cat /etc/fstab")
    top = debugfs("ls /").split()
    assert {"dev", "proc", "sys", "run", "boot", "etc"} <= set(top)  # agents bind-mount these
    listing = debugfs("ls /instance")
    assert "initramfs" in listing and any(len(w) == 12 for w in listing.split())  # the tag
