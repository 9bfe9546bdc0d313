"""How the ipmi driver calls a BMC: one session reused, retries within the budget, an NMI once.

A stand-in for pyghmi's Command (the vendor edge) raises what pyghmi raises for a BMC that
does not answer or refuses; everything between it and the driver's interface is the real code.
"""

import pytest
from pyghmi import exceptions as pyghmi_exc

from ironic_lite.common import exceptions, states
from ironic_lite.conf import CONF
from ironic_lite.drivers.ipmi import client, management, power, sessions


class Command:
    """What the driver asks of pyghmi's Command, failing as told."""

    def __init__(self, failures: list[Exception]):
        self.failures = failures
        self.calls: list[str] = []

    def _answer(self, name: str, value=None):
        self.calls.append(name)
        if self.failures:
            raise self.failures.pop(0)
        return value

    def get_power(self):
        return self._answer("get_power", {"powerstate": "on"})

    def xraw_command(self, netfn, command, data=()):
        return self._answer(f"raw {netfn:#x}/{command:#x} {list(data)}", {"data": b""})


@pytest.fixture
def bmc(monkeypatch):
    """A cache whose logins hand out one Command; yields (command, logins)."""
    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])
    for name, value in {"command_retry_timeout": 2, "min_command_interval": 0.01}.items():
        CONF.set_override(name, value, group="ipmi")
    command = Command([])
    logins = []

    def connect(entry):
        logins.append(entry.endpoint)
        return command, 17

    cache = sessions.SessionCache(
        connect=connect, disconnect=lambda cmd: None, size=lambda: 10, idle_timeout=lambda: 0
    )
    monkeypatch.setattr(client, "SESSIONS", cache)
    yield command, logins
    for name in ("command_retry_timeout", "min_command_interval"):
        CONF.clear_override(name, group="ipmi")


def task():
    class Task:
        node = {
            "uuid": "node-1",
            "driver_info": {
                "ipmi_address": "10.0.0.9",
                "ipmi_username": "admin",
                "ipmi_password": "s3cret",
            },
            "properties": {},
            "boot_mode": None,
        }

    return Task()


def no_answer():
    return pyghmi_exc.IpmiException("Session no longer connected")


def test_one_session_serves_every_call(bmc):
    command, logins = bmc
    for _ in range(3):
        assert power.IPMIPower().get_power_state(task()) == states.POWER_ON
    assert logins == [("10.0.0.9", 623)] and command.calls == ["get_power"] * 3


def test_a_read_is_retried_on_a_new_session_until_the_bmc_answers(bmc):
    command, logins = bmc
    command.failures = [no_answer(), no_answer()]
    assert power.IPMIPower().get_power_state(task()) == states.POWER_ON
    assert len(command.calls) == 3 and len(logins) == 3  # a session without answer is dropped


def test_a_bmc_that_never_answers_fails_within_the_retry_budget(bmc):
    command, _ = bmc
    command.failures = [no_answer() for _ in range(1000)]
    with pytest.raises(exceptions.BMCUnreachable, match="10.0.0.9 did not answer get power"):
        power.IPMIPower().get_power_state(task())
    assert 1 < len(command.calls) < 1000


def test_an_nmi_without_an_answer_is_not_sent_again(bmc):
    """It may have reached the machine: a second NMI is not harmless."""
    command, _ = bmc
    command.failures = [no_answer()]
    with pytest.raises(exceptions.BMCUnreachable, match="inject NMI"):
        management.IPMIManagement().inject_nmi(task())
    assert command.calls == ["raw 0x0/0x2 [4]"]


def test_refused_credentials_are_not_retried_and_the_password_never_shows(bmc):
    command, _ = bmc
    command.failures = [pyghmi_exc.IpmiException("Incorrect password provided")]
    with pytest.raises(exceptions.BMCAuthFailed) as refused:
        power.IPMIPower().get_power_state(task())
    assert len(command.calls) == 1 and "s3cret" not in str(refused.value)
