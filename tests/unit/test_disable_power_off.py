"""disable_power_off (1.95) at the BMC: a reboot never passes through "off".

Stand-ins for the vendor edge (pyghmi's Command, a sushy System) record what the drivers ask;
everything between them and the drivers' power interfaces is the real code.
"""

import pytest
import sushy

from ironic_lite.common import states
from ironic_lite.conf import CONF
from ironic_lite.drivers.ipmi import client as ipmi_client
from ironic_lite.drivers.ipmi import power as ipmi_power
from ironic_lite.drivers.ipmi import sessions
from ironic_lite.drivers.redfish import client as redfish_client
from ironic_lite.drivers.redfish import power as redfish_power


def _conf():
    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])


class Command:
    """pyghmi's Command as the ipmi power interface uses it: a chassis that is on."""

    def __init__(self):
        self.state = "on"
        self.calls: list[str] = []

    def get_power(self):
        return {"powerstate": self.state}

    def set_power(self, state, wait=False):
        self.calls.append(state)
        self.state = {"reset": "on", "on": "on", "off": "off"}[state]


@pytest.fixture
def ipmi(monkeypatch):
    _conf()  # the stand-ins settle at once: no wait ever polls twice
    CONF.set_override("min_command_interval", 0.01, group="ipmi")
    command = Command()
    cache = sessions.SessionCache(
        connect=lambda entry: (command, 17),
        disconnect=lambda cmd: None,
        size=lambda: 10,
        idle_timeout=lambda: 0,
    )
    monkeypatch.setattr(ipmi_client, "SESSIONS", cache)
    yield command
    CONF.clear_override("min_command_interval", group="ipmi")


def _task(driver_info: dict, disable_power_off: bool):
    class Task:
        node = {
            "uuid": "node-1",
            "driver_info": driver_info,
            "properties": {},
            "boot_mode": None,
            "disable_power_off": disable_power_off,
        }

    return Task()


IPMI_INFO = {"ipmi_address": "10.0.0.9", "ipmi_username": "admin", "ipmi_password": "pw"}


def test_ipmi_reboot_of_a_node_that_must_stay_on_is_one_reset(ipmi):
    ipmi_power.IPMIPower().reboot(_task(IPMI_INFO, True))
    assert ipmi.calls == ["reset"]


def test_ipmi_reboot_otherwise_powers_off_then_on(ipmi):
    ipmi_power.IPMIPower().reboot(_task(IPMI_INFO, False))
    assert ipmi.calls == ["off", "on"]


class System:
    """A sushy System as the redfish power interface uses it: one that is on."""

    def __init__(self):
        self.power_state = sushy.PowerState.ON
        self.resets: list = []

    def reset_system(self, kind):
        self.resets.append(kind)
        self.power_state = (
            sushy.PowerState.OFF if kind == sushy.ResetType.FORCE_OFF else sushy.PowerState.ON
        )


@pytest.fixture
def redfish(monkeypatch):
    _conf()
    system = System()
    monkeypatch.setattr(redfish_client, "call", lambda info, operation, fn: fn(None))
    monkeypatch.setattr(redfish_client, "system", lambda conn, info: system)
    return system


REDFISH_INFO = {"redfish_address": "https://10.0.0.9", "redfish_system_id": "/redfish/v1/1"}


def test_redfish_reboot_of_a_node_that_must_stay_on_is_one_force_restart(redfish):
    redfish_power.RedfishPower().reboot(_task(REDFISH_INFO, True))
    assert redfish.resets == [sushy.ResetType.FORCE_RESTART]


def test_redfish_reboot_otherwise_powers_off_then_on(redfish):
    redfish_power.RedfishPower().reboot(_task(REDFISH_INFO, False))
    assert redfish.resets == [sushy.ResetType.FORCE_OFF, sushy.ResetType.ON]
    assert redfish_power.POWER_STATES[redfish.power_state] == states.POWER_ON
