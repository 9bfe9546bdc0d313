"""IPMI drives a QEMU VM: ``ipmitool -I lanplus`` and pyghmi (the library ironic-lite's IPMI
driver uses) through the lab's forwarder, and the QEMU process follows: power on starts it
from the boot device the chassis boot flags name, power off ends it, reset power-cycles it.
"""

import subprocess
import time

import pytest
from pyghmi.ipmi import command as ipmi_command

from ironic_lite.lab.processes import alive, cmdline
from tests.lab import vm as vmlab

pytestmark = pytest.mark.xdist_group("vm-lab")


def _ipmitool(port: int, password: str, *args: str) -> str:
    result = subprocess.run(
        ["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(port), "-U", "admin",
         "-P", password, *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, f"ipmitool {' '.join(args)}: {result.stderr}"
    return result.stdout


def _vm(lab) -> dict:
    return lab.vm_states()["lab-vm-0"]


def _qemu_runs(pid, settle: float = 10) -> bool:
    """Whether ``pid`` is lab-vm-0's QEMU. A process just forked by the VM manager shows the
    manager's command line until it has exec'd QEMU: give it ``settle`` seconds."""
    deadline = time.monotonic() + settle
    while alive(pid):
        if "ironic-lite-lab:lab-vm-0" in cmdline(pid):
            return True
        if time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    return False


def test_ipmitool_and_pyghmi_power_the_qemu_process(tmp_path):
    vmlab.ramdisk("lite")
    with vmlab.running_lab(tmp_path, nodes=1, redfish=0, firmwares=("bios",)) as lab:
        port = lab.state["ipmi_ports"]["lab-vm-0"]
        password = lab.state["vms"][0]["ipmi_password"]
        assert "Chassis Power is off" in _ipmitool(port, password, "power", "status")
        assert _vm(lab)["power"] == "off"

        _ipmitool(port, password, "chassis", "bootdev", "pxe")
        _ipmitool(port, password, "power", "on")
        state = _vm(lab)
        assert state["power"] == "on" and _qemu_runs(state["pid"])
        assert state["last_boot"]["device"] == "pxe"
        assert state["last_boot"]["firmware"] == "bios"
        first = state["pid"]
        assert "Chassis Power is on" in _ipmitool(port, password, "power", "status")

        # pyghmi, as the conductor's driver does (bytes credentials: see LAB.md).
        client = ipmi_command.Command(
            bmc="127.0.0.1", userid=b"admin", password=password.encode(), port=port
        )
        try:
            assert client.get_power()["powerstate"] == "on"
            client.set_bootdev("hd", persist=True)
            client.set_power("reset")  # a power cycle: the new boot device applies
            state = _vm(lab)
            assert state["power"] == "on" and state["pid"] != first
            assert not _qemu_runs(first, settle=0) and _qemu_runs(state["pid"])
            assert state["last_boot"]["device"] == "disk" and state["boots"] == 2
            client.set_power("off", wait=30)
            assert client.get_power()["powerstate"] == "off"
        finally:
            client.ipmi_session.logout()
        deadline = time.monotonic() + 10
        while _qemu_runs(state["pid"], settle=0) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _qemu_runs(state["pid"], settle=0), "QEMU still runs after IPMI power off"
        assert _vm(lab)["power"] == "off"
        assert "Chassis Power is off" in _ipmitool(port, password, "power", "status")
        # Reset of a machine that is off: the BMC refuses (0xd5), nothing starts.
        result = subprocess.run(
            ["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(port), "-U", "admin",
             "-P", password, "power", "reset"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode != 0
        assert _vm(lab)["power"] == "off" and _vm(lab)["boots"] == 2
