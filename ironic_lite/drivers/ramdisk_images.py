"""Which kernel and initramfs boot a node into the deploy (or rescue) ramdisk.

The node's own ``driver_info`` wins; otherwise the image configured for the node's CPU
architecture (``properties/cpu_arch``) in ``[conductor] <purpose>_kernel_by_arch``; otherwise
``[conductor] <purpose>_kernel``. Boot interfaces that load a ramdisk (PXE, iPXE, virtual
media) call this when they validate a node and when they boot it.
"""

from typing import NamedTuple

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF


class RamdiskImages(NamedTuple):
    kernel: str
    ramdisk: str


def _pick(node: dict, purpose: str, part: str) -> str | None:
    own = (node.get("driver_info") or {}).get(f"{purpose}_{part}")
    if own:
        return own
    arch = (node.get("properties") or {}).get("cpu_arch")
    by_arch = getattr(CONF.conductor, f"{purpose}_{part}_by_arch") or {}
    if arch and by_arch.get(arch):
        return by_arch[arch]
    return getattr(CONF.conductor, f"{purpose}_{part}")


def ramdisk_images(node: dict, purpose: str = "deploy") -> RamdiskImages:
    """The kernel and initramfs for ``purpose`` ("deploy" or "rescue"); 400 naming what is
    missing when neither the node nor the configuration has them."""
    if purpose not in ("deploy", "rescue"):
        raise ValueError(f"unknown ramdisk purpose {purpose!r}")
    kernel, ramdisk = _pick(node, purpose, "kernel"), _pick(node, purpose, "ramdisk")
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
    return RamdiskImages(kernel, ramdisk)
