"""Interface contracts every driver implements.

A hardware type composes one implementation per interface type; a feature a hardware type
lacks is a ``No*`` implementation that answers every call with UnsupportedDriverExtension, so
callers never test for None.
"""

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

from ironic_lite.common import exceptions


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


class VendorInterface(_Simple):
    interface_type = "vendor"


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
