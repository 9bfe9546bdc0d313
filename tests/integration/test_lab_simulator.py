"""The machine simulator against the real emulated BMCs and real agent processes.

Two Redfish machines (the lab's sushy-tools emulator) and two IPMI machines (the in-memory
BMCs' process) are driven through their BMC protocols, as a conductor would: a boot into PXE
or virtual media starts ``ironic-lite-agent`` for that machine (its ``/v1/status`` answers),
a power off kills it before the BMC answers, a boot from disk starts nothing, and the agent's
in-band power off or reboot shows at the BMC. The agents look up their node at a stand-in API
(``tests.unit.agent.fakes.FakeIronicAPI``), which hands them the token the commands need.
"""

import json
import os

import pytest
import requests
from pyghmi.ipmi import command as ipmi_command

from ironic_lite.lab.processes import alive
from ironic_lite.lab.simulator import Simulator
from tests.lab.ipmi import running_lab
from tests.lab.redfish import RedfishLab, started
from tests.unit.agent.fakes import TOKEN, FakeIronicAPI, wait_for


@pytest.fixture(scope="module")
def redfish():
    lab = started(RedfishLab(systems=2, power_delay=0))
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def ipmi():
    with running_lab(2, soft_off_delay=0.1) as lab:
        yield lab


@pytest.fixture(scope="module")
def api(redfish):
    macs = [mac for system in redfish.systems for mac in system.macs]
    macs += [f"52:54:00:7e:00:{i:02x}" for i in range(2)]
    with FakeIronicAPI(macs, heartbeat_timeout=2) as fake:
        yield fake


@pytest.fixture(scope="module")
def simulator(redfish, ipmi, api, tmp_path_factory):
    machines = [
        {"name": f"rf-{i}", "kind": "redfish", "bmc_id": s.uuid, "macs": list(s.macs)}
        for i, s in enumerate(redfish.systems)
    ]
    machines += [
        {"name": f"ipmi-{i}", "kind": "ipmi", "bmc_id": b["name"], "macs": [mac]}
        for i, (b, mac) in enumerate(
            zip(ipmi.bmcs, [f"52:54:00:7e:00:{i:02x}" for i in range(2)], strict=True)
        )
    ]
    config = {
        "api_url": api.url,
        "state_dir": str(tmp_path_factory.mktemp("simulator")),
        "redfish": {"url": redfish.url, "username": redfish.username, "password": redfish.password},
        "ipmi": {"control": ipmi.control},
        "machines": machines,
        "disk_size": "8M",
        "heartbeat_interval": 0.5,
        "lookup_timeout": 60,
        "poll_interval": 0.2,
    }
    with Simulator(config) as sim:
        yield sim
    assert all(m.agent is None for m in sim.machines.values())


# --- driving the BMCs as a conductor would --------------------------------------------------
def redfish_boot(lab: RedfishLab, index: int, device: str | None, reset: str) -> None:
    session, path = lab.session(), lab.systems[index].path
    if device:
        body = {"Boot": {"BootSourceOverrideTarget": device, "BootSourceOverrideEnabled": "Once"}}
        session.patch(lab.url + path, json=body, timeout=10).raise_for_status()
    session.post(
        f"{lab.url}{path}/Actions/ComputerSystem.Reset", json={"ResetType": reset}, timeout=10
    ).raise_for_status()


def ipmi_client(lab, index: int) -> ipmi_command.Command:
    bmc = lab.bmcs[index]
    return ipmi_command.Command(
        bmc=bmc["address"],
        port=bmc["port"],
        userid=bmc["username"].encode(),
        password=bmc["password"].encode(),
    )


def agent_up(sim: Simulator, name: str) -> str:
    """The URL of the machine's agent once its /v1/status answers."""

    def status():
        url = sim.machines[name].agent_url
        if url is None:
            return None
        try:
            response = requests.get(url + "/v1/status", timeout=2)
        except requests.RequestException:
            return None
        return response.status_code == 200 and url

    return wait_for(status, 60, 0.1, f"the agent of {name}")


def in_band(url: str, name: str) -> None:
    response = requests.post(
        url + "/v1/commands/",
        params={"wait": "true", "agent_token": TOKEN},
        json={"name": name, "params": {}},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["command_status"] == "SUCCEEDED", response.text


def events(sim: Simulator, name: str) -> list[dict]:
    with open(os.path.join(sim.state_dir, "events.jsonl")) as f:
        return [e for e in map(json.loads, f) if e["machine"] == name]


# --- Redfish ------------------------------------------------------------------------------------
def test_redfish_pxe_boot_runs_an_agent_until_power_off(redfish, api, simulator):
    redfish_boot(redfish, 0, "Pxe", "On")
    url = agent_up(simulator, "rf-0")
    status = requests.get(url + "/v1/status", timeout=5).json()
    assert status["hardware"]  # the simulated machine
    wait_for(lambda: any(b["body"]["callback_url"] == url for b in api.heartbeats), 30, 0.1)
    pid = simulator.machines["rf-0"].agent.pid
    with open(os.path.join(simulator.machines["rf-0"].directory, "hardware.json")) as f:
        hardware = json.load(f)
    assert [n["mac"] for n in hardware["nics"]] == list(redfish.systems[0].macs)

    redfish_boot(redfish, 0, None, "ForceOff")
    # The power hook: the agent is dead by the time the BMC shows the machine off.
    wait_for(lambda: redfish.system(0)["PowerState"] == "Off", 30, 0.1, "the BMC to show Off")
    assert not alive(pid)
    wait_for(lambda: simulator.machines["rf-0"].status == "off", 10, 0.1, "status off")
    assert [e["event"] for e in events(simulator, "rf-0")][-2:] == ["agent_killed", "power_off"]


def test_redfish_in_band_power_off_shows_at_the_bmc(redfish, simulator):
    redfish_boot(redfish, 1, "Cd", "On")
    # A CD boot without a medium inserted runs nothing.
    wait_for(lambda: simulator.machines["rf-1"].status == "no-boot-media", 30, 0.1)
    redfish_boot(redfish, 1, "Pxe", "ForceRestart")
    url = agent_up(simulator, "rf-1")
    pid = simulator.machines["rf-1"].agent.pid

    in_band(url, "standby.power_off")
    wait_for(lambda: not alive(pid), 30, 0.1, "the agent to exit")
    wait_for(lambda: redfish.system(1)["PowerState"] == "Off", 30, 0.2, "the BMC to show Off")
    assert simulator.machines["rf-1"].status == "off"


def test_redfish_disk_boot_starts_no_agent(redfish, simulator):
    redfish_boot(redfish, 0, "Hdd", "On")
    wait_for(lambda: simulator.machines["rf-0"].status == "disk", 30, 0.1)
    assert simulator.machines["rf-0"].agent is None
    assert simulator.machines["rf-0"].disk_image is None  # nothing deployed on it
    redfish_boot(redfish, 0, None, "ForceOff")
    wait_for(lambda: simulator.machines["rf-0"].status == "off", 30, 0.1)


# --- IPMI ---------------------------------------------------------------------------------------
def test_ipmi_pxe_boot_runs_an_agent_until_power_off(ipmi, simulator):
    client = ipmi_client(ipmi, 0)
    client.set_bootdev("network")
    client.set_power("on", wait=True)
    url = agent_up(simulator, "ipmi-0")
    assert requests.get(url + "/v1/status", timeout=5).status_code == 200
    pid = simulator.machines["ipmi-0"].agent.pid

    client.set_power("off", wait=True)
    assert not alive(pid)  # the power hook killed it before the BMC answered
    wait_for(lambda: simulator.machines["ipmi-0"].status == "off", 10, 0.1)


def test_ipmi_in_band_power_off_and_reboot_show_at_the_bmc(ipmi, simulator):
    client = ipmi_client(ipmi, 1)
    client.set_bootdev("network")
    client.set_power("on", wait=True)
    url = agent_up(simulator, "ipmi-1")
    boots = len(ipmi.state(ipmi.bmcs[1]["name"])["boots"])

    # An in-band reboot: the BMC restarts the machine, which boots from disk (the one-time
    # PXE override was used by the first boot), so no agent runs afterwards.
    in_band(url, "standby.reboot")
    wait_for(
        lambda: len(ipmi.state(ipmi.bmcs[1]["name"])["boots"]) == boots + 1, 30, 0.1, "a reboot"
    )
    wait_for(lambda: simulator.machines["ipmi-1"].status == "disk", 30, 0.1)

    client.set_bootdev("network")
    client.set_power("reset", wait=True)
    url = agent_up(simulator, "ipmi-1")
    in_band(url, "standby.power_off")
    wait_for(lambda: ipmi.state(ipmi.bmcs[1]["name"])["power"] == "off", 30, 0.1, "the BMC off")
    assert client.get_power()["powerstate"] == "off"
    wait_for(lambda: simulator.machines["ipmi-1"].status == "off", 10, 0.1)


def test_in_band_kexec_leaves_the_machine_on_and_booted_from_disk(ipmi, simulator):
    client = ipmi_client(ipmi, 0)
    client.set_bootdev("network")
    client.set_power("on", wait=True)
    url = agent_up(simulator, "ipmi-0")
    pid = simulator.machines["ipmi-0"].agent.pid
    # What a deploy leaves in the disk's record: a verified image.
    record = os.path.join(simulator.machines["ipmi-0"].directory, "disks", "sda.img.json")
    with open(record, "w") as f:
        json.dump({"image": {"image_id": "img-kexec", "deployed": True}}, f)
    state = ipmi.state(ipmi.bmcs[0]["name"])
    boots = len(state["boots"])

    in_band(url, "standby.kexec")
    wait_for(lambda: not alive(pid), 30, 0.1, "the agent to exit")
    wait_for(lambda: simulator.machines["ipmi-0"].status == "disk", 30, 0.1, "status disk")
    machine = simulator.machines["ipmi-0"]
    assert machine.disk_image == "img-kexec" and machine.agent is None
    boot = events(simulator, "ipmi-0")[-1]
    assert (boot["event"], boot["device"], boot["kernel"]) == ("boot", "kexec", "/boot/vmlinuz")
    # The BMC was not asked anything: still on, no new boot.
    state = ipmi.state(ipmi.bmcs[0]["name"])
    assert state["power"] == "on" and len(state["boots"]) == boots
    client.set_power("off", wait=True)
    wait_for(lambda: simulator.machines["ipmi-0"].status == "off", 10, 0.1)


def test_state_file_shows_every_machine(simulator):
    with open(os.path.join(simulator.state_dir, "simulator.json")) as f:
        state = json.load(f)
    assert set(state["machines"]) == {"rf-0", "rf-1", "ipmi-0", "ipmi-1"}
