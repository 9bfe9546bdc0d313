"""``ironic-lite-lab up --machines vm``, ``status`` and ``down`` as an operator runs them: a UEFI
VM behind Redfish and a BIOS VM behind IPMI; Redfish powers the first on and ``status`` shows it
on with its firmware's serial output; ``down`` leaves no process, TAP or namespace behind."""

import json
import subprocess
import sys

import pytest
import requests

from ironic_lite.lab import netns
from ironic_lite.lab.processes import alive
from tests.lab import vm as vmlab

pytestmark = pytest.mark.xdist_group("vm-lab")


def _lab(state_dir, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ironic_lite.lab.cli", "--state-dir", str(state_dir), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_up_status_down_of_a_vm_lab(tmp_path):
    vmlab.ramdisk("lite")  # built before `up` so that its time does not count here
    state_dir = tmp_path / "lab"
    up = _lab(state_dir, "up", "--machines", "vm", "--nodes", "2", "--api-port", "0")
    try:
        assert up.returncode == 0, up.stderr
        assert "lab-vm-0   redfish  uefi" in up.stdout and "lab-vm-1   ipmi     bios" in up.stdout
        assert "ipmitool -I lanplus -H 127.0.0.1" in up.stdout
        state = json.loads((state_dir / "state.json").read_text())
        namespace = state["netns"]
        assert netns.exists(namespace) and {"br0", "tap0", "tap1"} <= set(netns.links(namespace))

        vm = state["vms"][0]
        redfish = state["urls"]["redfish"]
        auth = (state["redfish"]["username"], state["redfish"]["password"])
        system = f"{redfish}/redfish/v1/Systems/{vm['uuid']}"
        response = requests.post(
            f"{system}/Actions/ComputerSystem.Reset",
            json={"ResetType": "On"},
            auth=auth,
            timeout=30,
        )
        assert response.status_code == 204, response.text
        assert requests.get(system, auth=auth, timeout=30).json()["PowerState"] == "On"

        def firmware_spoke():
            status = _lab(state_dir, "status", timeout=60)
            # OVMF writes to the serial console as soon as it runs.
            return status.stdout if "power on" in status.stdout and "| " in status.stdout else None

        with_output = vmlab.wait_for(
            vmlab.vmstack.VmLab.load(str(state_dir)), firmware_spoke, 300, "OVMF's output"
        )
        assert "lab-vm-0 (redfish, uefi, boot disk): power on, 1 boots" in with_output
        assert "lab-vm-1 (ipmi, bios, boot disk): power off, 0 boots" in with_output
        pids = [p["pid"] for p in state["processes"].values()]
        qemu = vmlab.vmstack.VmLab.load(str(state_dir)).qemu_pids()
        assert len(qemu) == 1
    finally:
        down = _lab(state_dir, "down", timeout=120)
    assert down.returncode == 0, down.stderr
    assert f"netns {namespace}" in down.stdout
    assert not netns.exists(namespace)
    assert not any(alive(pid) for pid in pids + [qemu[0][0]])
    assert not state_dir.exists()
