"""The ``redfish-virtual-media`` boot interface: ISO images inserted into the BMC's virtual
CD (or floppy, USB stick) by URL.

The BMC downloads the image itself from the URL it is given. Virtual media devices are found
on the system (``VirtualMedia``) or, on BMCs that keep them there, on its managers. Besides
booting the deploy ramdisk from ``driver_info/deploy_iso``, the interface serves Ironic's
virtual media API (``/v1/nodes/{node}/vmedia``) through attach_virtual_media,
detach_virtual_media and get_virtual_media.

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
from ironic_lite.drivers import base, configdrive
from ironic_lite.drivers.boot import image_cache
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


class RedfishVirtualMediaBoot(base.BootInterface):
    # It boots a node into the deploy (or rescue) ramdisk; nodes need an image for it.
    requires_ramdisk = True
    properties = {
        **client.PROPERTIES,
        "deploy_iso": "URL (or local file, see [conductor] file_url_allowed_paths) of the "
        "ISO image that boots the deploy ramdisk. Required.",
        "rescue_iso": "URL or local file of the ISO image that boots the rescue ramdisk; "
        "for rescue.",
    }

    def validate(self, task) -> None:
        """The BMC settings, and an ISO to boot: ironic-lite does not build ISOs from
        deploy_kernel/deploy_ramdisk (Ironic does), so this interface needs deploy_iso. A
        node with network_data also needs [deploy] http_url to publish its config drive."""
        client.driver_info(task.node)
        if not (task.node.get("driver_info") or {}).get("deploy_iso"):
            raise exceptions.MissingParameterValue(
                err=f"Node {task.node['uuid']} has no driver_info/deploy_iso: the "
                "redfish-virtual-media boot interface boots the deploy ramdisk from an ISO "
                "image (building one from deploy_kernel/deploy_ramdisk is not supported)"
            )
        for purpose in ("deploy", "rescue"):
            iso = (task.node.get("driver_info") or {}).get(f"{purpose}_iso")
            if iso and local_files.is_local(str(iso)):
                where = f"driver_info/{purpose}_iso"
                local_files.check_local_path(str(iso), where)
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

    def prepare_ramdisk(self, task, params: dict, purpose: str = "deploy") -> None:
        """Insert the deploy (or rescue) ISO, and the config drive when the node has
        network_data, and boot from the CD once. ``params`` cannot be given to an ISO's
        kernel: the agent finds ironic-lite through lookup instead."""
        iso = (task.node.get("driver_info") or {}).get(f"{purpose}_iso")
        if not iso:
            raise exceptions.MissingParameterValue(
                err=f"Node {task.node['uuid']} has no driver_info/{purpose}_iso to boot from"
            )
        self.validate(task)
        info = client.driver_info(task.node)
        try:
            url = image_cache.publish(
                str(iso), task.node["uuid"], f"{purpose}.iso", f"driver_info/{purpose}_iso"
            )
            insert(info, "cdrom", url)
            if task.node.get("network_data"):
                drive = publish_config_drive(task.node)
                try:
                    insert(info, "disk", drive, keep=(url,))
                except exceptions.BMCNotSupported:
                    insert(info, "floppy", drive, keep=(url,))
            task.driver.management.set_boot_device(task, "cdrom", persistent=False)
        except BaseException:
            # Nothing of a half-prepared boot stays published (or inserted, if the BMC lets us).
            self._remove_files(task)
            try:
                eject(info, ["cdrom", "disk", "floppy"])
            except exceptions.IronicLiteError as exc:
                LOG.warning(
                    "Node %s: ejecting after a failed boot preparation: %s", task.node["uuid"], exc
                )
            raise

    @staticmethod
    def _remove_files(task) -> None:
        remove_config_drive(task.node)
        image_cache.remove_node_files(CONF.deploy.http_root, task.node["uuid"])

    def clean_up_ramdisk(self, task) -> None:
        self._remove_files(task)
        eject(client.driver_info(task.node), ["cdrom", "disk", "floppy"])

    def prepare_instance(self, task) -> None:
        """Eject the ramdisk's media and boot the instance from its disk from now on."""
        self.clean_up_ramdisk(task)
        task.driver.management.set_boot_device(task, "disk", persistent=True)

    def clean_up_instance(self, task) -> None:
        """Nothing is left behind for an instance booted from its disk."""

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
