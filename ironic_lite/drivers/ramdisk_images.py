"""Which kernel and initramfs boot a node into the deploy (or rescue) ramdisk.

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
