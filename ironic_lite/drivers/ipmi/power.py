"""Power over IPMI chassis control, waiting until the BMC reports the result.

Interface name ``ipmitool`` as in Ironic; implemented with pyghmi. A chassis control command
only starts the change, so every action polls the chassis status ([ipmi] poll_interval) until
it shows the target, or fails after the request's timeout or [ipmi]
power_state_change_timeout (soft power off: [ipmi] soft_power_off_timeout, as the operating
system takes its time). A reboot is a hard power off then on, as Ironic does, so that the
boot device set for the next boot is used; a node with disable_power_off gets a hard reset.
"""

import time

from ironic_lite.common import exceptions, states
from ironic_lite.conf import CONF
from ironic_lite.drivers import base
from ironic_lite.drivers.ipmi import client, info

# pyghmi's name of each chassis power state, and what a power state read means.
_PYGHMI_STATES = {states.POWER_ON: "on", states.POWER_OFF: "off"}
_READ = {"on": states.POWER_ON, "off": states.POWER_OFF}


def read_power(bmc: info.IPMIInfo) -> str:
    """The chassis power state the BMC reports now (one Get Chassis Status)."""
    state = client.call(bmc, "get power state", lambda cmd: cmd.get_power()["powerstate"])
    return _READ.get(state, states.ERROR)


def wait_for(bmc: info.IPMIInfo, target: str, operation: str, limit: float) -> None:
    """Poll until the BMC reports ``target``; BMCError naming both when it does not within
    ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while True:
        current = read_power(bmc)
        if current == target:
            return
        if time.monotonic() >= deadline:
            raise exceptions.BMCError(
                address=bmc.label,
                operation=operation,
                reason=f"the BMC still reports {current} after {limit:g} s, not {target}",
            )
        time.sleep(CONF.ipmi.poll_interval)


def _switch(bmc: info.IPMIInfo, target: str, timeout: int | None) -> None:
    """Hard power on or off, then wait for it."""
    operation = target  # "power on" / "power off"
    client.call(bmc, operation, lambda cmd: cmd.set_power(_PYGHMI_STATES[target], wait=False))
    wait_for(bmc, target, operation, timeout or CONF.ipmi.power_state_change_timeout)


def _soft_off(bmc: info.IPMIInfo, timeout: int | None) -> None:
    """ACPI shutdown request, then wait for the operating system to power off."""
    operation = "soft power off"
    if read_power(bmc) == states.POWER_OFF:
        return
    client.call(bmc, operation, lambda cmd: cmd.set_power("shutdown", wait=False))
    wait_for(bmc, states.POWER_OFF, operation, timeout or CONF.ipmi.soft_power_off_timeout)


class IPMIPower(base.PowerInterface):
    """Power with pyghmi (Ironic's ``ipmitool`` power interface, without the binary)."""

    properties = info.PROPERTIES

    def validate(self, task) -> None:
        info.driver_info(task.node)

    def get_power_state(self, task) -> str:
        return read_power(info.driver_info(task.node))

    def set_power_state(self, task, state: str, timeout: int | None = None) -> None:
        bmc = info.driver_info(task.node)
        if state in _PYGHMI_STATES:
            _switch(bmc, state, timeout)
        elif state == states.SOFT_POWER_OFF:
            _soft_off(bmc, timeout)
        else:
            raise exceptions.InvalidParameterValue(
                err=f"Unsupported power state {state} for the ipmitool power interface"
            )

    def reboot(self, task, timeout: int | None = None) -> None:
        bmc = info.driver_info(task.node)
        if task.node.get("disable_power_off") and read_power(bmc) == states.POWER_ON:
            # disable_power_off (1.95): never off, not even for a moment; a hard reset
            # restarts the machine in place (and boots from the boot flags set for it).
            client.call(bmc, states.REBOOT, lambda cmd: cmd.set_power("reset", wait=False))
            wait_for(
                bmc, states.POWER_ON, states.REBOOT, timeout or CONF.ipmi.power_state_change_timeout
            )
            return
        _switch(bmc, states.POWER_OFF, timeout)
        _switch(bmc, states.POWER_ON, timeout)

    def get_supported_power_states(self, task) -> list[str]:
        return [
            states.POWER_ON,
            states.POWER_OFF,
            states.REBOOT,
            states.SOFT_REBOOT,
            states.SOFT_POWER_OFF,
        ]
