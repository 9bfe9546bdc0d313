"""The service the fuzzers attack: the all-in-one on SQLite and on PostgreSQL, seeded.

Each database gets a fresh service and a fresh scratch database per test module. Seeding
creates one resource of each kind (a node in ``available``, another in ``enroll`` with a
port, portgroup, volume connector and target, traits, a chassis, a deploy template, a
runbook, an inspection rule, an allocation), so generated requests reach real rows and not
only 404s. The tests assert, besides the answers, that the service logged no traceback.
"""

import os
import time

import pytest
import requests

from tests.lab.server import Service
from tests.lab.services import scratch_database

LATEST = {"X-OpenStack-Ironic-API-Version": "latest"}
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
# The fuzz tests share services and the machine: xdist keeps them on one worker.
GROUP = pytest.mark.xdist_group("fuzz")


class Seeded:
    """A running service and the identifiers of what was created in it."""

    def __init__(self, service: Service, database: str):
        self.service = service
        self.url = service.url
        self.database = database
        self.examples: dict[str, list[str]] = {}
        self.agent: dict[str, str] = {}
        self._log_start = os.path.getsize(service.log)

    def call(self, method: str, path: str, status: int, **kwargs) -> dict | None:
        resp = requests.request(method, self.url + path, headers=LATEST, timeout=30, **kwargs)
        assert resp.status_code == status, f"{method} {path}: {resp.status_code} {resp.text}"
        return resp.json() if resp.content else None

    def remember(self, kind: str, *idents: str) -> None:
        self.examples.setdefault(kind, []).extend(idents)

    def wait_state(self, node: str, state: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            doc = self.call("GET", f"/v1/nodes/{node}", 200)
            settled = not doc["target_provision_state"] or "wait" in state
            if doc["provision_state"] == state and settled:
                return
            time.sleep(0.2)
        raise AssertionError(f"node {node} never reached {state}: {doc['provision_state']}")

    def logged_since_start(self) -> str:
        with open(self.service.log, errors="replace") as f:
            f.seek(self._log_start)
            return f.read()


def seed(target: Seeded) -> None:
    """One resource of each kind; their identifiers become examples of path parameters."""
    chassis = target.call("POST", "/v1/chassis", 201, json={"description": "fuzz"})["uuid"]
    target.remember("chassis", chassis)
    idle = target.call(
        "POST",
        "/v1/nodes",
        201,
        json={"driver": "fake-hardware", "name": "fuzz-idle", "chassis_uuid": chassis},
    )["uuid"]
    ready = target.call(
        "POST",
        "/v1/nodes",
        201,
        json={"driver": "fake-hardware", "name": "fuzz-ready", "resource_class": "fuzz"},
    )["uuid"]
    target.call("PUT", f"/v1/nodes/{ready}/states/provision", 202, json={"target": "manage"})
    target.wait_state(ready, "manageable")
    target.call("PUT", f"/v1/nodes/{ready}/states/provision", 202, json={"target": "provide"})
    target.wait_state(ready, "available")
    target.remember("nodes", "fuzz-idle", idle, "fuzz-ready", ready)
    target.remember("heartbeat", idle, ready)
    target.call("PUT", f"/v1/nodes/{idle}/traits/CUSTOM_FUZZ", 204)
    target.remember("traits", "CUSTOM_FUZZ")
    port = target.call(
        "POST",
        "/v1/ports",
        201,
        json={"node_uuid": idle, "address": "52:54:00:f0:22:01", "name": "fuzz-port"},
    )
    target.remember("ports", "fuzz-port", port["uuid"])
    group = target.call("POST", "/v1/portgroups", 201, json={"node_uuid": idle, "name": "fuzz-pg"})[
        "uuid"
    ]
    target.remember("portgroups", "fuzz-pg", group)
    connector = target.call(
        "POST",
        "/v1/volume/connectors",
        201,
        json={"node_uuid": idle, "type": "iqn", "connector_id": "iqn.2026-01.org.fuzz:node"},
    )["uuid"]
    target.remember("connectors", connector)
    volume = target.call(
        "POST",
        "/v1/volume/targets",
        201,
        json={"node_uuid": idle, "volume_type": "iscsi", "boot_index": 0, "volume_id": "v1"},
    )["uuid"]
    target.remember("targets", volume)
    bios = {"interface": "bios", "step": "apply_configuration", "args": {"settings": []}}
    template = target.call(
        "POST",
        "/v1/deploy_templates",
        201,
        json={"name": "CUSTOM_FUZZ", "steps": [dict(bios, priority=10)]},
    )["uuid"]
    target.remember("deploy_templates", "CUSTOM_FUZZ", template)
    runbook = target.call(
        "POST", "/v1/runbooks", 201, json={"name": "CUSTOM_FUZZ_RB", "steps": [dict(bios, order=1)]}
    )["uuid"]
    target.remember("runbooks", "CUSTOM_FUZZ_RB", runbook)
    rule = target.call(
        "POST",
        "/v1/inspection_rules",
        201,
        json={"actions": [{"op": "log", "args": {"msg": "fuzz"}}]},
    )["uuid"]
    target.remember("inspection_rules", rule)
    allocation = target.call(
        "POST", "/v1/allocations", 201, json={"name": "fuzz-alloc", "resource_class": "none"}
    )["uuid"]
    target.remember("allocations", "fuzz-alloc", allocation)
    seed_agent_nodes(target)
    host = target.call("GET", "/v1/conductors", 200)["conductors"][0]["hostname"]
    target.remember("conductors", host)
    target.remember("drivers", "fake-hardware")


AGENT_MAC = "52:54:00:f0:22:02"
INSPECT_MAC = "52:54:00:f0:22:03"


def seed_agent_nodes(target: Seeded) -> None:
    """A node waiting for its agent's heart-beat (direct deploy, no agent runs) and one
    waiting for inspection data, so that the agent's endpoints find them."""
    image = {
        "image_source": "http://127.0.0.1:9/image.raw",
        "image_os_hash_algo": "sha256",
        "image_os_hash_value": "0" * 64,
    }
    agent = target.call(
        "POST",
        "/v1/nodes",
        201,
        json={
            "driver": "fake-hardware",
            "name": "fuzz-agent",
            "deploy_interface": "direct",
            "automated_clean": False,
            "instance_info": image,
        },
    )["uuid"]
    target.call("POST", "/v1/ports", 201, json={"node_uuid": agent, "address": AGENT_MAC})
    for verb, state in (("manage", "manageable"), ("provide", "available")):
        target.call("PUT", f"/v1/nodes/{agent}/states/provision", 202, json={"target": verb})
        target.wait_state(agent, state)
    target.call("PUT", f"/v1/nodes/{agent}/states/provision", 202, json={"target": "active"})
    target.wait_state(agent, "wait call-back")
    inspected = target.call(
        "POST",
        "/v1/nodes",
        201,
        json={"driver": "fake-hardware", "name": "fuzz-inspect", "inspect_interface": "agent"},
    )["uuid"]
    target.call("POST", "/v1/ports", 201, json={"node_uuid": inspected, "address": INSPECT_MAC})
    target.call("PUT", f"/v1/nodes/{inspected}/states/provision", 202, json={"target": "manage"})
    target.wait_state(inspected, "manageable")
    target.call("PUT", f"/v1/nodes/{inspected}/states/provision", 202, json={"target": "inspect"})
    target.wait_state(inspected, "inspect wait")
    target.remember("nodes", "fuzz-agent", agent, "fuzz-inspect", inspected)
    target.remember("heartbeat", agent)
    target.agent = {"node": agent, "mac": AGENT_MAC, "inspect_node": inspected}


@pytest.fixture(scope="module", params=DATABASES)
def seeded(request):
    """A seeded all-in-one service on the parametrized database."""
    drop = None
    extra = ""
    if request.param == "postgresql":
        url, drop = scratch_database("postgresql")
        extra = f"[database]\nconnection = {url}\n"
    service = Service(extra_conf=extra)
    try:
        service.start()
        target = Seeded(service, request.param)
        seed(target)
        yield target
    finally:
        service.stop()
        if drop is not None:
            drop()


BASIC_USER = ("fuzz-admin", "fuzz-s3cret")


@pytest.fixture(scope="module")
def basic_service(tmp_path_factory):
    """The all-in-one on SQLite with ``http_basic`` authentication (one user)."""
    import bcrypt

    state = tmp_path_factory.mktemp("fuzz-basic")
    htpasswd = state / "htpasswd"
    hashed = bcrypt.hashpw(BASIC_USER[1].encode(), bcrypt.gensalt(rounds=4)).decode()
    htpasswd.write_text(f"{BASIC_USER[0]}:{hashed}\n")
    service = Service(
        state_dir=str(state),
        extra_conf=f"""
        [DEFAULT]
        auth_strategy = http_basic
        http_basic_auth_user_file = {htpasswd}
        """,
        auth=BASIC_USER,
    )
    try:
        service.start()
        yield service
    finally:
        service.stop()
