"""Interface contracts every driver implements.

A hardware type composes one implementation per interface type; a feature a hardware type
lacks is a ``No*`` implementation that answers every call with UnsupportedDriverExtension, so
callers never test for None.
"""

import abc
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from ironic_lite.common import exceptions

STEP_KINDS = ("deploy", "clean", "service", "verify")


@dataclasses.dataclass(frozen=True)
class StepSpec:
    """What a driver method declares about itself as a step of one kind."""

    kind: str
    priority: int
    argsinfo: Mapping[str, Mapping[str, Any]] | None = None
    abortable: bool = False
    requires_ramdisk: bool = False
    # Safe to run again from the start if the conductor running it died mid-way; a flow whose
    # current step is not rerunnable fails on takeover instead of resuming.
    rerunnable: bool = False


def step(
    kind: str,
    priority: int = 0,
    *,
    argsinfo: Mapping[str, Mapping[str, Any]] | None = None,
    abortable: bool = False,
    requires_ramdisk: bool = False,
    rerunnable: bool = False,
) -> Callable:
    """Declare a driver method as a ``kind`` step (stack the decorator for several kinds).

    ``priority`` 0 means the step only runs when requested by name; ``argsinfo`` maps argument
    names to ``{"description": ..., "required": bool}``.
    """
    if kind not in STEP_KINDS:
        raise ValueError(f"unknown step kind {kind!r}")

    def decorate(fn):
        specs = dict(getattr(fn, "_step_specs", {}))
        specs[kind] = StepSpec(kind, priority, argsinfo, abortable, requires_ramdisk, rerunnable)
        fn._step_specs = specs
        return fn

    return decorate


class BaseInterface(abc.ABC):
    """One implementation of one interface type (e.g. the ``fake`` power interface)."""

    interface_type: ClassVar[str]
    # Whether this implementation does anything (False for the no-* placeholders).
    supported: ClassVar[bool] = True
    # driver_info keys this implementation reads: name -> description.
    properties: ClassVar[Mapping[str, str]] = {}

    def validate(self, task) -> None:
        """Raise InvalidParameterValue/MissingParameterValue if the node cannot use this."""

    def get_properties(self) -> dict[str, str]:
        return dict(self.properties)


class PowerInterface(BaseInterface):
    interface_type = "power"

    @abc.abstractmethod
    def get_power_state(self, task) -> str:
        """The node's power state as the BMC reports it."""

    @abc.abstractmethod
    def set_power_state(self, task, state: str, timeout: int | None = None) -> None:
        """Reach ``state`` (power on/off, soft power off) or raise."""

    @abc.abstractmethod
    def reboot(self, task, timeout: int | None = None) -> None:
        """Power-cycle; the node is on afterwards."""

    def get_supported_power_states(self, task) -> list[str]:
        from ironic_lite.common import states

        return [states.POWER_ON, states.POWER_OFF, states.REBOOT]


class ManagementInterface(BaseInterface):
    interface_type = "management"

    @abc.abstractmethod
    def get_supported_boot_devices(self, task) -> list[str]:
        """Boot devices this node can be set to."""

    @abc.abstractmethod
    def set_boot_device(self, task, device: str, persistent: bool = False) -> None:
        """Boot from ``device`` next time (or always when ``persistent``)."""

    @abc.abstractmethod
    def get_boot_device(self, task) -> dict:
        """``{"boot_device": ..., "persistent": ...}``."""

    def inject_nmi(self, task) -> None:
        raise exceptions.UnsupportedDriverExtension(
            driver=task.node["driver"], extension="inject NMI"
        )

    def get_boot_mode(self, task) -> str | None:
        return None

    def set_boot_mode(self, task, mode: str) -> None:
        raise exceptions.UnsupportedDriverExtension(
            driver=task.node["driver"], extension="setting the boot mode"
        )

    def get_secure_boot_state(self, task) -> bool | None:
        return None

    def set_secure_boot_state(self, task, state: bool) -> None:
        raise exceptions.UnsupportedDriverExtension(
            driver=task.node["driver"], extension="secure boot"
        )

    def get_sensors_data(self, task) -> dict:
        return {}


class _Simple(BaseInterface):
    """Interface types whose contract the flows define step by step."""


class BootInterface(_Simple):
    interface_type = "boot"


class DeployInterface(_Simple):
    interface_type = "deploy"


class ConsoleInterface(_Simple):
    interface_type = "console"


class InspectInterface(_Simple):
    interface_type = "inspect"


class NetworkInterface(_Simple):
    interface_type = "network"


class RAIDInterface(_Simple):
    interface_type = "raid"


class RescueInterface(_Simple):
    interface_type = "rescue"


class StorageInterface(_Simple):
    interface_type = "storage"


def passthru(http_methods: list[str], description: str = "", is_async: bool = False):
    """Declare a vendor interface method callable through vendor_passthru."""

    def decorate(fn):
        fn._passthru = {
            "http_methods": [m.upper() for m in http_methods],
            "async": is_async,
            "description": description,
            "attach": False,
            "require_exclusive_lock": True,
        }
        return fn

    return decorate


class VendorInterface(_Simple):
    interface_type = "vendor"

    def methods(self) -> dict:
        """The passthru methods this implementation offers, as Ironic lists them."""
        return {
            name: dict(getattr(type(self), name)._passthru)
            for name in dir(type(self))
            if hasattr(getattr(type(self), name, None), "_passthru")
        }

    def call(self, task, method: str, http_method: str, info: dict):
        spec = self.methods().get(method)
        if spec is None:
            raise exceptions.InvalidParameterValue(
                err=f"Unsupported method ({method}) passed through to vendor extension of "
                f"{task.node['driver']}; available: {', '.join(sorted(self.methods()))}"
            )
        if http_method.upper() not in spec["http_methods"]:
            raise exceptions.InvalidParameterValue(
                err=f"The method {method} does not support HTTP {http_method}"
            )
        return getattr(self, method)(task, **(info or {}))


class BIOSInterface(_Simple):
    interface_type = "bios"


class FirmwareInterface(_Simple):
    interface_type = "firmware"


def unsupported(interface_type: str, name: str) -> type[BaseInterface]:
    """A ``No*`` implementation: validates fine, refuses every action clearly."""

    class _Unsupported(BaseInterface):
        supported = False

        def __getattr__(self, attr: str) -> Any:
            if attr.startswith("_"):
                raise AttributeError(attr)

            def refuse(task=None, *args, **kwargs):
                driver = task.node["driver"] if task is not None else "this driver"
                raise exceptions.UnsupportedDriverExtension(
                    driver=driver, extension=f"{interface_type} ({name})"
                )

            return refuse

    _Unsupported.interface_type = interface_type
    _Unsupported.__name__ = f"No{interface_type.capitalize()}"
    _Unsupported.__qualname__ = _Unsupported.__name__
    return _Unsupported
