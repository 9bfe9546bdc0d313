"""The Debian part of a ramdisk: the mirror, debootstrap, the kernel and a trimmed module tree.

debootstrap mounts /proc and /sys inside its target while it configures packages; it runs in a
private mount namespace (``unshare --mount``), so those mounts never show on the host and go
away with the namespace, whatever happens to the build.
"""

import glob
import logging
import os
import re
import shutil
import subprocess

LOG = logging.getLogger(__name__)

SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# What either agent calls (IPA's hardware.py and ironic_lite_agent/hardware/real.py), and what
# the init needs: udev for device names and IPA's pyudev, busybox for udhcpc, python3-venv to
# install the agent (removed again when the image is trimmed).
PACKAGES = (
    "udev",
    "kmod",
    "iproute2",
    "busybox",
    "util-linux",
    "fdisk",
    "mount",
    "e2fsprogs",
    "dosfstools",
    "mdadm",
    "parted",
    "gdisk",
    "efibootmgr",
    "hdparm",
    "nvme-cli",
    "qemu-utils",
    "dmidecode",
    "pciutils",
    "lshw",
    "ethtool",
    "ipmitool",
    "kexec-tools",
    "procps",
    "ca-certificates",
    "python3",
    "python3-venv",
)
# Kernel modules the ramdisk carries (with what they depend on): virtual machines' devices,
# common disk and filesystem drivers, software RAID, VLANs. Everything else is left out.
MODULES = (
    "virtio_pci",
    "virtio_net",
    "virtio_blk",
    "virtio_scsi",
    "virtio_rng",
    "e1000",
    "e1000e",
    "ahci",
    "ata_piix",
    "nvme",
    "sd_mod",
    "sr_mod",
    "sg",
    "isofs",
    "vfat",
    "nls_cp437",
    "nls_ascii",
    "nls_iso8859_1",
    "nls_utf8",
    "ext4",
    "crc32c_generic",
    "md_mod",
    "raid0",
    "raid1",
    "raid10",
    "dm_mod",
    "loop",
    "8021q",
    "efivarfs",
)


def host_mirror() -> str:
    """The Debian mirror the host's apt uses (sources.list or deb822 .sources), else
    deb.debian.org."""
    texts = []
    for path in ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*"))]:
        try:
            with open(path) as f:
                texts.append(f.read())
        except OSError:
            continue
    for text in texts:
        for line in text.splitlines():
            line = line.strip()
            one_line = re.match(r"deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
            if one_line and one_line.group(2) == SUITE and "security" not in one_line.group(1):
                return one_line.group(1).rstrip("/")
        # deb822: URIs and Suites in one stanza
        for stanza in text.split("\n\n"):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            suites = re.search(r"^Suites:\s*(.+)$", stanza, re.M)
            if (
                uris
                and suites
                and SUITE in suites.group(1).split()
                and "security" not in uris.group(1)
            ):
                return uris.group(1).rstrip("/")
    return DEFAULT_MIRROR


def run(argv: list[str], timeout: float = 1800, **kwargs) -> subprocess.CompletedProcess:
    """Run a build step; its output goes to the log, a failure raises with its tail."""
    LOG.info("+ %s", " ".join(argv))
    result = subprocess.run(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, **kwargs
    )
    output = result.stdout.decode(errors="replace")
    LOG.debug("%s", output)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv[:4])} ... exited with {result.returncode}:\n{output[-3000:]}"
        )
    return result


def chroot(root: str, *argv: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LC_ALL": "C.UTF-8"}
    env["DEBIAN_FRONTEND"] = "noninteractive"
    return run(["chroot", root, *argv], timeout=timeout, env=env)


def debootstrap(root: str, mirror: str, packages: tuple[str, ...] = PACKAGES) -> None:
    """A minimal Debian with ``packages`` in ``root``, its mounts confined to a namespace."""
    if not shutil.which("debootstrap"):
        raise RuntimeError("debootstrap is not installed (apt-get install debootstrap)")
    run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "debootstrap",
            "--variant=minbase",
            "--include=" + ",".join(packages),
            SUITE,
            root,
            mirror,
        ]
    )


def fetch_kernel(root: str, workdir: str) -> tuple[str, str]:
    """Download Debian's kernel package through the new system's apt and unpack it (not
    install it: that would build an initramfs-tools image we do not want). Returns the
    unpacked tree and the kernel version."""
    shutil.copy("/etc/resolv.conf", os.path.join(root, "etc", "resolv.conf"))
    chroot(root, "apt-get", "update", "-qq")
    depends = chroot(root, "apt-cache", "depends", "linux-image-amd64").stdout.decode()
    match = re.search(r"Depends:\s*(linux-image-[0-9][\w.+-]*-amd64)", depends)
    if not match:
        raise RuntimeError(f"cannot tell the kernel package from:\n{depends}")
    package = match.group(1)
    chroot(root, "sh", "-c", f"cd /tmp && apt-get download -qq {package}")
    debs = glob.glob(os.path.join(root, "tmp", f"{package}_*.deb"))
    tree = os.path.join(workdir, "kernel")
    run(["dpkg-deb", "-x", debs[0], tree])
    for deb in debs:
        os.unlink(deb)
    version = os.listdir(os.path.join(tree, "lib", "modules"))[0]
    return tree, version


def _module_name(path: str) -> str:
    name = os.path.basename(path)
    return re.sub(r"\.ko(\.(xz|zst|gz))?$", "", name).replace("-", "_")


def install_modules(
    tree: str, version: str, root: str, wanted: tuple[str, ...] = MODULES
) -> list[str]:
    """Copy ``wanted`` modules and what they depend on from the unpacked kernel ``tree`` into
    ``root``, then depmod; the module names copied. A wanted module that is built into the
    kernel (or absent) is skipped."""
    source = os.path.join(tree, "lib", "modules", version)
    run(["depmod", "-b", tree, version])  # the package leaves modules.dep to its postinst
    deps: dict[str, tuple[str, list[str]]] = {}
    with open(os.path.join(source, "modules.dep")) as f:
        for line in f:
            path, _, needs = line.partition(":")
            deps[_module_name(path)] = (path, needs.split())
    chosen: dict[str, str] = {}
    todo = [m.replace("-", "_") for m in wanted]
    while todo:
        name = todo.pop()
        if name in chosen or name not in deps:
            continue
        path, needs = deps[name]
        chosen[name] = path
        todo += [_module_name(n) for n in needs]
    target = os.path.join(root, "usr", "lib", "modules", version)
    os.makedirs(target, exist_ok=True)
    for path in chosen.values():
        os.makedirs(os.path.dirname(os.path.join(target, path)), exist_ok=True)
        shutil.copy2(os.path.join(source, path), os.path.join(target, path))
    for name in ("modules.order", "modules.builtin", "modules.builtin.modinfo"):
        if os.path.exists(os.path.join(source, name)):
            shutil.copy2(os.path.join(source, name), os.path.join(target, name))
    chroot(root, "depmod", "-a", version)
    return sorted(chosen)
