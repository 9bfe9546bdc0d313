"""Virtual media through the API on a node whose boot interface has none (fake-hardware).

Ironic takes the request (204) and finds out on a worker, so the failure is in the node's
last_error and history rather than in the answer; openstacksdk's own tests rely on the 204.
"""

import json
import time

import pytest
import requests

H = {"X-OpenStack-Ironic-API-Version": "latest"}


def _last_error(sdk, node_id: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        node = sdk.baremetal.get_node(node_id)
        if node.last_error:
            return node.last_error
        time.sleep(0.1)
    raise AssertionError(f"node {node_id} got no last_error")


@pytest.fixture
def node(sdk):
    created = sdk.baremetal.create_node(driver="fake-hardware")
    yield created
    sdk.baremetal.delete_node(created.id, ignore_missing=True)


def test_attach_and_detach_answer_204_and_fail_into_last_error(service, sdk, node):
    sdk.baremetal.attach_vmedia_to_node(node, "cdrom", "http://image.example/boot.iso")
    error = _last_error(sdk, node.id)
    assert error == (
        f"Could not attach device cdrom to node {node.id}: Driver fake-hardware does not "
        "support attach_virtual_media (disabled or not implemented)."
    )
    history = requests.get(f"{service.url}/v1/nodes/{node.id}/history", headers=H).json()
    assert error in [e["event"] for e in history["history"]]

    assert sdk.baremetal.detach_vmedia_from_node(node) is None
    deadline = time.monotonic() + 20
    while "detach" not in (sdk.baremetal.get_node(node.id).last_error or ""):
        assert time.monotonic() < deadline, sdk.baremetal.get_node(node.id).last_error
        time.sleep(0.1)
    assert "does not support detach_virtual_media" in sdk.baremetal.get_node(node.id).last_error

    # Listing is answered at once, so the refusal is the answer (400), as in Ironic.
    resp = requests.get(f"{service.url}/v1/nodes/{node.id}/vmedia", headers=H)
    assert resp.status_code == 400
    assert "does not support" in json.loads(resp.json()["error_message"])["faultstring"]
