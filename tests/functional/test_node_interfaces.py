"""A node's interfaces through the API: JSON-Patch and the CLI, as Ironic treats them."""

import uuid

import requests

LATEST = {"X-OpenStack-Ironic-API-Version": "latest"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def patch(url: str, node: str, ops: list[dict]):
    return requests.patch(f"{url}/v1/nodes/{node}", json=ops, headers=LATEST)


def test_removing_an_interface_resets_it_to_the_hardware_types_default(service, sdk, cli):
    node = sdk.baremetal.create_node(
        driver="fake-hardware",
        name=unique("iface"),
        deploy_interface="direct",
        management_interface="noop",
        network_interface="noop",
    )
    ops = [
        {"op": "remove", "path": "/deploy_interface"},
        {"op": "replace", "path": "/management_interface", "value": None},
    ]
    resp = patch(service.url, node.id, ops)
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    assert (doc["deploy_interface"], doc["management_interface"]) == ("fake", "fake")
    assert doc["network_interface"] == "noop", "an interface not named is left alone"
    # The CLI's `node unset --<type>-interface` sends the same remove.
    cli.run("node", "unset", node.id, "--network-interface")
    assert sdk.baremetal.get_node(node.id).network_interface == "flat"
    sdk.baremetal.delete_node(node)
