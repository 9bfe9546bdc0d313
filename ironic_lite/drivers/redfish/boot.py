"""The ``redfish-virtual-media`` boot interface: ISO images inserted into the BMC's virtual
CD (or floppy, USB stick) by URL; and ``redfish-https``: the same ISO booted by UEFI HTTP
boot (the system's ``UefiHttp`` boot source with ``HttpBootUri``), as Ironic does.

The BMC downloads the image itself from the URL it is given. Virtual media devices are found
on the system (``VirtualMedia``) or, on BMCs that keep them there, on its managers. The
deploy (or rescue) ramdisk boots from ``driver_info/deploy_iso`` when the node names one;
otherwise the conductor builds an ISO from the deploy kernel and ramdisk
(``drivers/boot/iso.py``) whose kernel command line carries what PXE passes (``ipa-api-url``,
``[pxe] kernel_append_params``) and the NIC to use (``BOOTIF``), the request ID
(``ipa-global-request-id``) and ``boot_method=vmedia``, and publishes it under ``[deploy]
http_root``. With the ``ramdisk`` deploy the instance boots the same way from
``instance_info/boot_iso``, or from an ISO built from its kernel and ramdisk. The interface
also serves Ironic's virtual media API (``/v1/nodes/{node}/vmedia``) through
attach_virtual_media, detach_virtual_media and get_virtual_media.

DHCP-less boot: a node with ``network_data`` gets, next to the deploy ISO, a second medium
(a USB stick, else a floppy) holding a config drive, labelled ``config-2`` with
``openstack/latest/network_data.json`` and ``meta_data.json`` as cloud-init and glean read
them, so the ramdisk configures its network without DHCP. The conductor writes it under
``[deploy] http_root`` and the BMC downloads it from ``[deploy] http_url``; clean-up ejects
it and deletes the file.

An ISO given as a local file (a path or file:// URL) is read only under ``[conductor]
file_url_allowed_paths`` (``common/local_files.py``) and served to the BMC from ``[deploy]
http_root/<node uuid>/`` at ``[deploy] http_url``; clean-up, or a failed preparation,
removes that copy.
"""

import contextlib
import json
import logging
import os

import sushy

from ironic_lite.common import exceptions, local_files
from ironic_lite.conf import CONF
from ironic_lite.drivers import base, configdrive, dhcp
from ironic_lite.drivers.boot import image_cache, iso
from ironic_lite.drivers.boot.modes import boot_modes
from ironic_lite.drivers.boot.pxe import kernel_params
from ironic_lite.drivers.ramdisk_images import instance_boot, is_ramdisk_deploy, ramdisk_images
from ironic_lite.drivers.redfish import client

LOG = logging.getLogger(__name__)

# Ironic's virtual media device types and the Redfish MediaTypes that can serve each.
DEVICE_TYPES = {
    "cdrom": (sushy.VirtualMediaType.CD, sushy.VirtualMediaType.DVD),
    "floppy": (sushy.VirtualMediaType.FLOPPY,),
    "disk": (sushy.VirtualMediaType.USB_STICK,),
}


def _media(system) -> list:
    """Every virtual media device of the system: its own, else its managers'."""
    try:
        collections = [system.virtual_media]
    except sushy.exceptions.MissingAttributeError:
        collections = [m.virtual_media for m in system.managers]
    return [device for collection in collections for device in collection.get_members()]


def _of_type(system, device_type: str) -> list:
    wanted = DEVICE_TYPES[device_type]
    return [d for d in _media(system) if any(t in wanted for t in d.media_types or [])]


def insert(
    info: client.RedfishInfo, device_type: str, url: str, keep: tuple[str, ...] = ()
) -> None:
    """Insert the image at ``url`` into the first device of ``device_type`` that does not
    hold one of the images in ``keep`` (ejecting what it held); BMCNotSupported when the
    system has no such device."""

    def do(conn):
        system = client.system(conn, info)
        devices = [d for d in _of_type(system, device_type) if not (d.inserted and d.image in keep)]
        if not devices:
            raise sushy.exceptions.MissingAttributeError(
                attribute=f"VirtualMedia with a {device_type} media type"
                + (" other than the one holding the boot ISO" if keep else ""),
                resource=system.path,
            )
        device = devices[0]
        if device.inserted:
            device.eject_media()
        device.insert_media(url, inserted=True, write_protected=True)

    client.call(info, f"insert {url} as virtual {device_type}", do)


def eject(info: client.RedfishInfo, device_types: list[str] | None = None) -> None:
    """Eject the media of the given device types (every type when None)."""

    def do(conn):
        system = client.system(conn, info)
        devices = {
            device.path: device
            for device_type in device_types or list(DEVICE_TYPES)
            for device in _of_type(system, device_type)
        }
        for device in devices.values():  # one device may serve several types
            if device.inserted:
                device.eject_media()

    client.call(info, f"eject virtual {'/'.join(device_types or ['media'])}", do)


def describe(info: client.RedfishInfo) -> list[dict]:
    """Each virtual media device as Ironic's GET /vmedia lists it."""

    def do(conn):
        return [
            {
                "media_types": [t.value for t in device.media_types or []],
                "inserted": bool(device.inserted),
                "image": device.image,
            }
            for device in _media(client.system(conn, info))
        ]

    return client.call(info, "list virtual media", do)


# --- the config drive of DHCP-less boot ---------------------------------------------------------
def config_drive(node: dict) -> bytes:
    """An ISO image labelled ``config-2`` with the node's network_data and a meta_data naming
    the node, in the OpenStack config drive layout (``openstack/latest/``)."""
    documents = {
        "network_data.json": node["network_data"],
        "meta_data.json": {"uuid": node["uuid"], "name": node.get("name") or node["uuid"]},
    }
    return configdrive.iso(
        {
            f"openstack/latest/{name}": json.dumps(document, sort_keys=True).encode()
            for name, document in documents.items()
        }
    )


def _config_drive_path(node: dict) -> str:
    root = os.path.abspath(os.path.expanduser(CONF.deploy.http_root))
    return os.path.join(root, "vmedia", f"{node['uuid']}-config.iso")


def publish_config_drive(node: dict) -> str:
    """Write the node's config drive under [deploy] http_root; its URL under http_url."""
    path = _config_drive_path(node)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(config_drive(node))
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return f"{CONF.deploy.http_url.rstrip('/')}/vmedia/{os.path.basename(path)}"


def remove_config_drive(node: dict) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(_config_drive_path(node))


def ramdisk_params(task, params: dict) -> str:
    """The kernel command line of a deploy or rescue ISO built for the node: PXE's, plus the
    NIC it boots from (the first PXE-enabled port), the request ID and the boot method."""
    extra = dict(params)
    extra.setdefault("boot_method", "vmedia")
    macs = dhcp.pxe_macs(task.ports)
    if macs:
        extra.setdefault("BOOTIF", macs[0])
    if getattr(task.context, "request_id", None):
        extra.setdefault("ipa-global-request-id", task.context.request_id)
    return kernel_params(task, extra)


class RedfishVirtualMediaBoot(base.BootInterface):
    # It boots a node into the deploy (or rescue) ramdisk; nodes need an image for it.
    requires_ramdisk = True
    ramdisk_instances = frozenset({"kernel", "iso"})
    # Boot modes the firmware boots an ISO in (redfish-https: UEFI only).
    iso_modes: tuple[str, ...] = ("uefi", "bios")
    properties = {
        **client.PROPERTIES,
        "deploy_iso": "URL (or local file, see [conductor] file_url_allowed_paths) of the "
        "ISO image that boots the deploy ramdisk. Default: an ISO the conductor builds from "
        "deploy_kernel and deploy_ramdisk.",
        "rescue_iso": "URL or local file of the ISO image that boots the rescue ramdisk; "
        "for rescue. Default: built from rescue_kernel and rescue_ramdisk.",
        "deploy_kernel": "Kernel of the deploy ramdisk, for the ISO the conductor builds when "
        "there is no deploy_iso. Default: [conductor] deploy_kernel.",
        "deploy_ramdisk": "Initramfs of the deploy ramdisk (see deploy_kernel). Default: "
        "[conductor] deploy_ramdisk.",
    }

    def _modes(self, task) -> tuple[str, ...]:
        """The boot modes an ISO for the node must boot in."""
        wanted = tuple(m for m in boot_modes(task.node) if m in self.iso_modes)
        if not wanted:
            raise exceptions.InvalidParameterValue(
                err=f"Node {task.node['uuid']} boots in {boot_modes(task.node)[0]} mode; the "
                f"{task.node.get('boot_interface')} boot interface boots in "
                f"{' or '.join(self.iso_modes)} mode only"
            )
        return wanted

    def validate(self, task) -> None:
        """The BMC settings, and an ISO to boot: ``deploy_iso``, or a deploy kernel and
        ramdisk the conductor can build one from (with [deploy] http_url to serve it). A
        node with network_data also needs [deploy] http_url to publish its config drive."""
        client.driver_info(task.node)
        info = task.node.get("driver_info") or {}
        if not info.get("deploy_iso"):
            ramdisk_images(task.node, "deploy")
            iso.check_modes(task.node, self._modes(task))
            if not CONF.deploy.http_url:
                raise exceptions.MissingParameterValue(
                    err=f"Node {task.node['uuid']} has no driver_info/deploy_iso, and [deploy] "
                    "http_url is not set: the BMC downloads the ISO the conductor builds from "
                    "deploy_kernel and deploy_ramdisk from there"
                )
        for purpose in ("deploy", "rescue"):
            ref = info.get(f"{purpose}_iso")
            if ref and local_files.is_local(str(ref)):
                where = f"driver_info/{purpose}_iso"
                local_files.check_local_path(str(ref), where)
                if not CONF.deploy.http_url:
                    raise exceptions.MissingParameterValue(
                        err=f"Node {task.node['uuid']}: {where} is a local file, but [deploy] "
                        "http_url is not set: the BMC downloads it from there"
                    )
        if task.node.get("network_data") and not CONF.deploy.http_url:
            raise exceptions.MissingParameterValue(
                err=f"Node {task.node['uuid']} has network_data, but [deploy] http_url is not "
                "set: the BMC downloads the config drive of DHCP-less boot from there"
            )

    def ramdisk_iso(self, task, params: dict, purpose: str) -> str:
        """The URL of the ISO that boots the deploy (or rescue) ramdisk: the node's own, else
        one built from its kernel and ramdisk."""
        ref = (task.node.get("driver_info") or {}).get(f"{purpose}_iso")
        if ref:
            return image_cache.publish(
                str(ref), task.node["uuid"], f"{purpose}.iso", f"driver_info/{purpose}_iso"
            )
        images = ramdisk_images(task.node, purpose)
        return iso.build(
            task.node,
            purpose,
            (images.kernel, images.ramdisk),
            (images.source("kernel"), images.source("ramdisk")),
            ramdisk_params(task, params),
            self._modes(task),
        )

    def instance_iso(self, task) -> str:
        """The URL of the ISO the ``ramdisk`` deploy's instance boots from."""
        instance = instance_boot(task.node)
        if instance.iso:
            return image_cache.publish(
                instance.iso, task.node["uuid"], "boot.iso", "instance_info/boot_iso"
            )
        return iso.build(
            task.node,
            "instance",
            (instance.kernel, instance.ramdisk),
            ("instance_info/kernel", "instance_info/ramdisk"),
            instance.params,
            self._modes(task),
        )

    def _insert(self, task, url: str, persistent: bool) -> None:
        """Insert ``url`` as the CD (and the config drive of DHCP-less boot) and boot it."""
        info = client.driver_info(task.node)
        insert(info, "cdrom", url)
        if task.node.get("network_data"):
            drive = publish_config_drive(task.node)
            try:
                insert(info, "disk", drive, keep=(url,))
            except exceptions.BMCNotSupported:
                insert(info, "floppy", drive, keep=(url,))
        task.driver.management.set_boot_device(task, "cdrom", persistent=persistent)

    def _undo(self, task) -> None:
        """Nothing of a half-prepared boot stays published (or inserted, if the BMC lets us)."""
        self._remove_files(task)
        try:
            eject(client.driver_info(task.node), ["cdrom", "disk", "floppy"])
        except exceptions.IronicLiteError as exc:
            LOG.warning(
                "Node %s: ejecting after a failed boot preparation: %s", task.node["uuid"], exc
            )

    def prepare_ramdisk(self, task, params: dict, purpose: str = "deploy") -> None:
        """Insert the deploy (or rescue) ISO, and the config drive when the node has
        network_data, and boot from the CD once."""
        self.validate(task)
        try:
            self._insert(task, self.ramdisk_iso(task, params, purpose), persistent=False)
        except BaseException:
            self._undo(task)
            raise

    @staticmethod
    def _remove_files(task) -> None:
        remove_config_drive(task.node)
        image_cache.remove_node_files(CONF.deploy.http_root, task.node["uuid"])

    def clean_up_ramdisk(self, task) -> None:
        self._remove_files(task)
        eject(client.driver_info(task.node), ["cdrom", "disk", "floppy"])

    def prepare_instance(self, task) -> None:
        """Eject the ramdisk's media and boot the instance from its disk from now on; with
        the ramdisk deploy, insert the instance's ISO and boot from it from now on."""
        self.clean_up_ramdisk(task)
        if not is_ramdisk_deploy(task.node):
            task.driver.management.set_boot_device(task, "disk", persistent=True)
            return
        try:
            self._insert(task, self.instance_iso(task), persistent=True)
        except BaseException:
            self._undo(task)
            raise

    def clean_up_instance(self, task) -> None:
        """Nothing is left behind for an instance booted from its disk; a ramdisk instance's
        ISO is ejected and removed."""
        if is_ramdisk_deploy(task.node):
            self.clean_up_ramdisk(task)

    # --- Ironic's virtual media API ------------------------------------------------------------
    def attach_virtual_media(self, task, device_type: str, image_url: str) -> None:
        if device_type not in DEVICE_TYPES:
            raise exceptions.InvalidParameterValue(
                err=f"Invalid device type {device_type}; valid are {', '.join(DEVICE_TYPES)}"
            )
        insert(client.driver_info(task.node), device_type, image_url)

    def detach_virtual_media(self, task, device_types: list[str] | None = None) -> None:
        eject(client.driver_info(task.node), device_types)

    def get_virtual_media(self, task) -> list[dict]:
        return describe(client.driver_info(task.node))


# --- redfish-https: UEFI HTTP boot ---------------------------------------------------------------
HTTP_URL_KEY = "redfish_uefi_http_url"


def set_http_boot(task, url: str, persistent: bool) -> None:
    """Boot the system from ``url`` by UEFI HTTP boot (Redfish ``UefiHttp`` with
    ``HttpBootUri``), once or from now on; the URL is remembered as Ironic does."""
    task.remember(**{HTTP_URL_KEY: url})
    enabled = (
        sushy.BootSourceOverrideEnabled.CONTINUOUS
        if persistent
        else sushy.BootSourceOverrideEnabled.ONCE
    )
    info = client.driver_info(task.node)
    client.call(
        info,
        "set boot device UefiHttp",
        lambda conn: client.system(conn, info).set_system_boot_options(
            target=sushy.BootSource.UEFI_HTTP, enabled=enabled, http_boot_uri=url
        ),
    )


class RedfishHttpsBoot(RedfishVirtualMediaBoot):
    """UEFI HTTP boot of the same ISOs, for BMCs that offer the ``UefiHttp`` boot source:
    the firmware downloads the ISO itself, no virtual media device is used. The firmware
    needs DHCP for its own address, so there is no DHCP-less boot (no config drive medium),
    and it boots UEFI only."""

    iso_modes = ("uefi",)

    def validate(self, task) -> None:
        super().validate(task)
        info = client.driver_info(task.node)
        allowed = client.call(
            info,
            "list boot devices",
            lambda conn: client.system(conn, info).get_allowed_system_boot_source_values(),
        )
        if sushy.BootSource.UEFI_HTTP not in allowed:
            raise exceptions.BMCNotSupported(
                address=info.address, operation="UefiHttp boot", reason="not an allowed boot source"
            )

    def prepare_ramdisk(self, task, params: dict, purpose: str = "deploy") -> None:
        """Build (or publish) the deploy or rescue ISO and boot it by HTTP once."""
        self.validate(task)
        try:
            set_http_boot(task, self.ramdisk_iso(task, params, purpose), persistent=False)
        except BaseException:
            self._remove_files(task)
            raise

    @staticmethod
    def _remove_files(task) -> None:
        image_cache.remove_node_files(CONF.deploy.http_root, task.node["uuid"])
        if (task.node["driver_internal_info"] or {}).get(HTTP_URL_KEY):
            task.remember(**{HTTP_URL_KEY: None})

    def clean_up_ramdisk(self, task) -> None:
        self._remove_files(task)

    def prepare_instance(self, task) -> None:
        """The instance boots from its disk from now on; with the ramdisk deploy, from its
        ISO by HTTP from now on."""
        self._remove_files(task)
        if not is_ramdisk_deploy(task.node):
            task.driver.management.set_boot_device(task, "disk", persistent=True)
            return
        try:
            set_http_boot(task, self.instance_iso(task), persistent=True)
        except BaseException:
            self._remove_files(task)
            raise

    def clean_up_instance(self, task) -> None:
        self._remove_files(task)
