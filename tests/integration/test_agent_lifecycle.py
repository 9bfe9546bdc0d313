"""The agent as a process: lookup, heartbeats, its API's refusals, inventory, erase, power off.

Each test starts ``python -m ironic_lite_agent`` against a simulated machine (disks are files)
and a fake API in the test that records what the agent sent."""

import os
import shutil
import signal
import subprocess

import pytest
import requests

from ironic_lite_agent import lldp
from ironic_lite_agent.hardware.simulated import SimulatedBackend, make_machine
from tests.unit.agent.fakes import TOKEN, AgentProcess, FakeIronicAPI, ImageServer, wait_for

MACS = ["52:54:00:12:34:01", "52:54:00:12:34:02"]


@pytest.fixture
def machine(tmp_path):
    make_machine(
        str(tmp_path / "m"), disks=2, disk_size="8M", macs=MACS, erase_methods=["nvme", "shred"]
    )
    return str(tmp_path / "m")


@pytest.fixture
def api():
    with FakeIronicAPI(MACS, lookup_failures=1) as api:
        yield api


@pytest.fixture
def agent(machine, api):
    with AgentProcess(machine, api) as proc:
        yield proc


def test_lookup_then_heartbeats_with_token_and_callback(agent, api):
    lookup = api.lookups[-1]
    assert set(lookup["args"]["addresses"].split(",")) == set(MACS)
    assert lookup["version"] == "1.72"
    assert len(api.lookups) == 2  # the first answer was a 503: retried
    wait_for(lambda: len(api.heartbeats) >= 3, 10, what="three heartbeats")
    first, later = api.heartbeats[0], api.heartbeats[1]
    assert first["node"] == api.node_uuid
    assert first["body"]["agent_token"] == TOKEN
    assert first["body"]["agent_status"] == "start"
    assert first["body"]["agent_version"]
    assert first["body"]["callback_url"].startswith("http://127.0.0.1:")
    assert "agent_status" not in later["body"]
    status = requests.get(f"{agent.url}/v1/status", timeout=5).json()
    assert status["node_uuid"] == api.node_uuid and status["busy"] is False


def test_commands_refused_without_or_with_a_wrong_token(agent):
    missing = agent.command("system.get_inventory", token=None)
    assert missing.status_code == 401
    assert "agent_token" in missing.json()["message"]
    wrong = agent.command("system.get_inventory", token="not-the-token")
    assert wrong.status_code == 403
    assert wrong.json()["type"] == "TokenInvalid"
    listing = requests.get(f"{agent.url}/v1/commands/", timeout=5)
    assert listing.status_code == 401
    assert requests.get(
        f"{agent.url}/v1/commands/", params={"agent_token": TOKEN}, timeout=5
    ).json() == {"commands": []}


def test_unknown_command_and_bad_params_are_400(agent):
    unknown = agent.command("standby.fly")
    assert unknown.status_code == 400
    assert "unknown command standby.fly" in unknown.json()["message"]
    bad = agent.command("standby.write_image", {"image": {}})
    assert bad.status_code == 400
    assert bad.json()["type"] == "InvalidCommandParams"


def test_inventory_has_nics_with_lldp_disks_and_vendor(agent):
    resp = agent.command("system.get_inventory")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["command_status"] == "SUCCEEDED"
    assert body["command_name"] == "get_inventory"
    inv = body["command_result"]["inventory"]
    assert [i["mac_address"] for i in inv["interfaces"]] == MACS
    neighbour = lldp.decode(inv["interfaces"][1]["lldp"])
    assert neighbour == {
        "chassis_id": "52:54:00:ff:00:01",
        "system_name": "sim-switch-1",
        "port_id": "Ethernet1/2",
    }
    assert [d["name"] for d in inv["disks"]] == ["/dev/sda", "/dev/sdb"]
    assert inv["disks"][0]["size"] == 8 << 20
    assert inv["system_vendor"]["manufacturer"] == "ironic-lite"
    assert inv["system_vendor"]["firmware"]["version"] == "1.2.0"
    assert inv["boot"]["current_boot_mode"] == "uefi"
    assert inv["bmc_address"] == "127.0.0.1"
    assert inv["cpu"]["count"] == 4 and inv["memory"]["physical_mb"] == 4096


def test_one_command_at_a_time(agent, machine):
    data = os.urandom(2 << 20)
    import hashlib

    with ImageServer() as images:
        url = images.add("/slow.raw", data, delay=0.05)  # ~1.6 s for 2 MiB
        info = {
            "id": "slow",
            "urls": [url],
            "disk_format": "raw",
            "os_hash_algo": "sha256",
            "os_hash_value": hashlib.sha256(data).hexdigest(),
        }
        first = agent.command("standby.write_image", {"image_info": info}, wait=False)
        assert first.status_code == 200, first.text
        assert first.json()["command_status"] == "RUNNING"
        busy = agent.command("system.get_inventory")
        assert busy.status_code == 409
        assert "agent is busy" in busy.json()["faultstring"].lower()
        assert requests.get(f"{agent.url}/v1/status", timeout=5).json()["busy"] is True
        done = agent.wait_done(first.json()["id"])
    assert done["command_status"] == "SUCCEEDED", done
    assert agent.command("system.get_inventory").status_code == 200


def test_erase_devices_zeroes_every_disk_and_records_the_method(agent, machine):
    backend = SimulatedBackend(machine)
    for disk in backend.disks():
        with open(disk.path, "r+b") as f:
            f.write(os.urandom(4096))
            f.seek(disk.size - 4096)
            f.write(os.urandom(4096))
    resp = agent.command("deploy.erase_devices")
    body = resp.json()
    assert body["command_status"] == "SUCCEEDED", body
    assert body["command_result"] == {"erased": {"sda": "nvme_format", "sdb": "shred"}}
    for disk in backend.disks():
        with open(disk.path, "rb") as f:
            content = f.read()
        assert len(content) == disk.size and content.count(0) == disk.size
        assert backend.disk_metadata(disk)["erased"]["method"] in ("nvme_format", "shred")
    actions = [a["action"] for a in backend.actions()]
    assert actions.count("erase_disk") == 2


def test_clean_steps_listed_and_run_through_execute_clean_step(agent, machine):
    steps = agent.command("clean.get_clean_steps", {"node": {}, "ports": []}).json()
    listed = steps["command_result"]["clean_steps"]["SimulatedHardwareManager"]
    by_name = {s["step"]: s for s in listed}
    assert by_name["erase_devices"]["priority"] == 10
    assert by_name["erase_devices_metadata"]["priority"] == 99
    assert by_name["create_configuration"]["interface"] == "raid"
    step = {"step": "erase_devices_metadata", "interface": "deploy", "args": {}}
    body = agent.command("clean.execute_clean_step", {"step": step, "node": {}, "ports": []}).json()
    assert body["command_status"] == "SUCCEEDED", body
    assert body["command_result"] == {"clean_result": {"wiped": ["sda", "sdb"]}, "clean_step": step}
    unknown = agent.command(
        "clean.execute_clean_step", {"step": {"step": "write_image", "interface": "deploy"}}
    ).json()
    assert unknown["command_status"] == "FAILED"
    assert "not a clean step" in unknown["command_error"]["message"]


def test_collect_system_logs_returns_a_tarball_with_the_agent_log(agent):
    import base64
    import io
    import tarfile

    body = agent.command("log.collect_system_logs").json()
    data = base64.b64decode(body["command_result"]["system_logs"])
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
        log = tar.extractfile("agent.log").read().decode()
    assert "hardware.json" in names
    assert "looked up node" in log


def test_power_off_answers_then_ends_the_agent(agent, machine):
    assert agent.command("standby.sync").json()["command_status"] == "SUCCEEDED"
    resp = agent.command("standby.power_off")
    assert resp.status_code == 200
    assert resp.json()["command_status"] == "SUCCEEDED"
    assert agent.proc.wait(15) == 0
    backend = SimulatedBackend(machine)
    assert [a["action"] for a in backend.actions()][-2:] == ["sync", "power_off"]
    assert backend.state()["power"] == "off"


def test_sigterm_stops_the_agent_cleanly(agent):
    os.kill(agent.proc.pid, signal.SIGTERM)
    assert agent.proc.wait(15) == 0


def test_inspect_flag_posts_the_inventory_first(machine):
    with FakeIronicAPI(MACS) as api, AgentProcess(machine, api, "--inspect"):
        assert len(api.inspections) == 1
        data = api.inspections[0]
        assert {i["mac_address"] for i in data["inventory"]["interfaces"]} == set(MACS)
        assert data["root_disk"]["name"] == "/dev/sda"
        assert data["boot_interface"] == MACS[0]


def test_lookup_gives_up_after_the_timeout(machine):
    with FakeIronicAPI(["02:00:00:00:00:99"]) as api:
        proc = AgentProcess(machine, api)
        proc.args[proc.args.index("--lookup-timeout") + 1] = "2"
        result = subprocess.run(proc.args, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Lookup at" in result.stderr and "404" in result.stderr
    assert len(api.lookups) >= 2


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a cert")
def test_agent_api_over_tls(machine, tmp_path):
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
         cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    with (
        FakeIronicAPI(MACS) as api,
        AgentProcess(machine, api, "--cert-file", cert, "--key-file", key) as agent,
    ):
        assert agent.url.startswith("https://127.0.0.1:")
        status = requests.get(f"{agent.url}/v1/status", verify=cert, timeout=10)
        assert status.status_code == 200
        resp = requests.post(
            f"{agent.url}/v1/commands/?wait=true&agent_token={TOKEN}",
            json={"name": "system.get_inventory"},
            verify=cert,
            timeout=30,
        )
        assert resp.json()["command_status"] == "SUCCEEDED"
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{agent.url}/v1/status", timeout=10)  # not trusted without the cert
