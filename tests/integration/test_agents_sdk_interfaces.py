"""The agent-based interfaces, through openstacksdk, with both agents (ironic-lite-agent and
stock IPA 13 in the lab's sandbox): software RAID (``raid_interface=agent``), rescue
(``rescue_interface=agent``), the ``custom-agent`` deploy, and a step only the agent offers
requested by name. Same lab and agents as ``test_agents_sdk`` (its fixtures)."""

import json
import os
import uuid

import pytest
import requests
from passlib.hash import sha256_crypt, sha512_crypt

from ironic_lite_agent.hardware.simulated import make_machine
from tests.integration import test_agents_sdk as sdk
from tests.integration.test_agents_sdk import AGENTS, _actions, _mac, _wait

# The lab, the agent starter and the agent kind are the fixtures of test_agents_sdk.
lab, boot, kind = sdk.lab, sdk.boot, sdk.kind

V = {"X-OpenStack-Ironic-API-Version": "1.87"}


def _machine(tmp_path, mac: str, disks: int = 1) -> str:
    path = str(tmp_path / "machine")
    make_machine(path, disks=disks, disk_size="64M", macs=[mac])
    return path


def _node(conn, mac: str, **fields):
    node = conn.baremetal.create_node(
        driver="fake-hardware", name=f"agents-{uuid.uuid4().hex[:8]}", **fields
    )
    conn.baremetal.update_node(node, is_automated_clean_enabled=False)
    conn.baremetal.create_port(node_id=node.id, address=mac)
    conn.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    return node


def _provision(url: str, node_id: str, body: dict) -> requests.Response:
    return requests.put(
        f"{url}/v1/nodes/{node_id}/states/provision", json=body, headers=V, timeout=30
    )


def _clean(svc, conn, boot, kind, machine, node, steps: list[dict]):
    conn.baremetal.set_node_provision_state(node, "clean", clean_steps=steps)
    _wait(conn, node.id, {"clean wait"}, 30)
    agent = boot(kind, svc.url, machine)
    done = _wait(conn, node.id, {"manageable", "clean failed"}, 120, agent)
    assert done.provision_state == "manageable", (done.last_error, agent.output())
    return done


def _raid_actions(machine: str) -> list[str]:
    return [a["action"] for a in _actions(machine) if a["action"].endswith("_raid")]


@pytest.mark.parametrize("kind", AGENTS, indirect=True)
def test_software_raid_create_then_delete(lab, tmp_path, boot, kind):
    svc, conn, _ = lab
    mac = _mac()
    machine = _machine(tmp_path, mac, disks=2)
    node = _node(conn, mac, raid_interface="agent", deploy_interface="direct")
    raid_url = f"{svc.url}/v1/nodes/{node.id}/states/raid"

    # Ironic's schema and messages: a bad configuration is a 400 and is not stored.
    bad = requests.put(
        raid_url, json={"logical_disks": [{"raid_level": "7", "size_gb": 10}]}, headers=V
    )
    assert bad.status_code == 400, bad.text
    assert json.loads(bad.json()["error_message"])["faultstring"] == (
        "RAID config validation error: '7' is not one of "
        "['JBOD', '0', '1', '2', '5', '6', '1+0', '5+0', '6+0']"
    )
    two_roots = {
        "logical_disks": [
            {"raid_level": "1", "size_gb": 10, "is_root_volume": True},
            {"raid_level": "0", "size_gb": 10, "is_root_volume": True},
        ]
    }
    bad = requests.put(raid_url, json=two_roots, headers=V)
    assert bad.status_code == 400 and "more than one root volume" in bad.text
    assert not conn.baremetal.get_node(node.id).target_raid_config

    target = {"logical_disks": [{"raid_level": "1", "size_gb": "MAX", "is_root_volume": True}]}
    ok = requests.put(raid_url, json=target, headers=V)
    assert ok.status_code == 204, ok.text

    node = _clean(
        svc,
        conn,
        boot,
        kind,
        machine,
        node,
        [{"interface": "raid", "step": "create_configuration"}],
    )
    assert [d["raid_level"] for d in node.raid_config["logical_disks"]] == ["1"]
    assert "raid_level:1" in node.properties["capabilities"]
    assert _raid_actions(machine) == ["create_raid"]

    node = _clean(
        svc,
        conn,
        boot,
        kind,
        machine,
        node,
        [{"interface": "raid", "step": "delete_configuration"}],
    )
    assert node.raid_config == {}
    assert _raid_actions(machine) == ["create_raid", "delete_raid"]


@pytest.mark.parametrize("kind", AGENTS, indirect=True)
def test_software_raid_built_by_a_deploy_step(lab, tmp_path, boot, kind):
    """``raid.apply_configuration`` as a deploy step asked for by name (what deploy templates
    carry): the agent replaces the existing RAID with the one in the step's arguments and the
    node records what it built."""
    svc, conn, _ = lab
    mac = _mac()
    machine = _machine(tmp_path, mac, disks=2)
    node = _node(conn, mac, raid_interface="agent", deploy_interface="custom-agent")
    conn.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    config = {"logical_disks": [{"raid_level": "1", "size_gb": "MAX", "is_root_volume": True}]}
    step = {
        "interface": "raid",
        "step": "apply_configuration",
        "priority": 90,
        "args": {"raid_config": config},
    }
    bad = _provision(svc.url, node.id, {"target": "active", "deploy_steps": [{**step, "args": {}}]})
    assert bad.status_code == 400 and "raid_config" in bad.text, bad.text
    response = _provision(svc.url, node.id, {"target": "active", "deploy_steps": [step]})
    assert response.status_code == 202, response.text
    _wait(conn, node.id, {"wait call-back"}, 30)
    agent = boot(kind, svc.url, machine)
    node = _wait(conn, node.id, {"active", "deploy failed"}, 120, agent)
    assert node.provision_state == "active", (node.last_error, agent.output())
    assert [d["raid_level"] for d in node.raid_config["logical_disks"]] == ["1"]
    assert _raid_actions(machine) == ["delete_raid", "create_raid"]


@pytest.mark.parametrize("kind", AGENTS, indirect=True)
def test_rescue_with_hashed_password_then_unrescue(lab, tmp_path, boot, kind):
    svc, conn, _ = lab
    mac = _mac()
    machine = _machine(tmp_path, mac)
    node = _node(conn, mac, rescue_interface="agent", deploy_interface="fake")
    conn.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    conn.baremetal.set_node_provision_state(node, "active", wait=True, timeout=30)

    response = _provision(svc.url, node.id, {"target": "rescue", "rescue_password": "r3scue!"})
    assert response.status_code == 202, response.text
    _wait(conn, node.id, {"rescue wait"}, 30)
    doc = requests.get(f"{svc.url}/v1/nodes/{node.id}", headers=V, timeout=10).json()
    # Write-only: neither the password nor its hash is shown.
    assert doc["instance_info"]["rescue_password"] == "******"
    assert doc["instance_info"]["hashed_rescue_password"] == "******"
    agent = boot(kind, svc.url, machine)
    node = _wait(conn, node.id, {"rescue", "rescue failed"}, 120, agent)
    assert node.provision_state == "rescue", (node.last_error, agent.output())
    # The agent got the crypt(3) hash, never the password, and stopped serving.
    if kind == "ipa":
        path = os.path.join(machine, "ipa", "rescue-config", "ipa-rescue-password")
    else:
        path = os.path.join(machine, "rescue", "ipa-rescue-password")
    with open(path) as f:
        hashed = f.read()
    assert hashed.startswith(("$5$", "$6$")) and "r3scue!" not in hashed
    scheme = sha512_crypt if hashed.startswith("$6$") else sha256_crypt
    assert scheme.verify("r3scue!", hashed)
    assert agent.proc.wait(30) == 0
    assert "rescue_password" not in node.instance_info
    assert "hashed_rescue_password" not in node.instance_info

    response = _provision(svc.url, node.id, {"target": "unrescue"})
    assert response.status_code == 202, response.text
    node = _wait(conn, node.id, {"active", "unrescue failed"}, 60)
    assert node.provision_state == "active", node.last_error


def test_rescue_refused_up_front_without_a_rescue_interface(lab):
    svc, conn, _ = lab
    node = _node(conn, _mac(), rescue_interface="no-rescue", deploy_interface="fake")
    conn.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    conn.baremetal.set_node_provision_state(node, "active", wait=True, timeout=30)
    response = _provision(svc.url, node.id, {"target": "rescue", "rescue_password": "x"})
    assert response.status_code == 400, response.text
    assert json.loads(response.json()["error_message"])["faultstring"] == (
        "Driver fake-hardware does not support rescue (disabled or not implemented)."
    )
    node = conn.baremetal.get_node(node.id)
    assert node.provision_state == "active" and not node.last_error
    assert "rescue_password" not in node.instance_info


@pytest.mark.parametrize("kind", AGENTS, indirect=True)
def test_custom_agent_deploy_runs_deploy_steps_and_writes_no_image(lab, tmp_path, boot, kind):
    svc, conn, _ = lab
    mac = _mac()
    machine = _machine(tmp_path, mac)
    disk = os.path.join(machine, "disks", "sda.img")
    with open(disk, "r+b") as f:
        f.write(b"\xa5" * (1 << 20))
    # No image in instance_info: custom-agent needs none.
    node = _node(conn, mac, deploy_interface="custom-agent")
    conn.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    # A deploy step only the agent declares, asked for by name with a priority.
    step = {"interface": "deploy", "step": "erase_devices_metadata", "priority": 70, "args": {}}
    response = _provision(svc.url, node.id, {"target": "active", "deploy_steps": [step]})
    assert response.status_code == 202, response.text
    _wait(conn, node.id, {"wait call-back"}, 30)
    agent = boot(kind, svc.url, machine)
    node = _wait(conn, node.id, {"active", "deploy failed"}, 120, agent)
    assert node.provision_state == "active", (node.last_error, agent.output())
    actions = [a["action"] for a in _actions(machine)]
    assert "erase_disk_metadata" in actions
    assert not any("image" in a for a in actions), actions
    with open(disk, "rb") as f:
        assert f.read(1 << 20) == bytes(1 << 20)


@pytest.mark.parametrize("kind", AGENTS, indirect=True)
def test_a_step_only_the_agent_offers_is_requested_by_name(lab, tmp_path, boot, kind):
    svc, conn, _ = lab
    mac = _mac()
    machine = _machine(tmp_path, mac)
    node = _node(conn, mac, deploy_interface="direct")
    # No interface of the node declares it; it is accepted before the agent is up.
    _clean(
        svc,
        conn,
        boot,
        kind,
        machine,
        node,
        [{"interface": "deploy", "step": "erase_devices_express"}],
    )
    assert "erase_express" in [a["action"] for a in _actions(machine)]
