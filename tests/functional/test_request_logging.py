"""What the service logs: a line per API request, per state change and (at DEBUG) per BMC call,
each with its request id, and never a secret.

An openstacksdk session under HTTP Basic drives a Redfish node (sushy-tools' emulator) through
enrolment, verification, power and deletion; every response it got is then looked up in the
service's log by method, path, status and request id.
"""

import base64
import re
import uuid

import bcrypt
import openstack
import pytest
import requests

from tests.lab.redfish import RedfishLab, started
from tests.lab.server import Service

pytestmark = pytest.mark.xdist_group("redfish")

API_PASSWORD = f"api-{uuid.uuid4().hex}"
BMC_PASSWORD = f"bmc-{uuid.uuid4().hex}"
QUERY_SECRET = f"query-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def lab():
    running = started(RedfishLab(systems=1, password=BMC_PASSWORD))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def service(lab, tmp_path_factory):
    state = tmp_path_factory.mktemp("logging")
    htpasswd = state / "htpasswd"
    digest = bcrypt.hashpw(API_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    htpasswd.write_text(f"admin:{digest}\n")
    svc = Service(
        state_dir=str(state),
        extra_conf=f"""
        [DEFAULT]
        debug = true
        auth_strategy = http_basic
        http_basic_auth_user_file = {htpasswd}
        [conductor]
        sync_power_state_interval = 0
        [redfish]
        poll_interval = 0.2
        """,
        auth=("admin", API_PASSWORD),
    ).start()
    yield svc
    svc.stop()


def _session(service) -> tuple:
    """An openstacksdk connection and the list of (method, path, status, request id) of
    every response it receives."""
    conn = openstack.connect(
        auth_type="http_basic",
        auth={"username": "admin", "password": API_PASSWORD, "endpoint": service.url},
        baremetal_endpoint_override=service.url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )
    seen: list[tuple[str, str, int, str]] = []

    def record(response, *args, **kwargs):
        path = requests.utils.urlparse(response.request.url).path
        request_id = response.headers.get("X-OpenStack-Request-Id", "")
        seen.append((response.request.method, path, response.status_code, request_id))

    conn.session.session.hooks["response"].append(record)
    return conn, seen


def test_a_client_session_is_logged_request_by_request_without_secrets(service, lab):
    sdk, seen = _session(service)
    node = sdk.baremetal.create_node(
        driver="redfish", name=f"log-{uuid.uuid4().hex[:6]}", driver_info=lab.driver_info(0)
    )
    sdk.baremetal.update_node(node, extra={"rack": "r1"})
    assert [n.id for n in sdk.baremetal.nodes(name=node.name)] == [node.id]
    node = sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    assert node.provision_state == "manageable", node.last_error
    sdk.baremetal.set_node_power_state(node, "power on", wait=True, timeout=30)
    sdk.baremetal.get(f"/nodes/{node.id}/history", microversion="1.78")
    assert sdk.baremetal.find_node(f"missing-{uuid.uuid4().hex[:6]}") is None  # a 404
    sdk.baremetal.delete_node(node)
    put_power = next(s for s in seen if s[0] == "PUT" and s[1].endswith("/states/power"))

    # A query carrying something secret-looking: its value stays out of the log.
    resp = requests.get(
        f"{service.url}/v1/nodes",
        params={"fields": "uuid", "agent_token": QUERY_SECRET},
        auth=("admin", API_PASSWORD),
        timeout=10,
    )
    sdk.close()

    with open(service.log, errors="replace") as f:
        log = f.read()  # all of it: read_log() gives the tail
    lines = log.splitlines()
    assert len(seen) > 10
    for method, path, status, request_id in seen:
        assert request_id.startswith("req-"), (method, path)
        pattern = re.compile(
            rf'\[{re.escape(request_id)}\] .*"{method} {re.escape(path)}(\?\S*)?" {status} '
            r"in \d+\.\d ms"
        )
        assert any(pattern.search(line) for line in lines), (method, path, status, request_id)
    masked = [line for line in lines if "agent_token=" in line]
    assert masked and all("agent_token=***" in line for line in masked), masked
    assert resp.headers["X-OpenStack-Request-Id"] in log

    # State changes at INFO, logged by the worker under the id of the request that asked.
    assert re.search(
        rf"INFO \S+ \[req-[^\]]+\] Node {node.id} provision state: enroll -> verifying "
        r"\(event manage\)",
        log,
    ), log[-4000:]
    assert re.search(
        rf"INFO \S+ \[{re.escape(put_power[3])}\] Node {node.id} power state: "
        r"power off -> power on",
        log,
    ), log[-4000:]
    # BMC calls at DEBUG: driver, address, operation, duration and outcome.
    assert re.search(
        rf"DEBUG \S+ \[req-[^\]]+\] BMC call redfish {re.escape(lab.url)} power on: ok in "
        r"\d+\.\d ms",
        log,
    ), log[-4000:]

    basic = base64.b64encode(f"admin:{API_PASSWORD}".encode()).decode()
    for secret in (API_PASSWORD, BMC_PASSWORD, QUERY_SECRET, basic):
        assert secret not in log
