"""``ironic-lite-ramdisk``: build a deploy ramdisk, or an ISO from a kernel and an initramfs.

    ironic-lite-ramdisk build --agent ipa|lite [--output DIR] [--rebuild] [--mirror URL]
    ironic-lite-ramdisk iso --kernel K --initramfs I --output F.iso [--params "..."]
                            [--network-data network_data.json]
    ironic-lite-ramdisk path --agent ipa|lite     # the cached build's directory, if built
    ironic-lite-ramdisk disk-image --output F.raw [--marker TEXT] [--kernel K] [--partition]
                                                  # a tiny UEFI instance that says it booted

Building needs root (debootstrap, chroot), debootstrap, xorriso, mtools, isolinux and GRUB's
x86_64-efi modules; see docs/ramdisk.md.
"""

import argparse
import json
import logging
import os
import sys

from ironic_lite.ramdisk import build, disk_image, iso


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ironic-lite-ramdisk",
        description="Deploy ramdisks (kernel, initramfs, ISO) from Debian 12 packages, with "
        "the stock ironic-python-agent or ironic-lite-agent.",
    )
    parser.add_argument("--debug", action="store_true", help="log every build command")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("build", help="build (or find in the cache) a ramdisk")
    make.add_argument("--agent", choices=("ipa", "lite"), required=True)
    make.add_argument("--output", help="directory for the result (default: the cache)")
    make.add_argument("--rebuild", action="store_true", help="build even if cached")
    make.add_argument("--mirror", help="Debian mirror (default: the one apt uses)")
    make.add_argument(
        "--extra-module", action="append", default=[], help="another kernel module to carry"
    )
    where = sub.add_parser("path", help="print the cached ramdisk's directory (exit 1: none)")
    where.add_argument("--agent", choices=("ipa", "lite"), required=True)
    image = sub.add_parser("iso", help="a UEFI + BIOS bootable ISO from a kernel and initramfs")
    image.add_argument("--kernel", required=True)
    image.add_argument("--initramfs", required=True)
    image.add_argument("--output", required=True)
    image.add_argument("--params", default="", help="kernel parameters (ipa-api-url=... ...)")
    image.add_argument(
        "--network-data", help="a network_data.json put at openstack/latest/ for DHCP-less boots"
    )
    disk = sub.add_parser(
        "disk-image",
        help="a small UEFI whole-disk image printing a marker on the serial console (a test "
        "instance)",
    )
    disk.add_argument("--output", required=True)
    disk.add_argument("--marker", default="ironic-lite test instance booted")
    disk.add_argument("--kernel", help="kernel to boot (default: the lite ramdisk's, built)")
    disk.add_argument(
        "--partition",
        action="store_true",
        help="a partition image instead (an ext4 root file system carrying its boot loader in "
        "/boot/efi; deploy it with instance_info/image_type=partition and root_gb)",
    )
    return parser


def _recipe(args) -> build.Recipe:
    options = {"agent": args.agent}
    if getattr(args, "mirror", None):
        options["mirror"] = args.mirror
    if getattr(args, "extra_module", None):
        options["modules"] = (*build.debian.MODULES, *args.extra_module)
    return build.Recipe(**options)


def summary(manifest: dict) -> str:
    mib = {k: f"{v / 2**20:.1f} MiB" for k, v in manifest["sizes"].items()}
    seconds = manifest["seconds"]
    return (
        f"{manifest['agent_name']} ramdisk in {manifest['directory']}"
        f"{' (cached)' if manifest.get('cached') else ''}\n"
        f"  kernel     {manifest['kernel']} ({mib['kernel']}, Linux {manifest['kernel_version']})\n"
        f"  initramfs  {manifest['initramfs']} ({mib['initramfs']} zstd, "
        f"{mib['initramfs_unpacked']} unpacked)\n"
        f"  iso        {manifest['iso']} ({mib['iso']})\n"
        f"  built in {seconds['total']} s: base "
        + (
            f"{seconds['base_this_build']} s"
            if seconds["base_this_build"] >= 1
            else f"cached (built once in {seconds['base']} s)"
        )
        + f", agent {seconds['agent']} s, pack {seconds['pack']} s, iso {seconds['iso']} s"
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    try:
        if args.command == "build":
            if os.geteuid() != 0:
                print("ironic-lite-ramdisk build needs root (debootstrap, chroot)", file=sys.stderr)
                return 1
            manifest = build.build(_recipe(args), args.output, rebuild=args.rebuild)
            print(summary(manifest))
            print(json.dumps(manifest, indent=1), file=sys.stderr if not args.debug else sys.stdout)
        elif args.command == "path":
            manifest = build.cached(_recipe(args))
            if manifest is None:
                return 1
            print(manifest["directory"])
        elif args.command == "iso":
            extra = {}
            if args.network_data:
                with open(args.network_data, "rb") as f:
                    extra["openstack/latest/network_data.json"] = f.read()
            print(iso.make_iso(args.kernel, args.initramfs, args.output, args.params, extra))
        elif args.command == "disk-image":
            kernel = args.kernel or build.build(build.Recipe(agent="lite"))["kernel"]
            make = disk_image.make_partition_image if args.partition else disk_image.make_disk_image
            print(make(kernel, args.output, args.marker))
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"ironic-lite-ramdisk {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
