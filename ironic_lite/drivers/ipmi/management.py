"""Boot device, NMI and sensors over IPMI (Ironic's ``ipmitool`` management, with pyghmi).

The boot device is the "boot flags" parameter of the chassis boot options: a device, whether
it applies to the next boot only or to all of them, and the BIOS boot type (legacy or UEFI),
which is set from the node's boot mode with every boot device. A BMC clears a one-time
setting when the machine boots, so reading it back afterwards gives "no override" (None).
"""

from ironic_lite.common import exceptions
from ironic_lite.drivers import base
from ironic_lite.drivers.ipmi import client, info

# Ironic's boot device names and pyghmi's.
_TO_PYGHMI = {"pxe": "network", "disk": "hd", "cdrom": "optical", "bios": "setup", "safe": "safe"}
_FROM_PYGHMI = {value: key for key, value in _TO_PYGHMI.items()}
BOOT_MODES = ("uefi", "bios")


def boot_mode(node: dict) -> str:
    """The boot mode a node's next boot device setting asks for: the ``boot_mode``
    capability, else the node's current boot mode, else UEFI (Ironic's default)."""
    capabilities = (node.get("properties") or {}).get("capabilities") or {}
    if isinstance(capabilities, str):
        capabilities = dict(item.split(":", 1) for item in capabilities.split(",") if ":" in item)
    mode = capabilities.get("boot_mode") or node.get("boot_mode") or "uefi"
    return mode if mode in BOOT_MODES else "uefi"


def _set_bootdev(cmd, device: str, persistent: bool, uefi: bool) -> None:
    # Set System Boot Options: parameter 3 (keep the flags past the BMC's 60 s timer), then
    # parameter 5, the boot flags.
    cmd.set_bootdev(_TO_PYGHMI[device], persist=persistent, uefiboot=uefi)


def _sensors(cmd) -> dict:
    """Readings by sensor type, then by sensor name, in the shape Ironic's drivers report."""
    data: dict[str, dict] = {}
    for reading in cmd.get_sensor_data():
        if reading.unavailable:
            value = "unavailable"
        elif reading.value is not None:
            value = f"{reading.value:g} {reading.units}".strip()
        else:
            value = ", ".join(reading.states) or "ok"
        data.setdefault(reading.type, {})[reading.name] = {
            "Sensor ID": reading.name,
            "Sensor Reading": value,
            "Units": reading.units,
            "Health": reading.health,
            "States": list(reading.states),
        }
    return data


class IPMIManagement(base.ManagementInterface):
    """Management with pyghmi (Ironic's ``ipmitool`` management interface, without the
    binary)."""

    properties = info.PROPERTIES

    def validate(self, task) -> None:
        info.driver_info(task.node)

    def get_supported_boot_devices(self, task) -> list[str]:
        return list(_TO_PYGHMI)

    def set_boot_device(self, task, device: str, persistent: bool = False) -> None:
        if device not in _TO_PYGHMI:
            raise exceptions.InvalidParameterValue(
                err=f"Invalid boot device {device} specified; valid are {', '.join(_TO_PYGHMI)}"
            )
        uefi = boot_mode(task.node) == "uefi"
        client.call(
            info.driver_info(task.node),
            "set boot device",
            lambda cmd: _set_bootdev(cmd, device, persistent, uefi),
        )

    def get_boot_device(self, task) -> dict:
        """``boot_device`` None when no override is set (or a one-time one was used)."""
        current = client.call(info.driver_info(task.node), "get boot device", _get_bootdev)
        device = _FROM_PYGHMI.get(current.get("bootdev"))
        return {"boot_device": device, "persistent": current["persistent"] if device else None}

    def get_boot_mode(self, task) -> str | None:
        """The BIOS boot type of the boot device override; None when there is none."""
        current = client.call(info.driver_info(task.node), "get boot mode", _get_bootdev)
        if current.get("bootdev") not in _FROM_PYGHMI:
            return None
        return "uefi" if current.get("uefimode") else "bios"

    def set_boot_mode(self, task, mode: str) -> None:
        """Rewrite the current boot device override with ``mode``'s boot type; without an
        override there is nothing to change now (the next boot device setting sends it)."""
        if mode not in BOOT_MODES:
            raise exceptions.InvalidParameterValue(
                err=f"Invalid boot mode {mode}; expected one of {', '.join(BOOT_MODES)}"
            )

        def rewrite(cmd) -> None:
            current = _get_bootdev(cmd)
            device = _FROM_PYGHMI.get(current.get("bootdev"))
            if device is not None:
                _set_bootdev(cmd, device, bool(current.get("persistent")), mode == "uefi")

        client.call(info.driver_info(task.node), f"set boot mode {mode}", rewrite)

    def inject_nmi(self, task) -> None:
        """Chassis control "pulse diagnostic interrupt". Not retried: an NMI whose answer
        was lost may have reached the machine, and a second one is not harmless."""
        client.call(
            info.driver_info(task.node),
            "inject NMI",
            lambda cmd: cmd.xraw_command(netfn=0, command=2, data=(4,)),
            idempotent=False,
        )

    def get_sensors_data(self, task) -> dict:
        """Every sensor of the BMC's SDR repository; BMCNotSupported if it has none."""
        return client.call(info.driver_info(task.node), "get sensors data", _sensors)


def _get_bootdev(cmd) -> dict:
    return cmd.get_bootdev()
