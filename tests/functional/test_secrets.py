"""No secret in a log line, a traceback or an error body, through the real service.

A database failure on node creation is forced with a trigger in the service's own SQLite
database (a real OperationalError from the INSERT, which a schema check cannot prevent), with
tracebacks in error bodies switched on: the BMC password and the agent token in the request
appear nowhere, though the traceback does reach the log and the body.
"""

import json
import sqlite3
import uuid

import pytest
import requests

from tests.lab.server import Service

H = {"X-OpenStack-Ironic-API-Version": "latest"}
PASSWORD = "bmc-pw-7f3e91"
TOKEN = "tok-a81c55e0"


@pytest.fixture(scope="module")
def debug_service():
    svc = Service(
        extra_conf="""
        [DEFAULT]
        debug = true
        [api]
        debug_tracebacks_in_api = true
        """
    ).start()
    yield svc
    svc.stop()


def _fault(resp) -> dict:
    return json.loads(resp.json()["error_message"])


def _break_inserts_named(svc, name: str) -> None:
    """Make every INSERT of a node called ``name`` fail inside the database, at run time."""
    db = sqlite3.connect(f"{svc.state_dir}/ironic-lite.sqlite", timeout=30)
    with db:
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS fail_{name.replace('-', '_')} BEFORE INSERT ON nodes "
            f"WHEN NEW.name = '{name}' BEGIN SELECT json('not json'); END"
        )
    db.close()


def test_a_database_failure_on_create_shows_no_secret(debug_service):
    name = f"boom-{uuid.uuid4().hex[:6]}"
    _break_inserts_named(debug_service, name)
    body = {
        "driver": "fake-hardware",
        "name": name,
        "driver_info": {"fake_password": PASSWORD, "agent_token": TOKEN},
        "instance_info": {"configdrive": PASSWORD},
    }
    resp = requests.post(debug_service.url + "/v1/nodes", json=body, headers=H, timeout=30)
    assert resp.status_code == 500, resp.text
    fault = _fault(resp)
    assert "malformed JSON" in fault["debuginfo"], "the traceback is in the body"
    log = debug_service.read_log()
    assert "malformed JSON" in log and "Traceback" in log, "the failure was logged"
    for secret in (PASSWORD, TOKEN):
        assert secret not in resp.text and secret not in log


def test_a_patch_error_on_a_secret_field_shows_no_value(debug_service):
    resp = requests.post(
        debug_service.url + "/v1/nodes",
        json={"driver": "fake-hardware", "driver_info": {"fake_password": "old"}},
        headers=H,
        timeout=30,
    )
    assert resp.status_code == 201, resp.text
    node = resp.json()["uuid"]
    patch = [{"op": "add", "path": "/driver_info/fake_password/deeper", "value": PASSWORD}]
    resp = requests.patch(f"{debug_service.url}/v1/nodes/{node}", json=patch, headers=H, timeout=30)
    assert resp.status_code == 400, resp.text
    assert "/driver_info/fake_password/deeper" in _fault(resp)["faultstring"]
    assert PASSWORD not in resp.text and PASSWORD not in debug_service.read_log()
