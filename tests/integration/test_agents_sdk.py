"""Both agents, driven by the conductor through openstacksdk: ironic-lite-agent and stock IPA 13.

Every test runs once per agent (``lite``: ``python -m ironic_lite_agent`` on a simulated machine;
``ipa``: the real ironic-python-agent package in the lab's sandbox with the lab's hardware
manager, ``tests.lab.ipa``). The node is a fake-hardware node with the ``direct`` deploy;
the test boots "the ramdisk" (starts the agent) once the node waits for it, as a machine
would, and then checks what the agent did to the simulated machine's files. The two agent
kinds are separate xdist groups, so two workers run them side by side.
"""

import base64
import gzip
import hashlib
import json
import os
import textwrap
import time
import uuid

import openstack
import pytest
import requests

from ironic_lite.lab.ipa import gpt
from ironic_lite_agent.hardware.simulated import make_machine
from tests.integration.test_agent_deploy import Agent
from tests.lab.ipa import IPA, require_ipa
from tests.lab.server import Service
from tests.unit.agent.fakes import ImageServer

V = {"X-OpenStack-Ironic-API-Version": "1.81"}
AGENTS = [
    pytest.param("lite", marks=pytest.mark.xdist_group("agents-sdk-lite")),
    pytest.param("ipa", marks=pytest.mark.xdist_group("agents-sdk-ipa")),
]
BURNIN_SECONDS = "3"


@pytest.fixture(scope="module")
def lab():
    svc = Service(
        extra_conf=textwrap.dedent("""\
            [conductor]
            check_provision_state_interval = 1
            deploy_callback_timeout = 120
            clean_callback_timeout = 120
            service_callback_timeout = 120
            inspect_wait_timeout = 120
            [agent]
            heartbeat_timeout = 4
            post_deploy_power_off_wait = 5
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


@pytest.fixture
def boot():
    """``boot(kind, url, machine, inspect=False)`` starts that machine's agent; all are
    stopped by PID at the end."""
    started = []

    def start(kind: str, api_url: str, machine: str, inspect: bool = False):
        if kind == "ipa":
            params = {"ipa-api-url": api_url}
            if inspect:
                params["ipa-inspection-callback-url"] = f"{api_url}/v1/continue_inspection"
            agent = IPA(machine, params)
        else:
            agent = Agent(api_url, machine, *(["--inspect"] if inspect else []))
        started.append(agent)
        return agent

    yield start
    for agent in started:
        agent.stop()


@pytest.fixture(params=AGENTS)
def kind(request):
    if request.param == "ipa":
        require_ipa()
    return request.param


def _mac() -> str:
    return "52:54:00:{:02x}:{:02x}:{:02x}".format(*uuid.uuid4().bytes[:3])


def _wait(conn, node_id, wanted: set[str], timeout: float, agent=None):
    deadline = time.monotonic() + timeout
    node = None
    while time.monotonic() < deadline:
        node = conn.baremetal.get_node(node_id)
        if node.provision_state in wanted:
            return node
        time.sleep(0.5)
    extra = f"\nagent output:\n{agent.output()}" if agent else ""
    raise AssertionError(
        f"node is {node.provision_state} (last_error {node.last_error}), not {wanted}{extra}"
    )


def _actions(machine: str) -> list[dict]:
    with open(os.path.join(machine, "actions.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def _machine(tmp_path, mac: str, size: str = "128M", bmc: str = "127.0.0.1") -> str:
    path = str(tmp_path / "machine")
    make_machine(path, disks=1, disk_size=size, macs=[mac], bmc_address=bmc)
    return path


def _node(conn, mac: str, **fields):
    node = conn.baremetal.create_node(
        driver="fake-hardware",
        deploy_interface="direct",
        name=f"agents-{uuid.uuid4().hex[:8]}",
        **fields,
    )
    conn.baremetal.update_node(node, is_automated_clean_enabled=False)
    conn.baremetal.create_port(node_id=node.id, address=mac)
    conn.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    return node


def _image(tmp_path) -> tuple[bytes, bytes]:
    """A whole-disk image with a GPT (an ESP and a root partition): IPA checks that what it
    wrote has a partition table. Returns (the image, the root partition's first bytes)."""
    payload = b"ironic-lite lab image\n" + os.urandom(64 * 1024)
    path = str(tmp_path / "disk.img")
    gpt.image_with_partitions(path, 8 << 20, payload)
    with open(path, "rb") as f:
        return f.read(), payload


@pytest.mark.parametrize("kind", AGENTS, indirect=True)
def test_whole_disk_deploy_with_config_drive_then_service_burn_in(lab, tmp_path, boot, kind):
    svc, conn, images = lab
    mac = _mac()
    machine = _machine(tmp_path, mac)
    image, payload = _image(tmp_path)
    url = images.add(f"/{uuid.uuid4().hex}.img", image)
    drive = b"CONFIG-DRIVE" + os.urandom(4096)
    node = _node(
        conn,
        mac,
        driver_info={"agent_burnin_cpu_timeout": BURNIN_SECONDS, "fake_password": "s3cret"},
        instance_info={
            "image_source": url,
            "image_os_hash_algo": "sha256",
            "image_os_hash_value": hashlib.sha256(image).hexdigest(),
            "image_disk_format": "raw",
        },
    )
    conn.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    conn.baremetal.set_node_provision_state(
        node, "active", config_drive=base64.b64encode(gzip.compress(drive)).decode()
    )
    _wait(conn, node.id, {"wait call-back"}, 30)
    agent = boot(kind, svc.url, machine)
    node = _wait(conn, node.id, {"active", "deploy failed"}, 120, agent)
    assert node.provision_state == "active", (node.last_error, agent.output())

    with open(os.path.join(machine, "disks", "sda.img"), "rb") as f:
        disk = f.read()
    # The image's root partition (at 3 MiB) holds its bytes; the tables may have been
    # rewritten around the config drive partition.
    assert disk[3 << 20 : (3 << 20) + len(payload)] == payload
    # The config drive is on the disk, in a partition of its own near the end.
    at = disk.find(b"CONFIG-DRIVE")
    assert at > len(image) and disk[at : at + len(drive)] == drive
    assert agent.proc.wait(30) == 0  # powered off in-band
    assert _actions(machine)[-1]["action"] == "power_off"

    # A service step: the burn-in takes its length from driver_info, as IPA reads it.
    response = requests.put(
        f"{svc.url}/v1/nodes/{node.id}/states/provision",
        json={
            "target": "service",
            "service_steps": [{"interface": "deploy", "step": "burnin_cpu"}],
        },
        headers={"X-OpenStack-Ironic-API-Version": "1.87"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    _wait(conn, node.id, {"service wait"}, 30)
    agent = boot(kind, svc.url, machine)
    node = _wait(conn, node.id, {"active", "service failed"}, 120, agent)
    assert node.provision_state == "active", (node.last_error, agent.output())
    burnins = [a for a in _actions(machine) if a["action"] == "burnin"]
    assert [(b["kind"], str(b["duration"])) for b in burnins] == [("cpu", BURNIN_SECONDS)]


@pytest.mark.parametrize("kind", AGENTS, indirect=True)
def test_cleaning_erases_the_disk(lab, tmp_path, boot, kind):
    svc, conn, _ = lab
    mac = _mac()
    machine = _machine(tmp_path, mac)
    with open(os.path.join(machine, "disks", "sda.img"), "r+b") as f:
        f.write(os.urandom(1 << 20))
        f.seek(10 << 20)
        f.write(b"left behind by the last tenant")
    node = _node(conn, mac)
    conn.baremetal.set_node_provision_state(
        node, "clean", clean_steps=[{"interface": "deploy", "step": "erase_devices"}]
    )
    _wait(conn, node.id, {"clean wait"}, 30)
    agent = boot(kind, svc.url, machine)
    node = _wait(conn, node.id, {"manageable", "clean failed"}, 120, agent)
    assert node.provision_state == "manageable", (node.last_error, agent.output())
    with open(os.path.join(machine, "disks", "sda.img"), "rb") as f:
        data = f.read()
    assert data == bytes(len(data))
    assert "erase_disk" in [a["action"] for a in _actions(machine)]


@pytest.mark.parametrize("kind", AGENTS, indirect=True)
def test_inspection_stores_inventory_and_creates_ports(lab, tmp_path, boot, kind):
    svc, conn, _ = lab
    mac = _mac()
    bmc = f"198.51.100.{uuid.uuid4().bytes[0]}"
    machine = _machine(tmp_path, mac, bmc=bmc)
    # No port yet: the node is found by its BMC address, as inspection of a new machine is.
    node = conn.baremetal.create_node(
        driver="fake-hardware",
        inspect_interface="agent",
        name=f"insp-{uuid.uuid4().hex[:8]}",
        driver_info={"ipmi_address": bmc},
    )
    conn.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    conn.baremetal.set_node_provision_state(node, "inspect")
    _wait(conn, node.id, {"inspect wait"}, 30)
    agent = boot(kind, svc.url, machine, inspect=True)
    node = _wait(conn, node.id, {"manageable", "inspect failed"}, 120, agent)
    assert node.provision_state == "manageable", (node.last_error, agent.output())
    doc = requests.get(f"{svc.url}/v1/nodes/{node.id}/inventory", headers=V, timeout=10)
    inventory = doc.json()["inventory"]
    assert [n["mac_address"] for n in inventory["interfaces"]] == [mac]
    assert [p.address for p in conn.baremetal.ports(node_id=node.id)] == [mac]
    assert node.properties["cpus"] == 4 and node.properties["memory_mb"] == 4096
