"""Firmware versions and updates through the system, its manager and the UpdateService.

As in Ironic, the components are ``bios`` (the system's BiosVersion) and ``bmc`` (its
manager's FirmwareVersion). An update hands the image URL to UpdateService.SimpleUpdate with
the component's resource as target and follows the task the BMC returns until it ends (its
progress shows in the node's driver_internal_info ``firmware_update`` meanwhile). Then it
reads the version back: a failed task, a timeout, no version, or (when the step names one) a
version other than the one expected fails the step with the component in the message. The
BMC downloads the image itself; a ``checksum`` is not verified by ironic-lite. An image
given as a local file (a path or file:// URL) is read only under ``[conductor]
file_url_allowed_paths`` (``common/local_files.py``) and served to the BMC from ``[deploy]
http_root/<node uuid>/firmware/`` at ``[deploy] http_url`` while the update runs.
"""

import logging
import os
import time

import sushy

from ironic_lite.common import exceptions, local_files
from ironic_lite.conf import CONF
from ironic_lite.drivers import base
from ironic_lite.drivers.boot import image_cache
from ironic_lite.drivers.redfish import client

LOG = logging.getLogger(__name__)

_FAILED = {
    sushy.TaskState.EXCEPTION,
    sushy.TaskState.KILLED,
    sushy.TaskState.CANCELLED,
    sushy.TaskState.INTERRUPTED,
}


def read_components(info: client.RedfishInfo) -> tuple[dict[str, dict], dict[str, str]]:
    """The components and versions the BMC reports, and the Redfish path that is each
    component's SimpleUpdate target."""

    def read(conn):
        system = client.system(conn, info)
        found, targets = {}, {}
        if system.bios_version:
            found["bios"] = {
                "component": "bios",
                "current_version": system.bios_version,
                "vendor": system.manufacturer,
                "model": system.model,
            }
            targets["bios"] = system.path
        try:
            manager = client.manager(conn, system)
        except sushy.exceptions.SushyError as exc:
            LOG.info("BMC %s lists no manager of its system: %s", info.address, exc)
            manager = None
        if manager is not None and manager.firmware_version:
            found["bmc"] = {
                "component": "bmc",
                "current_version": manager.firmware_version,
                "model": manager.model,
            }
            targets["bmc"] = manager.path
        return found, targets

    return client.call(info, "read firmware versions", read)


def _start_update(info: client.RedfishInfo, name: str, url: str, target: str) -> str:
    def start(conn):
        monitor = conn.get_update_service().simple_update(url, targets=[target])
        return monitor.task_monitor_uri

    return client.call(info, f"update {name} firmware", start)


def _wait_for_task(task, info: client.RedfishInfo, name: str, monitor_uri: str) -> None:
    """Poll the update's task monitor until it stops processing, keeping the BMC's
    PercentComplete in the node's driver_internal_info (``firmware_update``) and the log;
    BMCError naming the component when the task failed or did not end within [redfish]
    firmware_update_timeout."""
    operation = f"update {name} firmware"

    def poll(conn):
        monitor = conn.get_task_monitor(monitor_uri)
        if monitor.is_processing:
            running = monitor.task
            return True, running.percent_complete if running is not None else None
        try:
            return False, monitor.get_task()
        except sushy.exceptions.ResourceNotFoundError:
            return False, None  # the BMC dropped the finished task: the version tells

    deadline = time.monotonic() + CONF.redfish.firmware_update_timeout
    shown = object()
    while True:
        processing, found = client.call(info, operation, poll)
        if not processing:
            break
        if found != shown:
            shown = found
            LOG.info(
                "Node %s: %s firmware update %s%% done (BMC %s)",
                task.node["uuid"],
                name,
                "?" if found is None else found,
                info.address,
            )
            task.remember(
                firmware_update={"component": name, "task": monitor_uri, "percent": found}
            )
        if time.monotonic() >= deadline:
            raise exceptions.BMCError(
                address=info.address,
                operation=operation,
                reason=f"task {monitor_uri} still running after "
                f"{CONF.redfish.firmware_update_timeout} s",
            )
        time.sleep(CONF.redfish.poll_interval)
    if found is not None and (
        found.task_state in _FAILED or found.task_status == sushy.Health.CRITICAL
    ):
        messages = "; ".join(m.message for m in found.messages or [] if m.message)
        state = found.task_state.value if found.task_state else "?"
        raise exceptions.BMCError(
            address=info.address,
            operation=operation,
            reason=f"task {monitor_uri} ended {state}: {messages or 'no message'}",
        )


def _check_local_images(node: dict, requested: list[dict]) -> None:
    """Refuse, before anything is flashed, an image that is a local file the conductor may
    not read, or one it cannot serve because [deploy] http_url is not set."""
    for item in requested:
        if local_files.is_local(item["url"]):
            where = f"firmware {item['component']} url"
            local_files.check_local_path(item["url"], where)
            if not CONF.deploy.http_url:
                raise exceptions.MissingParameterValue(
                    err=f"Node {node['uuid']}: {where} is a local file, but [deploy] http_url "
                    "is not set: the BMC downloads it from there"
                )


def _image_url(node: dict, item: dict) -> str:
    """The URL the BMC downloads the image from: its own, or a copy the conductor serves."""
    if not local_files.is_local(item["url"]):
        return item["url"]
    name = os.path.basename(local_files.check_local_path(item["url"]))
    return image_cache.publish(
        item["url"],
        node["uuid"],
        f"firmware/{item['component']}/{name}",
        f"firmware {item['component']} url",
    )


class RedfishFirmware(base.FirmwareInterface):
    properties = client.PROPERTIES

    def validate(self, task) -> None:
        client.driver_info(task.node)

    def cache_firmware_components(self, task) -> None:
        found, _targets = read_components(client.driver_info(task.node))
        if not found:
            raise exceptions.UnsupportedDriverExtension(
                driver=task.node["driver"],
                extension="firmware (the BMC reports neither a BIOS nor a BMC version)",
            )
        task.store_firmware_components(list(found.values()))

    @base.step(base.FIRMWARE_STEP_KINDS, priority=0, argsinfo=base.FIRMWARE_UPDATE_ARGSINFO)
    def update(self, task, settings: list) -> None:
        """Flash each image in turn, waiting for the BMC's task, then store the version
        the BMC reports for the component."""
        requested = base.firmware_settings_arg(settings)
        info = client.driver_info(task.node)
        found, targets = read_components(info)
        for item in requested:
            if item["component"] not in found:
                raise exceptions.InvalidParameterValue(
                    err=f"Node {task.node['uuid']} has no firmware component "
                    f"{item['component']}; its BMC ({info.address}) reports "
                    f"{', '.join(sorted(found)) or 'none'}"
                )
        _check_local_images(task.node, requested)
        for item in requested:
            name = item["component"]
            published = os.path.join(
                image_cache.node_dir(CONF.deploy.http_root, task.node["uuid"]), "firmware"
            )
            try:
                monitor = _start_update(info, name, _image_url(task.node, item), targets[name])
                _wait_for_task(task, info, name, monitor)
            finally:
                task.remember(firmware_update=None)
                image_cache.remove(published)
            if item.get("wait"):
                time.sleep(item["wait"])
            found, targets = read_components(info)
            version = found.get(name, {}).get("current_version")
            expected = item.get("version")
            if version is None or (expected is not None and version != expected):
                raise exceptions.BMCError(
                    address=info.address,
                    operation=f"update {name} firmware",
                    reason=f"after flashing {item['url']} the BMC reports version "
                    f"{version or 'none'}" + (f", not {expected}" if expected else ""),
                )
            task.store_firmware_components(
                [{"component": name, "current_version": version, "last_version_flashed": version}],
                replace=False,
            )
