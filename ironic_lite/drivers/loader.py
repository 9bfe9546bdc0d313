"""Loading what is enabled: hardware types and interface implementations from entry points.

Plug-ins register in their package metadata under ``ironic_lite.hardware.types`` and
``ironic_lite.hardware.interfaces.<type>``; configuration picks which of them run.
"""

import functools
from importlib.metadata import entry_points

from ironic_lite.common import exceptions
from ironic_lite.common.interfaces import INTERFACE_TYPES
from ironic_lite.conf import CONF
from ironic_lite.drivers.base import BaseInterface
from ironic_lite.drivers.hardware_types import HardwareType


class ConfigurationError(Exception):
    """The enabled drivers cannot work together; the service refuses to start."""


@functools.cache
def _entry_points(group: str) -> dict:
    return {ep.name: ep for ep in entry_points(group=group)}


def hardware_types() -> dict[str, HardwareType]:
    """Every enabled hardware type, by name."""
    found = _entry_points("ironic_lite.hardware.types")
    result = {}
    for name in CONF.enabled_hardware_types:
        if name not in found:
            raise ConfigurationError(
                f"enabled_hardware_types names {name!r}, which is not installed; "
                f"available: {sorted(found)}"
            )
        result[name] = found[name].load()
    return result


@functools.cache
def implementation(interface_type: str, name: str) -> BaseInterface:
    """The shared instance of one interface implementation."""
    found = _entry_points(f"ironic_lite.hardware.interfaces.{interface_type}")
    if name not in found:
        raise exceptions.InterfaceNotFoundInEntrypoint(
            err=f"Could not find the {interface_type} interface {name}; installed: {sorted(found)}"
        )
    return found[name].load()()


def enabled_interfaces(hw: HardwareType) -> dict[str, tuple[list[str], str]]:
    """Per interface type: the enabled implementations ``hw`` supports, and the default."""
    result = {}
    for itype in INTERFACE_TYPES:
        enabled = getattr(CONF, f"enabled_{itype}_interfaces")
        usable = [name for name in hw.supported[itype] if name in enabled]
        if not usable:
            raise ConfigurationError(
                f"hardware type {hw.name} supports none of the enabled {itype} interfaces "
                f"({', '.join(enabled) or 'none'}); it supports {list(hw.supported[itype])}"
            )
        configured = getattr(CONF, f"default_{itype}_interface")
        default = configured if configured in usable else usable[0]
        for name in usable:
            implementation(itype, name)
        result[itype] = (usable, default)
    return result


def registration() -> list[dict]:
    """Rows a conductor registers: every (hardware type, interface, implementation) it serves."""
    rows = []
    for hw in hardware_types().values():
        for itype, (usable, default) in enabled_interfaces(hw).items():
            rows.extend(
                {
                    "hardware_type": hw.name,
                    "interface_type": itype,
                    "interface_name": name,
                    "default": name == default,
                }
                for name in usable
            )
    return rows


@functools.cache
def _defaults(driver: str) -> tuple[HardwareType, dict[str, str]]:
    """A hardware type and its default implementation per interface type.

    Cached for the life of the process (configuration is read once at start): a power sync
    pass builds a Driver for every node, and resolving the defaults each time cost
    milliseconds per node.
    """
    types = hardware_types()
    if driver not in types:
        raise exceptions.DriverNotFound(driver_name=driver)
    hw = types[driver]
    return hw, {itype: default for itype, (_usable, default) in enabled_interfaces(hw).items()}


def reset_caches() -> None:
    """Forget what was resolved from configuration (tests that change it in-process)."""
    _defaults.cache_clear()


class Driver:
    """The interfaces one node uses, as attributes named by interface type."""

    def __init__(self, node: dict):
        self.hardware_type, defaults = _defaults(node["driver"])
        for itype in INTERFACE_TYPES:
            name = node.get(f"{itype}_interface") or defaults[itype]
            setattr(self, itype, implementation(itype, name))

    def interfaces(self) -> dict[str, BaseInterface]:
        return {itype: getattr(self, itype) for itype in INTERFACE_TYPES}


def default_interface(driver_name: str, interface_type: str) -> BaseInterface:
    """The implementation a new node of ``driver_name`` gets for ``interface_type``: what
    driver-level calls (vendor passthru, RAID properties) use, as in Ironic."""
    _hw, defaults = _defaults(driver_name)
    return implementation(interface_type, defaults[interface_type])


def driver_properties(driver_name: str) -> dict[str, str]:
    """driver_info keys the enabled implementations of a hardware type read."""
    types = hardware_types()
    if driver_name not in types:
        raise exceptions.DriverNotFound(driver_name=driver_name)
    props: dict[str, str] = {}
    for itype, (usable, _default) in enabled_interfaces(types[driver_name]).items():
        for name in usable:
            props.update(implementation(itype, name).get_properties())
    return props
