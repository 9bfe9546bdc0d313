"""An inspection whose agent reports an ``error`` (IPA does when a collector failed) fails."""

import time
import uuid

import requests

V = {"X-OpenStack-Ironic-API-Version": "1.84"}


def test_reported_error_fails_the_inspection_with_it(service, sdk):
    mac = "52:54:00:{:02x}:{:02x}:{:02x}".format(*uuid.uuid4().bytes[:3])
    node = sdk.baremetal.create_node(
        driver="fake-hardware", inspect_interface="agent", name=f"ierr-{uuid.uuid4().hex[:8]}"
    )
    sdk.baremetal.create_port(node_id=node.id, address=mac)
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    sdk.baremetal.set_node_provision_state(node, "inspect")
    sdk.baremetal.wait_for_nodes_provision_state([node], "inspect wait", timeout=30)

    data = {
        "inventory": {"interfaces": [{"name": "eth0", "mac_address": mac}]},
        "error": "collector lldp failed: no switch answered",
    }
    answer = requests.post(
        f"{service.url}/v1/continue_inspection", json=data, headers=V, timeout=10
    )
    assert answer.status_code == 202, answer.text

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        node = sdk.baremetal.get_node(node.id)
        if node.provision_state != "inspect wait":
            break
        time.sleep(0.3)
    assert node.provision_state == "inspect failed"
    assert "collector lldp failed: no switch answered" in node.last_error
