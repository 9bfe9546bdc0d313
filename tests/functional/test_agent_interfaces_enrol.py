"""Enrolling nodes with the agent-based interfaces, as Metal3 and gophercloud's acceptance
tests do, and the target RAID configuration check at ``PUT states/raid``."""

import json
import uuid

import pytest
import requests

V = {"X-OpenStack-Ironic-API-Version": "1.87"}


def _error(resp: requests.Response) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


@pytest.mark.parametrize("driver", ["ipmi", "redfish"])
def test_metal3_enrols_with_agent_raid_rescue_and_custom_agent(service, sdk, driver):
    node = sdk.baremetal.create_node(
        driver=driver,
        name=f"metal3-{uuid.uuid4().hex[:8]}",
        raid_interface="agent",
        rescue_interface="agent",
        deploy_interface="custom-agent",
    )
    assert (node.raid_interface, node.rescue_interface, node.deploy_interface) == (
        "agent",
        "agent",
        "custom-agent",
    )
    sdk.baremetal.delete_node(node)


def test_target_raid_config_is_checked_against_ironics_schema(service, sdk):
    node = sdk.baremetal.create_node(
        driver="fake-hardware", name=f"raid-{uuid.uuid4().hex[:8]}", raid_interface="agent"
    )
    url = f"{service.url}/v1/nodes/{node.id}/states/raid"
    cases = [
        # (jsonschema's own words follow Ironic's prefix)
        ({"logical_disks": []}, "RAID config validation error: [] should be non-empty"),
        (
            {"logical_disks": [{"raid_level": "1"}]},
            "RAID config validation error: 'size_gb' is a required property",
        ),
        (
            {"logical_disks": [{"raid_level": "1", "size_gb": 10, "colour": "red"}]},
            "RAID config validation error: Additional properties are not allowed "
            "('colour' was unexpected)",
        ),
        (
            {"logical_disks": [{"raid_level": "1", "size_gb": -1}]},
            "RAID config validation error: -1 is not valid under any of the given schemas",
        ),
    ]
    for body, message in cases:
        resp = requests.put(url, json=body, headers=V, timeout=10)
        assert resp.status_code == 400, (body, resp.text)
        assert _error(resp) == message
    good = {"logical_disks": [{"raid_level": "5", "size_gb": 100, "controller": "software"}]}
    assert requests.put(url, json=good, headers=V, timeout=10).status_code == 204
    assert sdk.baremetal.get_node(node.id).target_raid_config == good
    # An empty document unsets it, as in Ironic.
    assert requests.put(url, json={}, headers=V, timeout=10).status_code == 204
    assert sdk.baremetal.get_node(node.id).target_raid_config == {}
    sdk.baremetal.delete_node(node)


def test_no_raid_refuses_a_target_raid_config(service, sdk):
    node = sdk.baremetal.create_node(
        driver="fake-hardware", name=f"noraid-{uuid.uuid4().hex[:8]}", raid_interface="no-raid"
    )
    body = {"logical_disks": [{"raid_level": "1", "size_gb": 10}]}
    resp = requests.put(f"{service.url}/v1/nodes/{node.id}/states/raid", json=body, headers=V)
    assert resp.status_code == 400
    assert _error(resp) == (
        "Driver fake-hardware does not support raid (disabled or not implemented)."
    )
    sdk.baremetal.delete_node(node)


def test_templates_and_runbooks_may_name_steps_only_an_agent_offers(service):
    """As Ironic: a step of the deploy interface nobody declares may be one the agent
    offers (checked when a node runs it); a step of another interface is still refused."""
    name = f"CUSTOM_AGENT_{uuid.uuid4().hex[:8].upper()}"
    agent_step = {"interface": "deploy", "step": "install_coreos", "args": {}, "priority": 80}
    resp = requests.post(
        f"{service.url}/v1/deploy_templates",
        json={"name": name, "steps": [agent_step]},
        headers=V,
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    clean_step = {"interface": "deploy", "step": "erase_devices_express", "args": {}, "order": 1}
    resp = requests.post(
        f"{service.url}/v1/runbooks",
        json={"name": name, "steps": [clean_step]},
        headers={"X-OpenStack-Ironic-API-Version": "1.92"},
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    bad = {"interface": "bios", "step": "install_coreos", "args": {}, "priority": 80}
    resp = requests.post(
        f"{service.url}/v1/deploy_templates",
        json={"name": f"{name}_BAD", "steps": [bad]},
        headers=V,
        timeout=10,
    )
    assert resp.status_code == 400
    assert "bios.install_coreos" in _error(resp) and ".*" not in _error(resp)
