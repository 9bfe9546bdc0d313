"""The ``fake`` implementations: they touch no hardware and take configurable delays.

Delays come from ``[fake] <interface>_delay`` ("N" or "MIN:MAX" seconds) so that tests and
benchmarks can exercise concurrency, takeover and drain without real machines. A node whose
driver_info has ``fake_power_failure`` set behaves like one whose BMC does not answer: power
reads and actions fail with that text (for trying out power-failure handling).
"""

import random
import time

from ironic_lite.common import exceptions, states
from ironic_lite.conf import CONF
from ironic_lite.drivers import base


def sleep_for(option: str) -> None:
    """Sleep as long as ``[fake] <option>`` says."""
    raw = str(getattr(CONF.fake, option) or "0").strip()
    try:
        if ":" in raw:
            low, high = (float(x) for x in raw.split(":", 1))
            seconds = random.uniform(low, high)
        else:
            seconds = float(raw)
    except ValueError:
        raise exceptions.InvalidParameterValue(
            err=f"[fake] {option} must be 'N' or 'MIN:MAX' seconds, not {raw!r}"
        ) from None
    if seconds > 0:
        time.sleep(seconds)


_FAKE_PROPERTIES = {"B1": "B1 description. Required.", "B2": "B2 description. Required."}


def _check_bmc(task) -> None:
    failure = (task.node["driver_info"] or {}).get("fake_power_failure")
    if failure:
        raise exceptions.IronicLiteError(f"fake BMC of node {task.node['uuid']}: {failure}")


class FakePower(base.PowerInterface):
    def get_power_state(self, task) -> str:
        sleep_for("power_delay")
        _check_bmc(task)
        return task.node["power_state"] or states.POWER_OFF

    # The node's own power_state plays the BMC: the conductor records what it set.
    def set_power_state(self, task, state: str, timeout: int | None = None) -> None:
        sleep_for("power_delay")
        _check_bmc(task)
        if state not in (states.POWER_ON, states.POWER_OFF, states.SOFT_POWER_OFF):
            raise exceptions.InvalidParameterValue(err=f"Unsupported power state {state}")

    def reboot(self, task, timeout: int | None = None) -> None:
        sleep_for("power_delay")
        _check_bmc(task)

    def get_supported_power_states(self, task) -> list[str]:
        return [
            states.POWER_ON,
            states.POWER_OFF,
            states.REBOOT,
            states.SOFT_REBOOT,
            states.SOFT_POWER_OFF,
        ]


class FakeManagement(base.ManagementInterface):
    properties = _FAKE_PROPERTIES
    _DEVICES = ("pxe", "disk", "cdrom", "bios", "safe")

    def get_supported_boot_devices(self, task) -> list[str]:
        return list(self._DEVICES)

    def set_boot_device(self, task, device: str, persistent: bool = False) -> None:
        sleep_for("management_delay")
        if device not in self._DEVICES:
            raise exceptions.InvalidParameterValue(
                err=f"Invalid boot device {device} specified; valid are {list(self._DEVICES)}"
            )
        task.remember(fake_boot_device={"boot_device": device, "persistent": persistent})

    def get_boot_device(self, task) -> dict:
        sleep_for("management_delay")
        return task.node["driver_internal_info"].get(
            "fake_boot_device", {"boot_device": "pxe", "persistent": False}
        )

    def inject_nmi(self, task) -> None:
        sleep_for("management_delay")

    def get_boot_mode(self, task) -> str | None:
        return task.node["boot_mode"] or "uefi"

    def set_boot_mode(self, task, mode: str) -> None:
        sleep_for("management_delay")
        task.remember_fields(boot_mode=mode)

    def get_secure_boot_state(self, task) -> bool | None:
        return bool(task.node["secure_boot"])

    def set_secure_boot_state(self, task, state: bool) -> None:
        sleep_for("management_delay")
        task.remember_fields(secure_boot=state)


class FakeBoot(base.BootInterface):
    pass


class FakeDeploy(base.DeployInterface):
    @base.step("deploy", priority=100, rerunnable=True)
    def deploy(self, task) -> None:
        """Pretend to write the image: wait [fake] deploy_delay, end powered on."""
        sleep_for("deploy_delay")
        task.save(power_state=states.POWER_ON)

    @base.step("clean", priority=0, abortable=True, rerunnable=True)
    @base.step("service", priority=0, abortable=True, rerunnable=True)
    def erase_devices(self, task) -> None:
        sleep_for("deploy_delay")

    @base.step(
        "clean",
        priority=0,
        rerunnable=True,
        argsinfo={"fail": {"description": "fail with this message", "required": True}},
    )
    @base.step(
        "service",
        priority=0,
        rerunnable=True,
        argsinfo={"fail": {"description": "fail with this message", "required": True}},
    )
    def fail_on_purpose(self, task, fail: str) -> None:
        """A step that always fails: for trying out failure handling."""
        raise exceptions.IronicLiteError(fail)

    def tear_down(self, task) -> None:
        sleep_for("deploy_delay")


class FakeConsole(base.ConsoleInterface):
    pass


class FakeInspect(base.InspectInterface):
    def inspect_hardware(self, task):
        sleep_for("inspect_delay")
        return None


class FakeRAID(base.RAIDInterface):
    @base.step("clean", priority=0, rerunnable=True)
    @base.step("deploy", priority=0, rerunnable=True)
    def create_configuration(self, task) -> None:
        sleep_for("raid_delay")
        task.save(raid_config=dict(task.node["target_raid_config"] or {}))

    @base.step("clean", priority=0, rerunnable=True)
    @base.step("deploy", priority=0, rerunnable=True)
    def delete_configuration(self, task) -> None:
        sleep_for("raid_delay")
        task.save(raid_config={})


class FakeRescue(base.RescueInterface):
    def rescue(self, task):
        sleep_for("rescue_delay")
        return None

    def unrescue(self, task) -> None:
        sleep_for("rescue_delay")


class FakeStorage(base.StorageInterface):
    pass


class FakeVendor(base.VendorInterface):
    @base.passthru(["POST", "GET"], description="Answer with what was sent.")
    def echo(self, task, **info) -> dict:
        sleep_for("vendor_delay")
        return {"node": task.node["uuid"], "received": info}


class FakeBIOS(base.BIOSInterface):
    @base.step(
        "clean",
        priority=0,
        rerunnable=True,
        argsinfo={"settings": {"description": "list of {name, value}", "required": True}},
    )
    @base.step(
        "deploy",
        priority=0,
        rerunnable=True,
        argsinfo={"settings": {"description": "list of {name, value}", "required": True}},
    )
    @base.step(
        "service",
        priority=0,
        rerunnable=True,
        argsinfo={"settings": {"description": "list of {name, value}", "required": True}},
    )
    def apply_configuration(self, task, settings: list) -> None:
        sleep_for("bios_delay")


class FakeFirmware(base.FirmwareInterface):
    @base.step(
        "clean",
        priority=0,
        rerunnable=True,
        argsinfo={"settings": {"description": "list of firmware images", "required": True}},
    )
    @base.step(
        "service",
        priority=0,
        rerunnable=True,
        argsinfo={"settings": {"description": "list of firmware images", "required": True}},
    )
    def update(self, task, settings: list) -> None:
        sleep_for("firmware_delay")
