"""What a busy or unlucky conductor answers: full pools, locked nodes, timeouts, dead BMCs."""

import json
import threading
import time

import pytest
import requests

from tests.lab.server import Service

H = {"X-OpenStack-Ironic-API-Version": "latest"}


def _fault(resp) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


def _create(url, **fields) -> dict:
    resp = requests.post(url + "/v1/nodes", json={"driver": "fake-hardware", **fields}, headers=H)
    assert resp.status_code == 201, resp.text
    return resp.json()


def _move(url, node, target, **body):
    return requests.put(
        f"{url}/v1/nodes/{node['uuid']}/states/provision",
        json={"target": target, **body},
        headers=H,
    )


def _wait(url, node, wanted, timeout=40) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = requests.get(f"{url}/v1/nodes/{node['uuid']}", headers=H).json()
        if doc["provision_state"] in wanted:
            return doc
        time.sleep(0.2)
    raise AssertionError(f"{node['uuid']} is {doc['provision_state']}, wanted {wanted}")


@pytest.fixture(scope="module")
def slow_service():
    svc = Service(
        extra_conf="""
        [conductor]
        workers_pool_size = 3
        clean_callback_timeout = 2
        check_provision_state_interval = 1
        sync_power_state_interval = 1
        power_state_sync_max_retries = 2
        [fake]
        deploy_delay = 4
        """
    ).start()
    yield svc
    svc.stop()


def _available(url, count) -> list[dict]:
    nodes = [_create(url) for _ in range(count)]
    for node in nodes:
        assert _move(url, node, "manage").status_code == 202
    for node in nodes:
        _wait(url, node, {"manageable"})
        assert _move(url, node, "provide").status_code == 202
    for node in nodes:
        _wait(url, node, {"available"})
    return nodes


def test_full_worker_pool_answers_503_and_busy_nodes_409(slow_service):
    url = slow_service.url
    nodes = _available(url, 4)
    answers = [_move(url, node, "active") for node in nodes]
    codes = [a.status_code for a in answers]
    assert codes[:3] == [202, 202, 202] and codes[3] == 503, codes
    assert "lack of free conductor workers" in _fault(answers[3])
    assert nodes[3]["uuid"] and _wait(url, nodes[3], {"available"})  # untouched

    resp = requests.patch(
        f"{url}/v1/nodes/{nodes[0]['uuid']}",
        json=[{"op": "add", "path": "/extra/x", "value": 1}],
        headers=H,
    )
    assert resp.status_code == 409 and "state transition is in progress" in _fault(resp)
    started = time.monotonic()
    resp = requests.put(
        f"{url}/v1/nodes/{nodes[0]['uuid']}/maintenance", json={"reason": "now"}, headers=H
    )
    assert resp.status_code == 409 and "is locked by host" in _fault(resp)
    assert 1 <= time.monotonic() - started < 8  # a short, bounded retry first
    for node in nodes[:3]:
        assert _wait(url, node, {"active"})["last_error"] is None


def test_wait_past_its_timeout_fails_with_last_error(slow_service):
    url = slow_service.url
    node = _create(url)
    _move(url, node, "manage")
    _wait(url, node, {"manageable"})
    assert (
        _move(url, node, "clean", clean_steps=[{"interface": "deploy", "step": "wait"}]).status_code
        == 202
    )
    _wait(url, node, {"clean wait"})
    doc = _wait(url, node, {"clean failed"}, timeout=20)
    assert "Timeout reached while waiting in 'clean wait'" in doc["last_error"]


def test_unreachable_bmc_goes_to_maintenance_and_back(slow_service):
    url = slow_service.url
    node = _create(url, driver_info={"fake_power_failure": "no route to host"})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        doc = requests.get(f"{url}/v1/nodes/{node['uuid']}", headers=H).json()
        if doc["maintenance"]:
            break
        time.sleep(0.3)
    assert doc["fault"] == "power failure" and "no route to host" in doc["maintenance_reason"]
    requests.patch(
        f"{url}/v1/nodes/{node['uuid']}",
        headers=H,
        json=[{"op": "remove", "path": "/driver_info/fake_power_failure"}],
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        doc = requests.get(f"{url}/v1/nodes/{node['uuid']}", headers=H).json()
        if not doc["maintenance"]:
            break
        time.sleep(0.3)
    assert doc["fault"] is None and doc["maintenance_reason"] is None
    history = requests.get(f"{url}/v1/nodes/{node['uuid']}/history", headers=H).json()
    events = [e["event"] for e in history["history"]]
    assert any("could not be read" in e for e in events)
    assert any("power failure cleared" in e for e in events)


def test_concurrent_actions_on_one_node_never_corrupt_it(slow_service):
    url = slow_service.url
    node = _create(url)
    results = []

    def patch(i):
        resp = requests.patch(
            f"{url}/v1/nodes/{node['uuid']}",
            headers=H,
            json=[{"op": "add", "path": f"/extra/k{i}", "value": i}],
        )
        results.append(resp.status_code)

    threads = [threading.Thread(target=patch, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    extra = requests.get(f"{url}/v1/nodes/{node['uuid']}", headers=H).json()["extra"]
    assert set(results) <= {200, 409}
    assert len(extra) == results.count(200)  # no update lost, none half-applied
