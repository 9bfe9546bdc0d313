"""Allocations through openstacksdk, the CLI and raw HTTP: ask for a node, get exactly one.

Each test works on nodes of a resource class of its own, so tests sharing the session's
service never see each other's nodes. The key property: concurrent allocations never share a
node, and those left without one end in ``error`` saying why.
"""

import collections
import datetime
import json
import os
import sqlite3
import threading
import time
import uuid

import openstack
import openstack.exceptions as sdk_exc
import pytest
import requests

from tests.lab.server import Service

V = {"X-OpenStack-Ironic-API-Version": "1.60"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def fault(resp, status: int) -> str:
    """Ironic's error body for ``status``; its faultstring."""
    assert resp.status_code == status, f"{resp.status_code}: {resp.text}"
    return json.loads(resp.json()["error_message"])["faultstring"]


def connect(url: str):
    return openstack.connect(
        auth_type="none",
        auth={"endpoint": url},
        baremetal_endpoint_override=url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )


def race(fns) -> list:
    """Run the callables at the same instant, one thread each; their results in order."""
    barrier = threading.Barrier(len(fns))
    results: list = [None] * len(fns)
    errors: list = []

    def run(i, fn):
        try:
            barrier.wait(30)
            results[i] = fn()
        except Exception as e:  # reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    return results


@pytest.fixture(scope="module", autouse=True)
def no_traceback_logged(service):
    """Nothing these tests send may make the service log a traceback (a 500 in disguise)."""
    start = os.path.getsize(service.log)
    yield
    with open(service.log, errors="replace") as f:
        f.seek(start)
        logged = f.read()
    assert "Traceback" not in logged, logged[-5000:]


class Pool:
    """Nodes of one resource class brought to ``available`` together, removed afterwards."""

    def __init__(self, sdk, url: str):
        self.sdk = sdk
        self.url = url
        self.rc = unique("rc")
        self.nodes: list = []

    def add(self, count: int, traits=(), state: str = "available", **fields) -> list:
        made = [
            self.sdk.baremetal.create_node(
                driver="fake-hardware", name=unique("alloc"), resource_class=self.rc, **fields
            )
            for _ in range(count)
        ]
        self.nodes += made
        for node in made:
            if traits:
                self.sdk.baremetal.set_node_traits(node, list(traits))
            self.sdk.baremetal.set_node_provision_state(node, "manage")
        self._wait(made, "manageable")
        if state in ("available", "active"):
            for node in made:
                self.sdk.baremetal.set_node_provision_state(node, "provide")
            self._wait(made, "available")
        if state == "active":
            for node in made:
                self.sdk.baremetal.set_node_provision_state(node, "active")
            self._wait(made, "active")
        return [self.sdk.baremetal.get_node(n.id) for n in made]

    def _wait(self, nodes: list, state: str, timeout: float = 60) -> None:
        wanted = {n.id for n in nodes}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            listed = self.sdk.baremetal.nodes(
                resource_class=self.rc, fields=["uuid", "provision_state"]
            )
            if wanted <= {n.id for n in listed if n.provision_state == state}:
                return
            time.sleep(0.2)
        raise AssertionError(f"nodes of {self.rc} did not all reach {state}")

    def cleanup(self) -> None:
        for allocation in self.sdk.baremetal.allocations(resource_class=self.rc):
            requests.delete(f"{self.url}/v1/allocations/{allocation.id}", headers=V)
        for node in self.nodes:
            try:
                self.sdk.baremetal.set_node_maintenance(node, reason="test over")
                self.sdk.baremetal.delete_node(node)
            except sdk_exc.NotFoundException:
                pass


@pytest.fixture
def pool(sdk, service):
    made = Pool(sdk, service.url)
    yield made
    made.cleanup()


# --- the life of an allocation ---------------------------------------------------------------
def test_create_show_list_update_delete(sdk, pool):
    plain, gpu = pool.add(1), pool.add(1, traits=["CUSTOM_GPU"])
    name = unique("want-gpu")
    created = sdk.baremetal.create_allocation(
        resource_class=pool.rc, traits=["CUSTOM_GPU"], name=name, extra={"job": "42"}
    )
    allocation = sdk.baremetal.wait_for_allocation(created, timeout=30)
    assert allocation.state == "active" and allocation.last_error is None
    assert allocation.node_id == gpu[0].id, "only the node with the trait matches"
    assert allocation.traits == ["CUSTOM_GPU"] and allocation.extra == {"job": "42"}
    assert allocation.candidate_nodes == [] and allocation.owner is None

    node = sdk.baremetal.get_node(gpu[0].id)
    assert node.allocation_id == allocation.id and node.instance_id == allocation.id
    assert sdk.baremetal.get_node(plain[0].id).allocation_id is None

    by_name = sdk.baremetal.get_allocation(name)
    assert by_name.id == allocation.id and by_name.node_id == gpu[0].id
    slim = sdk.baremetal.get_allocation(allocation.id, fields=["uuid", "state"])
    assert slim.state == "active" and slim.resource_class is None

    def listed(**query):
        return [a.id for a in sdk.baremetal.allocations(**query)]

    assert listed(resource_class=pool.rc) == [allocation.id]
    assert listed(node=gpu[0].name) == [allocation.id]
    assert listed(node=plain[0].id) == []
    assert listed(resource_class=pool.rc, state="error") == []
    assert listed(resource_class=pool.rc, state="active") == [allocation.id]

    renamed = sdk.baremetal.update_allocation(allocation, name=f"{name}-2", extra={"job": "43"})
    assert renamed.name == f"{name}-2" and renamed.extra == {"job": "43"}
    patched = sdk.baremetal.patch_allocation(allocation, [{"op": "remove", "path": "/extra"}])
    assert patched.extra == {}

    sdk.baremetal.delete_allocation(allocation, ignore_missing=False)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.baremetal.get_allocation(allocation.id)
    freed = sdk.baremetal.get_node(gpu[0].id)
    assert freed.allocation_id is None and freed.instance_id is None
    assert freed.provision_state == "available"

    again = sdk.baremetal.create_allocation(resource_class=pool.rc, traits=["CUSTOM_GPU"])
    assert sdk.baremetal.wait_for_allocation(again, timeout=30).node_id == gpu[0].id


def test_create_answers_allocating_and_a_worker_finishes(sdk, pool, service):
    """As Ironic: the 201 document is the stored request; clients wait for the outcome."""
    (node,) = pool.add(1)
    resp = requests.post(
        service.url + "/v1/allocations", json={"resource_class": pool.rc}, headers=V
    )
    assert resp.status_code == 201, resp.text
    doc = resp.json()
    assert (doc["state"], doc["node_uuid"], doc["last_error"]) == ("allocating", None, None)
    assert resp.headers["Location"].endswith(f"/v1/allocations/{doc['uuid']}")
    done = sdk.baremetal.wait_for_allocation(doc["uuid"], timeout=30)
    assert done.state == "active" and done.node_id == node.id


def test_nothing_matching_ends_in_error_saying_why(sdk, pool):
    (node,) = pool.add(1)
    # no such trait anywhere
    failed = sdk.baremetal.create_allocation(resource_class=pool.rc, traits=["CUSTOM_NONE"])
    with pytest.raises(sdk_exc.ResourceFailure, match="no suitable nodes have the requested"):
        sdk.baremetal.wait_for_allocation(failed, timeout=30)
    failed = sdk.baremetal.get_allocation(failed.id)
    assert failed.state == "error" and failed.node_id is None
    # Ironic's words, exactly
    assert failed.last_error == (
        f"Failed to process allocation {failed.id}: no suitable nodes have the requested "
        "traits CUSTOM_NONE."
    )

    # a resource class nobody has
    nothing = unique("none")
    lonely = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=nothing), ignore_error=True
    )
    assert lonely.state == "error"
    assert lonely.last_error == (
        f"Failed to process allocation {lonely.id}: no available nodes match the resource "
        f"class {nothing}."
    )

    # the only node is taken
    first = sdk.baremetal.create_allocation(resource_class=pool.rc)
    assert sdk.baremetal.wait_for_allocation(first).node_id == node.id
    second = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=pool.rc), ignore_error=True
    )
    assert second.state == "error"
    assert f"no available nodes match the resource class {pool.rc}." in second.last_error

    # in maintenance, a free node is not handed out
    sdk.baremetal.delete_allocation(first)
    sdk.baremetal.set_node_maintenance(node, reason="fan")
    third = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=pool.rc), ignore_error=True
    )
    assert f"no available nodes match the resource class {pool.rc}." in third.last_error
    sdk.baremetal.unset_node_maintenance(node)
    states = collections.Counter(a.state for a in sdk.baremetal.allocations(resource_class=pool.rc))
    assert states == {"error": 3}


def test_candidate_nodes_by_name_or_uuid_and_owner(sdk, pool):
    a, b, c, _ = pool.add(4)
    chosen = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=pool.rc, candidate_nodes=[b.name])
    )
    assert chosen.node_id == b.id and chosen.candidate_nodes == [b.id]
    taken = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=pool.rc, candidate_nodes=[b.id]),
        ignore_error=True,
    )
    assert taken.state == "error"
    assert taken.last_error.endswith(
        f"none of the requested nodes are available and match the resource class {pool.rc}."
    )

    project = unique("project")
    sdk.baremetal.update_node(c, owner=project)
    owned = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=pool.rc, owner=project)
    )
    assert owned.node_id == c.id and owned.owner == project
    assert [x.id for x in sdk.baremetal.allocations(owner=project)] == [owned.id]
    nobody = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=pool.rc, owner=unique("project")),
        ignore_error=True,
    )
    assert nobody.state == "error"
    assert f"no available nodes match the resource class {pool.rc}" in nobody.last_error

    # of the two nodes left, one whose name is the allocation's name goes first (as 1.79)
    by_name = sdk.baremetal.create_allocation(resource_class=pool.rc, name=a.name)
    assert sdk.baremetal.wait_for_allocation(by_name).node_id == a.id


def test_backfill_a_deployed_node(sdk, pool, service):
    url = service.url
    deployed, other = pool.add(2, state="active")
    (idle,) = pool.add(1)
    instance = str(uuid.uuid4())
    sdk.baremetal.update_node(deployed, instance_id=instance)

    resp = requests.post(
        url + "/v1/allocations", json={"node": deployed.name, "extra": {"from": "nova"}}, headers=V
    )
    assert resp.status_code == 201, resp.text
    doc = resp.json()
    assert doc["state"] == "active" and doc["node_uuid"] == deployed.id
    assert doc["uuid"] == instance, "a backfill takes the instance's UUID"
    assert doc["resource_class"] == pool.rc
    assert resp.headers["Location"].endswith(f"/v1/allocations/{instance}")
    assert sdk.baremetal.get_node(deployed.id).allocation_id == instance

    backfilled = sdk.baremetal.create_allocation(node=other.id)
    assert backfilled.state == "active" and backfilled.node_id == other.id
    assert sdk.baremetal.get_node(other.id).instance_id == backfilled.id

    again = requests.post(url + "/v1/allocations", json={"node": deployed.id}, headers=V)
    assert "already has allocation" in fault(again, 409)
    not_active = requests.post(url + "/v1/allocations", json={"node": idle.id}, headers=V)
    assert 'provision state "active"' in fault(not_active, 409)
    mismatch = requests.post(
        url + "/v1/allocations",
        json={"node": idle.id, "resource_class": "other", "traits": ["CUSTOM_X"]},
        headers=V,
    )
    message = fault(mismatch, 400)
    assert "resource class" in message and "CUSTOM_X" in message
    old = requests.post(
        url + "/v1/allocations",
        json={"node": idle.id},
        headers={"X-OpenStack-Ironic-API-Version": "1.57"},
    )
    assert "Cannot set node" in fault(old, 400)
    assert [a.id for a in sdk.baremetal.allocations(node=idle.id)] == [], "refusals store nothing"

    # an allocation of an active node stays unless the node is in maintenance
    refused = requests.delete(f"{url}/v1/allocations/{instance}", headers=V)
    assert "because the node is active" in fault(refused, 409)
    sdk.baremetal.set_node_maintenance(deployed, reason="moving the instance")
    assert requests.delete(f"{url}/v1/allocations/{instance}", headers=V).status_code == 204
    freed = sdk.baremetal.get_node(deployed.id)
    assert freed.allocation_id is None and freed.instance_id is None


def test_the_allocation_of_a_node(sdk, pool, service):
    url = service.url
    (node,) = pool.add(1)
    path = f"{url}/v1/nodes/{node.name}/allocation"
    assert "Allocation for node" in fault(requests.get(path, headers=V), 404)
    allocation = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=pool.rc, name=unique("sub"))
    )

    doc = requests.get(path, headers=V).json()
    assert doc["uuid"] == allocation.id and doc["node_uuid"] == node.id
    assert doc["links"][0]["href"].endswith(f"/v1/allocations/{allocation.id}")
    slim = requests.get(path + "?fields=uuid,state", headers=V).json()
    assert set(slim) == {"uuid", "state", "links"}
    assert (
        "owner" not in requests.get(path, headers={"X-OpenStack-Ironic-API-Version": "1.59"}).json()
    )
    assert requests.get(path, headers={"X-OpenStack-Ironic-API-Version": "1.51"}).status_code == 404

    assert requests.delete(path, headers=V).status_code == 204
    assert requests.get(f"{url}/v1/allocations/{allocation.id}", headers=V).status_code == 404
    assert sdk.baremetal.get_node(node.id).instance_id is None
    assert requests.delete(path, headers=V).status_code == 404


def test_deleting_a_node_deletes_its_allocation(sdk, pool, service):
    (node,) = pool.add(1)
    allocation = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=pool.rc)
    )
    assert allocation.node_id == node.id
    refused = requests.delete(f"{service.url}/v1/nodes/{node.id}", headers=V)
    assert allocation.id in fault(refused, 409), "it has an instance: the allocation's UUID"
    sdk.baremetal.set_node_maintenance(node, reason="retire")
    sdk.baremetal.delete_node(node)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.baremetal.get_allocation(allocation.id)


def test_undeploy_ends_the_allocation_and_frees_the_node(sdk, pool):
    (node,) = pool.add(1)
    first = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=pool.rc)
    )
    assert first.node_id == node.id
    sdk.baremetal.set_node_provision_state(node, "active", wait=True, timeout=30)
    deployed = sdk.baremetal.get_node(node.id)
    assert deployed.instance_id == first.id and deployed.allocation_id == first.id
    sdk.baremetal.set_node_provision_state(node, "deleted", wait=True, timeout=30)
    freed = sdk.baremetal.get_node(node.id)
    assert freed.instance_id is None and freed.allocation_id is None
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.baremetal.get_allocation(first.id)
    second = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=pool.rc)
    )
    assert second.state == "active" and second.node_id == node.id


def test_removing_the_instance_from_a_node_ends_its_allocation(sdk, pool):
    (node,) = pool.add(1)
    allocation = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=pool.rc)
    )
    sdk.baremetal.patch_node(node, [{"op": "remove", "path": "/instance_uuid"}])
    freed = sdk.baremetal.get_node(node.id)
    assert freed.instance_id is None and freed.allocation_id is None
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.baremetal.get_allocation(allocation.id)
    again = sdk.baremetal.wait_for_allocation(
        sdk.baremetal.create_allocation(resource_class=pool.rc)
    )
    assert again.node_id == node.id


# --- the CLI ---------------------------------------------------------------------------------
def test_cli_allocation_commands(cli, pool):
    (node,) = pool.add(1, traits=["CUSTOM_CLI"])
    name = unique("cli")
    made = cli.json(
        "allocation", "create", "--resource-class", pool.rc, "--trait", "CUSTOM_CLI",
        "--name", name, "--extra", "team=infra", "--wait", "30",
    )  # fmt: skip
    assert made["state"] == "active" and made["node_uuid"] == node.id
    assert made["traits"] == ["CUSTOM_CLI"] and made["extra"] == {"team": "infra"}

    listed = cli.json("allocation", "list", "--resource-class", pool.rc)
    assert [row["uuid"] for row in listed] == [made["uuid"]]
    assert cli.json("allocation", "list", "--node", node.name)[0]["name"] == name

    cli.run("allocation", "set", name, "--name", f"{name}-x", "--extra", "ticket=7")
    cli.run("allocation", "unset", f"{name}-x", "--extra", "team")
    shown = cli.json("allocation", "show", f"{name}-x")
    assert shown["uuid"] == made["uuid"] and shown["extra"] == {"ticket": 7}

    stderr = cli.run(
        "allocation", "create", "--resource-class", unique("empty"), "--wait", "30", check=False
    ).stderr
    assert "no available nodes match the resource class" in stderr

    cli.run("allocation", "delete", f"{name}-x")
    assert cli.json("node", "show", node.id)["instance_uuid"] is None


# --- refusals --------------------------------------------------------------------------------
def test_bad_requests_are_named_4xx(service, pool):
    url = service.url
    (node,) = pool.add(1)

    def post(body, version="1.60"):
        return requests.post(
            url + "/v1/allocations", json=body, headers={"X-OpenStack-Ironic-API-Version": version}
        )

    rc = pool.rc
    assert "'colour' was unexpected" in fault(post({"resource_class": rc, "colour": "red"}), 400)
    assert "traits/0" in fault(post({"resource_class": rc, "traits": ["lower-case"]}), 400)
    assert "'uuid'" in fault(post({"resource_class": rc, "uuid": "not-a-uuid"}), 400)
    missing = post({"resource_class": rc, "candidate_nodes": [node.name, "no-such-node"]})
    assert "no-such-node" in fault(missing, 400)
    assert "candidate_nodes" in fault(post({"resource_class": rc, "candidate_nodes": ["a b"]}), 400)
    assert "resource_class field is mandatory" in fault(post({"name": unique("x")}), 400)
    assert "resource_class" in fault(post({"resource_class": "x" * 81}), 400)
    assert "invalid name" in fault(post({"resource_class": rc, "name": "bad name"}), 400)
    assert "node" in fault(post({"node": "no-such-node"}), 400)
    assert post({"resource_class": rc, "owner": "p"}, "1.59").status_code == 406
    assert post({"resource_class": rc}, "1.51").status_code == 405
    assert "extra" in fault(post({"resource_class": rc, "extra": ["not", "a", "dict"]}), 400)

    name = unique("dup")
    first = post({"resource_class": rc, "name": name})
    assert first.status_code == 201
    assert name in fault(post({"resource_class": rc, "name": name}), 409)
    assert first.json()["uuid"] in fault(
        post({"resource_class": rc, "uuid": first.json()["uuid"]}), 409
    )
    one = f"{url}/v1/allocations/{name}"

    def patch_(ops, version="1.60"):
        return requests.patch(one, json=ops, headers={"X-OpenStack-Ironic-API-Version": version})

    assert patch_([{"op": "replace", "path": "/name", "value": "x"}], "1.56").status_code == 405
    refused = patch_([{"op": "replace", "path": "/resource_class", "value": "x"}])
    assert "/resource_class" in fault(refused, 400)
    assert "invalid name" in fault(
        patch_([{"op": "replace", "path": "/name", "value": "a b"}]), 400
    )
    other = post({"resource_class": rc, "name": unique("other")}).json()["name"]
    assert other in fault(patch_([{"op": "replace", "path": "/name", "value": other}]), 409)

    def get(path, version="1.60"):
        return requests.get(url + path, headers={"X-OpenStack-Ironic-API-Version": version})

    assert get("/v1/allocations", "1.51").status_code == 404
    assert "could not be found" in fault(get(f"/v1/allocations/{uuid.uuid4()}"), 404)
    assert "allocation_ident" in fault(get("/v1/allocations/bad%20name"), 400)
    assert "colour" in fault(get("/v1/allocations?fields=uuid,colour"), 400)
    assert get("/v1/allocations?fields=owner", "1.59").status_code == 406
    assert get("/v1/allocations?owner=p", "1.59").status_code == 406
    assert "traits" in fault(get("/v1/allocations?sort_key=traits"), 400)
    assert "nope" in fault(get("/v1/allocations?sort_key=nope"), 400)
    assert "no-such-node" in fault(get("/v1/allocations?node=no-such-node"), 400)
    assert get(f"/v1/allocations?marker={uuid.uuid4()}").status_code == 404
    assert "color" in fault(get("/v1/allocations?color=red"), 400)
    assert requests.delete(f"{url}/v1/allocations/{uuid.uuid4()}", headers=V).status_code == 404


def test_paging_and_sorting(sdk, service, pool):
    names = [unique("page") for _ in range(5)]
    made = [sdk.baremetal.create_allocation(resource_class=pool.rc, name=n) for n in names]
    made = [sdk.baremetal.wait_for_allocation(a, ignore_error=True) for a in made]
    assert {a.state for a in made} == {"error"}  # the pool is empty: all fail, all listed
    pages = list(sdk.baremetal.allocations(resource_class=pool.rc, limit=2))
    assert [a.id for a in pages] == [a.id for a in made]
    first = requests.get(
        f"{service.url}/v1/allocations?resource_class={pool.rc}&limit=2&sort_key=name"
        "&sort_dir=desc",
        headers=V,
    ).json()
    assert [a["name"] for a in first["allocations"]] == sorted(names, reverse=True)[:2]
    assert f"resource_class={pool.rc}" in first["next"] and "marker=" in first["next"]


# --- the key property ------------------------------------------------------------------------
def test_concurrent_allocations_never_share_a_node(service, pool):
    nodes = pool.add(40)
    rc = pool.rc
    connections = [connect(service.url) for _ in range(50)]
    try:
        results = race(
            [
                lambda c=c: c.baremetal.wait_for_allocation(
                    c.baremetal.create_allocation(resource_class=rc), timeout=60, ignore_error=True
                )
                for c in connections
            ]
        )
    finally:
        for c in connections:
            c.close()

    states = collections.Counter(a.state for a in results)
    assert states == {"active": 40, "error": 10}, states
    won = [a.node_id for a in results if a.state == "active"]
    assert len(set(won)) == 40 and set(won) == {n.id for n in nodes}, "each node exactly once"
    for lost in (a for a in results if a.state == "error"):
        assert lost.node_id is None
        assert lost.last_error == (
            f"Failed to process allocation {lost.id}: no available nodes match the resource "
            f"class {rc}."
        )

    # what the nodes say agrees with what the allocations say
    holders = {a.node_id: a.id for a in results if a.state == "active"}
    for node in pool.sdk.baremetal.nodes(resource_class=rc, details=True):
        assert node.allocation_id == holders[node.id] == node.instance_id
    assert len(list(pool.sdk.baremetal.allocations(resource_class=rc, state="error"))) == 10


# --- an allocation whose conductor died ------------------------------------------------------
@pytest.fixture(scope="module")
def quick_service():
    svc = Service(
        extra_conf="""
        [conductor]
        check_provision_state_interval = 1
        sync_power_state_interval = 0
        """
    ).start()
    yield svc
    svc.stop()


def test_allocations_left_by_a_stopped_conductor_end_in_error(quick_service):
    svc = quick_service
    db = sqlite3.connect(f"{svc.state_dir}/ironic-lite.sqlite")
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    long_ago = (now - datetime.timedelta(hours=1)).strftime(stamp)
    with db:
        dead = db.execute(
            "INSERT INTO conductors (hostname, drivers, online, conductor_group, created_at, "
            "updated_at) VALUES ('gone-host', '[]', 1, '', ?, ?)",
            (long_ago, long_ago),
        ).lastrowid
        (live,) = db.execute(
            "SELECT id FROM conductors WHERE hostname = ?", (f"test-{svc.port}",)
        ).fetchone()
        rows = {
            "orphan": (dead, now.strftime(stamp)),
            "before-restart": (live, long_ago),
            "in-flight": (live, (now + datetime.timedelta(hours=1)).strftime(stamp)),
        }
        ids = {}
        for name, (affinity, created) in rows.items():
            ids[name] = str(uuid.uuid4())
            db.execute(
                "INSERT INTO allocations (uuid, name, state, resource_class, traits, "
                "candidate_nodes, extra, conductor_affinity, created_at) "
                "VALUES (?, ?, 'allocating', 'rc', '[]', '[]', '{}', ?, ?)",
                (ids[name], name, affinity, created),
            )
    db.close()

    def show(name):
        return requests.get(f"{svc.url}/v1/allocations/{ids[name]}", headers=V).json()

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if show("orphan")["state"] != "allocating" and show("before-restart")["state"] != (
            "allocating"
        ):
            break
        time.sleep(0.2)
    orphan, restarted = show("orphan"), show("before-restart")
    assert orphan["state"] == "error", orphan
    assert "the conductor processing it stopped" in orphan["last_error"]
    assert restarted["state"] == "error", restarted
    assert "restarted while processing it" in restarted["last_error"]
    assert show("in-flight")["state"] == "allocating", "live work is left alone"
