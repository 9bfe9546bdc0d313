"""A bootable ISO from a kernel and an initramfs: isolinux for BIOS, GRUB for UEFI.

The ISO holds ``/vmlinuz`` and ``/initramfs``, ``/isolinux/isolinux.cfg`` (BIOS) and
``/boot/grub/grub.cfg`` (UEFI) with the same kernel command line, and an EFI system partition
image (``/boot/efiboot.img``, El Torito's second entry) whose ``BOOTX64.EFI`` is a standalone
GRUB that finds the ISO by ``/isolinux/isolinux.cfg`` and reads its ``/boot/grub/grub.cfg``.
Files given in ``extra`` are added too (e.g. ``openstack/latest/network_data.json`` for a
DHCP-less boot). Hybrid: the same image boots written to a USB stick.

Needs xorriso, mtools (mformat, mcopy), grub-mkstandalone with GRUB's x86_64-efi modules
(grub-efi-amd64-bin) and isolinux/syslinux-common.
"""

import os
import shutil
import subprocess
import tempfile

LABEL = "VMEDIA_BOOT_ISO"  # the label Ironic's virtual media ISOs carry, found by glean too
ISOLINUX = "/usr/lib/ISOLINUX"
SYSLINUX_MODULES = "/usr/lib/syslinux/modules/bios"
GRUB_MODULES = (
    "part_gpt part_msdos iso9660 fat linux normal search search_fs_file configfile echo "
    "test serial terminal all_video efi_gop"
)
CONSOLE = "console=tty0 console=ttyS0,115200n8"


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({result.returncode}): {result.stderr[-2000:]}")


def missing_tools() -> list[str]:
    """What make_iso needs and this host lacks (empty: it can build)."""
    missing = [
        t for t in ("xorriso", "mformat", "mcopy", "grub-mkstandalone") if not shutil.which(t)
    ]
    if not os.path.exists(os.path.join(ISOLINUX, "isolinux.bin")):
        missing.append("isolinux")
    if not os.path.isdir("/usr/lib/grub/x86_64-efi"):
        missing.append("grub-efi-amd64-bin")
    return missing


def _efi_image(workdir: str, path: str) -> None:
    """A FAT image with a standalone GRUB as /EFI/BOOT/BOOTX64.EFI."""
    embedded = os.path.join(workdir, "embedded.cfg")
    with open(embedded, "w") as f:
        f.write(
            # Not grub.cfg: the standalone image's own memdisk holds one (this file).
            "search --no-floppy --file --set=root /isolinux/isolinux.cfg\n"
            "set prefix=($root)/boot/grub\n"
            "configfile ($root)/boot/grub/grub.cfg\n"
        )
    grub = os.path.join(workdir, "BOOTX64.EFI")
    _run(
        [
            "grub-mkstandalone",
            "--format=x86_64-efi",
            f"--output={grub}",
            f"--install-modules={GRUB_MODULES}",
            f"--modules={GRUB_MODULES}",
            "--locales=",
            "--fonts=",
            "--themes=",
            f"boot/grub/grub.cfg={embedded}",
        ]
    )
    size_kib = (os.path.getsize(grub) // 1024) + 512
    with open(path, "wb") as f:
        f.truncate(size_kib * 1024)
    _run(["mformat", "-i", path, "-T", str(size_kib * 2), "-h", "2", "-s", "32", "::"])
    _run(["mmd", "-i", path, "::/EFI", "::/EFI/BOOT"])
    _run(["mcopy", "-i", path, grub, "::/EFI/BOOT/BOOTX64.EFI"])


def make_iso(
    kernel: str,
    initramfs: str,
    output: str,
    params: str = "",
    extra: dict[str, bytes] | None = None,
    label: str = LABEL,
) -> str:
    """Build ``output``; ``params`` go on the kernel command line after the serial console."""
    missing = missing_tools()
    if missing:
        raise RuntimeError(f"cannot build an ISO, missing: {', '.join(missing)}")
    append = f"{CONSOLE} {params}".strip()
    with tempfile.TemporaryDirectory(prefix="ironic-lite-iso-") as workdir:
        tree = os.path.join(workdir, "iso")
        for directory in ("isolinux", "boot/grub"):
            os.makedirs(os.path.join(tree, directory))
        shutil.copy(kernel, os.path.join(tree, "vmlinuz"))
        shutil.copy(initramfs, os.path.join(tree, "initramfs"))
        shutil.copy(os.path.join(ISOLINUX, "isolinux.bin"), os.path.join(tree, "isolinux"))
        shutil.copy(os.path.join(SYSLINUX_MODULES, "ldlinux.c32"), os.path.join(tree, "isolinux"))
        with open(os.path.join(tree, "isolinux", "isolinux.cfg"), "w") as f:
            f.write(
                "SERIAL 0 115200\nDEFAULT deploy\nPROMPT 0\nTIMEOUT 0\n"
                f"LABEL deploy\n  KERNEL /vmlinuz\n  INITRD /initramfs\n  APPEND {append}\n"
            )
        with open(os.path.join(tree, "boot", "grub", "grub.cfg"), "w") as f:
            f.write(
                "serial --unit=0 --speed=115200\n"
                "terminal_input serial console\nterminal_output serial console\n"
                "set timeout=0\nset default=0\n"
                f'menuentry "deploy" {{\n  linux /vmlinuz {append}\n  initrd /initramfs\n}}\n'
            )
        for name, data in (extra or {}).items():
            path = os.path.join(tree, name.lstrip("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        _efi_image(workdir, os.path.join(tree, "boot", "efiboot.img"))
        _run(
            [
                "xorriso",
                "-as",
                "mkisofs",
                "-quiet",
                "-iso-level",
                "3",
                "-full-iso9660-filenames",
                "-J",
                "-joliet-long",
                "-R",
                "-V",
                label,
                "-b",
                "isolinux/isolinux.bin",
                "-c",
                "isolinux/boot.cat",
                "-no-emul-boot",
                "-boot-load-size",
                "4",
                "-boot-info-table",
                "-isohybrid-mbr",
                os.path.join(ISOLINUX, "isohdpfx.bin"),
                "-eltorito-alt-boot",
                "-e",
                "boot/efiboot.img",
                "-no-emul-boot",
                "-isohybrid-gpt-basdat",
                "-o",
                output + ".tmp",
                tree,
            ]
        )
    os.replace(output + ".tmp", output)
    return output
