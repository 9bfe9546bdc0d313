"""Network boot into the deploy/rescue ramdisk: PXE (TFTP) and iPXE (HTTP).

For each node, boot files live in a directory named by its UUID, and one link per port MAC
points the machine's firmware (or iPXE) at them:

    PXE   <tftp_root>/<uuid>/{config,deploy_kernel,deploy_ramdisk}
          <tftp_root>/pxelinux.cfg/01-<mac>        (BIOS, pxelinux)
          <tftp_root>/grub.cfg-01-<mac>            (UEFI, GRUB)
    iPXE  <http_root>/<uuid>/config
          <http_root>/pxelinux.cfg/<mac>           (boot.ipxe chains to it by MAC)

Kernels and ramdisks come from the master image cache (``image_cache``); a local file is
read only under ``[conductor] file_url_allowed_paths``. Clean-up removes exactly the files
above, also when preparing them failed half-way, so a node's files never outlive its
deployment. The instance itself boots from its disk (local boot): prepare_instance points
the BMC at it.
"""

import contextlib
import logging
import os
import tempfile

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.drivers import base, ramdisk_api
from ironic_lite.drivers.boot import image_cache
from ironic_lite.drivers.ramdisk_images import ramdisk_images

LOG = logging.getLogger(__name__)

_PXELINUX = """default boot
label boot
kernel {kernel}
append initrd={ramdisk} {params}
ipappend 3
"""
_GRUB = """set default=boot
set timeout=5
menuentry "boot" {{
    linux {kernel} {params}
    initrd {ramdisk}
}}
"""
_IPXE = """#!ipxe
kernel{timeout} {kernel} {params} BOOTIF=${{mac}} initrd={ramdisk_name}
initrd --name {ramdisk_name}{timeout} {ramdisk}
boot
"""
_BOOT_IPXE = """#!ipxe
# Written by ironic-lite: boot the configuration of the node this MAC belongs to.
chain pxelinux.cfg/${mac:hexhyp} || goto fail
:fail
echo No boot configuration for ${mac}; retrying in 10 s
sleep 10
chain boot.ipxe
"""


_root = image_cache.root


def api_url() -> str:
    """Where a booted ramdisk reaches the API (its lookup and heart-beats)."""
    return ramdisk_api.api_url()


def kernel_params(task, params: dict) -> str:
    """The kernel command line: the configured parameters, the API URL, then ``params``."""
    words = [CONF.pxe.kernel_append_params or "", f"ipa-api-url={api_url()}"]
    words += [f"{key}={value}" for key, value in sorted(params.items())]
    return " ".join(w for w in words if w)


def _macs(task) -> list[str]:
    macs = [p["address"].lower() for p in task.ports if p.get("address")]
    if not macs:
        raise exceptions.MissingParameterValue(
            err=f"Node {task.node['uuid']} has no ports: network boot needs the MAC address "
            "of the NIC it boots from (create a port)"
        )
    return macs


def _replace(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically, so a booting machine never reads half a file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _link(target: str, link: str) -> None:
    os.makedirs(os.path.dirname(link), exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(link)
    os.symlink(os.path.relpath(target, os.path.dirname(link)), link)


class _NetworkBoot(base.BootInterface):
    """What PXE and iPXE share: validation, the boot device, the per-MAC links."""

    requires_ramdisk = True
    properties = {
        "deploy_kernel": "Kernel of the deploy ramdisk (URL or path). Default: [conductor].",
        "deploy_ramdisk": "Initramfs of the deploy ramdisk (URL or path). Default: [conductor].",
        "rescue_kernel": "Kernel of the rescue ramdisk. Default: [conductor].",
        "rescue_ramdisk": "Initramfs of the rescue ramdisk. Default: [conductor].",
    }

    def validate(self, task) -> None:
        super().validate(task)
        _macs(task)
        # Rescue images are optional, but a configured one must be readable.
        with contextlib.suppress(exceptions.MissingParameterValue):
            ramdisk_images(task.node, "rescue")

    def node_dir(self, task) -> str:
        raise NotImplementedError

    def mac_links(self, task) -> list[str]:
        raise NotImplementedError

    def write_config(self, task, purpose: str, params: dict) -> None:
        raise NotImplementedError

    def prepare_ramdisk(self, task, params: dict, purpose: str = "deploy") -> None:
        try:
            self.write_config(task, purpose, params)
            config = os.path.join(self.node_dir(task), "config")
            for link in self.mac_links(task):
                _link(config, link)
            task.driver.management.set_boot_device(task, "pxe", persistent=False)
        except BaseException:
            # Half-prepared boot files would stay exported: take them away again.
            try:
                self.clean_up_ramdisk(task)
            except Exception:
                LOG.exception("Node %s: removing its boot files failed", task.node["uuid"])
            raise

    def clean_up_ramdisk(self, task) -> None:
        links = self.mac_links(task) if task.ports else []
        image_cache.remove(self.node_dir(task), *links)

    def prepare_instance(self, task) -> None:
        self.clean_up_ramdisk(task)
        task.driver.management.set_boot_device(task, "disk", persistent=True)

    def clean_up_instance(self, task) -> None:
        self.clean_up_ramdisk(task)


class PXEBoot(_NetworkBoot):
    """PXE: firmware loads pxelinux (BIOS) or GRUB (UEFI) from TFTP, then our config."""

    def node_dir(self, task) -> str:
        return os.path.join(_root(CONF.pxe.tftp_root), task.node["uuid"])

    def _uefi(self, task) -> bool:
        return task.node.get("boot_mode") == "uefi"

    def mac_links(self, task) -> list[str]:
        root = _root(CONF.pxe.tftp_root)
        names = []
        for mac in _macs(task):
            dashed = mac.replace(":", "-")
            if self._uefi(task):
                names.append(os.path.join(root, f"grub.cfg-01-{dashed}"))
            else:
                names.append(os.path.join(root, "pxelinux.cfg", f"01-{dashed}"))
        return names

    def write_config(self, task, purpose: str, params: dict) -> None:
        images = ramdisk_images(task.node, purpose)
        directory = self.node_dir(task)
        cache = os.path.join(_root(CONF.pxe.tftp_root), image_cache.MASTER_DIR)
        for part in ("kernel", "ramdisk"):
            image_cache.fetch(
                getattr(images, part),
                os.path.join(directory, f"{purpose}_{part}"),
                cache,
                images.source(part),
            )
        uuid = task.node["uuid"]
        template = _GRUB if self._uefi(task) else _PXELINUX
        text = template.format(
            kernel=f"{uuid}/{purpose}_kernel",
            ramdisk=f"{uuid}/{purpose}_ramdisk",
            params=kernel_params(task, params),
        )
        _replace(os.path.join(directory, "config"), text)


class IPXEBoot(_NetworkBoot):
    """iPXE: a script fetched over HTTP downloads the kernel and ramdisk over HTTP too."""

    def validate(self, task) -> None:
        super().validate(task)
        if not CONF.deploy.http_url:
            raise exceptions.MissingParameterValue(
                err="[deploy] http_url is not set: iPXE needs the URL of the HTTP server "
                "that exports [deploy] http_root"
            )

    def node_dir(self, task) -> str:
        return os.path.join(_root(CONF.deploy.http_root), task.node["uuid"])

    def mac_links(self, task) -> list[str]:
        root = _root(CONF.deploy.http_root)
        return [os.path.join(root, "pxelinux.cfg", mac.replace(":", "-")) for mac in _macs(task)]

    def write_config(self, task, purpose: str, params: dict) -> None:
        images = ramdisk_images(task.node, purpose)
        uuid = task.node["uuid"]
        root = _root(CONF.deploy.http_root)
        boot_script = os.path.join(root, "boot.ipxe")
        if not os.path.exists(boot_script):
            _replace(boot_script, _BOOT_IPXE)
        timeout = CONF.pxe.ipxe_timeout
        text = _IPXE.format(
            timeout=f" --timeout {timeout * 1000}" if timeout else "",
            kernel=image_cache.publish(
                images.kernel, uuid, f"{purpose}_kernel", images.source("kernel")
            ),
            ramdisk=image_cache.publish(
                images.ramdisk, uuid, f"{purpose}_ramdisk", images.source("ramdisk")
            ),
            ramdisk_name=f"{purpose}_ramdisk",
            params=kernel_params(task, params),
        )
        _replace(os.path.join(self.node_dir(task), "config"), text)
