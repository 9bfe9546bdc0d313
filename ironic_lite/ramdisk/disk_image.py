"""A small bootable whole-disk image whose only job is to say it booted.

What the VM tests and the deploy benchmark deploy as an instance, and what an operator can
deploy to try a new machine: an MBR disk with one EFI system partition holding a standalone
GRUB (``/EFI/BOOT/BOOTX64.EFI``, the removable-media path UEFI firmware boots without a boot
entry), the ramdisk builder's Debian kernel and a busybox initramfs whose ``/init`` prints
``MARKER`` (and the kernel command line) on the serial console, then idles. Built from what
the ramdisk builder already needs (the kernel of its cached base, mtools, GRUB's x86_64-efi
modules, cpio, zstd) plus a static busybox (``busybox-static``), without loop devices or root;
cached next to the ramdisks, keyed by kernel, marker and this file.

UEFI only: legacy BIOS would need GRUB's i386-pc boot code, which the builder does not carry.
"""

import hashlib
import os
import shutil
import struct
import tempfile

from ironic_lite.ramdisk import build, iso, rootfs

PARTITION_START = 2048  # sectors: 1 MiB, as partitioning tools align
SECTOR = 512
ESP_TYPE = 0xEF
ROOT_DIRS = ("etc", "dev", "proc", "sys", "run", "tmp", "mnt")


def static_busybox() -> str:
    """A statically linked busybox on this host (it runs without the host's libraries)."""
    for path in (shutil.which("busybox"), "/bin/busybox", "/usr/bin/busybox"):
        if path and os.path.exists(path) and not _dynamic(path):
            return path
    raise RuntimeError("a static busybox is needed (Debian: apt-get install busybox-static)")


def _dynamic(path: str) -> bool:
    """Whether the ELF executable asks for a program interpreter (PT_INTERP)."""
    with open(path, "rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:
            return True
        (phoff,) = struct.unpack_from("<Q", header, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", header, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    return any(struct.unpack_from("<I", table, i * phentsize)[0] == 3 for i in range(phnum))


def _init_script(marker: str) -> str:
    return (
        "#!/bin/busybox sh\n"
        "/bin/busybox mkdir -p /proc /sys /dev\n"
        "/bin/busybox mount -t proc proc /proc\n"
        "/bin/busybox mount -t devtmpfs devtmpfs /dev\n"
        "exec </dev/console >/dev/console 2>&1\n"
        f'echo "{marker}"\n'
        'echo "instance cmdline: $(/bin/busybox cat /proc/cmdline)"\n'
        "while true; do /bin/busybox sleep 3600; done\n"
    )


def marker_initramfs(marker: str, output: str) -> str:
    """A zstd cpio initramfs whose ``/init`` (static busybox) prints ``marker`` on the
    console and idles: an instance that shows it booted (in a disk image or an ISO)."""
    with tempfile.TemporaryDirectory(prefix="ironic-lite-initramfs-") as workdir:
        _initramfs_tree(workdir, marker)
        rootfs.pack(os.path.join(workdir, "initramfs"), output, level=3)
    return output


def _initramfs_tree(workdir: str, marker: str) -> None:
    root = os.path.join(workdir, "initramfs")
    os.makedirs(os.path.join(root, "bin"))
    shutil.copy(static_busybox(), os.path.join(root, "bin", "busybox"))
    os.symlink("busybox", os.path.join(root, "bin", "sh"))
    init = os.path.join(root, "init")
    with open(init, "w") as f:
        f.write(_init_script(marker))
    os.chmod(init, 0o755)


def _grub(workdir: str, output: str, tag: str, modules: str = iso.GRUB_MODULES) -> None:
    """A standalone GRUB that finds this disk's partition by a file named for the image (not
    the deploy ISO that may still sit in the CD drive) and boots its kernel."""
    embedded = os.path.join(workdir, "grub.cfg")
    with open(embedded, "w") as f:
        f.write(
            "serial --unit=0 --speed=115200\n"
            "terminal_input serial console\nterminal_output serial console\n"
            f"search --no-floppy --file --set=root /instance/{tag}\n"
            "linux ($root)/instance/vmlinuz console=tty0 console=ttyS0,115200n8 panic=30\n"
            "initrd ($root)/instance/initramfs\n"
            "boot\n"
        )
    iso._run(
        [
            "grub-mkstandalone",
            "--format=x86_64-efi",
            f"--output={output}",
            f"--install-modules={modules}",
            f"--modules={modules}",
            "--locales=",
            "--fonts=",
            "--themes=",
            f"boot/grub/grub.cfg={embedded}",
        ]
    )


def _mbr(total_sectors: int) -> bytes:
    """A master boot record with one bootable EFI system partition from 1 MiB to the end."""
    entry = struct.pack(
        "<B3sB3sII",
        0x80,
        b"\xfe\xff\xff",  # CHS fields: "use the LBA ones"
        ESP_TYPE,
        b"\xfe\xff\xff",
        PARTITION_START,
        total_sectors - PARTITION_START,
    )
    signature = hashlib.sha256(entry).digest()[:4]
    return bytes(440) + signature + bytes(2) + entry + bytes(48) + b"\x55\xaa"


def make_disk_image(kernel: str, output: str, marker: str, size_mib: int = 32) -> str:
    """Write ``output``: a raw whole-disk image that boots ``kernel`` (UEFI) and prints
    ``marker`` on the serial console."""
    missing = [t for t in ("mformat", "mcopy", "mmd", "grub-mkstandalone") if not shutil.which(t)]
    if missing:
        raise RuntimeError(f"cannot build a disk image, missing: {', '.join(missing)}")
    tag = hashlib.sha256(marker.encode()).hexdigest()[:12]
    total = size_mib * 2**20 // SECTOR
    with tempfile.TemporaryDirectory(prefix="ironic-lite-disk-") as workdir:
        initramfs = os.path.join(workdir, "initramfs.zst")
        marker_initramfs(marker, initramfs)
        grub = os.path.join(workdir, "BOOTX64.EFI")
        _grub(workdir, grub, tag)
        esp = os.path.join(workdir, "esp.img")
        with open(esp, "wb") as f:
            f.truncate((total - PARTITION_START) * SECTOR)
        iso._run(["mformat", "-i", esp, "-v", "INSTANCE", "-h", "64", "-s", "32", "::"])
        iso._run(["mmd", "-i", esp, "::/EFI", "::/EFI/BOOT", "::/instance"])
        iso._run(["mcopy", "-i", esp, grub, "::/EFI/BOOT/BOOTX64.EFI"])
        iso._run(["mcopy", "-i", esp, kernel, "::/instance/vmlinuz"])
        iso._run(["mcopy", "-i", esp, initramfs, "::/instance/initramfs"])
        tag_file = os.path.join(workdir, tag)
        with open(tag_file, "w") as f:
            f.write(marker + "\n")
        iso._run(["mcopy", "-i", esp, tag_file, f"::/instance/{tag}"])
        with open(output + ".tmp", "wb") as out:
            out.write(_mbr(total))
            out.write(bytes(PARTITION_START * SECTOR - SECTOR))
            with open(esp, "rb") as f:
                shutil.copyfileobj(f, out, 2**20)
    os.replace(output + ".tmp", output)
    return output


def make_partition_image(kernel: str, output: str, marker: str, size_mib: int = 32) -> str:
    """Write ``output``: a raw ext4 root file system, the partition image an agent writes into
    the root partition it makes. It carries its boot loader where installed systems keep it
    (``/boot/efi/EFI/BOOT/BOOTX64.EFI``): the agent copies that onto the EFI system partition
    it creates and registers it with the firmware, as built partition images expect. GRUB
    then finds this file system by its tag file and boots the marker kernel from it.
    Made with ``mkfs.ext4 -d`` (no loop device, no root)."""
    if not shutil.which("mkfs.ext4"):
        raise RuntimeError("cannot build a partition image, missing: mkfs.ext4 (e2fsprogs)")
    tag = hashlib.sha256(marker.encode()).hexdigest()[:12]
    with tempfile.TemporaryDirectory(prefix="ironic-lite-partition-") as workdir:
        tree = os.path.join(workdir, "root")
        loader_dir = os.path.join(tree, "boot", "efi", "EFI", "BOOT")
        instance = os.path.join(tree, "instance")
        # The mount points every root file system has: agents bind /dev, /proc, /sys and
        # /run into it before they look for its boot loader.
        for directory in (loader_dir, instance, *(os.path.join(tree, d) for d in ROOT_DIRS)):
            os.makedirs(directory, exist_ok=True)
        _grub(workdir, os.path.join(loader_dir, "BOOTX64.EFI"), tag, iso.GRUB_MODULES + " ext2")
        shutil.copy(kernel, os.path.join(instance, "vmlinuz"))
        marker_initramfs(marker, os.path.join(instance, "initramfs"))
        with open(os.path.join(instance, tag), "w") as f:
            f.write(marker + "\n")
        with open(os.path.join(tree, "etc", "fstab"), "w") as f:
            f.write("LABEL=instance-root\t/\text4\tdefaults\t0\t1\n")
        iso._run(
            ["mkfs.ext4", "-q", "-F", "-L", "instance-root", "-d", tree, output + ".tmp"]
            + [f"{size_mib}M"]
        )
    os.replace(output + ".tmp", output)
    return output


def cached_disk_image(marker: str, kernel: str | None = None, kind: str = "whole-disk") -> str:
    """The image (``whole-disk`` or ``partition``) for ``marker``, built the first time, with
    the lite ramdisk's kernel by default; under the ramdisk cache, keyed by kernel, marker
    and this builder."""
    kernel = kernel or build.build(build.Recipe(agent="lite"))["kernel"]
    digest = hashlib.sha256(marker.encode())
    for path in (kernel, __file__):
        with open(path, "rb") as f:
            digest.update(f.read())
    directory = os.path.join(build.cache_root(), "instances")
    os.makedirs(directory, exist_ok=True)
    prefix, make = {
        "whole-disk": ("disk", make_disk_image),
        "partition": ("partition", make_partition_image),
    }[kind]
    path = os.path.join(directory, f"{prefix}-{digest.hexdigest()[:16]}.raw")
    if not os.path.exists(path):
        make(kernel, path, marker)
    return path
