"""The conductor and the real agent together: deploy, inspect and clean a simulated machine.

One ironic-lite service (all-in-one, short wait timeouts) and, per test, a simulated machine
(``ironic_lite_agent.hardware.simulated``: disks are files) whose NIC MACs are the ports of a
fake-hardware node using the ``direct`` deploy interface. The test starts
``python -m ironic_lite_agent`` against the service once the node waits for it, as a machine
booting the ramdisk would, and checks the bytes on the simulated disk.
"""

import base64
import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import openstack
import pytest
import requests

from ironic_lite_agent.hardware.simulated import make_machine
from tests.lab.server import Service
from tests.unit.agent.fakes import ImageServer

V = {"X-OpenStack-Ironic-API-Version": "1.81"}
CALLBACK_TIMEOUT = 12


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    svc = Service(
        extra_conf=textwrap.dedent(f"""\
            [conductor]
            check_provision_state_interval = 1
            deploy_callback_timeout = {CALLBACK_TIMEOUT}
            clean_callback_timeout = 60
            inspect_wait_timeout = 60
            rescue_callback_timeout = 5
            [agent]
            heartbeat_timeout = 3
            post_deploy_power_off_wait = 2
            command_retry_interval = 0.5
            command_wait_interval = 0.5
            """)
    ).start()
    images = ImageServer().__enter__()
    conn = openstack.connect(
        auth_type="none",
        auth={"endpoint": svc.url},
        baremetal_endpoint_override=svc.url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )
    yield svc, conn, images
    conn.close()
    images.__exit__(None, None, None)
    svc.stop()


class Agent:
    """``python -m ironic_lite_agent`` for one simulated machine, stopped by its PID."""

    def __init__(self, api_url: str, machine: str, *extra: str):
        self.machine = machine
        self.log = os.path.join(machine, "agent-process.log")
        args = [
            sys.executable, "-m", "ironic_lite_agent", "--api-url", api_url,
            "--hardware", f"simulated:{machine}", "--listen", "127.0.0.1:0",
            "--heartbeat-interval", "1", "--lookup-timeout", "60", *extra,
        ]  # fmt: skip
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen(
                args, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True
            )

    def output(self) -> str:
        with open(self.log, errors="replace") as f:
            return f.read()[-5000:]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


@pytest.fixture
def agents():
    started: list[Agent] = []
    yield started
    for agent in started:
        agent.stop()


def _mac() -> str:
    raw = uuid.uuid4().bytes
    return "52:54:00:{:02x}:{:02x}:{:02x}".format(*raw[:3])


def _machine(tmp_path, mac: str, disk_size: str = "16M", **kwargs) -> str:
    path = str(tmp_path / "machine")
    make_machine(path, disks=1, disk_size=disk_size, macs=[mac], **kwargs)
    return path


def _wait(conn, node_id, wanted: set[str], timeout: float = 60, agent: Agent | None = None):
    deadline = time.monotonic() + timeout
    node = None
    while time.monotonic() < deadline:
        node = conn.baremetal.get_node(node_id)
        if node.provision_state in wanted:
            return node
        time.sleep(0.3)
    extra = f"\nagent log:\n{agent.output()}" if agent else ""
    raise AssertionError(
        f"node is {node.provision_state} (last_error {node.last_error}), not {wanted}{extra}"
    )


def _node(conn, mac: str, automated_clean: bool = False, **fields):
    node = conn.baremetal.create_node(
        driver="fake-hardware",
        deploy_interface="direct",
        name=f"agent-{uuid.uuid4().hex[:8]}",
        **fields,
    )
    conn.baremetal.update_node(node, is_automated_clean_enabled=automated_clean)
    conn.baremetal.create_port(node_id=node.id, address=mac)
    conn.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    return node


def _available(conn, mac: str, image_url: str, digest: str, disk_format: str = "raw"):
    node = _node(
        conn,
        mac,
        instance_info={
            "image_source": image_url,
            "image_os_hash_algo": "sha256",
            "image_os_hash_value": digest,
            "image_disk_format": disk_format,
        },
    )
    conn.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    return node


def _disk(machine: str) -> tuple[bytes, dict]:
    with open(os.path.join(machine, "disks", "sda.img"), "rb") as f:
        data = f.read()
    with open(os.path.join(machine, "disks", "sda.img.json")) as f:
        record = json.load(f)
    return data, record


def _deploy(lab, tmp_path, agents, payload: bytes, served: bytes, disk_format: str):
    svc, conn, images = lab
    mac = _mac()
    machine = _machine(tmp_path, mac)
    url = images.add(f"/{uuid.uuid4().hex}.{disk_format}", served)
    node = _available(conn, mac, url, hashlib.sha256(served).hexdigest(), disk_format)
    conn.baremetal.set_node_provision_state(node, "active")
    _wait(conn, node.id, {"wait call-back"}, 30)
    agent = Agent(svc.url, machine)
    agents.append(agent)
    node = _wait(conn, node.id, {"active", "deploy failed"}, 90, agent)
    assert node.provision_state == "active", (node.last_error, agent.output())
    assert node.power_state == "power on"
    data, record = _disk(machine)
    assert data[: len(payload)] == payload
    assert record["image"]["deployed"] is True
    # The agent powered the machine off in-band at the end of the deploy, then exited.
    assert agent.proc.wait(20) == 0
    with open(os.path.join(machine, "actions.jsonl")) as f:
        assert json.loads(f.read().splitlines()[-1])["action"] == "power_off"
    info = conn.baremetal.get_node(node.id).driver_internal_info
    assert "agent_url" not in info and "agent_secret_token" not in info
    return node


def test_deploy_raw_image(lab, tmp_path, agents):
    payload = os.urandom(3 * 1024 * 1024 + 512)
    _deploy(lab, tmp_path, agents, payload, payload, "raw")


def test_a_rescue_whose_agent_never_comes_fails_and_forgets_the_password(lab, tmp_path, agents):
    svc, conn, images = lab
    payload = os.urandom(64 * 1024)
    node = _deploy(lab, tmp_path, agents, payload, payload, "raw")
    conn.baremetal.set_node_maintenance(node, reason="change the rescue interface")
    conn.baremetal.update_node(node, rescue_interface="agent")
    conn.baremetal.unset_node_maintenance(node)
    conn.baremetal.set_node_provision_state(node, "rescue", rescue_password="s3cret-rescue")
    node = _wait(conn, node.id, {"rescue failed", "rescue"}, 40)
    assert node.provision_state == "rescue failed"
    assert "Timeout" in node.last_error
    # Neither the password nor its hash stays on a node whose rescue failed.
    assert not {"rescue_password", "hashed_rescue_password"} & set(node.instance_info)
    assert node.instance_info["image_source"]


def test_deploy_qcow2_image(lab, tmp_path, agents):
    payload = os.urandom(4 * 1024 * 1024)
    raw, qcow = tmp_path / "img.raw", tmp_path / "img.qcow2"
    raw.write_bytes(payload)
    subprocess.run(
        ["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(qcow)],
        check=True,
        timeout=60,
    )
    _deploy(lab, tmp_path, agents, payload, qcow.read_bytes(), "qcow2")


def test_deploy_partition_image_with_configdrive(lab, tmp_path, agents):
    svc, conn, images = lab
    mac = _mac()
    machine = _machine(tmp_path, mac, disk_size="512M")
    payload = os.urandom(2 * 1024 * 1024)
    drive = b"CONFIG-DRIVE" + os.urandom(2048)
    url = images.add(f"/{uuid.uuid4().hex}.img", payload)
    node = _node(
        conn,
        mac,
        instance_info={
            "image_source": url,
            "image_checksum": hashlib.sha256(payload).hexdigest(),
            "image_type": "partition",
            "root_gb": 0.1,
            "swap_mb": 16,
        },
    )
    conn.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    conn.baremetal.set_node_provision_state(
        node, "active", config_drive=base64.b64encode(gzip.compress(drive)).decode()
    )
    _wait(conn, node.id, {"wait call-back"}, 30)
    agent = Agent(svc.url, machine)
    agents.append(agent)
    node = _wait(conn, node.id, {"active", "deploy failed"}, 90, agent)
    assert node.provision_state == "active", (node.last_error, agent.output())
    data, record = _disk(machine)
    table = record["partition_table"]["partitions"]
    assert [p["role"] for p in table] == ["efi", "root", "swap", "configdrive"]
    root, cd = table[1], table[3]
    assert root["size"] == 102 * 1024 * 1024
    assert data[root["start"] : root["start"] + len(payload)] == payload
    assert data[cd["start"] : cd["start"] + len(drive)] == drive
    # prepare_instance_boot installed the bootloader on the root partition the agent made.
    assert record["bootloader"]["root_uuid"] == root["uuid"]
    assert record["bootloader"]["boot_mode"] == "uefi"


def test_wrong_checksum_fails_the_deploy(lab, tmp_path, agents):
    svc, conn, images = lab
    mac = _mac()
    machine = _machine(tmp_path, mac)
    url = images.add(f"/{uuid.uuid4().hex}.raw", os.urandom(1024 * 1024))
    node = _available(conn, mac, url, "ab" * 32)
    conn.baremetal.set_node_provision_state(node, "active")
    _wait(conn, node.id, {"wait call-back"}, 30)
    agent = Agent(svc.url, machine)
    agents.append(agent)
    node = _wait(conn, node.id, {"active", "deploy failed"}, 60, agent)
    assert node.provision_state == "deploy failed"
    assert "write_image" in node.last_error and "checksum" in node.last_error
    _, record = _disk(machine)
    assert not (record.get("image") or {}).get("deployed")
    # The agent's logs were fetched for the failure.
    logs = os.listdir(os.path.join(svc.state_dir, "deploy-logs"))
    assert any(name.startswith(node.id) for name in logs)


def test_agent_dying_mid_deploy_times_out(lab, tmp_path, agents):
    svc, conn, images = lab
    mac = _mac()
    machine = _machine(tmp_path, mac)
    payload = os.urandom(8 * 1024 * 1024)
    # Slow enough (about 13 s) that the write is still running when the agent is killed.
    url = images.add(f"/{uuid.uuid4().hex}.raw", payload, delay=0.1)
    node = _available(conn, mac, url, hashlib.sha256(payload).hexdigest())
    conn.baremetal.set_node_provision_state(node, "active")
    _wait(conn, node.id, {"wait call-back"}, 30)
    agent = Agent(svc.url, machine)
    agents.append(agent)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        info = conn.baremetal.get_node(node.id).driver_internal_info
        if (info.get("agent_wait") or {}).get("reason") == "command":
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"write_image never started:\n{agent.output()}")

    # While the agent works: a second lookup sees the token masked; another token is refused.
    lookup = requests.get(f"{svc.url}/v1/lookup", params={"addresses": mac}, headers=V)
    assert lookup.status_code == 200 and lookup.json()["config"]["agent_token"] == "******"
    replay = requests.post(
        f"{svc.url}/v1/heartbeat/{node.id}",
        json={"callback_url": "http://127.0.0.1:9", "agent_token": "y" * 128},
        headers=V,
    )
    assert replay.status_code == 400

    agent.stop(signal.SIGKILL)
    started = time.monotonic()
    node = _wait(conn, node.id, {"deploy failed", "active"}, CALLBACK_TIMEOUT + 20)
    assert node.provision_state == "deploy failed"
    assert "Timeout" in node.last_error and "wait call-back" in node.last_error
    assert time.monotonic() - started <= CALLBACK_TIMEOUT + 15
    _, record = _disk(machine)
    assert not (record.get("image") or {}).get("deployed")


def test_agent_inspection_stores_inventory_and_creates_ports(lab, tmp_path, agents):
    svc, conn, _ = lab
    mac = _mac()
    machine = _machine(tmp_path, mac, bmc_address="192.0.2.77")
    node = conn.baremetal.create_node(
        driver="fake-hardware",
        inspect_interface="agent",
        name=f"inspect-{uuid.uuid4().hex[:8]}",
        driver_info={"ipmi_address": "192.0.2.77"},
    )
    conn.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    conn.baremetal.set_node_provision_state(node, "inspect")
    _wait(conn, node.id, {"inspect wait"}, 30)
    agent = Agent(svc.url, machine, "--inspect")
    agents.append(agent)
    node = _wait(conn, node.id, {"manageable", "inspect failed"}, 60, agent)
    assert node.provision_state == "manageable", node.last_error
    doc = requests.get(f"{svc.url}/v1/nodes/{node.id}/inventory", headers=V)
    assert doc.status_code == 200
    inventory = doc.json()["inventory"]
    assert [n["mac_address"] for n in inventory["interfaces"]] == [mac]
    assert doc.json()["plugin_data"]["source"] == "agent"
    ports = list(conn.baremetal.ports(node_id=node.id, details=True))
    assert [p.address for p in ports] == [mac]
    assert node.properties["cpus"] == 4 and node.properties["memory_mb"] == 4096


def test_automated_cleaning_erases_the_disk(lab, tmp_path, agents):
    svc, conn, _ = lab
    mac = _mac()
    machine = _machine(tmp_path, mac)
    with open(os.path.join(machine, "disks", "sda.img"), "r+b") as f:
        f.write(os.urandom(2 * 1024 * 1024))
        f.seek(10 * 1024 * 1024)
        f.write(b"left behind by the last tenant")
    node = _node(conn, mac, automated_clean=True)
    conn.baremetal.set_node_provision_state(node, "provide")
    _wait(conn, node.id, {"clean wait"}, 30)
    agent = Agent(svc.url, machine)
    agents.append(agent)
    node = _wait(conn, node.id, {"available", "clean failed"}, 90, agent)
    assert node.provision_state == "available", (node.last_error, agent.output())
    data, record = _disk(machine)
    assert data == bytes(len(data))
    assert record["erased"]["method"]
    assert agent.proc.wait(20) == 0  # powered off in-band after cleaning
    assert node.power_state == "power off"


def test_fast_track_deploys_with_the_agent_left_up_by_cleaning(tmp_path, agents):
    svc = Service(
        extra_conf=textwrap.dedent("""\
            [conductor]
            check_provision_state_interval = 1
            [agent]
            heartbeat_timeout = 3
            post_deploy_power_off_wait = 2
            [deploy]
            fast_track = true
            fast_track_timeout = 60
            """)
    ).start()
    conn = openstack.connect(
        auth_type="none",
        auth={"endpoint": svc.url},
        baremetal_endpoint_override=svc.url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )
    try:
        with ImageServer() as images:
            mac = _mac()
            machine = _machine(tmp_path, mac)
            payload = os.urandom(1024 * 1024)
            node = _node(
                conn,
                mac,
                automated_clean=True,
                instance_info={
                    "image_source": images.add("/ft.raw", payload),
                    "image_os_hash_algo": "sha256",
                    "image_os_hash_value": hashlib.sha256(payload).hexdigest(),
                },
            )
            conn.baremetal.set_node_provision_state(node, "provide")
            _wait(conn, node.id, {"clean wait"}, 30)
            agent = Agent(svc.url, machine)
            agents.append(agent)
            node = _wait(conn, node.id, {"available", "clean failed"}, 90, agent)
            assert node.provision_state == "available", node.last_error
            # Fast track: the machine stays up in the ramdisk, its agent still heart-beating.
            assert agent.proc.poll() is None and node.power_state == "power on"
            conn.baremetal.set_node_provision_state(node, "active")
            node = _wait(conn, node.id, {"active", "deploy failed"}, 90, agent)
            assert node.provision_state == "active", (node.last_error, agent.output())
            data, record = _disk(machine)
            assert data[: len(payload)] == payload and record["image"]["deployed"] is True
            assert agent.proc.wait(20) == 0
            with open(os.path.join(machine, "actions.jsonl")) as f:
                actions = [json.loads(line)["action"] for line in f]
            # One agent process did it all: erase, then write, then power off; no reboot.
            assert "reboot" not in actions and actions[-1] == "power_off"
    finally:
        conn.close()
        svc.stop()


def _kexec_deploy(lab, tmp_path, agents, **instance_info):
    """Deploy a raw image with instance_info/kexec on; the node, the machine and its agent."""
    svc, conn, images = lab
    mac = _mac()
    machine = _machine(tmp_path, mac)
    payload = os.urandom(1024 * 1024)
    node = _node(
        conn,
        mac,
        instance_info={
            "image_source": images.add(f"/{uuid.uuid4().hex}.raw", payload),
            "image_os_hash_algo": "sha256",
            "image_os_hash_value": hashlib.sha256(payload).hexdigest(),
            "kexec": True,
            **instance_info,
        },
    )
    conn.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    conn.baremetal.set_node_provision_state(node, "active")
    _wait(conn, node.id, {"wait call-back"}, 30)
    agent = Agent(svc.url, machine)
    agents.append(agent)
    node = _wait(conn, node.id, {"active", "deploy failed"}, 90, agent)
    assert node.provision_state == "active", (node.last_error, agent.output())
    assert node.power_state == "power on"
    assert agent.proc.wait(20) == 0
    data, record = _disk(machine)
    assert data[: len(payload)] == payload and record["image"]["deployed"] is True
    with open(os.path.join(machine, "actions.jsonl")) as f:
        actions = [json.loads(line) for line in f]
    history = requests.get(f"{svc.url}/v1/nodes/{node.id}/history", headers=V).json()["history"]
    return node, machine, actions, history


def _read_state(machine: str) -> dict:
    with open(os.path.join(machine, "state.json")) as f:
        return json.load(f)


def test_deploy_with_kexec_boots_without_a_power_cycle(lab, tmp_path, agents):
    node, machine, actions, history = _kexec_deploy(
        lab, tmp_path, agents, kexec_append="root=LABEL=root ro console=ttyS0"
    )
    names = [a["action"] for a in actions]
    assert names[-1] == "kexec" and "power_off" not in names and "reboot" not in names
    assert actions[-1]["kernel"] == "/boot/vmlinuz"
    assert actions[-1]["initrd"] == "/boot/initrd.img"
    assert actions[-1]["append"] == "root=LABEL=root ro console=ttyS0"
    state = _read_state(machine)
    assert state["power"] == "on" and state["booted"] == "kexec"
    events = [h["event"] for h in history]
    assert any(e.startswith("Booted the deployed OS by kexec") for e in events), events
    assert not [h for h in history if h["severity"] == "WARNING"]
    info = node.driver_internal_info
    assert "agent_url" not in info and "deploy_kexec_booted" not in info


def test_deploy_with_a_missing_kexec_kernel_power_cycles_instead(lab, tmp_path, agents):
    node, machine, actions, history = _kexec_deploy(
        lab, tmp_path, agents, kexec_kernel="/boot/vmlinuz-not-there"
    )
    names = [a["action"] for a in actions]
    # Nothing was executed by the failed kexec; the agent powered the machine off instead.
    assert "kexec" not in names and names[-1] == "power_off"
    assert "booted" not in _read_state(machine)
    warnings = [h["event"] for h in history if h["severity"] == "WARNING"]
    assert len(warnings) == 1 and "/boot/vmlinuz-not-there" in warnings[0], warnings
    assert node.provision_state == "active" and not node.last_error
