"""The IPMI lab's BMCs against real clients: pyghmi (suites 3 and 17) and ``ipmitool``.

The BMCs run in a child process (``tests.lab.ipmi.LabProcess``); this process is the client,
with the ipmi driver's pinned pyghmi sessions or pyghmi's own Command, and ``ipmitool -I
lanplus``. Tests that need ipmitool fail in CI when it is missing and skip elsewhere.
"""

import os
import shutil
import subprocess
import threading
import time
import types

import pytest
from pyghmi import exceptions as pyghmi_exc
from pyghmi.ipmi import command as ipmi_command

from ironic_lite.common import exceptions, states
from ironic_lite.conf import CONF
from ironic_lite.drivers.ipmi import client, management, power, sessions
from tests.lab.ipmi import running_lab

pytestmark = pytest.mark.xdist_group("ipmi")


@pytest.fixture(scope="module")
def lab():
    with running_lab(count=8, sensors=True, soft_off_delay=0.2) as running:
        yield running


@pytest.fixture(scope="module")
def legacy_lab():
    """BMCs negotiating like pyghmi's stock server: suite 3 whatever is proposed."""
    with running_lab(count=1, legacy_negotiation=True) as running:
        yield running


@pytest.fixture(autouse=True)
def conf():
    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])
    return CONF


@pytest.fixture
def fast_ipmi():
    """Short retry and wait limits for driver calls made in this process."""
    overrides = {
        "command_retry_timeout": 0,
        "min_command_interval": 0,
        "poll_interval": 0.05,
        "power_state_change_timeout": 5,
        "soft_power_off_timeout": 5,
    }
    for name, value in overrides.items():
        CONF.set_override(name, value, group="ipmi")
    yield
    for name in overrides:
        CONF.clear_override(name, group="ipmi")
    client.SESSIONS.clear()


def creds(bmc: dict) -> dict:
    return {
        "address": bmc["address"],
        "port": bmc["port"],
        "username": bmc["username"].encode(),
        "password": bmc["password"].encode(),
    }


def pinned(bmc: dict, suite: int):
    return sessions.login(suite=suite, **creds(bmc))


def ipmitool(bmc: dict, *args: str, suite: int | None = None, password: str | None = None):
    exe = shutil.which("ipmitool")
    if exe is None:
        message = "ipmitool is not installed (apt-get install ipmitool)"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run must install it")
        pytest.skip(message)
    argv = [exe, "-I", "lanplus", "-H", bmc["address"], "-p", str(bmc["port"])]
    argv += ["-U", bmc["username"], "-P", password or bmc["password"], "-N", "1", "-R", "2"]
    if suite is not None:
        argv += ["-C", str(suite)]
    return subprocess.run([*argv, *args], capture_output=True, text=True, timeout=60)


# --- cipher suites ---------------------------------------------------------------------------
@pytest.mark.parametrize("suite", [3, 17])
def test_pyghmi_logs_in_with_either_suite(lab, suite):
    bmc = lab.bmcs[0]
    before = lab.state(bmc["name"])["logins"][str(suite)]
    command = pinned(bmc, suite)
    try:
        assert sessions.negotiated_suite(command.ipmi_session) == suite
        assert command.get_power() == {"powerstate": "off"}
    finally:
        sessions.logout(command)
    assert lab.state(bmc["name"])["logins"][str(suite)] == before + 1


def test_pyghmis_own_negotiation_gets_suite_17(lab):
    bmc = lab.bmcs[1]
    command = ipmi_command.Command(bmc=bmc["address"], port=bmc["port"], **_userpass(bmc))
    try:
        assert sessions.negotiated_suite(command.ipmi_session) == 17
        assert command.get_power()["powerstate"] == "off"
    finally:
        sessions.logout(command)


def _userpass(bmc):
    return {"userid": bmc["username"].encode(), "password": bmc["password"].encode()}


def test_a_bmc_offering_only_suite_3_refuses_17_and_the_driver_falls_back():
    with running_lab(count=1, suites=(3,)) as only3:
        bmc = only3.bmcs[0]
        with pytest.raises(sessions.CipherSuiteRefused, match="No Cipher suite match"):
            pinned(bmc, 17)
        entry = sessions.Entry(
            (bmc["address"], bmc["port"]),
            (bmc["username"].encode(), None, None),
            bmc["password"].encode(),
        )
        command, suite = client._connect(entry)
        sessions.logout(command)
        assert suite == 3


def test_a_stock_negotiating_bmc_is_refused_cleanly_for_17_and_works_with_3(legacy_lab):
    """pyghmi's own client would crash on this BMC in RAKP2 (struct.error); a pinned session
    sees the suite-3 algorithms in the open-session response and stops there."""
    bmc = legacy_lab.bmcs[0]
    with pytest.raises(sessions.CipherSuiteRefused, match="negotiated other algorithms"):
        pinned(bmc, 17)
    entry = sessions.Entry(
        (bmc["address"], bmc["port"]),
        (bmc["username"].encode(), None, None),
        bmc["password"].encode(),
    )
    command, suite = client._connect(entry)
    try:
        assert suite == 3 and command.get_power()["powerstate"] == "off"
    finally:
        sessions.logout(command)


@pytest.mark.parametrize("suite", [None, 3, 17])
def test_ipmitool_power(lab, suite):
    bmc = lab.bmcs[2]
    for verb, expected in (("on", "on"), ("status", "on"), ("off", "off"), ("status", "off")):
        done = ipmitool(bmc, "chassis", "power", verb, suite=suite)
        assert done.returncode == 0, done.stderr
        if verb == "status":
            assert f"Chassis Power is {expected}" in done.stdout
        assert lab.state(bmc["name"])["power"] == expected


def test_ipmitool_without_a_suite_picks_17(lab):
    bmc = lab.bmcs[2]
    before = lab.state(bmc["name"])["logins"]
    assert ipmitool(bmc, "chassis", "power", "status").returncode == 0
    after = lab.state(bmc["name"])["logins"]
    assert after["17"] == before["17"] + 1 and after["3"] == before["3"]


def test_ipmitool_boot_device(lab):
    bmc = lab.bmcs[3]
    done = ipmitool(bmc, "chassis", "bootdev", "pxe", "options=persistent", suite=17)
    assert done.returncode == 0, done.stderr
    boot = lab.state(bmc["name"])["boot"]
    assert boot == {"valid": True, "device": "pxe", "persistent": True, "uefi": False}
    shown = ipmitool(bmc, "chassis", "bootparam", "get", "5", suite=3)
    assert shown.returncode == 0, shown.stderr
    assert "Force PXE" in shown.stdout and "all future boots" in shown.stdout
    done = ipmitool(bmc, "chassis", "bootdev", "disk", "options=efiboot", suite=17)
    assert done.returncode == 0, done.stderr
    assert lab.state(bmc["name"])["boot"] == {
        "valid": True,
        "device": "disk",
        "persistent": False,
        "uefi": True,
    }
    assert ipmitool(bmc, "chassis", "power", "on").returncode == 0
    state = lab.state(bmc["name"])
    assert state["boots"][-1]["device"] == "disk" and state["boots"][-1]["uefi"]
    assert state["boot"] == {"valid": False, "device": None, "persistent": False, "uefi": True}
    ipmitool(bmc, "chassis", "power", "off")


def test_ipmitool_with_a_wrong_password_fails(lab):
    done = ipmitool(lab.bmcs[0], "chassis", "power", "status", password="wrong")
    assert done.returncode != 0


# --- the machine behind the BMC -------------------------------------------------------------
def test_a_one_time_boot_device_is_used_once_and_a_persistent_one_stays(lab):
    bmc = lab.bmcs[4]
    command = pinned(bmc, 17)
    try:
        command.set_bootdev("network", persist=False, uefiboot=True)
        assert command.get_bootdev() == {
            "bootdev": "network",
            "persistent": False,
            "uefimode": True,
        }
        command.set_power("on")
        state = lab.state(bmc["name"])
        assert state["boots"][-1]["device"] == "pxe" and state["boots"][-1]["uefi"]
        assert command.get_bootdev()["bootdev"] == "default"
        assert state["boot"]["uefi"] is True  # the BIOS boot type stays

        command.set_bootdev("hd", persist=True, uefiboot=False)
        command.set_power("reset")  # reboots
        command.set_power("off")
        command.set_power("on")
        boots = lab.state(bmc["name"])["boots"]
        assert [b["device"] for b in boots[-2:]] == ["disk", "disk"]
        assert command.get_bootdev() == {"bootdev": "hd", "persistent": True, "uefimode": False}
    finally:
        command.set_power("off")
        sessions.logout(command)


def test_nmi_needs_the_machine_on(lab):
    bmc = lab.bmcs[5]
    command = pinned(bmc, 3)
    try:
        with pytest.raises(pyghmi_exc.IpmiException) as refused:
            command.xraw_command(netfn=0, command=2, data=(4,))
        assert refused.value.ipmicode == 0xD5
        command.set_power("on")
        command.xraw_command(netfn=0, command=2, data=(4,))
        assert lab.state(bmc["name"])["nmis"] == 1
    finally:
        command.set_power("off")
        sessions.logout(command)


def test_sensors(lab):
    bmc = lab.bmcs[5]
    lab.set_sensor(bmc["name"], "Inlet Temp", 31)
    command = pinned(bmc, 17)
    try:
        readings = {r.name: r for r in command.get_sensor_data()}
    finally:
        sessions.logout(command)
    assert set(readings) == {"Inlet Temp", "CPU1 Temp", "Fan1", "12V"}
    assert readings["Inlet Temp"].value == 31 and readings["Inlet Temp"].type == "Temperature"
    assert readings["Fan1"].value == 5400 and readings["Fan1"].units == "RPM"


def test_wrong_credentials(lab):
    bmc = lab.bmcs[0]
    with pytest.raises(pyghmi_exc.IpmiException, match="Incorrect password"):
        sessions.login(bmc["address"], bmc["port"], b"admin", b"wrong", 17)
    with pytest.raises(pyghmi_exc.IpmiException, match="Unauthorized name"):
        sessions.login(bmc["address"], bmc["port"], b"nobody", b"x", 3)


# --- the driver's interfaces against the lab ----------------------------------------------------
def task_for(bmc: dict, **extra) -> types.SimpleNamespace:
    driver_info = {
        "ipmi_address": bmc["address"],
        "ipmi_port": bmc["port"],
        "ipmi_username": bmc["username"],
        "ipmi_password": bmc["password"],
        **extra,
    }
    return types.SimpleNamespace(
        node={
            "uuid": "lab-node",
            "driver": "ipmi",
            "driver_info": driver_info,
            "properties": {},
            "boot_mode": None,
        }
    )


def test_driver_power_and_boot_device(lab, fast_ipmi):
    bmc = lab.bmcs[6]
    task = task_for(bmc, ipmi_cipher_suite=17)
    ipmi_power, ipmi_management = power.IPMIPower(), management.IPMIManagement()
    logins_before = sum(lab.state(bmc["name"])["logins"].values())

    ipmi_management.set_boot_device(task, "pxe")
    assert ipmi_management.get_boot_device(task) == {"boot_device": "pxe", "persistent": False}
    assert ipmi_management.get_boot_mode(task) == "uefi"
    ipmi_power.set_power_state(task, states.POWER_ON)
    assert ipmi_power.get_power_state(task) == states.POWER_ON
    assert ipmi_management.get_boot_device(task) == {"boot_device": None, "persistent": None}
    ipmi_power.reboot(task)
    ipmi_management.inject_nmi(task)
    ipmi_power.set_power_state(task, states.SOFT_POWER_OFF)
    assert ipmi_power.get_power_state(task) == states.POWER_OFF

    state = lab.state(bmc["name"])
    assert [b["device"] for b in state["boots"]] == ["pxe", None]
    assert state["nmis"] == 1
    assert sum(state["logins"].values()) == logins_before + 1  # one session for all of it


def test_driver_sensors_and_a_bmc_without_them(lab, fast_ipmi):
    data = management.IPMIManagement().get_sensors_data(task_for(lab.bmcs[7]))
    assert data["Temperature"]["CPU1 Temp"]["Sensor Reading"] == "48 °C"
    assert data["Fan"]["Fan1"]["Sensor Reading"] == "5400 RPM"
    with (
        running_lab(count=1) as bare,
        pytest.raises(exceptions.BMCNotSupported, match="get sensors data"),
    ):
        management.IPMIManagement().get_sensors_data(task_for(bare.bmcs[0]))


def test_driver_soft_power_off_times_out_when_the_os_ignores_it(lab, fast_ipmi):
    bmc = lab.bmcs[7]
    task = task_for(bmc)
    lab.configure(bmc["name"], ignore_soft_off=True)
    power.IPMIPower().set_power_state(task, states.POWER_ON)
    try:
        with pytest.raises(exceptions.BMCError, match="still reports power on after 1 s"):
            power.IPMIPower().set_power_state(task, states.SOFT_POWER_OFF, timeout=1)
    finally:
        lab.configure(bmc["name"], ignore_soft_off=False)
        power.IPMIPower().set_power_state(task, states.POWER_OFF)


def test_driver_errors_name_the_bmc(lab, fast_ipmi):
    bmc = lab.bmcs[0]
    label = f"{bmc['address']}:{bmc['port']}"
    with pytest.raises(exceptions.BMCAuthFailed, match=label):
        power.IPMIPower().get_power_state(task_for(bmc, ipmi_password="wrong"))
    lab.stop_bmc(bmc["name"])
    try:
        started = time.monotonic()
        with pytest.raises(exceptions.BMCUnreachable, match=f"{label} did not answer"):
            power.IPMIPower().get_power_state(task_for(bmc))
        assert time.monotonic() - started < 30
    finally:
        lab.start_bmc(bmc["name"])
    assert power.IPMIPower().get_power_state(task_for(bmc)) == states.POWER_OFF


def test_many_threads_on_many_bmcs_get_prompt_answers(fast_ipmi):
    """The conductor's threads share pyghmi's one event loop; an answer must wake its
    thread when it arrives, not at the resend timer 0.5-1 s later (one read in ten before
    the driver waited in slices), and no send may stall the loop for the others."""
    with running_lab(count=10) as many:
        latencies: list[float] = []
        failures: list[Exception] = []

        def reads(bmc):
            task = task_for(bmc, ipmi_cipher_suite=17)
            for _ in range(25):
                started = time.monotonic()
                try:
                    power.IPMIPower().get_power_state(task)
                except exceptions.BMCError as exc:
                    failures.append(exc)
                latencies.append(time.monotonic() - started)
                time.sleep(0.02)

        threads = [threading.Thread(target=reads, args=(bmc,)) for bmc in many.bmcs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert not failures and len(latencies) == 250
    slow = sorted(latencies)[-5:]
    assert sum(latency > 0.4 for latency in latencies) <= 5, slow
