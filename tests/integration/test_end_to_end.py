"""Ten machines through their whole life, end to end, through openstacksdk.

The lab (``ironic_lite.lab.stack``) runs ironic-lite, five Redfish machines (sushy-tools'
emulator, booted from virtual media) and five IPMI machines (in-memory BMCs, booted by iPXE),
and the machine simulator, which runs ``ironic-lite-agent`` on a machine's simulated hardware
whenever its BMC boots it into the ramdisk. Nothing of ironic-lite is replaced: the conductor
powers and boots the machines through their BMCs and drives the agents over HTTP.

All ten nodes together: manage; inspect (out of band for Redfish, by the agent for IPMI: an
inventory is stored and a port appears for the NIC that had none); provide (automated cleaning
erases the disks, which were dirtied first); deploy a small qcow2 image (built here with
qemu-img, served over HTTP, verified by sha256), whose bytes must then be on each simulated
disk; rebuild with a second image; undeploy (cleaning erases it again); and a manual clean.
Fails in CI when the lab cannot start, skipped elsewhere.
"""

import hashlib
import json
import os
import shutil
import subprocess

import openstack
import pytest

from ironic_lite.lab import files
from ironic_lite.lab.processes import free_port
from ironic_lite.lab.stack import LabError, LabStack
from tests.unit.agent.fakes import ImageServer, wait_for

NODES = 10
IMAGE_SIZE = 4 << 20
WAIT = 600  # seconds for all ten nodes to reach a state


def _unavailable(message: str):
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must be able to run the lab)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    for tool in ("qemu-img",):
        if shutil.which(tool) is None:
            _unavailable(f"{tool} is not installed")
    try:
        import sushy_tools  # noqa: F401
    except ImportError as exc:
        _unavailable(f"the lab needs sushy-tools: {exc}")
    lab = LabStack(
        str(tmp_path_factory.mktemp("e2e-lab")),
        nodes=NODES,
        api_url=f"http://127.0.0.1:{free_port()}",
        with_service=True,
        disk_size="16M",
        heartbeat_interval=1,
        ports="boot",
        service_conf="[conductor]\nsync_power_state_interval = 600\n",
    )
    try:
        lab.up(enroll=False)
    except (LabError, TimeoutError, OSError, RuntimeError) as exc:
        _unavailable(f"the lab did not start: {exc}")
    yield lab
    lab.down(remove=False)


@pytest.fixture(scope="module")
def sdk(stack):
    conn = openstack.connect(
        auth_type="none",
        auth={"endpoint": stack.api_url},
        baremetal_endpoint_override=stack.api_url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """Two qcow2 images built here; name -> (url, sha256 of the qcow2, the raw bytes)."""
    directory = tmp_path_factory.mktemp("images")
    built = {}
    with ImageServer() as server:
        for name, seed in (("first", 1), ("second", 2)):
            raw, qcow2 = directory / f"{name}.raw", directory / f"{name}.qcow2"
            data = files.make_raw_image(str(raw), IMAGE_SIZE, seed=seed)
            subprocess.run(
                ["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", str(raw), str(qcow2)],
                check=True,
                timeout=60,
            )
            blob = qcow2.read_bytes()
            url = server.add(f"/{name}.qcow2", blob)
            built[name] = (url, hashlib.sha256(blob).hexdigest(), data)
        yield built


# --- helpers ------------------------------------------------------------------------------------
def disk_path(stack: LabStack, name: str) -> str:
    return stack.path("machines", name, "disks", "sda.img")


def disk_head(stack: LabStack, name: str, size: int) -> bytes:
    with open(disk_path(stack, name), "rb") as f:
        return f.read(size)


def move_all(sdk, nodes, target: str, expected: str, **kwargs) -> None:
    """Ask every node for ``target`` and wait until all reach ``expected``; on failure the
    message names each node's state and last_error."""
    for node in nodes:
        sdk.baremetal.set_node_provision_state(node, target, **kwargs)
    try:
        sdk.baremetal.wait_for_nodes_provision_state(nodes, expected, timeout=WAIT)
    except Exception as exc:
        report = {
            n.name: (n.provision_state, n.last_error)
            for n in (sdk.baremetal.get_node(node.id) for node in nodes)
        }
        raise AssertionError(f"{target} -> {expected} failed: {exc}\n{report}") from exc


def simulator_view(stack: LabStack) -> dict:
    with open(stack.path("simulator.json")) as f:
        return json.load(f)["machines"]


# --- the test --------------------------------------------------------------------------------
def test_ten_machines_from_enroll_to_clean(stack, sdk, images):
    machines = stack.machines()
    assert sorted(m["kind"] for m in machines) == ["ipmi"] * 5 + ["redfish"] * 5
    nodes = []
    for machine in machines:
        node = sdk.baremetal.create_node(**stack.node_body(machine))
        sdk.baremetal.create_port(address=machine["macs"][0], node_id=node.id)
        nodes.append(node)
    assert {n.deploy_interface for n in nodes} == {"direct"}
    by_name = {m["name"]: m for m in machines}

    # manage, then inspect: an inventory per node, and the second NIC becomes a port.
    move_all(sdk, nodes, "manage", "manageable")
    move_all(sdk, nodes, "inspect", "manageable")
    for node in nodes:
        machine = by_name[node.name]
        inventory = sdk.baremetal.get_node_inventory(node.id)["inventory"]
        assert inventory.get("interfaces") or inventory.get("memory"), inventory
        ports = {p.address for p in sdk.baremetal.ports(node_id=node.id)}
        assert ports == set(machine["macs"]), (node.name, ports)
        if machine["kind"] == "ipmi":  # the agent's inventory: the machine's own NICs
            macs = {i["mac_address"] for i in inventory["interfaces"]}
            assert macs == set(machine["macs"])

    # provide: automated cleaning erases the disks, dirtied first.
    for machine in machines:
        with open(disk_path(stack, machine["name"]), "r+b") as f:
            f.write(b"dirty" * 100_000)
    move_all(sdk, nodes, "provide", "available")
    for machine in machines:
        assert disk_head(stack, machine["name"], 1 << 20) == bytes(1 << 20), machine["name"]

    # deploy the first image: its bytes are on every disk, and each machine boots from it.
    url, sha256, data = images["first"]
    instance_info = {
        "image_source": url,
        "image_disk_format": "qcow2",
        "image_os_hash_algo": "sha256",
        "image_os_hash_value": sha256,
    }
    for node in nodes:
        sdk.baremetal.update_node(node, instance_info=instance_info)
    move_all(sdk, nodes, "active", "active")
    for machine in machines:
        assert disk_head(stack, machine["name"], IMAGE_SIZE) == data, machine["name"]

    def booted_from_disk():
        view = simulator_view(stack)
        return all(view[m["name"]]["status"] == "disk" for m in machines)

    wait_for(booted_from_disk, 60, 0.5, "every machine to boot from its disk")
    assert {simulator_view(stack)[m["name"]]["disk_image"] for m in machines} != {None}

    # rebuild with the second image.
    url, sha256, data = images["second"]
    for node in nodes:
        sdk.baremetal.update_node(
            node,
            instance_info={**instance_info, "image_source": url, "image_os_hash_value": sha256},
        )
    move_all(sdk, nodes, "rebuild", "active")
    for machine in machines:
        assert disk_head(stack, machine["name"], IMAGE_SIZE) == data, machine["name"]

    # undeploy: cleaning erases the image.
    move_all(sdk, nodes, "deleted", "available")
    for machine in machines:
        assert disk_head(stack, machine["name"], 1 << 20) == bytes(1 << 20), machine["name"]

    # a manual clean from manageable.
    with open(disk_path(stack, machines[0]["name"]), "r+b") as f:
        f.write(b"dirty again")
    move_all(sdk, nodes, "manage", "manageable")
    move_all(
        sdk,
        nodes,
        "clean",
        "manageable",
        clean_steps=[{"interface": "deploy", "step": "erase_devices_metadata"}],
    )
    assert disk_head(stack, machines[0]["name"], 1 << 20) == bytes(1 << 20)
    for machine in machines:
        with open(disk_path(stack, machine["name"]) + ".json") as f:
            assert json.load(f).get("metadata_erased_at"), machine["name"]
    # No agent is left running: every machine is off or booted from disk.
    view = simulator_view(stack)
    assert all(m["agent_pid"] is None for m in view.values()), view
