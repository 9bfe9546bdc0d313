"""Power through the ComputerSystem's Reset action, waiting until the BMC reports the result.

A BMC applies a reset some time after it accepted it and shows the result only in a later
read of the system, so every action polls (``[redfish] poll_interval``) until the system
reports the target state, or fails after the request's timeout or ``[redfish]
power_state_change_timeout``.
"""

import time

import sushy

from ironic_lite.common import exceptions, states
from ironic_lite.conf import CONF
from ironic_lite.drivers import base
from ironic_lite.drivers.redfish import client

# What a power state read means; the transitional states count as where they are going.
POWER_STATES = {
    sushy.PowerState.ON: states.POWER_ON,
    sushy.PowerState.POWERING_ON: states.POWER_ON,
    sushy.PowerState.OFF: states.POWER_OFF,
    sushy.PowerState.POWERING_OFF: states.POWER_OFF,
}
# The settled Redfish state a wait ends on.
_SETTLED = {states.POWER_ON: sushy.PowerState.ON, states.POWER_OFF: sushy.PowerState.OFF}
RESETS = {
    states.POWER_ON: sushy.ResetType.ON,
    states.POWER_OFF: sushy.ResetType.FORCE_OFF,
    states.SOFT_POWER_OFF: sushy.ResetType.GRACEFUL_SHUTDOWN,
    states.SOFT_REBOOT: sushy.ResetType.GRACEFUL_RESTART,
}
_ENDS_IN = {
    states.POWER_ON: states.POWER_ON,
    states.POWER_OFF: states.POWER_OFF,
    states.SOFT_POWER_OFF: states.POWER_OFF,
    states.SOFT_REBOOT: states.POWER_ON,
}


# The system's Status.Health as Ironic records it in the node's health field.
HEALTH = {
    sushy.Health.OK: "OK",
    sushy.Health.WARNING: "Warning",
    sushy.Health.CRITICAL: "Critical",
}


def read_power(info: client.RedfishInfo) -> sushy.PowerState | None:
    """The system's PowerState as the BMC reports it now (one GET with a cached connection)."""
    return client.call(info, "get power state", lambda conn: client.system(conn, info).power_state)


def reset(info: client.RedfishInfo, action: str) -> None:
    """Ask the BMC for ``action`` (a key of RESETS); returns once it accepted it."""
    kind = RESETS[action]
    client.call(info, action, lambda conn: client.system(conn, info).reset_system(kind))


def wait_for(info: client.RedfishInfo, target: str, action: str, timeout: int | None) -> None:
    """Poll until the BMC reports ``target`` settled; BMCError naming both when it does not
    within ``timeout`` seconds."""
    limit = timeout or CONF.redfish.power_state_change_timeout
    deadline = time.monotonic() + limit
    wanted = _SETTLED[target]
    while True:
        current = read_power(info)
        if current == wanted:
            return
        if time.monotonic() >= deadline:
            seen = current.value if current is not None else "no power state"
            raise exceptions.BMCError(
                address=info.address,
                operation=action,
                reason=f"the system still reports {seen} after {limit} s, not {wanted.value}",
            )
        time.sleep(CONF.redfish.poll_interval)


class RedfishPower(base.PowerInterface):
    properties = client.PROPERTIES

    def validate(self, task) -> None:
        client.driver_info(task.node)

    def get_power_state(self, task) -> str:
        return self.read_for_sync(task)[0]

    def read_for_sync(self, task) -> tuple[str, str | None]:
        """The power state and the system's Status.Health, from one GET of the system."""
        info = client.driver_info(task.node)
        system = client.call(info, "get power state", lambda conn: client.system(conn, info))
        current = system.power_state
        if current not in POWER_STATES:
            raise exceptions.BMCError(
                address=info.address,
                operation="get power state",
                reason=f"the system reports an unknown power state {current!r}",
            )
        status = system.status
        return POWER_STATES[current], HEALTH.get(status.health) if status else None

    def set_power_state(self, task, state: str, timeout: int | None = None) -> None:
        if state not in RESETS:
            raise exceptions.InvalidParameterValue(
                err=f"Unsupported power state {state}; the redfish power interface sets "
                f"{', '.join(RESETS)}"
            )
        info = client.driver_info(task.node)
        reset(info, state)
        wait_for(info, _ENDS_IN[state], state, timeout)

    def reboot(self, task, timeout: int | None = None) -> None:
        """Power off (when on) and on again, waiting for each: a ForceRestart may be reported
        as On before the machine actually went down, and then nothing proves it rebooted.

        A node with disable_power_off (1.95) must never be seen off, so it gets the
        ForceRestart after all: one reset, then a wait for On.
        """
        info = client.driver_info(task.node)
        current = read_power(info)
        if task.node.get("disable_power_off") and current != sushy.PowerState.OFF:
            kind = sushy.ResetType.FORCE_RESTART
            client.call(
                info, states.REBOOT, lambda conn: client.system(conn, info).reset_system(kind)
            )
            wait_for(info, states.POWER_ON, states.REBOOT, timeout)
            return
        if current != sushy.PowerState.OFF:
            reset(info, states.POWER_OFF)
            wait_for(info, states.POWER_OFF, states.REBOOT, timeout)
        reset(info, states.POWER_ON)
        wait_for(info, states.POWER_ON, states.REBOOT, timeout)

    def get_supported_power_states(self, task) -> list[str]:
        return [
            states.POWER_ON,
            states.POWER_OFF,
            states.REBOOT,
            states.SOFT_REBOOT,
            states.SOFT_POWER_OFF,
        ]
