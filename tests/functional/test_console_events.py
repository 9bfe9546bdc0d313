"""The console state API (1.1) and external network events (1.54), end to end."""

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


def mac() -> str:
    tail = uuid.uuid4().hex[:6]
    return "52:54:00:" + ":".join(tail[i : i + 2] for i in range(0, 6, 2))


def fault(resp) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


@pytest.fixture
def node(sdk):
    made = sdk.baremetal.create_node(
        driver="fake-hardware", name=unique("con"), console_interface="fake"
    )
    yield made
    sdk.baremetal.delete_node(made, ignore_missing=True)


def _wait_console(sdk, node_id: str, enabled: bool, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while True:
        shown = sdk.baremetal.get_node(node_id)
        if shown.is_console_enabled is enabled:
            return shown
        if time.monotonic() > deadline:
            raise AssertionError(f"console of {node_id} never became {enabled}")
        time.sleep(0.1)


# --- console ---------------------------------------------------------------------------------
def test_console_enable_show_disable_with_sdk_and_cli(service, sdk, cli, node):
    url = service.url
    assert sdk.baremetal.get_node_console(node) == {
        "console_enabled": False,
        "console_info": None,
    }
    sdk.baremetal.enable_node_console(node)
    shown = _wait_console(sdk, node.id, True)
    assert shown.last_error is None
    console = sdk.baremetal.get_node_console(node)
    assert console["console_enabled"] is True
    assert console["console_info"] == {"type": "fake", "url": f"fake://console/{node.id}"}
    states = requests.get(f"{url}/v1/nodes/{node.id}/states", headers=LATEST).json()
    assert states["console_enabled"] is True

    # Enabling twice is not an error; the console stays as it is.
    again = requests.put(
        f"{url}/v1/nodes/{node.name}/states/console", json={"enabled": "true"}, headers=LATEST
    )
    assert again.status_code == 202
    assert again.headers["Location"].endswith(f"/v1/nodes/{node.name}/states/console")

    # While the console is on, the driver cannot change.
    resp = requests.patch(
        f"{url}/v1/nodes/{node.id}",
        json=[{"op": "replace", "path": "/driver", "value": "manual-management"}],
        headers=LATEST,
    )
    assert resp.status_code == 409 and "console" in fault(resp)

    cli.run("node", "console", "disable", node.id)
    _wait_console(sdk, node.id, False)
    assert cli.json("node", "console", "show", node.id) == {
        "console_enabled": False,
        "console_info": None,
    }
    cli.run("node", "console", "enable", node.name)
    _wait_console(sdk, node.id, True)
    shown = cli.json("node", "console", "show", node.name)
    assert shown["console_enabled"] is True and shown["console_info"]["type"] == "fake"
    sdk.baremetal.disable_node_console(node)
    _wait_console(sdk, node.id, False)


def test_console_refused_on_a_node_without_one(service, sdk, cli):
    url = service.url
    plain = sdk.baremetal.create_node(driver="fake-hardware", console_interface="no-console")
    try:
        resp = requests.put(
            f"{url}/v1/nodes/{plain.id}/states/console", json={"enabled": True}, headers=LATEST
        )
        assert resp.status_code == 400
        assert "no-console" in fault(resp) and "console" in fault(resp)
        proc = cli.run("node", "console", "enable", plain.id, check=False)
        assert proc.returncode != 0 and "no-console" in proc.stderr
        # Reading it is fine: it is simply not enabled.
        assert sdk.baremetal.get_node_console(plain)["console_enabled"] is False
        assert sdk.baremetal.get_node(plain.id).is_console_enabled is False
    finally:
        sdk.baremetal.delete_node(plain)


@pytest.mark.parametrize(
    "doc",
    [{}, {"enabled": "maybe"}, {"enabled": True, "extra": 1}, {"enabled": None}, ["enabled"]],
)
def test_console_body_is_checked(service, node, doc):
    resp = requests.put(
        f"{service.url}/v1/nodes/{node.id}/states/console", json=doc, headers=LATEST
    )
    assert resp.status_code == 400, resp.text
    assert json.loads(resp.json()["error_message"])["faultcode"] == "Client"


def test_console_of_unknown_node_is_404(service):
    url = service.url
    missing = str(uuid.uuid4())
    assert requests.get(f"{url}/v1/nodes/{missing}/states/console").status_code == 404
    resp = requests.put(
        f"{url}/v1/nodes/{missing}/states/console", json={"enabled": True}, headers=LATEST
    )
    assert resp.status_code == 404


# --- events ----------------------------------------------------------------------------------
def _event(address: str, **overrides) -> dict:
    event = {
        "event": "network.bind_port",
        "port_id": str(uuid.uuid4()),
        "mac_address": address,
        "status": "ACTIVE",
        "device_id": str(uuid.uuid4()),
        "binding:host_id": str(uuid.uuid4()),
        "binding:vnic_type": "baremetal",
    }
    event.update(overrides)
    return event


def _history(url: str, node_id: str) -> list[dict]:
    resp = requests.get(f"{url}/v1/nodes/{node_id}/history?detail=true", headers=LATEST)
    return resp.json()["history"]


def test_network_events_are_recorded_on_the_node_owning_the_port(service, sdk, node):
    url = service.url
    address = mac()
    port = sdk.baremetal.create_port(node_id=node.id, address=address)
    bind = _event(address.upper())
    unbind = _event(address, event="network.unbind_port", status="DOWN", device_id=None)
    failed = _event(address, event="network.delete_port", status="ERROR")
    stranger = _event(mac())  # a MAC no port of ours has: skipped
    resp = requests.post(
        f"{url}/v1/events", json={"events": [bind, unbind, stranger, failed]}, headers=LATEST
    )
    assert resp.status_code == 204, resp.text
    assert resp.content == b""

    network = [e for e in _history(url, node.id) if e["event_type"] == "network"]
    assert len(network) == 3
    first, second, third = network
    assert first["event"].startswith("network.bind_port") and port.id in first["event"]
    assert bind["port_id"] in first["event"] and "status ACTIVE" in first["event"]
    assert bind["device_id"] in first["event"] and "baremetal" in first["event"]
    assert second["event"].startswith("network.unbind_port") and "status DOWN" in second["event"]
    assert first["severity"] == "INFO" and third["severity"] == "ERROR"
    assert third["event"].startswith("network.delete_port")


@pytest.mark.parametrize(
    "body, where",
    [
        ({}, "events"),
        ({"events": []}, "events"),
        ({"events": [_event("52:54:00:00:00:01", event="compute.reboot")]}, "events/0/event"),
        ({"events": [_event("52:54:00:00:00:01", port_id="nope")]}, "events/0/port_id"),
        ({"events": [_event("not-a-mac")]}, "events/0/mac_address"),
        ({"events": [_event("52:54:00:00:00:01", device_id="x")]}, "events/0/device_id"),
        ({"events": [_event("52:54:00:00:00:01", extra=1)]}, "events/0"),
        ({"events": [{"event": "network.bind_port"}]}, "events/0"),
        ({"events": [_event("52:54:00:00:00:01", status=5)]}, "events/0/status"),
        ({"events": "network.bind_port"}, "events"),
        ({"events": [], "other": 1}, ""),
    ],
)
def test_bad_events_are_refused(service, body, where):
    resp = requests.post(f"{service.url}/v1/events", json=body, headers=LATEST)
    assert resp.status_code == 400, resp.text
    assert where in fault(resp)


def test_a_bad_event_refuses_the_whole_batch(service, sdk, node):
    url = service.url
    address = mac()
    sdk.baremetal.create_port(node_id=node.id, address=address)
    batch = {"events": [_event(address), _event(address, event="network.nope")]}
    resp = requests.post(f"{url}/v1/events", json=batch, headers=LATEST)
    assert resp.status_code == 400
    assert not [e for e in _history(url, node.id) if e["event_type"] == "network"]


def test_events_version_gate_and_methods(service):
    url = service.url
    body = {"events": [_event("52:54:00:00:00:01")]}
    resp = requests.post(f"{url}/v1/events", json=body, headers=v(53))
    assert resp.status_code == 404
    assert requests.post(f"{url}/v1/events", json=body, headers=v(54)).status_code == 204
    assert requests.get(f"{url}/v1/events", headers=LATEST).status_code == 405
    bad = requests.post(
        f"{url}/v1/events",
        data="{not json",
        headers={**LATEST, "Content-Type": "application/json"},
    )
    assert bad.status_code == 400
    links = requests.get(f"{url}/v1", headers=LATEST).json()
    assert "events" in links and "shards" in links
