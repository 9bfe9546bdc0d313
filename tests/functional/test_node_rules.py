"""The rules behind node fields, end to end through openstacksdk, the CLI and plain HTTP:
retired (1.61), protected (1.48), instance_name (1.104), disable_power_off (1.95),
network_data (1.66), description (1.51), owner (1.50) / lessee (1.65), health (1.109) and
owner on allocations (1.60).
"""

import contextlib
import json
import time
import uuid

import pytest
import requests

LATEST = {"X-OpenStack-Ironic-API-Version": "latest"}


def v(minor: int) -> dict:
    return {"X-OpenStack-Ironic-API-Version": f"1.{minor}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def fault(resp) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


def patch(url: str, node: str, ops: list[dict], headers=LATEST):
    return requests.patch(f"{url}/v1/nodes/{node}", json=ops, headers=headers)


def provision(url: str, node: str, target: str):
    return requests.put(
        f"{url}/v1/nodes/{node}/states/provision", json={"target": target}, headers=LATEST
    )


def wait_for(sdk, node_id: str, check, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        node = sdk.baremetal.get_node(node_id)
        if check(node):
            return node
        if time.monotonic() > deadline:
            raise AssertionError(f"node {node_id} never got there: {node.provision_state}")
        time.sleep(0.2)


@pytest.fixture
def enrolled(sdk):
    nodes = []

    def make(**fields):
        node = sdk.baremetal.create_node(driver="fake-hardware", name=unique("rule"), **fields)
        nodes.append(node)
        return node

    yield make
    for node in nodes:  # best-effort cleanup: a test may have deleted or changed its nodes
        with contextlib.suppress(Exception):
            sdk.baremetal.update_node(node, protected=False)
        with contextlib.suppress(Exception):
            sdk.baremetal.set_node_maintenance(node, reason="cleanup")
            sdk.baremetal.delete_node(node, ignore_missing=True)


def _manageable(sdk, make, **fields):
    node = make(**fields)
    return sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)


def _active(sdk, make, **fields):
    node = _manageable(sdk, make, **fields)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    return sdk.baremetal.set_node_provision_state(node, "active", wait=True, timeout=30)


# --- retired -------------------------------------------------------------------------------------
def test_retired_node_goes_to_manageable_after_cleaning_and_cannot_be_provided(
    service, sdk, cli, enrolled
):
    url = service.url
    node = _active(sdk, enrolled)
    cli.run("node", "set", node.id, "--retired", "--retired-reason", "disk wearing out")
    node = sdk.baremetal.get_node(node.id)
    assert node.is_retired and node.retired_reason == "disk wearing out"
    retired = {n["uuid"] for n in cli.json("node", "list", "--retired")}
    assert node.id in retired
    not_retired = requests.get(f"{url}/v1/nodes?retired=false", headers=LATEST).json()["nodes"]
    assert node.id not in {n["uuid"] for n in not_retired}

    # Undeploy cleans it, then it stops in manageable instead of available.
    sdk.baremetal.set_node_provision_state(node, "deleted")
    node = wait_for(sdk, node.id, lambda n: n.provision_state in ("manageable", "available"))
    assert node.provision_state == "manageable"

    resp = provision(url, node.id, "provide")
    assert resp.status_code == 400 and "retired" in fault(resp)
    assert sdk.baremetal.get_node(node.id).provision_state == "manageable"

    # Unretiring clears the reason; then it may be provided again.
    cli.run("node", "unset", node.id, "--retired")
    node = sdk.baremetal.get_node(node.id)
    assert node.is_retired is False and node.retired_reason is None
    node = sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    assert node.provision_state == "available"

    # An available node cannot be retired, and a reason needs the flag.
    resp = patch(url, node.id, [{"op": "add", "path": "/retired", "value": True}])
    assert resp.status_code == 409 and "available" in fault(resp)
    resp = patch(url, node.id, [{"op": "add", "path": "/retired_reason", "value": "why"}])
    assert resp.status_code == 400 and "retired_reason" in fault(resp)
    assert (
        patch(url, node.id, [{"op": "add", "path": "/retired", "value": True}], v(60)).status_code
        == 406
    )
    assert "retired" not in requests.get(f"{url}/v1/nodes/{node.id}", headers=v(60)).json()


# --- protected -----------------------------------------------------------------------------------
def test_protected_node_refuses_undeploy_rebuild_and_delete(service, sdk, cli, enrolled):
    url = service.url
    spare = _manageable(sdk, enrolled)
    resp = patch(url, spare.id, [{"op": "add", "path": "/protected", "value": True}])
    assert resp.status_code == 409 and "active" in fault(resp)

    node = _active(sdk, enrolled)
    resp = patch(url, node.id, [{"op": "add", "path": "/protected_reason", "value": "x"}])
    assert resp.status_code == 400
    cli.run("node", "set", node.id, "--protected", "--protected-reason", "tenant database")
    node = sdk.baremetal.get_node(node.id)
    assert node.is_protected and node.protected_reason == "tenant database"

    for target in ("deleted", "rebuild"):
        resp = provision(url, node.id, target)
        assert resp.status_code == 403, (target, resp.text)
        assert "protected" in fault(resp)
    assert sdk.baremetal.get_node(node.id).provision_state == "active"

    # Even in maintenance (which lets an active node be deleted) a protected node stays.
    sdk.baremetal.set_node_maintenance(node, reason="test")
    resp = requests.delete(f"{url}/v1/nodes/{node.id}", headers=LATEST)
    assert resp.status_code == 403 and "protected" in fault(resp)
    proc = cli.run("node", "delete", node.id, check=False)
    assert proc.returncode != 0 and "protected" in proc.stderr
    sdk.baremetal.unset_node_maintenance(node)

    # Unprotecting clears the reason and lets the undeploy through.
    cli.run("node", "unset", node.id, "--protected")
    node = sdk.baremetal.get_node(node.id)
    assert node.is_protected is False and node.protected_reason is None
    node = sdk.baremetal.set_node_provision_state(node, "deleted", wait=True, timeout=30)
    assert node.provision_state == "available"
    assert (
        patch(url, node.id, [{"op": "add", "path": "/protected", "value": True}], v(47)).status_code
        == 406
    )


# --- instance_name -------------------------------------------------------------------------------
def test_instance_name_field_and_filter(service, sdk, enrolled):
    url = service.url
    node = enrolled()
    name = unique("vm")
    resp = patch(url, node.id, [{"op": "add", "path": "/instance_name", "value": name}])
    assert resp.status_code == 200 and resp.json()["instance_name"] == name
    found = requests.get(f"{url}/v1/nodes?instance_name={name}", headers=LATEST).json()["nodes"]
    assert [n["uuid"] for n in found] == [node.id]
    assert requests.get(f"{url}/v1/nodes?instance_name=x", headers=v(103)).status_code == 406
    assert "instance_name" not in requests.get(f"{url}/v1/nodes/{node.id}", headers=v(103)).json()
    resp = patch(url, node.id, [{"op": "add", "path": "/instance_name", "value": "y"}], v(103))
    assert resp.status_code == 406

    # Without one, the display name Nova puts in instance_info fills it in.
    other = enrolled()
    display = unique("display")
    sdk.baremetal.update_node(other, instance_info={"display_name": display})
    assert sdk.baremetal.get_node(other.id).instance_name == display


# --- disable_power_off ---------------------------------------------------------------------------
def test_disable_power_off_refuses_power_off_but_reboots(service, sdk, cli, enrolled):
    url = service.url
    node = _manageable(sdk, enrolled)
    sdk.baremetal.set_node_power_state(node, "power on", wait=True, timeout=30)
    cli.run("node", "set", node.id, "--disable-power-off")
    # (openstacksdk 4.22's Node has no disable_power_off or network_data attribute.)
    assert cli.json("node", "show", node.id, "--fields", "disable_power_off") == {
        "disable_power_off": True
    }
    for target in ("power off", "soft power off"):
        resp = requests.put(
            f"{url}/v1/nodes/{node.id}/states/power", json={"target": target}, headers=LATEST
        )
        assert resp.status_code == 409, (target, resp.text)
        assert "disable_power_off" in fault(resp)
    proc = cli.run("node", "power", "off", node.id, check=False)
    assert proc.returncode != 0 and "disable_power_off" in proc.stderr

    for target in ("rebooting", "soft rebooting"):
        resp = requests.put(
            f"{url}/v1/nodes/{node.id}/states/power", json={"target": target}, headers=LATEST
        )
        assert resp.status_code == 202, resp.text
        node = wait_for(sdk, node.id, lambda n: n.target_power_state is None)
        assert node.power_state == "power on" and node.last_error is None

    # A step list asking for a power off fails its step rather than switch the node off.
    resp = requests.put(
        f"{url}/v1/nodes/{node.id}/states/provision",
        json={"target": "clean", "clean_steps": [{"interface": "power", "step": "power_off"}]},
        headers=LATEST,
    )
    assert resp.status_code == 202, resp.text
    node = wait_for(sdk, node.id, lambda n: n.provision_state == "clean failed")
    assert "disable_power_off" in node.last_error and node.power_state == "power on"

    assert (
        patch(
            url, node.id, [{"op": "add", "path": "/disable_power_off", "value": True}], v(94)
        ).status_code
        == 406
    )
    assert (
        "disable_power_off" not in requests.get(f"{url}/v1/nodes/{node.id}", headers=v(94)).json()
    )


# --- network_data --------------------------------------------------------------------------------
NETWORK_DATA = {
    "links": [
        {"id": "eth0", "type": "phy", "ethernet_mac_address": "52:54:00:aa:bb:01", "mtu": 1500},
        {"id": "eth1", "type": "phy", "ethernet_mac_address": "52:54:00:aa:bb:02"},
        {
            "id": "bond0",
            "type": "bond",
            "ethernet_mac_address": "52:54:00:aa:bb:01",
            "bond_mode": "802.3ad",
            "bond_links": ["eth0", "eth1"],
        },
        {
            "id": "vlan10",
            "type": "vlan",
            "vlan_mac_address": "52:54:00:aa:bb:01",
            "vlan_link": "bond0",
            "vlan_id": 10,
        },
    ],
    "networks": [
        {
            "id": "provisioning",
            "link": "vlan10",
            "network_id": "8a0c7bd2-2b54-4d9a-9fd8-7d2a45d6c2a7",
            "type": "ipv4",
            "ip_address": "192.0.2.10",
            "netmask": "255.255.255.0",
            "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "192.0.2.1"}],
        },
        {"id": "v6", "link": "bond0", "network_id": "v6net", "type": "ipv6_slaac"},
    ],
    "services": [{"type": "dns", "address": "192.0.2.53"}],
}


@pytest.mark.parametrize(
    "broken, where",
    [
        ({"links": [], "networks": []}, "services"),
        ({**NETWORK_DATA, "links": [{"id": "eth0", "type": "phy"}]}, "ethernet_mac_address"),
        (
            {
                **NETWORK_DATA,
                "links": [{"id": "e", "type": "phy", "ethernet_mac_address": "not-a-mac"}],
            },
            "links/0/ethernet_mac_address",
        ),
        (
            {**NETWORK_DATA, "networks": [{**NETWORK_DATA["networks"][0], "ip_address": "1.2.3"}]},
            "networks/0/ip_address",
        ),
        (
            {**NETWORK_DATA, "networks": [{**NETWORK_DATA["networks"][0], "type": "ipv5"}]},
            "networks/0/type",
        ),
        ({**NETWORK_DATA, "links": [{**NETWORK_DATA["links"][2], "bond_mode": "x"}]}, "bond_mode"),
        ("not an object", "network_data"),
    ],
)
def test_bad_network_data_is_refused(service, enrolled, broken, where):
    url = service.url
    node = enrolled()
    resp = patch(url, node.id, [{"op": "add", "path": "/network_data", "value": broken}])
    assert resp.status_code == 400, resp.text
    assert where in fault(resp)
    created = requests.post(
        f"{url}/v1/nodes", json={"driver": "fake-hardware", "network_data": broken}, headers=LATEST
    )
    assert created.status_code == 400


def test_network_data_stored_cleared_and_gated(service, sdk, cli, enrolled):
    url = service.url
    created = requests.post(
        f"{url}/v1/nodes",
        json={"driver": "fake-hardware", "name": unique("nd"), "network_data": NETWORK_DATA},
        headers=LATEST,
    )
    assert created.status_code == 201, created.text
    node = created.json()
    assert node["network_data"] == NETWORK_DATA

    def stored():
        return requests.get(f"{url}/v1/nodes/{node['uuid']}", headers=LATEST).json()["network_data"]

    assert cli.json("node", "show", node["uuid"], "--fields", "network_data") == {
        "network_data": NETWORK_DATA
    }
    cli.run("node", "set", node["uuid"], "--network-data", json.dumps({}))
    assert stored() == {}
    resp = patch(url, node["uuid"], [{"op": "add", "path": "/network_data", "value": NETWORK_DATA}])
    assert resp.status_code == 200 and stored() == NETWORK_DATA
    resp = patch(url, node["uuid"], [{"op": "remove", "path": "/network_data"}])
    assert resp.status_code == 200 and resp.json()["network_data"] == {}
    resp = patch(url, node["uuid"], [{"op": "add", "path": "/network_data", "value": {}}], v(65))
    assert resp.status_code == 406
    old = requests.get(f"{url}/v1/nodes/{node['uuid']}", headers=v(65)).json()
    assert "network_data" not in old
    sdk.baremetal.delete_node(node["uuid"])


# --- description, owner, lessee, health ----------------------------------------------------------
def test_description_owner_lessee_and_their_filters(service, sdk, cli, enrolled):
    url = service.url
    owner, lessee, word = unique("owner"), unique("lessee"), unique("word")
    a = enrolled(owner=owner, description=f"rack 4 {word} spare")
    b = enrolled(lessee=lessee)
    c = enrolled(owner=lessee)

    def listed(query: str, headers=LATEST) -> set:
        resp = requests.get(f"{url}/v1/nodes?{query}&fields=uuid", headers=headers)
        assert resp.status_code == 200, resp.text
        return {n["uuid"] for n in resp.json()["nodes"]}

    assert listed(f"owner={owner}") == {a.id}
    assert listed(f"lessee={lessee}") == {b.id}
    assert listed(f"project={lessee}") == {b.id, c.id}
    assert listed(f"description_contains={word}") == {a.id}
    assert {r["uuid"] for r in cli.json("node", "list", "--owner", owner)} == {a.id}
    assert {r["uuid"] for r in cli.json("node", "list", "--lessee", lessee)} == {b.id}
    assert {r["uuid"] for r in cli.json("node", "list", "--description-contains", word)} == {a.id}
    assert sdk.baremetal.get_node(a.id).description == f"rack 4 {word} spare"
    # Ironic gates owner and lessee, not description_contains.
    for query, too_old in (("owner=x", 49), ("lessee=x", 64)):
        assert requests.get(f"{url}/v1/nodes?{query}", headers=v(too_old)).status_code == 406, query
    assert (
        requests.post(
            f"{url}/v1/nodes", json={"driver": "fake-hardware", "lessee": "x"}, headers=v(64)
        ).status_code
        == 406
    )
    cli.run("node", "unset", a.id, "--owner", "--description")
    shown = sdk.baremetal.get_node(a.id)
    assert shown.owner is None and shown.description is None


def test_health_is_read_only_and_gated(service, enrolled):
    url = service.url
    node = enrolled()
    doc = requests.get(f"{url}/v1/nodes/{node.id}", headers=LATEST).json()
    assert "health" in doc
    assert "health" not in requests.get(f"{url}/v1/nodes/{node.id}", headers=v(108)).json()
    resp = patch(url, node.id, [{"op": "add", "path": "/health", "value": "OK"}])
    assert resp.status_code == 400 and "health" in fault(resp)
    resp = requests.post(
        f"{url}/v1/nodes", json={"driver": "fake-hardware", "health": "OK"}, headers=LATEST
    )
    assert resp.status_code == 400


def test_allocation_owner_matches_owned_nodes_and_filters(service, sdk, enrolled):
    url = service.url
    owner, rc = unique("tenant"), unique("RC").upper().replace("-", "_")
    mine = _manageable(sdk, enrolled, owner=owner, resource_class=rc)
    sdk.baremetal.set_node_provision_state(mine, "provide", wait=True, timeout=30)
    theirs = _manageable(sdk, enrolled, resource_class=rc)
    sdk.baremetal.set_node_provision_state(theirs, "provide", wait=True, timeout=30)

    alloc = sdk.baremetal.create_allocation(resource_class=rc, owner=owner)
    alloc = sdk.baremetal.wait_for_allocation(alloc, timeout=30)
    assert alloc.owner == owner and alloc.node_id == mine.id
    listed = requests.get(f"{url}/v1/allocations?owner={owner}", headers=LATEST).json()
    assert [a["uuid"] for a in listed["allocations"]] == [alloc.id]
    assert requests.get(f"{url}/v1/allocations?owner=x", headers=v(59)).status_code == 406
    sdk.baremetal.delete_allocation(alloc)
