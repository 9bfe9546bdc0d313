"""``ironic-lite-lab up``, ``status`` and ``down``, as a newcomer runs them.

``up --with-service`` starts ironic-lite, the BMC emulators, the machine simulator and the
file server, enrolls the machines and prints what to type next; a machine booted into PXE
through its BMC gets an agent; ``down`` stops every one of those processes (agents too) by
PID and removes the lab's directory. Fails in CI when the lab cannot start, skipped elsewhere.
"""

import json
import os
import subprocess
import sys

import pytest
import requests

from ironic_lite.lab.processes import alive, free_port
from tests.unit.agent.fakes import wait_for


def lab(state_dir: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ironic_lite.lab.cli", "--state-dir", state_dir, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def lab_dir(tmp_path):
    try:
        import sushy_tools  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the lab needs sushy-tools (the lab extra): {exc}")
        pytest.skip(f"the lab needs sushy-tools (the lab extra): {exc}")
    state_dir = str(tmp_path / "lab")
    yield state_dir
    if os.path.exists(os.path.join(state_dir, "state.json")):
        lab(state_dir, "down")  # whatever a failed test left running


def test_up_status_down_round_trip(lab_dir):
    api = f"http://127.0.0.1:{free_port()}"
    up = lab(lab_dir, "up", "--nodes", "2", "--with-service", "--api-url", api, "--disk-size", "8M")
    assert up.returncode == 0, up.stdout + up.stderr
    assert f"export OS_AUTH_TYPE=none OS_ENDPOINT={api}" in up.stdout
    assert "openstack baremetal node deploy lab-redfish-0" in up.stdout

    with open(os.path.join(lab_dir, "state.json")) as f:
        state = json.load(f)
    processes = state["processes"]
    assert set(processes) == {"http", "service", "redfish", "ipmi", "simulator"}
    assert all(alive(p["pid"], p["marker"]) for p in processes.values())

    # The machines are enrolled, each with its ports, and point at the lab's BMCs.
    headers = {"X-OpenStack-Ironic-API-Version": "latest"}
    nodes = requests.get(f"{api}/v1/nodes/detail", headers=headers, timeout=10).json()["nodes"]
    assert sorted(n["name"] for n in nodes) == ["lab-ipmi-0", "lab-redfish-0"]
    redfish = next(n for n in nodes if n["driver"] == "redfish")
    assert redfish["boot_interface"] == "redfish-virtual-media"
    assert redfish["driver_info"]["redfish_address"] == processes["redfish"]["url"]
    ports = requests.get(f"{api}/v1/ports/detail", headers=headers, timeout=10).json()["ports"]
    assert {p["address"] for p in ports} == {
        mac for s in state["redfish"]["systems"] for mac in s["macs"]
    } | {mac for b in state["ipmi"]["bmcs"] for mac in b["macs"]}
    # The file server serves the image whose sha256 `up` printed.
    assert state["image"]["sha256"] in up.stdout
    assert requests.get(state["image"]["url"], timeout=10).status_code == 200

    # Boot the Redfish machine into PXE through its BMC: an agent starts for it.
    session = requests.Session()
    session.auth = (state["redfish"]["username"], state["redfish"]["password"])
    system = processes["redfish"]["url"] + state["redfish"]["systems"][0]["path"]
    session.patch(system, json={"Boot": {"BootSourceOverrideTarget": "Pxe"}}, timeout=10)
    session.post(
        system + "/Actions/ComputerSystem.Reset", json={"ResetType": "On"}, timeout=10
    ).raise_for_status()

    def agent_pid():
        with open(os.path.join(lab_dir, "simulator.json")) as f:
            return json.load(f)["machines"]["lab-redfish-0"]["agent_pid"]

    pid = wait_for(agent_pid, 60, 0.2, "an agent for lab-redfish-0")
    assert alive(pid, "agent")

    status = lab(lab_dir, "status")
    assert status.returncode == 0, status.stderr
    assert "NOT RUNNING" not in status.stdout
    assert "lab-redfish-0" in status.stdout and "ramdisk" in status.stdout

    down = lab(lab_dir, "down")
    assert down.returncode == 0, down.stdout + down.stderr
    for name, proc in processes.items():
        assert not alive(proc["pid"]), f"{name} (pid {proc['pid']}) still runs after down"
    assert not alive(pid), "the agent still runs after down"
    assert not os.path.exists(lab_dir)
    with pytest.raises(requests.ConnectionError):
        requests.get(api + "/", timeout=2)


def test_up_refuses_a_second_lab_in_the_same_directory(lab_dir):
    up = lab(lab_dir, "up", "--nodes", "1", "--no-enroll", "--disk-size", "8M")
    assert up.returncode == 0, up.stdout + up.stderr
    again = lab(lab_dir, "up", "--nodes", "1", "--no-enroll")
    assert again.returncode == 1
    assert "run `ironic-lite-lab down` first" in again.stderr
    assert lab(lab_dir, "down").returncode == 0
