"""BIOS settings through the system's Bios resource and its attribute registry.

A Redfish BMC takes new settings into the Bios' settings object (``@Redfish.Settings``) and
applies them at the next boot, so apply_configuration and factory_reset reboot the node,
wait until the BMC reports the result, then leave the node powered as it found it. Settings
are checked against the BMC's attribute registry (when it offers one) before anything
changes.
"""

import logging
import threading
import time

import sushy

from ironic_lite.common import exceptions, states
from ironic_lite.conf import CONF
from ironic_lite.drivers import base
from ironic_lite.drivers.redfish import client

LOG = logging.getLogger(__name__)

_TRUE, _FALSE = {"true", "1", "yes", "on", "enabled"}, {"false", "0", "no", "off", "disabled"}


def _registry_fields(entry) -> dict:
    """Our registry fields of one sushy AttributeRegistry entry."""
    allowable = [v.get("ValueName") for v in (entry.allowable_values or []) if v.get("ValueName")]
    return {
        "attribute_type": entry.attribute_type,
        "allowable_values": allowable or None,
        "lower_bound": entry.lower_bound,
        "upper_bound": entry.upper_bound,
        "min_length": entry.min_length,
        "max_length": entry.max_length,
        "read_only": bool(entry.read_only or entry.immutable),
        "reset_required": entry.reset_required,
        "unique": entry.unique,
    }


# Attribute registries by (BMC, registry name): the same for every system of a model, and
# fetching one costs several requests and parsing a large document per node otherwise.
_REGISTRY_TTL = 600.0
_REGISTRY_CACHE_SIZE = 64
_registries: dict[tuple, tuple[float, dict]] = {}
_registries_lock = threading.Lock()


def _registry(info: client.RedfishInfo, bios) -> dict:
    """Registry fields by attribute name for ``bios`` ({} when the BMC offers none)."""
    key = (info.address, info.root_prefix, bios._attribute_registry)
    now = time.monotonic()
    with _registries_lock:
        hit = _registries.get(key)
    if hit is not None and hit[0] > now and key[2]:
        return hit[1]
    try:
        registry = bios.get_attribute_registry()
    except sushy.exceptions.SushyError as exc:
        LOG.info("BMC %s offers no BIOS attribute registry: %s", info.address, exc)
        registry = None
    entries = registry.registry_entries.attributes if registry is not None else []
    fields = {e.name: _registry_fields(e) for e in entries}
    with _registries_lock:
        if len(_registries) >= _REGISTRY_CACHE_SIZE:
            _registries.pop(min(_registries, key=lambda k: _registries[k][0]))
        _registries[key] = (now + _REGISTRY_TTL, fields)
    return fields


def read_settings(info: client.RedfishInfo) -> tuple[dict, dict]:
    """The system's current BIOS attributes and, by name, their registry fields ({} when the
    BMC offers no registry)."""

    def read(conn):
        bios = client.system(conn, info).bios
        return dict(bios.attributes or {}), _registry(info, bios)

    return client.call(info, "read BIOS settings", read)


def _store(task, attributes: dict, registry: dict) -> None:
    task.store_bios_settings(
        [
            {"name": name, "value": value, **registry.get(name, {})}
            for name, value in attributes.items()
        ],
        replace=True,
    )


def redfish_value(name: str, value, fields: dict):
    """``value`` as the JSON the BMC expects for setting ``name``, or InvalidParameterValue
    naming the setting when its registry fields do not allow it."""

    def refuse(why: str):
        raise exceptions.InvalidParameterValue(
            err=f"Invalid value {value!r} for BIOS setting {name}: {why}"
        )

    kind = fields.get("attribute_type")
    if kind == "Boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text not in _TRUE | _FALSE:
            refuse("expected true or false")
        return text in _TRUE
    if kind == "Integer":
        if isinstance(value, bool):
            refuse("expected an integer")
        try:
            number = int(value)
        except (TypeError, ValueError):
            refuse("expected an integer")
        low, high = fields.get("lower_bound"), fields.get("upper_bound")
        if (low is not None and number < low) or (high is not None and number > high):
            refuse(f"expected {low} to {high}")
        return number
    text = str(value)
    allowed = fields.get("allowable_values")
    if kind == "Enumeration" and allowed and text not in allowed:
        refuse(f"allowed values are {', '.join(allowed)}")
    low, high = fields.get("min_length"), fields.get("max_length")
    if (low is not None and len(text) < low) or (high is not None and len(text) > high):
        refuse(f"expected {low} to {high} characters")
    return text


def _same(current, wanted) -> bool:
    return str(current).lower() == str(wanted).lower()


def _reboot_to_apply(task) -> None:
    """Reboot so the BMC applies pending settings; power off again if the node was off."""
    power = task.driver.power
    was = power.get_power_state(task)
    power.reboot(task)
    if was == states.POWER_OFF:
        power.set_power_state(task, states.POWER_OFF)
    task.save(power_state=was)


class RedfishBIOS(base.BIOSInterface):
    properties = client.PROPERTIES

    def validate(self, task) -> None:
        client.driver_info(task.node)

    def cache_bios_settings(self, task) -> None:
        attributes, registry = read_settings(client.driver_info(task.node))
        _store(task, attributes, registry)

    @base.step(base.BIOS_STEP_KINDS, priority=0, rerunnable=True, argsinfo=base.BIOS_APPLY_ARGSINFO)
    def apply_configuration(self, task, settings: list) -> None:
        """Check the settings against the BMC's registry, stage them, reboot, wait until the
        BMC reports them, and store what the machine now has."""
        requested = base.bios_settings_arg(settings)
        info = client.driver_info(task.node)
        attributes, registry = read_settings(info)
        changes = {}
        for item in requested:
            name = item["name"]
            if name not in attributes:
                raise exceptions.InvalidParameterValue(
                    err=f"Node {task.node['uuid']} has no BIOS setting {name}; its BMC "
                    f"({info.address}) reports {', '.join(sorted(attributes))}"
                )
            fields = registry.get(name, {})
            if fields.get("read_only"):
                raise exceptions.InvalidParameterValue(err=f"BIOS setting {name} is read-only")
            changes[name] = redfish_value(name, item["value"], fields)
        client.call(
            info,
            f"stage BIOS settings {', '.join(changes)}",
            lambda conn: client.system(conn, info).bios.set_attributes(changes),
        )
        _reboot_to_apply(task)
        attributes = self._wait(
            info,
            "apply BIOS settings",
            lambda current, pending: all(_same(current.get(k), v) for k, v in changes.items()),
        )
        _store(task, attributes, registry)

    @base.step(base.BIOS_STEP_KINDS, priority=0, rerunnable=True)
    def factory_reset(self, task) -> None:
        """Ask the BMC to reset the BIOS to its defaults, reboot, store the result."""
        info = client.driver_info(task.node)
        client.call(
            info, "reset BIOS settings", lambda conn: client.system(conn, info).bios.reset_bios()
        )
        _reboot_to_apply(task)
        self._wait(info, "reset BIOS settings", lambda current, pending: not pending)
        self.cache_bios_settings(task)

    @staticmethod
    def _wait(info: client.RedfishInfo, operation: str, done) -> dict:
        """Poll the BIOS until ``done(current, pending)``; the current attributes, or a
        BMCError after [redfish] bios_apply_timeout."""

        def read(conn):
            bios = client.system(conn, info).bios
            return dict(bios.attributes or {}), dict(bios.pending_attributes or {})

        deadline = time.monotonic() + CONF.redfish.bios_apply_timeout
        while True:
            current, pending = client.call(info, "read BIOS settings", read)
            if done(current, pending):
                return current
            if time.monotonic() >= deadline:
                raise exceptions.BMCError(
                    address=info.address,
                    operation=operation,
                    reason=f"settings still pending after {CONF.redfish.bios_apply_timeout} s"
                    f" and a reboot: {', '.join(sorted(pending)) or 'none listed'}",
                )
            time.sleep(CONF.redfish.poll_interval)
