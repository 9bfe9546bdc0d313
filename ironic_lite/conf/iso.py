"""[DEFAULT] options of the ISO images the conductor builds for virtual media: the BIOS boot
loader files and where the UEFI boot loader finds its configuration (Ironic's names)."""

from oslo_config import cfg

opts = [
    cfg.StrOpt(
        "isolinux_bin",
        default="/usr/lib/ISOLINUX/isolinux.bin",
        help="isolinux.bin that makes built ISOs boot on BIOS machines (Debian's isolinux "
        "package). Missing: the ISOs boot on UEFI machines only.",
    ),
    cfg.StrOpt(
        "ldlinux_c32",
        help="ldlinux.c32 of the same syslinux version as isolinux_bin. Unset: looked up in "
        "/usr/lib/syslinux/modules/bios and /usr/share/syslinux.",
    ),
    cfg.StrOpt(
        "grub_config_path",
        default="EFI/BOOT/grub.cfg",
        help="Where in a built ISO the GRUB configuration goes for the EFI boot loader of "
        "[conductor] bootloader to read (the one the conductor builds finds it anyway).",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)


def list_opts() -> list:
    return [("DEFAULT", opts)]
