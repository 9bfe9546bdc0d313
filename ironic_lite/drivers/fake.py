"""The ``fake`` implementations: they touch no hardware and take configurable delays.

Delays come from ``[fake] <interface>_delay`` ("N" or "MIN:MAX" seconds) so that tests and
benchmarks can exercise concurrency, takeover and drain without real machines. A node whose
driver_info has ``fake_power_failure`` set behaves like one whose BMC does not answer: power
reads and actions fail with that text (for trying out power-failure handling).
"""

import random
import re
import time
import urllib.parse

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

    # No inject_nmi: Ironic's fake management refuses it too (400, "does not support
    # inject_nmi"), and scripts written against fake-hardware should see what Ironic answers.

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
    ramdisk_instances = frozenset({"kernel", "iso"})


class FakeDeploy(base.DeployInterface):
    @base.step("deploy", priority=100, rerunnable=True)
    def deploy(self, task) -> None:
        """Pretend to write the image: wait [fake] deploy_delay, end powered on through the
        node's power interface (so that a real BMC, IPMI or Redfish, agrees)."""
        sleep_for("deploy_delay")
        task.driver.power.set_power_state(task, states.POWER_ON)
        task.save(power_state=states.POWER_ON)

    @base.step(("clean", "service"), priority=0, abortable=True, rerunnable=True)
    def erase_devices(self, task) -> None:
        sleep_for("deploy_delay")

    @base.step(
        ("clean", "deploy", "service"),
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
    """Opens nothing; the session it pretends to hold lives in driver_internal_info, so
    every conductor answers the same for the node."""

    def start_console(self, task) -> None:
        task.remember(fake_console={"type": "fake", "url": f"fake://console/{task.node['uuid']}"})

    def stop_console(self, task) -> None:
        if "fake_console" in (task.node["driver_internal_info"] or {}):
            task.remember(fake_console=None)

    def get_console(self, task) -> dict:
        return dict((task.node["driver_internal_info"] or {}).get("fake_console") or {})


class FakeInspect(base.InspectInterface):
    """Finds what driver_info ``fake_inventory`` says the machine is (an inventory in the
    agent's shape), recorded like any inspection's: the inspection rules run on it."""

    def inspect_hardware(self, task):
        sleep_for("inspect_delay")
        inventory = (task.node["driver_info"] or {}).get("fake_inventory")
        if inventory is not None:
            if not isinstance(inventory, dict):
                raise exceptions.InvalidParameterValue(
                    err="driver_info fake_inventory must be an inventory object"
                )
            task.record_inventory(inventory, source="fake")
        return None


class FakeRAID(base.RAIDInterface):
    @base.step(("clean", "deploy"), priority=0, rerunnable=True)
    def create_configuration(self, task) -> None:
        sleep_for("raid_delay")
        task.save(raid_config=dict(task.node["target_raid_config"] or {}))

    @base.step(("clean", "deploy"), priority=0, rerunnable=True)
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

    @base.driver_passthru(["POST", "GET"], description="Answer with what was sent.")
    def driver_echo(self, driver: str, **info) -> dict:
        sleep_for("vendor_delay")
        return {"driver": driver, "received": info}


# The BIOS of every fake machine as it leaves the factory: a few settings of each registry
# type, shaped like what a Redfish BMC reports (Bios.Attributes plus its AttributeRegistry).
DEFAULT_BIOS_SETTINGS: tuple[dict, ...] = (
    {
        "name": "BootMode",
        "value": "Uefi",
        "attribute_type": "Enumeration",
        "allowable_values": ["Uefi", "Bios"],
        "read_only": False,
        "reset_required": True,
    },
    {
        "name": "ProcTurboMode",
        "value": "Enabled",
        "attribute_type": "Enumeration",
        "allowable_values": ["Enabled", "Disabled"],
        "read_only": False,
        "reset_required": True,
    },
    {
        "name": "ProcVirtualization",
        "value": "Enabled",
        "attribute_type": "Enumeration",
        "allowable_values": ["Enabled", "Disabled"],
        "read_only": False,
        "reset_required": True,
    },
    {
        "name": "SriovGlobalEnable",
        "value": "false",
        "attribute_type": "Boolean",
        "read_only": False,
        "reset_required": True,
    },
    {
        "name": "AcPwrRcvryUserDelay",
        "value": "60",
        "attribute_type": "Integer",
        "lower_bound": 60,
        "upper_bound": 600,
        "read_only": False,
        "reset_required": False,
    },
    {
        "name": "AssetTag",
        "value": "",
        "attribute_type": "String",
        "min_length": 0,
        "max_length": 32,
        "read_only": False,
        "reset_required": False,
        "unique": True,
    },
    {
        "name": "SystemMemorySize",
        "value": "64 GB",
        "attribute_type": "String",
        "read_only": True,
        "reset_required": False,
    },
)


def _bios_value(setting: dict, value) -> str:
    """``value`` as the fake BIOS stores it for ``setting``, or InvalidParameterValue naming
    the setting when its registry does not allow it."""
    name, kind = setting["name"], setting["attribute_type"]

    def refuse(why: str):
        raise exceptions.InvalidParameterValue(
            err=f"Invalid value {value!r} for BIOS setting {name}: {why}"
        )

    if kind == "Boolean":
        if isinstance(value, bool):
            return "true" if value else "false"
        if str(value).lower() not in ("true", "false"):
            refuse("expected true or false")
        return str(value).lower()
    if kind == "Integer":
        if isinstance(value, bool):
            refuse("expected an integer")
        try:
            number = int(value)
        except (TypeError, ValueError):
            refuse("expected an integer")
        low, high = setting["lower_bound"], setting["upper_bound"]
        if (low is not None and number < low) or (high is not None and number > high):
            refuse(f"expected {low} to {high}")
        return str(number)
    text = str(value)
    if kind == "Enumeration" and text not in (setting["allowable_values"] or []):
        refuse(f"allowed values are {', '.join(setting['allowable_values'] or [])}")
    if kind == "String":
        low, high = setting["min_length"], setting["max_length"]
        if (low is not None and len(text) < low) or (high is not None and len(text) > high):
            refuse(f"expected {low} to {high} characters")
    return text


class FakeBIOS(base.BIOSInterface):
    """A BIOS kept in the database: the stored settings are the fake machine's settings.

    A node gets DEFAULT_BIOS_SETTINGS the first time its settings are cached (verify, end of
    cleaning); from then on the stored rows are what the "machine" has, so caching again
    writes nothing, apply_configuration changes them after checking them against their
    registry, and factory_reset puts the defaults back.
    """

    @staticmethod
    def _machine_settings(task) -> list[dict]:
        """The fake machine's settings: the stored ones, the defaults on first use."""
        return task.bios_settings or task.store_bios_settings(
            [dict(s) for s in DEFAULT_BIOS_SETTINGS]
        )

    def cache_bios_settings(self, task) -> None:
        self._machine_settings(task)

    @base.step(base.BIOS_STEP_KINDS, priority=0, rerunnable=True, argsinfo=base.BIOS_APPLY_ARGSINFO)
    def apply_configuration(self, task, settings: list) -> None:
        """Check every requested setting against the registry, then change them together."""
        requested = base.bios_settings_arg(settings)
        sleep_for("bios_delay")
        registry = {s["name"]: s for s in self._machine_settings(task)}
        changes = []
        for item in requested:
            setting = registry.get(item["name"])
            if setting is None:
                raise exceptions.InvalidParameterValue(
                    err=f"Node {task.node['uuid']} has no BIOS setting {item['name']}; it has "
                    f"{', '.join(sorted(registry))}"
                )
            if setting["read_only"]:
                raise exceptions.InvalidParameterValue(
                    err=f"BIOS setting {item['name']} is read-only"
                )
            changes.append({"name": item["name"], "value": _bios_value(setting, item["value"])})
        task.store_bios_settings(changes, replace=False)

    @base.step(base.BIOS_STEP_KINDS, priority=0, rerunnable=True)
    def factory_reset(self, task) -> None:
        """Every setting back to DEFAULT_BIOS_SETTINGS."""
        sleep_for("bios_delay")
        task.store_bios_settings([dict(s) for s in DEFAULT_BIOS_SETTINGS])


# The firmware of every fake machine before anything is flashed.
DEFAULT_FIRMWARE: tuple[dict, ...] = (
    {"component": "bios", "current_version": "2.19.1", "vendor": "Fake Systems Inc."},
    {"component": "bmc", "current_version": "7.10.30.00", "vendor": "Fake Systems Inc."},
    {"component": "nic", "current_version": "22.31.6", "vendor": "Fake Networks Ltd."},
)
# A version in an image's file name: "bmc-7.10.50.00.bin", "BIOS_2.20.0_A00.EXE".
_VERSION_IN_NAME = re.compile(r"(\d+(?:\.\d+)+)")


def image_version(item: dict) -> str:
    """The version a firmware image carries: ``version`` if given, else the first dotted
    number in the file name of ``url``; InvalidParameterValue naming the component if none."""
    if "version" in item:
        version = item["version"]
    else:
        file_name = urllib.parse.urlsplit(item["url"]).path.rsplit("/", 1)[-1]
        match = _VERSION_IN_NAME.search(file_name)
        if match is None:
            raise exceptions.InvalidParameterValue(
                err=f"Cannot tell the version of the {item['component']} firmware image "
                f'{item["url"]}: give "version", or a URL whose file name carries one '
                "(e.g. bmc-7.10.50.00.bin)"
            )
        version = match.group(1)
    if len(version) > 255:
        raise exceptions.InvalidParameterValue(
            err=f"Firmware version for {item['component']} is longer than 255 characters"
        )
    return version


class FakeFirmware(base.FirmwareInterface):
    """Firmware kept in the database, like FakeBIOS: components bios, bmc and nic.

    ``update`` takes each image's version from its ``version`` key, or else from the image
    URL's file name (see image_version); it verifies no checksum and does not wait ``wait``
    seconds (``[fake] firmware_delay`` plays the flashing time).
    """

    @staticmethod
    def _machine_components(task) -> list[dict]:
        """The fake machine's components: the stored ones, the defaults on first use."""
        return task.firmware_components or task.store_firmware_components(
            [dict(c) for c in DEFAULT_FIRMWARE]
        )

    def cache_firmware_components(self, task) -> None:
        self._machine_components(task)

    @base.step(
        base.FIRMWARE_STEP_KINDS,
        priority=0,
        rerunnable=True,
        argsinfo=base.FIRMWARE_UPDATE_ARGSINFO,
    )
    def update(self, task, settings: list) -> None:
        """Check every image names a known component and a version, then flash them."""
        requested = base.firmware_settings_arg(settings)
        known = {c["component"] for c in self._machine_components(task)}
        flashed = []
        for item in requested:
            if item["component"] not in known:
                raise exceptions.InvalidParameterValue(
                    err=f"Node {task.node['uuid']} has no firmware component "
                    f"{item['component']}; it has {', '.join(sorted(known))}"
                )
            version = image_version(item)
            flashed.append(
                {
                    "component": item["component"],
                    "current_version": version,
                    "last_version_flashed": version,
                }
            )
        sleep_for("firmware_delay")
        task.store_firmware_components(flashed, replace=False)
