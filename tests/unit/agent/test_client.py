"""The agent's API client against a fake API on loopback: versions and fields."""

import pytest

from ironic_lite_agent import __version__, errors
from ironic_lite_agent.client import IronicClient
from ironic_lite_agent.retry import RetryPolicy
from tests.unit.agent.fakes import FakeIronicAPI

FAST = RetryPolicy(attempts=3, initial=0.01, maximum=0.02, deadline=10)
MACS = ["52:54:00:00:00:01"]


def test_lookup_and_heartbeat_at_a_new_api():
    with FakeIronicAPI(MACS, lookup_failures=2) as api:
        client = IronicClient(api.url, policy=FAST)
        data = client.lookup(["52:54:00:00:00:01", "52:54:00:00:00:02"], node_uuid="x")
        assert data["node"]["uuid"] == api.node_uuid
        assert api.lookups[-1]["args"] == {
            "addresses": "52:54:00:00:00:01,52:54:00:00:00:02",
            "node_uuid": "x",
        }
        client.heartbeat(api.node_uuid, "http://1.2.3.4:9999", "tok", "start")
    assert api.heartbeats[0]["version"] == "1.72"
    assert api.heartbeats[0]["body"] == {
        "callback_url": "http://1.2.3.4:9999",
        "agent_version": __version__,
        "agent_token": "tok",
        "agent_status": "start",
    }


def test_older_api_gets_only_the_fields_it_knows():
    with FakeIronicAPI(MACS, max_version="1.50") as api:
        client = IronicClient(api.url, policy=FAST)
        client.heartbeat(api.node_uuid, "http://h:1", "tok", "start")
    assert api.heartbeats[0]["version"] == "1.50"
    assert api.heartbeats[0]["body"] == {"callback_url": "http://h:1", "agent_version": __version__}


def test_lookup_gives_up_with_the_reason():
    with FakeIronicAPI(["02:00:00:00:00:01"]) as api:
        client = IronicClient(api.url, policy=FAST)
        with pytest.raises(errors.LookupFailed, match="HTTP 404: Node not found"):
            client.lookup(MACS)
    assert len(api.lookups) == 3


def test_heartbeat_failure_is_an_agent_error():
    client = IronicClient("http://127.0.0.1:9", policy=FAST, timeout=2)
    with pytest.raises(errors.ApiCallFailed, match="POST http://127.0.0.1:9/v1/heartbeat/n"):
        client.heartbeat("n", "http://h:1", "tok")
