"""Shards (1.82) and hierarchical nodes (1.83) through openstacksdk, the CLI and plain HTTP.

The service is shared by the tests of a worker, so every shard and node gets a unique name and
lists are checked for membership, not equality.
"""

import contextlib
import json
import uuid

import pytest
import requests

LATEST = {"X-OpenStack-Ironic-API-Version": "latest"}


def v(minor: int) -> dict:
    return {"X-OpenStack-Ironic-API-Version": f"1.{minor}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def mac() -> str:
    tail = uuid.uuid4().hex[:6]
    return "52:54:00:" + ":".join(tail[i : i + 2] for i in range(0, 6, 2))


def fault(resp) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


@pytest.fixture
def made(sdk):
    """Nodes a test creates, deleted children first afterwards."""
    nodes = []
    yield nodes
    for node in reversed(nodes):  # best-effort cleanup of a test's leftovers
        with contextlib.suppress(Exception):
            sdk.baremetal.delete_node(node, ignore_missing=True)


def _shards(url: str, headers=LATEST) -> dict:
    resp = requests.get(f"{url}/v1/shards", headers=headers)
    assert resp.status_code == 200, resp.text
    return {s["name"]: s["count"] for s in resp.json()["shards"]}


# --- shards ----------------------------------------------------------------------------------
def test_shards_are_counted_and_filter_nodes_ports_and_portgroups(service, sdk, cli, made):
    shard_a, shard_b = unique("shard-a"), unique("shard-b")
    a1 = sdk.baremetal.create_node(driver="fake-hardware", name=unique("sa"), shard=shard_a)
    a2 = sdk.baremetal.create_node(driver="fake-hardware", name=unique("sa"), shard=shard_a)
    b1 = sdk.baremetal.create_node(driver="fake-hardware", name=unique("sb"), shard=shard_b)
    plain = sdk.baremetal.create_node(driver="fake-hardware", name=unique("plain"))
    made.extend([a1, a2, b1, plain])
    assert a1.shard == shard_a and plain.shard is None

    counts = _shards(service.url)
    assert counts[shard_a] == 2 and counts[shard_b] == 1
    # Nodes without a shard are reported under "None", as Ironic does, so counts add up.
    total = len(list(sdk.baremetal.nodes(include_children=True)))
    assert counts["None"] >= 1 and sum(counts.values()) == total
    listed = requests.get(f"{service.url}/v1/shards", headers=LATEST).json()["shards"]
    assert [s["count"] for s in listed] == sorted((s["count"] for s in listed), reverse=True)

    shown = {row["name"]: row["count"] for row in cli.json("shard", "list")}
    assert shown[shard_a] == 2 and shown[shard_b] == 1

    in_a = {n.id for n in sdk.baremetal.nodes(shard=shard_a)}
    assert in_a == {a1.id, a2.id}
    both = requests.get(
        f"{service.url}/v1/nodes?shard={shard_a},{shard_b}&fields=uuid", headers=LATEST
    ).json()["nodes"]
    assert {n["uuid"] for n in both} == {a1.id, a2.id, b1.id}
    unsharded = requests.get(
        f"{service.url}/v1/nodes?sharded=false&fields=uuid,shard", headers=LATEST
    ).json()["nodes"]
    assert plain.id in {n["uuid"] for n in unsharded}
    assert all(n["shard"] is None for n in unsharded)
    sharded = requests.get(
        f"{service.url}/v1/nodes?sharded=true&fields=uuid,shard", headers=LATEST
    ).json()["nodes"]
    assert {a1.id, b1.id} <= {n["uuid"] for n in sharded} and plain.id not in {
        n["uuid"] for n in sharded
    }
    assert {r["uuid"] for r in cli.json("node", "list", "--shards", shard_b)} == {b1.id}

    # Moving a node between shards is a plain PATCH and shows in the counts at once.
    sdk.baremetal.update_node(a2, shard=shard_b)
    counts = _shards(service.url)
    assert counts[shard_a] == 1 and counts[shard_b] == 2

    # Ports (1.82) and portgroups (1.106) filter by the shard of their node.
    pa = sdk.baremetal.create_port(node_id=a1.id, address=mac())
    pb = sdk.baremetal.create_port(node_id=b1.id, address=mac())
    ga = sdk.baremetal.create_port_group(node_id=a1.id, name=unique("pg"))
    ports = requests.get(f"{service.url}/v1/ports?shard={shard_a}", headers=LATEST).json()
    assert {p["uuid"] for p in ports["ports"]} == {pa.id}
    assert {p.id for p in sdk.baremetal.ports(shard=shard_b)} == {pb.id}
    groups = requests.get(f"{service.url}/v1/portgroups?shard={shard_a}", headers=LATEST).json()
    assert {g["uuid"] for g in groups["portgroups"]} == {ga.id}


def test_shard_version_gates(service, sdk, made):
    url = service.url
    assert requests.get(f"{url}/v1/shards", headers=v(81)).status_code == 404
    assert requests.get(f"{url}/v1/shards/anything", headers=LATEST).status_code == 404
    # Query arguments and fields newer than the request are refused with 406.
    assert requests.get(f"{url}/v1/nodes?shard=x", headers=v(81)).status_code == 406
    assert requests.get(f"{url}/v1/nodes?sharded=true", headers=v(81)).status_code == 406
    assert requests.get(f"{url}/v1/ports?shard=x", headers=v(81)).status_code == 406
    assert requests.get(f"{url}/v1/portgroups?shard=x", headers=v(105)).status_code == 406
    assert requests.get(f"{url}/v1/portgroups?shard=x", headers=v(106)).status_code == 200
    resp = requests.post(
        f"{url}/v1/nodes", json={"driver": "fake-hardware", "shard": "x"}, headers=v(81)
    )
    assert resp.status_code == 406
    node = sdk.baremetal.create_node(driver="fake-hardware", shard=unique("gate"))
    made.append(node)
    assert "shard" not in requests.get(f"{url}/v1/nodes/{node.id}", headers=v(81)).json()
    bad = requests.get(f"{url}/v1/nodes?sharded=maybe", headers=LATEST)
    assert bad.status_code == 400
    # The shard list ignores query arguments, like Ironic's.
    assert requests.get(f"{url}/v1/shards?limit=1", headers=LATEST).status_code == 200


# --- children ----------------------------------------------------------------------------------
def test_children_listed_hidden_by_default_and_filtered(service, sdk, cli, made):
    url = service.url
    parent = sdk.baremetal.create_node(driver="fake-hardware", name=unique("parent"))
    made.append(parent)
    kid1 = sdk.baremetal.create_node(
        driver="fake-hardware", name=unique("kid"), parent_node=parent.name
    )
    kid2 = sdk.baremetal.create_node(driver="fake-hardware", name=unique("kid"))
    made.extend([kid1, kid2])
    # A parent named by name is stored by UUID.
    assert kid1.parent_node == parent.id
    sdk.baremetal.update_node(kid2, parent_node=parent.id)

    resp = requests.get(f"{url}/v1/nodes/{parent.name}/children", headers=LATEST)
    assert resp.status_code == 200
    doc = resp.json()
    assert sorted(doc["children"]) == sorted([kid1.id, kid2.id])
    assert doc["links"]["rel"] == "children"
    assert doc["links"]["href"].endswith(f"/v1/nodes?parent_node={parent.id}")
    assert requests.get(f"{url}/v1/nodes/{kid1.id}/children", headers=LATEST).json() == {
        "children": [],
        "links": {"href": f"{url}/v1/nodes?parent_node={kid1.id}", "rel": "children"},
    }
    # python-ironicclient 6.3 renders this list as one "children" field holding the first
    # child only (its command is a ShowOne fed rows); against Ironic it does the same.
    cli_children = cli.json("node", "children", "list", parent.name)["children"]
    assert set(cli_children) <= {kid1.id, kid2.id} and cli_children

    # Children are left out of node lists unless asked for (Ironic's behaviour).
    default = {n["uuid"] for n in requests.get(f"{url}/v1/nodes", headers=LATEST).json()["nodes"]}
    assert parent.id in default and kid1.id not in default and kid2.id not in default
    detail = requests.get(f"{url}/v1/nodes/detail", headers=LATEST).json()["nodes"]
    assert kid1.id not in {n["uuid"] for n in detail}
    everything = {n.id for n in sdk.baremetal.nodes(include_children=True)}
    assert {parent.id, kid1.id, kid2.id} <= everything
    by_parent = requests.get(f"{url}/v1/nodes?parent_node={parent.name}", headers=LATEST)
    assert {n["uuid"] for n in by_parent.json()["nodes"]} == {kid1.id, kid2.id}
    by_uuid = {n.id for n in sdk.baremetal.nodes(parent_node=parent.id)}
    assert by_uuid == {kid1.id, kid2.id}
    unknown = requests.get(f"{url}/v1/nodes?parent_node=no-such-node", headers=LATEST)
    assert unknown.status_code == 200 and unknown.json()["nodes"] == []
    listed = cli.json("node", "list", "--include-children", "--fields", "uuid", "parent_node")
    assert {r["uuid"] for r in listed} >= {kid1.id, kid2.id}

    # A child can still be fetched on its own.
    assert sdk.baremetal.get_node(kid1.id).parent_node == parent.id


def test_parent_delete_refused_while_it_has_children(service, sdk, cli, made):
    url = service.url
    parent = sdk.baremetal.create_node(driver="fake-hardware", name=unique("parent"))
    kid = sdk.baremetal.create_node(driver="fake-hardware", parent_node=parent.id)
    made.extend([parent, kid])
    resp = requests.delete(f"{url}/v1/nodes/{parent.id}", headers=LATEST)
    assert resp.status_code == 409
    assert kid.id in fault(resp) and "parent_node" in fault(resp)
    proc = cli.run("node", "delete", parent.id, check=False)
    assert proc.returncode != 0 and "is the parent of" in proc.stderr
    assert sdk.baremetal.get_node(parent.id)

    # Clearing the child's parent_node (``node unset --parent-node``) releases the parent.
    cli.run("node", "unset", kid.id, "--parent-node")
    assert sdk.baremetal.get_node(kid.id).parent_node is None
    sdk.baremetal.delete_node(parent)
    assert requests.get(f"{url}/v1/nodes/{parent.id}", headers=LATEST).status_code == 404


def test_parent_node_rules_and_version_gates(service, sdk, made):
    url = service.url
    node = sdk.baremetal.create_node(driver="fake-hardware", name=unique("lone"))
    made.append(node)
    missing = requests.post(
        f"{url}/v1/nodes",
        json={"driver": "fake-hardware", "parent_node": str(uuid.uuid4())},
        headers=LATEST,
    )
    assert missing.status_code == 400 and "parent_node" in fault(missing)
    itself = requests.patch(
        f"{url}/v1/nodes/{node.id}",
        json=[{"op": "add", "path": "/parent_node", "value": node.id}],
        headers=LATEST,
    )
    assert itself.status_code == 400 and "own parent_node" in fault(itself)
    assert requests.get(f"{url}/v1/nodes/{node.id}/children", headers=v(82)).status_code == 404
    assert requests.get(f"{url}/v1/nodes?parent_node=x", headers=v(82)).status_code == 406
    assert requests.get(f"{url}/v1/nodes?include_children=1", headers=v(82)).status_code == 406
    assert "parent_node" not in requests.get(f"{url}/v1/nodes/{node.id}", headers=v(82)).json()
    gone = requests.get(f"{url}/v1/nodes/{uuid.uuid4()}/children", headers=LATEST)
    assert gone.status_code == 404
    extra = requests.get(f"{url}/v1/nodes/{node.id}/children?detail=true", headers=LATEST)
    assert extra.status_code == 400
