"""Inspection rules (1.96) through openstacksdk, the CLI and raw HTTP, and run by inspection.

Rules apply to every inspected node, and this service is shared by the whole suite: each
rule here carries a condition naming its own node, and is deleted at the end.
"""

import json
import time
import uuid

import pytest
import requests
from openstack import exceptions as sdk_exc

from ironic_lite_agent import lldp

H = {"X-OpenStack-Ironic-API-Version": "latest"}
LOG = {"op": "log", "args": {"msg": "seen {inventory[cpu][count]} CPUs"}}


def _fault(resp) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


def _only(node_id: str) -> list[dict]:
    return [{"op": "eq", "args": {"values": ["{node[uuid]}", node_id]}}]


def _wait(sdk, node_id, leaving, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        node = sdk.baremetal.get_node(node_id)
        if node.provision_state != leaving:
            return node
        time.sleep(0.2)
    raise AssertionError(f"node {node_id} still {leaving}")


def test_rule_crud_with_sdk(sdk):
    rule = sdk.baremetal.create_inspection_rule(
        description="tag big machines",
        priority=20,
        conditions=[{"op": "gt", "args": {"values": ["{inventory[cpu][count]}", 64]}}],
        actions=[{"op": "add-trait", "args": {"name": "CUSTOM_BIG"}}],
    )
    assert (rule.phase, rule.priority, rule.sensitive) == ("main", 20, False)
    got = sdk.baremetal.get_inspection_rule(rule.id)
    assert got.conditions[0]["op"] == "gt" and got.actions[0]["args"] == {"name": "CUSTOM_BIG"}
    assert rule.id in [r.id for r in sdk.baremetal.inspection_rules()]
    patched = sdk.baremetal.patch_inspection_rule(
        rule, [{"op": "replace", "path": "/description", "value": "tag huge machines"}]
    )
    assert patched.description == "tag huge machines"
    sdk.baremetal.delete_inspection_rule(rule)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.baremetal.get_inspection_rule(rule.id)


def test_a_sensitive_rule_hides_its_body_and_stays_sensitive(service, sdk):
    secret = {"op": "set-attribute", "args": {"path": "/driver_info/password", "value": "s3cr3t"}}
    rule = sdk.baremetal.create_inspection_rule(
        sensitive=True, conditions=_only(str(uuid.uuid4())), actions=[secret]
    )
    try:
        assert rule.conditions is None and rule.actions is None
        url = f"{service.url}/v1/inspection_rules"
        shown = requests.get(f"{url}/{rule.id}", headers=H).json()
        assert shown["sensitive"] is True and shown["actions"] is None
        listed = requests.get(f"{url}?detail=true", headers=H).json()["inspection_rules"]
        mine = next(r for r in listed if r["uuid"] == rule.id)
        assert mine["conditions"] is None and "s3cr3t" not in json.dumps(listed)
        resp = requests.patch(
            f"{url}/{rule.id}",
            json=[{"op": "replace", "path": "/sensitive", "value": False}],
            headers=H,
        )
        assert resp.status_code == 400 and "sensitive" in _fault(resp)
    finally:
        sdk.baremetal.delete_inspection_rule(rule)


@pytest.mark.parametrize(
    "doc,fragment",
    [
        ({"actions": [{"op": "reboot-switch", "args": {}}]}, "reboot-switch"),
        ({"actions": [LOG], "conditions": [{"op": "bigger", "args": []}]}, "bigger"),
        ({"actions": [{"op": "log", "args": {"message": "x"}}]}, "message"),
        ({"actions": []}, "actions"),
        ({"conditions": [{"op": "eq", "args": {"values": [1, 1]}}]}, "actions"),
        ({"actions": [LOG], "phase": "late"}, "phase"),
        ({"actions": [LOG], "priority": -1}, "priority"),
        ({"actions": [LOG], "colour": "red"}, "colour"),
        ({"actions": [{"op": "add-trait"}]}, "args"),
    ],
)
def test_invalid_rules_are_refused(service, doc, fragment):
    resp = requests.post(f"{service.url}/v1/inspection_rules", json=doc, headers=H)
    assert resp.status_code == 400, resp.text
    assert fragment in _fault(resp)


def test_older_versions_have_no_inspection_rules(service):
    old = {"X-OpenStack-Ironic-API-Version": "1.95"}
    url = f"{service.url}/v1/inspection_rules"
    assert requests.get(url, headers=old).status_code == 404
    assert requests.post(url, json={"actions": [LOG]}, headers=old).status_code == 405


def test_cli_inspection_rule_commands(cli):
    created = cli.json(
        "inspection", "rule", "create", "--description", "cli rule", "--priority", "5",
        "--actions", json.dumps([LOG]),
        "--conditions", json.dumps(_only(str(uuid.uuid4()))),
    )  # fmt: skip
    assert created["description"] == "cli rule" and created["priority"] == 5
    listed = cli.json("inspection", "rule", "list")
    assert created["uuid"] in [r.get("uuid") or r.get("UUID") for r in listed]
    shown = cli.json("inspection", "rule", "show", created["uuid"])
    assert shown["actions"] == [LOG]
    cli.run("inspection", "rule", "delete", created["uuid"])


def test_inspection_runs_the_rules_and_a_miscabled_node_fails_with_the_diff(service, sdk):
    mac = "52:54:00:77:00:01"
    seen = {"chassis_id": "52:54:00:ff:00:01", "system_name": "leaf1", "port_id": "Ethernet1/9"}
    inventory = {
        "cpu": {"count": 6},
        "interfaces": [{"name": "eth0", "mac_address": mac, "lldp": lldp.encode_neighbour(seen)}],
    }
    node = sdk.baremetal.create_node(
        driver="fake-hardware", driver_info={"fake_inventory": inventory}
    )
    sdk.baremetal.create_port(
        node_uuid=node.id,
        address=mac,
        local_link_connection={"switch_id": "52:54:00:ff:00:01", "port_id": "Ethernet1/1"},
    )
    cpus = sdk.baremetal.create_inspection_rule(
        priority=90,
        conditions=_only(node.id),
        actions=[
            {
                "op": "set-attribute",
                "args": {"path": "/properties/cpus", "value": "{inventory[cpu][count]}"},
            },  # fmt: skip
            {"op": "add-trait", "args": {"name": "CUSTOM_INSPECTED"}},
        ],
    )
    cabling = sdk.baremetal.create_inspection_rule(
        priority=10, conditions=_only(node.id), actions=[{"op": "check-wiring", "args": {}}]
    )
    try:
        sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
        sdk.baremetal.set_node_provision_state(node, "inspect")
        failed = _wait(sdk, node.id, "inspecting")
        assert failed.provision_state == "inspect failed"
        assert "expected switch 52:54:00:ff:00:01 port Ethernet1/1" in failed.last_error
        assert "seen switch 52:54:00:ff:00:01 (leaf1) port Ethernet1/9" in failed.last_error
        assert failed.properties["cpus"] == 6 and "CUSTOM_INSPECTED" in failed.traits
        events = requests.get(f"{service.url}/v1/nodes/{node.id}/history", headers=H).json()
        texts = [
            requests.get(f"{service.url}/v1/nodes/{node.id}/history/{e['uuid']}", headers=H).json()[
                "event"
            ]
            for e in events["history"]
        ]
        assert any(cabling.id in t and "Ethernet1/9" in t for t in texts)

        # the cable moved to the port it should be in: inspection passes
        seen["port_id"] = "Ethernet1/1"
        inventory["interfaces"][0]["lldp"] = lldp.encode_neighbour(seen)
        sdk.baremetal.update_node(node, driver_info={"fake_inventory": inventory})
        sdk.baremetal.set_node_provision_state(node, "inspect")
        done = _wait(sdk, node.id, "inspecting")
        assert done.provision_state == "manageable", done.last_error
    finally:
        sdk.baremetal.delete_inspection_rule(cpus)
        sdk.baremetal.delete_inspection_rule(cabling)
        sdk.baremetal.set_node_maintenance(node, reason="test over")
        sdk.baremetal.delete_node(node)
