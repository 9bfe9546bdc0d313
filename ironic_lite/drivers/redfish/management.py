"""Boot device, boot mode, secure boot, NMI and indicator LEDs through the node's
ComputerSystem (and, for the chassis LED, its first chassis)."""

import sushy

from ironic_lite.common import exceptions
from ironic_lite.drivers import base
from ironic_lite.drivers.redfish import client

# Ironic's boot device names and the Redfish BootSourceOverrideTarget of each.
BOOT_DEVICES = {
    "pxe": sushy.BootSource.PXE,
    "disk": sushy.BootSource.HDD,
    "cdrom": sushy.BootSource.CD,
    "bios": sushy.BootSource.BIOS_SETUP,
}
_BY_TARGET = {target: name for name, target in BOOT_DEVICES.items()}
BOOT_MODES = {
    "uefi": sushy.BootSourceOverrideMode.UEFI,
    "bios": sushy.BootSourceOverrideMode.LEGACY,
}
_BY_MODE = {mode: name for name, mode in BOOT_MODES.items()}
# Ironic's indicator states and the Redfish IndicatorLED values.
INDICATOR_STATES = {
    "ON": sushy.IndicatorLED.LIT,
    "BLINKING": sushy.IndicatorLED.BLINKING,
    "OFF": sushy.IndicatorLED.OFF,
}
_BY_LED = {led: name for name, led in INDICATOR_STATES.items()}
# The one indicator of each component: Redfish gives a resource a single IndicatorLED.
LED = "led"


def _led_holder(system, component: str):
    """The resource whose IndicatorLED is ``component``'s: the system or its first chassis."""
    if component == "system":
        return system
    if component == "chassis":
        chassis = system.chassis
        if not chassis:
            raise sushy.exceptions.MissingAttributeError(
                attribute="Links/Chassis", resource=system.path
            )
        return chassis[0]
    raise exceptions.InvalidParameterValue(
        err=f"Unknown indicator component {component}; the redfish management interface "
        "knows system and chassis"
    )


def _on_system(task, operation: str, fn):
    """``fn(system)`` for the node's ComputerSystem, through client.call."""
    info = client.driver_info(task.node)
    return client.call(info, operation, lambda conn: fn(client.system(conn, info)))


class RedfishManagement(base.ManagementInterface):
    properties = client.PROPERTIES

    def validate(self, task) -> None:
        client.driver_info(task.node)

    def get_supported_boot_devices(self, task) -> list[str]:
        """The boot devices the system lists in BootSourceOverrideTarget's allowed values."""
        allowed = _on_system(
            task, "list boot devices", lambda s: s.get_allowed_system_boot_source_values()
        )
        return [name for name, target in BOOT_DEVICES.items() if target in allowed]

    def set_boot_device(self, task, device: str, persistent: bool = False) -> None:
        if device not in BOOT_DEVICES:
            raise exceptions.InvalidParameterValue(
                err=f"Invalid boot device {device}; the redfish management interface knows "
                f"{', '.join(BOOT_DEVICES)}"
            )
        enabled = (
            sushy.BootSourceOverrideEnabled.CONTINUOUS
            if persistent
            else sushy.BootSourceOverrideEnabled.ONCE
        )
        _on_system(
            task,
            f"set boot device {device}",
            lambda s: s.set_system_boot_options(target=BOOT_DEVICES[device], enabled=enabled),
        )

    def get_boot_device(self, task) -> dict:
        """What the BMC reports; ``boot_device`` is None for a target Ironic has no name for."""
        boot = _on_system(task, "get boot device", lambda s: s.boot)
        return {
            "boot_device": _BY_TARGET.get(boot.target),
            "persistent": boot.enabled == sushy.BootSourceOverrideEnabled.CONTINUOUS,
        }

    def get_boot_mode(self, task) -> str | None:
        return _BY_MODE.get(_on_system(task, "get boot mode", lambda s: s.boot.mode))

    def set_boot_mode(self, task, mode: str) -> None:
        if mode not in BOOT_MODES:
            raise exceptions.InvalidParameterValue(
                err=f"Invalid boot mode {mode}; expected one of {', '.join(BOOT_MODES)}"
            )
        _on_system(
            task,
            f"set boot mode {mode}",
            lambda s: s.set_system_boot_options(mode=BOOT_MODES[mode]),
        )

    def get_secure_boot_state(self, task) -> bool | None:
        return _on_system(task, "get secure boot", lambda s: s.secure_boot.enabled)

    def set_secure_boot_state(self, task, state: bool) -> None:
        _on_system(
            task,
            f"{'enable' if state else 'disable'} secure boot",
            lambda s: s.secure_boot.set_enabled(bool(state)),
        )

    def inject_nmi(self, task) -> None:
        _on_system(task, "inject NMI", lambda s: s.reset_system(sushy.ResetType.NMI))

    # --- indicators ----------------------------------------------------------------------------
    def get_supported_indicators(self, task) -> dict[str, dict[str, dict]]:
        """The system's and its chassis' LEDs, where the BMC reports one."""

        def read(system):
            found = {}
            for component in ("system", "chassis"):
                try:
                    led = _led_holder(system, component).indicator_led
                except sushy.exceptions.SushyError:
                    continue
                if led is not None:
                    found[component] = {LED: {"readonly": False, "states": list(INDICATOR_STATES)}}
            return found

        return _on_system(task, "list indicators", read)

    def get_indicator_state(self, task, component: str, indicator: str) -> str:
        self._check_indicator(component, indicator)
        led = _on_system(
            task,
            f"get indicator {indicator}@{component}",
            lambda s: _led_holder(s, component).indicator_led,
        )
        return _BY_LED.get(led, "UNKNOWN")

    def set_indicator_state(self, task, component: str, indicator: str, state: str) -> None:
        self._check_indicator(component, indicator)
        if state not in INDICATOR_STATES:
            raise exceptions.InvalidParameterValue(
                err=f"Invalid indicator state {state}; expected one of "
                f"{', '.join(INDICATOR_STATES)}"
            )
        _on_system(
            task,
            f"set indicator {indicator}@{component} {state}",
            lambda s: _led_holder(s, component).set_indicator_led(INDICATOR_STATES[state]),
        )

    @staticmethod
    def _check_indicator(component: str, indicator: str) -> None:
        if indicator != LED or component not in ("system", "chassis"):
            raise exceptions.InvalidParameterValue(
                err=f"Unknown indicator {indicator}@{component}; the redfish management "
                f"interface has {LED}@system and {LED}@chassis"
            )
