"""Network boot into the deploy/rescue ramdisk: PXE (TFTP) and iPXE (HTTP).

For each node, boot files live in a directory named by its UUID, and one link per port MAC
points the machine's firmware (or iPXE) at them:

    PXE   <tftp_root>/<uuid>/{config,grub.cfg,deploy_kernel,deploy_ramdisk}
          <tftp_root>/pxelinux.cfg/01-<mac> -> config     (BIOS, pxelinux)
          <tftp_root>/grub.cfg-01-<mac> -> grub.cfg       (UEFI, GRUB)
    iPXE  <http_root>/<uuid>/config
          <http_root>/pxelinux.cfg/<mac>                  (boot.ipxe chains to it by MAC)

A node whose boot mode is unknown gets both PXE configurations (``boot/modes.py``). With
``[dhcp] dhcp_provider = dnsmasq`` the node's DHCP options (``drivers/dhcp``) are written
with its boot files and taken back with them.

Kernels and ramdisks come from the master image cache (``image_cache``); a local file is
read only under ``[conductor] file_url_allowed_paths``. Clean-up removes exactly the files
above, also when preparing them failed half-way, so a node's files never outlive its
deployment. The instance itself boots from its disk (local boot): prepare_instance points
the BMC at it; with the ``ramdisk`` deploy it boots the instance's kernel and ramdisk (or,
with iPXE, its ISO) from the network instead, every time.
"""

import contextlib
import logging
import os
import tempfile

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.drivers import base, dhcp, ramdisk_api
from ironic_lite.drivers.boot import image_cache
from ironic_lite.drivers.boot.modes import MODES, boot_modes
from ironic_lite.drivers.dhcp import options as dhcp_options
from ironic_lite.drivers.ramdisk_images import (
    instance_boot,
    is_ramdisk_deploy,
    ramdisk_images,
)

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
_IPXE_ISO = """#!ipxe
sanboot --no-describe {url}
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
    """What PXE and iPXE share: validation, the boot device, the per-MAC links, DHCP."""

    requires_ramdisk = True
    ipxe = False
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

    def links(self, task, modes: tuple[str, ...]) -> list[tuple[str, str]]:
        """(link, the node's file it points to) for each MAC and boot mode."""
        raise NotImplementedError

    def write_config(
        self, task, name: str, images: tuple[str, str], sources: tuple[str, str], params: str
    ) -> None:
        """Fetch the kernel and ramdisk as ``<name>_kernel``/``<name>_ramdisk`` and write
        the node's configuration(s) booting them with the command line ``params``."""
        raise NotImplementedError

    def write_iso_config(self, task, iso: str) -> None:
        raise exceptions.InvalidParameterValue(
            err=f"Node {task.node['uuid']}: the {task.node['boot_interface']} boot interface "
            "cannot boot instance_info/boot_iso; use kernel and ramdisk, ipxe or virtual media"
        )

    def _prepare(self, task, write, persistent: bool) -> None:
        try:
            write()
            for link, target in self.links(task, boot_modes(task.node)):
                _link(target, link)
            options = dhcp_options.boot_options(boot_modes(task.node), ipxe=self.ipxe)
            dhcp.provider().update_dhcp_opts(task, options)
            task.driver.management.set_boot_device(task, "pxe", persistent=persistent)
        except BaseException:
            # Half-prepared boot files would stay exported: take them away again.
            try:
                self.clean_up_ramdisk(task)
            except Exception:
                LOG.exception("Node %s: removing its boot files failed", task.node["uuid"])
            raise

    def prepare_ramdisk(self, task, params: dict, purpose: str = "deploy") -> None:
        images = ramdisk_images(task.node, purpose)
        self._prepare(
            task,
            lambda: self.write_config(
                task,
                purpose,
                (images.kernel, images.ramdisk),
                (images.source("kernel"), images.source("ramdisk")),
                kernel_params(task, params),
            ),
            persistent=False,
        )

    def _remove_files(self, task) -> None:
        links = [link for link, _target in self.links(task, MODES)] if task.ports else []
        image_cache.remove(self.node_dir(task), *links)

    def clean_up_ramdisk(self, task) -> None:
        self._remove_files(task)
        if task.ports:
            dhcp.provider().clean_dhcp_opts(task)

    def prepare_instance(self, task) -> None:
        if not is_ramdisk_deploy(task.node):
            self.clean_up_ramdisk(task)
            task.driver.management.set_boot_device(task, "disk", persistent=True)
            return
        # The ramdisk deploy: the instance boots from the network, every time.
        instance = instance_boot(task.node)
        self._remove_files(task)
        if instance.iso:
            write = lambda: self.write_iso_config(task, instance.iso)  # noqa: E731
        else:
            write = lambda: self.write_config(  # noqa: E731
                task,
                "instance",
                (instance.kernel, instance.ramdisk),
                ("instance_info/kernel", "instance_info/ramdisk"),
                instance.params,
            )
        self._prepare(task, write, persistent=True)

    def clean_up_instance(self, task) -> None:
        self.clean_up_ramdisk(task)


class PXEBoot(_NetworkBoot):
    """PXE: firmware loads pxelinux (BIOS) or GRUB (UEFI) from TFTP, then our config."""

    # The ramdisk deploy's instances it boots: kernel and ramdisk (no ISO over TFTP).
    ramdisk_instances = frozenset({"kernel"})
    _CONFIGS = {"bios": "config", "uefi": "grub.cfg"}

    def node_dir(self, task) -> str:
        return os.path.join(_root(CONF.pxe.tftp_root), task.node["uuid"])

    def links(self, task, modes: tuple[str, ...]) -> list[tuple[str, str]]:
        root, directory = _root(CONF.pxe.tftp_root), self.node_dir(task)
        found = []
        for mac in _macs(task):
            dashed = mac.replace(":", "-")
            if "uefi" in modes:
                found.append(
                    (
                        os.path.join(root, f"grub.cfg-01-{dashed}"),
                        os.path.join(directory, "grub.cfg"),
                    )
                )
            if "bios" in modes:
                found.append(
                    (
                        os.path.join(root, "pxelinux.cfg", f"01-{dashed}"),
                        os.path.join(directory, "config"),
                    )
                )
        return found

    def write_config(
        self, task, name: str, images: tuple[str, str], sources: tuple[str, str], params: str
    ) -> None:
        directory = self.node_dir(task)
        cache = os.path.join(_root(CONF.pxe.tftp_root), image_cache.MASTER_DIR)
        for part, ref, source in zip(("kernel", "ramdisk"), images, sources, strict=True):
            image_cache.fetch(ref, os.path.join(directory, f"{name}_{part}"), cache, source)
        uuid = task.node["uuid"]
        for mode in boot_modes(task.node):
            template = _GRUB if mode == "uefi" else _PXELINUX
            text = template.format(
                kernel=f"{uuid}/{name}_kernel", ramdisk=f"{uuid}/{name}_ramdisk", params=params
            )
            _replace(os.path.join(directory, self._CONFIGS[mode]), text)


class IPXEBoot(_NetworkBoot):
    """iPXE: a script fetched over HTTP downloads the kernel and ramdisk over HTTP too."""

    ipxe = True
    ramdisk_instances = frozenset({"kernel", "iso"})

    def validate(self, task) -> None:
        super().validate(task)
        if not CONF.deploy.http_url:
            raise exceptions.MissingParameterValue(
                err="[deploy] http_url is not set: iPXE needs the URL of the HTTP server "
                "that exports [deploy] http_root"
            )

    def node_dir(self, task) -> str:
        return os.path.join(_root(CONF.deploy.http_root), task.node["uuid"])

    def links(self, task, modes: tuple[str, ...]) -> list[tuple[str, str]]:
        root, config = _root(CONF.deploy.http_root), os.path.join(self.node_dir(task), "config")
        return [
            (os.path.join(root, "pxelinux.cfg", mac.replace(":", "-")), config)
            for mac in _macs(task)
        ]

    def _boot_script(self) -> None:
        boot_script = os.path.join(_root(CONF.deploy.http_root), "boot.ipxe")
        if not os.path.exists(boot_script):
            _replace(boot_script, _BOOT_IPXE)

    def write_config(
        self, task, name: str, images: tuple[str, str], sources: tuple[str, str], params: str
    ) -> None:
        uuid = task.node["uuid"]
        self._boot_script()
        timeout = CONF.pxe.ipxe_timeout
        kernel, ramdisk = (
            image_cache.publish(ref, uuid, f"{name}_{part}", source)
            for part, ref, source in zip(("kernel", "ramdisk"), images, sources, strict=True)
        )
        text = _IPXE.format(
            timeout=f" --timeout {timeout * 1000}" if timeout else "",
            kernel=kernel,
            ramdisk=ramdisk,
            ramdisk_name=f"{name}_ramdisk",
            params=params,
        )
        _replace(os.path.join(self.node_dir(task), "config"), text)

    def write_iso_config(self, task, iso: str) -> None:
        """iPXE boots the instance's ISO over HTTP as a SAN disk (as Ironic's template)."""
        self._boot_script()
        url = image_cache.publish(iso, task.node["uuid"], "boot.iso", "instance_info/boot_iso")
        _replace(os.path.join(self.node_dir(task), "config"), _IPXE_ISO.format(url=url))
