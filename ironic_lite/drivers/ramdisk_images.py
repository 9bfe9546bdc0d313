"""Which kernel and initramfs boot a node into the deploy (or rescue) ramdisk, and, with the
``ramdisk`` deploy, which ramdisk or ISO is its instance.

The node's own ``driver_info`` wins; otherwise the image configured for the node's CPU
architecture (``properties/cpu_arch``) in ``[conductor] <purpose>_kernel_by_arch``; otherwise
``[conductor] <purpose>_kernel``. Boot interfaces that load a ramdisk (PXE, iPXE, virtual
media) call this when they validate a node and when they boot it; an image that is a local
file (a path or file:// URL) must be one the conductor may read (``common/local_files.py``),
wherever it was named.
"""

import urllib.parse
from typing import NamedTuple

from ironic_lite.common import exceptions, local_files
from ironic_lite.conf import CONF


class RamdiskImages(NamedTuple):
    kernel: str
    ramdisk: str
    # Where each came from ("driver_info/deploy_kernel", "[conductor] deploy_kernel" ...).
    kernel_from: str = ""
    ramdisk_from: str = ""

    def source(self, part: str) -> str:
        return getattr(self, f"{part}_from")


def _pick(node: dict, purpose: str, part: str) -> tuple[str | None, str]:
    name = f"{purpose}_{part}"
    own = (node.get("driver_info") or {}).get(name)
    if own:
        return own, f"driver_info/{name}"
    arch = (node.get("properties") or {}).get("cpu_arch")
    by_arch = getattr(CONF.conductor, f"{name}_by_arch") or {}
    if arch and by_arch.get(arch):
        return by_arch[arch], f"[conductor] {name}_by_arch ({arch})"
    return getattr(CONF.conductor, name), f"[conductor] {name}"


def ramdisk_images(node: dict, purpose: str = "deploy") -> RamdiskImages:
    """The kernel and initramfs for ``purpose`` ("deploy" or "rescue"); 400 naming what is
    missing when neither the node nor the configuration has them, or naming the field and
    ``[conductor] file_url_allowed_paths`` for a local file the conductor may not read."""
    if purpose not in ("deploy", "rescue"):
        raise ValueError(f"unknown ramdisk purpose {purpose!r}")
    (kernel, kernel_from), (ramdisk, ramdisk_from) = (
        _pick(node, purpose, "kernel"),
        _pick(node, purpose, "ramdisk"),
    )
    # A file the conductor may not read is refused even when its partner is missing.
    for ref, where in ((kernel, kernel_from), (ramdisk, ramdisk_from)):
        if not ref:
            continue
        if local_files.is_local(ref):
            local_files.check_local_path(ref, where)
        elif urllib.parse.urlsplit(str(ref)).scheme not in ("http", "https"):
            raise exceptions.InvalidParameterValue(
                err=f"{where} of node {node.get('uuid')} is {ref}: give an http(s):// URL, a "
                "file:// URL or an absolute path (image service references are not supported)"
            )
    missing = [
        f"driver_info/{purpose}_{part}"
        for part, value in (("kernel", kernel), ("ramdisk", ramdisk))
        if not value
    ]
    if missing:
        arch = (node.get("properties") or {}).get("cpu_arch") or "unset"
        raise exceptions.MissingParameterValue(
            err=f"Node {node.get('uuid')} has no {' or '.join(missing)}, and [conductor] "
            f"{purpose}_kernel/{purpose}_ramdisk (or their _by_arch entries for cpu_arch "
            f"{arch}) are not configured"
        )
    return RamdiskImages(kernel, ramdisk, kernel_from, ramdisk_from)


# --- the ``ramdisk`` deploy: the instance is a ramdisk or an ISO ------------------------------
RAMDISK_DEPLOY = "ramdisk"


def is_ramdisk_deploy(node: dict) -> bool:
    """Whether the node's instance is booted as a ramdisk (the ``ramdisk`` deploy interface)
    rather than from its disk: the boot interfaces then boot it from ``instance_info``."""
    return node.get("deploy_interface") == RAMDISK_DEPLOY


class InstanceBoot(NamedTuple):
    """What boots a ramdisk instance: an ISO, or a kernel and an initramfs."""

    iso: str | None
    kernel: str | None
    ramdisk: str | None
    # The kernel command line (Ironic's: root=/dev/ram0 text and ramdisk_kernel_arguments).
    params: str = ""


def _checked(node: dict, key: str) -> str | None:
    ref = (node.get("instance_info") or {}).get(key)
    if not ref:
        return None
    where = f"instance_info/{key}"
    if not isinstance(ref, str):
        raise exceptions.InvalidParameterValue(
            err=f"Node {node.get('uuid')}: {where} must be a string (a URL or a path)"
        )
    if local_files.is_local(ref):
        local_files.check_local_path(ref, where)
    elif urllib.parse.urlsplit(ref).scheme not in ("http", "https"):
        raise exceptions.InvalidParameterValue(
            err=f"{where} of node {node.get('uuid')} is {ref}: give an http(s):// URL, a "
            "file:// URL or an absolute path (image service references are not supported)"
        )
    return ref


def instance_boot(node: dict) -> InstanceBoot:
    """The ramdisk instance of ``node``: ``instance_info/boot_iso``, or ``kernel`` and
    ``ramdisk``; 400 naming what is missing or unreadable."""
    iso = _checked(node, "boot_iso")
    kernel, ramdisk = _checked(node, "kernel"), _checked(node, "ramdisk")
    if not iso and not (kernel and ramdisk):
        raise exceptions.MissingParameterValue(
            err=f"Node {node.get('uuid')}: the ramdisk deploy boots instance_info/boot_iso, or "
            "instance_info/kernel with instance_info/ramdisk; "
            + ("instance_info/ramdisk is missing" if kernel else "neither is set")
        )
    extra = (node.get("instance_info") or {}).get("ramdisk_kernel_arguments") or ""
    if not isinstance(extra, str):
        raise exceptions.InvalidParameterValue(
            err=f"Node {node.get('uuid')}: instance_info/ramdisk_kernel_arguments must be a string"
        )
    params = " ".join(w for w in ("root=/dev/ram0 text", extra.strip()) if w)
    return InstanceBoot(iso, None if iso else kernel, None if iso else ramdisk, params)
