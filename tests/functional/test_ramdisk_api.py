"""The agent's endpoints of the real API: lookup, heartbeat, continue_inspection, inventory.

A fake-hardware node with the ``direct`` deploy interface parks in ``wait call-back`` (no agent
runs here); the test plays the agent's HTTP calls and checks what the API refuses.
"""

import json
import time
import uuid

import pytest
import requests

V = {"X-OpenStack-Ironic-API-Version": "1.72"}
MAC = "52:54:00:aa:{:02x}:{:02x}"


def _fault(resp) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


def _wait_state(sdk, node_id, wanted, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        node = sdk.baremetal.get_node(node_id)
        if node.provision_state == wanted:
            return node
        time.sleep(0.2)
    raise AssertionError(f"node {node_id} is {node.provision_state}, not {wanted}")


def _mac() -> str:
    raw = uuid.uuid4().bytes
    return MAC.format(raw[0], raw[1])


@pytest.fixture
def waiting(sdk):
    """A node in ``wait call-back`` with one port; deleted afterwards."""
    mac = _mac()
    node = sdk.baremetal.create_node(
        driver="fake-hardware",
        deploy_interface="direct",
        name=f"ramdisk-{uuid.uuid4().hex[:8]}",
        instance_info={
            "image_source": "http://127.0.0.1:9/image.raw",
            "image_os_hash_algo": "sha256",
            "image_os_hash_value": "0" * 64,
        },
    )
    node.is_automated_clean_enabled = False
    sdk.baremetal.update_node(node, is_automated_clean_enabled=False)
    sdk.baremetal.create_port(node_id=node.id, address=mac)
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    sdk.baremetal.set_node_provision_state(node, "active")
    _wait_state(sdk, node.id, "wait call-back")
    yield node, mac
    sdk.baremetal.set_node_provision_state(node, "deleted", wait=True, timeout=30)
    sdk.baremetal.delete_node(node)


def test_lookup_hands_the_token_out_once(service, waiting):
    node, mac = waiting
    first = requests.get(f"{service.url}/v1/lookup", params={"addresses": mac}, headers=V)
    assert first.status_code == 200, first.text
    doc = first.json()
    assert doc["node"]["uuid"] == node.id
    token = doc["config"]["agent_token"]
    assert len(token) == 128 and token != "******"
    assert doc["config"]["agent_token_required"] is True
    assert doc["config"]["heartbeat_timeout"] > 0
    # IPA 13 runs an image's grub-install only when told (Ironic's default: not).
    assert doc["config"]["enable_bios_bootloader_install"] is False
    assert "agent_secret_token" not in doc["node"]["driver_internal_info"]
    again = requests.get(
        f"{service.url}/v1/lookup",
        params={"addresses": f"{mac.upper()},11:22:33:44:55:66"},
        headers=V,
    )
    assert again.json()["config"]["agent_token"] == "******"
    by_uuid = requests.get(f"{service.url}/v1/lookup", params={"node_uuid": node.id}, headers=V)
    assert by_uuid.status_code == 200 and by_uuid.json()["config"]["agent_token"] == "******"
    # The token is write-only in the node document too.
    shown = requests.get(f"{service.url}/v1/nodes/{node.id}", headers=V).json()
    assert shown["driver_internal_info"]["agent_secret_token"] == "******"

    # Heart-beats: the right token is taken, another one (a replaying agent) is refused.
    url = f"{service.url}/v1/heartbeat/{node.id}"
    wrong = requests.post(
        url, json={"callback_url": "http://127.0.0.1:9", "agent_token": "x" * 128}, headers=V
    )
    assert wrong.status_code == 400 and "agent token" in _fault(wrong)
    missing = requests.post(url, json={"callback_url": "http://127.0.0.1:9"}, headers=V)
    assert missing.status_code == 400


def test_lookup_refusals(service, sdk, waiting):
    node, mac = waiting
    lookup = f"{service.url}/v1/lookup"
    assert requests.get(lookup, params={"addresses": "not-a-mac"}, headers=V).status_code == 400
    assert requests.get(lookup, headers=V).status_code == 400
    assert requests.get(lookup, params={"node_uuid": "nope"}, headers=V).status_code == 400
    unknown = requests.get(lookup, params={"addresses": "02:00:00:00:00:01"}, headers=V)
    assert unknown.status_code == 404
    old = requests.get(
        lookup, params={"addresses": mac}, headers={"X-OpenStack-Ironic-API-Version": "1.21"}
    )
    assert old.status_code == 404
    # A node that waits for no agent is not found.
    idle = sdk.baremetal.create_node(driver="fake-hardware", name=f"idle-{uuid.uuid4().hex[:6]}")
    try:
        other = _mac()
        sdk.baremetal.create_port(node_id=idle.id, address=other)
        resp = requests.get(lookup, params={"addresses": other}, headers=V)
        assert resp.status_code == 404
        resp = requests.get(lookup, params={"node_uuid": idle.id}, headers=V)
        assert resp.status_code == 404
    finally:
        sdk.baremetal.delete_node(idle)


def test_heartbeat_refusals(service, waiting):
    node, _ = waiting
    url = f"{service.url}/v1/heartbeat/{node.id}"
    no_url = requests.post(url, json={"agent_token": "t"}, headers=V)
    assert no_url.status_code == 400 and "callback_url" in _fault(no_url)
    bad_url = requests.post(url, json={"callback_url": "ftp://x", "agent_token": "t"}, headers=V)
    assert bad_url.status_code == 400
    status = requests.post(
        url,
        json={"callback_url": "http://127.0.0.1:9", "agent_token": "t", "agent_status": "odd"},
        headers=V,
    )
    assert status.status_code == 400
    too_new = requests.post(
        url,
        json={"callback_url": "http://127.0.0.1:9", "agent_token": "t"},
        headers={"X-OpenStack-Ironic-API-Version": "1.61"},
    )
    assert too_new.status_code == 400 and "1.62" in _fault(too_new)
    nowhere = requests.post(
        f"{service.url}/v1/heartbeat/{uuid.uuid4()}",
        json={"callback_url": "http://127.0.0.1:9", "agent_token": "t"},
        headers=V,
    )
    assert nowhere.status_code == 404


def test_inventory_and_continue_inspection_refusals(service, sdk, waiting):
    node, mac = waiting
    inv = f"{service.url}/v1/nodes/{node.id}/inventory"
    none = requests.get(inv, headers={"X-OpenStack-Ironic-API-Version": "1.81"})
    assert none.status_code == 404
    assert _fault(none) == f"Node inventory for node {node.id} could not be found."
    old = requests.get(inv, headers={"X-OpenStack-Ironic-API-Version": "1.80"})
    assert old.status_code == 404
    url = f"{service.url}/v1/continue_inspection"
    assert requests.post(url, json={"nothing": 1}, headers=V).status_code == 400
    data = {"inventory": {"interfaces": [{"name": "eth0", "mac_address": mac}]}}
    wrong_state = requests.post(url, json=data, headers=V)
    assert wrong_state.status_code == 409
    stranger = {"inventory": {"interfaces": [{"name": "eth0", "mac_address": _mac()}]}}
    assert requests.post(url, json=stranger, headers=V).status_code == 404
