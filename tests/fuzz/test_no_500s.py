"""Each input issue 12 found answered with a 500, now a 4xx with Ironic's error body.

Through the HTTP API of the all-in-one, on SQLite and on PostgreSQL (whose text columns
refuse NUL, the source of most of them), checking the status, the error body and that the
service logged no traceback.
"""

import json

import pytest
import requests

from tests.fuzz.conftest import GROUP, LATEST
from tests.fuzz.schemathesis_run import error_body_problem

pytestmark = [GROUP]

HUGE_VERSION = "1." + "1" * 5000


def fault(resp, status: int) -> str:
    """Check the status and Ironic's error body; return the message."""
    assert resp.status_code == status, f"{resp.status_code}: {resp.text[:500]}"
    assert error_body_problem(status, resp.text) is None, resp.text[:500]
    inner = json.loads(resp.json()["error_message"])
    return inner.get("faultstring") or inner.get("description")


@pytest.fixture(autouse=True)
def no_traceback_logged(request):
    """Whatever a test sends, the service must not log a traceback (a 500 in disguise)."""
    if "seeded" not in request.fixturenames:
        yield
        return
    seeded = request.getfixturevalue("seeded")
    before = len(seeded.logged_since_start())
    yield
    logged = seeded.logged_since_start()[before:]
    assert "Traceback" not in logged, logged[-5000:]


def send(seeded, method: str, path: str, **kwargs):
    headers = {**LATEST, **kwargs.pop("headers", {})}
    return requests.request(method, seeded.url + path, headers=headers, timeout=30, **kwargs)


def raw_json(seeded, method: str, path: str, text: str):
    """A body written by hand: what json.dumps cannot produce (lone surrogates, big numbers)."""
    headers = {"Content-Type": "application/json"}
    return send(seeded, method, path, data=text.encode("utf-8"), headers=headers)


# --- microversion header -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/"),
        ("GET", "/v1"),
        ("GET", "/v1/nodes"),
        ("POST", "/v1/nodes"),
        ("GET", "/v1/lookup"),
        ("POST", "/v1/heartbeat/fuzz-idle"),
        ("POST", "/v1/continue_inspection"),
        ("GET", "/v1/no/such/path"),
    ],
)
def test_a_version_of_thousands_of_digits_is_a_406(seeded, method, path):
    for headers in (
        {"X-OpenStack-Ironic-API-Version": HUGE_VERSION},
        {"OpenStack-API-Version": f"baremetal {HUGE_VERSION}"},
        {"X-OpenStack-Ironic-API-Version": "1" * 5000 + ".1"},
    ):
        resp = requests.request(method, seeded.url + path, headers=headers, timeout=30)
        assert "Invalid value" in fault(resp, 406)


def test_a_version_of_thousands_of_digits_is_refused_before_auth(basic_service):
    for path in ("/v1/nodes", "/v1/ports/x", "/"):
        resp = requests.get(
            basic_service.url + path,
            headers={"X-OpenStack-Ironic-API-Version": HUGE_VERSION},
            timeout=30,
        )
        fault(resp, 406)


# --- the agent's endpoints (open: no credentials) ---------------------------------------------
MAC = "52:54:00:00:00:01"


@pytest.mark.parametrize(
    "inventory, field",
    [
        (
            {"bmc_address": ["10.0.0.1"], "interfaces": [{"mac_address": "52:54:00:00:00:01"}]},
            "bmc",
        ),
        ({"bmc_v6address": {"a": 1}, "interfaces": [{"mac_address": "52:54:00:00:00:01"}]}, "bmc"),
        ({"interfaces": 5}, "interfaces"),
        ({"interfaces": [5]}, "interfaces"),
        ({"interfaces": [{"mac_address": 5}]}, "mac_address"),
        ({"interfaces": []}, "interfaces"),
    ],
)
def test_continue_inspection_refuses_inventories_of_the_wrong_shape(seeded, inventory, field):
    resp = send(seeded, "POST", "/v1/continue_inspection", json={"inventory": inventory})
    assert field in fault(resp, 400)


def test_continue_inspection_refuses_data_that_is_no_object(seeded):
    for data in ([], "inventory", {"inventory": []}):
        fault(send(seeded, "POST", "/v1/continue_inspection", json=data), 400)


@pytest.mark.parametrize(
    "callback_url",
    [
        "http://[::1",
        "http://[::1]x",
        "https://[",
        "http://",
        "ftp://host",
        "http://a b",
        "x" * 3000,
    ],
)
def test_heartbeat_refuses_callback_urls_urllib_cannot_parse(seeded, callback_url):
    body = {"callback_url": callback_url, "agent_token": "t" * 32}
    resp = send(seeded, "POST", "/v1/heartbeat/fuzz-idle", json=body)
    assert "callback_url" in fault(resp, 400)


def test_heartbeat_takes_an_ipv6_callback_url(seeded):
    """The schema lets a well-formed URL through to the node's own checks (no agent is
    waiting on this node: the conductor refuses the heart-beat, but not the URL)."""
    body = {"callback_url": "http://[fd00::5]:9999", "agent_token": "t" * 32}
    resp = send(seeded, "POST", "/v1/heartbeat/fuzz-idle", json=body)
    assert "callback_url" not in fault(resp, resp.status_code)
    assert 400 <= resp.status_code < 500


def test_heartbeat_refuses_fields_of_the_wrong_type(seeded):
    for body in (
        {"callback_url": "http://10.0.0.1:9999", "agent_token": 5},
        {"callback_url": "http://10.0.0.1:9999", "agent_status": "odd"},
        {"callback_url": "http://10.0.0.1:9999", "agent_version": ["6"]},
        {"callback_url": "http://10.0.0.1:9999", "surprise": 1},
        [],
    ):
        fault(send(seeded, "POST", "/v1/heartbeat/fuzz-idle", json=body), 400)


# --- NUL characters and lone surrogates: refused wherever a request carries text ---------------
NUL = "a\x00b"


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("POST", "/v1/nodes", {"driver": "fake-hardware", "name": NUL}),
        ("POST", "/v1/nodes", {"driver": "fake-hardware", "description": NUL}),
        ("POST", "/v1/nodes", {"driver": "fake-hardware", "extra": {"k": NUL}}),
        ("POST", "/v1/nodes", {"driver": "fake-hardware", "extra": {NUL: "v"}}),
        ("POST", "/v1/nodes", {"driver": "fake-hardware", "driver_info": {"x": [NUL]}}),
        ("POST", "/v1/nodes", {"driver": NUL}),
        ("PATCH", "/v1/nodes/fuzz-idle", [{"op": "add", "path": "/extra/k", "value": NUL}]),
        ("PATCH", "/v1/nodes/fuzz-idle", [{"op": "replace", "path": "/owner", "value": NUL}]),
        ("POST", "/v1/chassis", {"description": NUL}),
        ("POST", "/v1/ports", {"address": "52:54:00:00:00:09", "node_uuid": NUL}),
        ("POST", "/v1/portgroups", {"node_uuid": "fuzz-idle", "name": NUL}),
        ("POST", "/v1/allocations", {"resource_class": NUL}),
        ("POST", "/v1/deploy_templates", {"name": "CUSTOM_X", "steps": [], "extra": {"a": NUL}}),
        ("POST", "/v1/runbooks", {"name": "CUSTOM_Y", "steps": [], "description": NUL}),
        ("PUT", "/v1/nodes/fuzz-idle/maintenance", {"reason": NUL}),
        ("PUT", "/v1/nodes/fuzz-idle/states/provision", {"target": NUL}),
        ("POST", "/v1/heartbeat/fuzz-idle", {"callback_url": "http://h:1", "agent_token": NUL}),
        ("POST", "/v1/continue_inspection", {"inventory": {"interfaces": [{"mac_address": NUL}]}}),
    ],
)
def test_nul_in_a_body_string_is_a_400(seeded, method, path, body):
    resp = send(seeded, method, path, json=body)
    assert "NUL" in fault(resp, 400)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/nodes?driver=a%00b",
        "/v1/nodes?owner=%00",
        "/v1/nodes?description_contains=x%00",
        "/v1/nodes?resource_class=%00&detail=true",
        "/v1/nodes?conductor_group=%00",
        "/v1/nodes?instance_name=%00",
        "/v1/nodes/detail?lessee=%00",
        "/v1/nodes?shard=%00",
        "/v1/ports?address=%00",
        "/v1/portgroups?node=%00",
        "/v1/allocations?state=%00",
        "/v1/allocations?owner=a%00",
        "/v1/conductors?marker=%00",
        "/v1/inspection_rules?phase=%00",
        "/v1/lookup?addresses=%00",
        "/v1/nodes?%00=1",
        "/v1/nodes/fuzz%00idle",
        "/v1/nodes/fuzz-idle/history/x%00",
        "/v1/conductors/host%00",
        "/v1/drivers/fake%00",
        "/v1/shards/x%00",
    ],
)
def test_nul_in_a_query_argument_or_path_segment_is_a_400(seeded, path):
    assert "NUL" in fault(send(seeded, "GET", path), 400)


@pytest.mark.parametrize(
    "text",
    [
        '{"driver": "fake-hardware", "name": "\\ud800"}',
        '{"driver": "fake-hardware", "extra": {"a": "x\\udfffy"}}',
        '{"driver": "fake-hardware", "extra": {"\\udc00": 1}}',
        '{"driver": "fake-hardware", "properties": {"a": ["\\ud83d"]}}',
    ],
)
def test_a_lone_surrogate_in_a_body_string_is_a_400(seeded, text):
    assert "surrogate" in fault(raw_json(seeded, "POST", "/v1/nodes", text), 400)


def test_a_surrogate_pair_is_text_like_any_other(seeded):
    resp = raw_json(
        seeded, "POST", "/v1/nodes", '{"driver": "fake-hardware", "extra": {"a": "\\ud83d\\ude00"}}'
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["extra"] == {"a": "\U0001f600"}
    send(seeded, "DELETE", f"/v1/nodes/{resp.json()['uuid']}")


# --- numbers beyond what a column (or a 64-bit client) holds ----------------------------------
POWER = "/v1/nodes/fuzz-idle/states/power"


@pytest.mark.parametrize(
    "method, path, text, words",
    [
        ("POST", "/v1/nodes", '{"driver": "d", "extra": {"a": 18446744073709551616}}', "range"),
        ("POST", "/v1/nodes", '{"driver": "d", "extra": {"a": -9223372036854775809}}', "range"),
        ("POST", "/v1/nodes", '{"driver": "d", "extra": {"a": ' + "9" * 5000 + "}}", "range"),
        ("POST", "/v1/nodes", '{"driver": "d", "properties": {"a": 1e999}}', "range"),
        ("POST", "/v1/nodes", '{"driver": "d", "properties": {"a": -Infinity}}', "JSON value"),
        ("POST", "/v1/nodes", '{"driver": "d", "properties": {"a": NaN}}', "JSON value"),
        (
            "PUT",
            "/v1/nodes/fuzz-idle/states/power",
            '{"target": "power on", "timeout": 1e400}',
            "range",
        ),
        (
            "PUT",
            "/v1/nodes/fuzz-idle/states/power",
            '{"target": "power on", "timeout": 2e19}',
            "timeout",
        ),
        (
            "PUT",
            "/v1/nodes/fuzz-idle/states/power",
            '{"target": "power on", "timeout": 4294967296}',
            "timeout",
        ),
    ],
)
def test_a_number_beyond_what_a_column_holds_is_a_400(seeded, method, path, text, words):
    assert words in fault(raw_json(seeded, method, path, text), 400)


def test_the_widest_64_bit_integers_are_kept(seeded):
    extra = {"max": 2**63 - 1, "min": -(2**63)}
    resp = send(seeded, "POST", "/v1/nodes", json={"driver": "fake-hardware", "extra": extra})
    assert resp.status_code == 201, resp.text
    assert resp.json()["extra"] == extra
    send(seeded, "DELETE", f"/v1/nodes/{resp.json()['uuid']}")


def test_a_boot_index_beyond_32_bits_is_a_400(seeded):
    node = seeded.examples["nodes"][1]
    for index in (2**31, 2**40, 2**63 - 1):
        body = {"node_uuid": node, "volume_type": "iscsi", "boot_index": index, "volume_id": "v9"}
        assert "boot_index" in fault(send(seeded, "POST", "/v1/volume/targets", json=body), 400)
    target = seeded.examples["targets"][0]
    patch = [{"op": "replace", "path": "/boot_index", "value": 2**31}]
    resp = send(seeded, "PATCH", f"/v1/volume/targets/{target}", json=patch)
    assert "boot_index" in fault(resp, 400)


DIGITS = "9" * 5000


@pytest.mark.parametrize(
    "method, path, body",
    [
        (
            "POST",
            "/v1/deploy_templates",
            {
                "name": "CUSTOM_DIGITS",
                "steps": [{"interface": "bios", "step": "x", "args": {}, "priority": DIGITS}],
            },
        ),
        (
            "POST",
            "/v1/runbooks",
            {
                "name": "CUSTOM_DIGITS",
                "steps": [{"interface": "bios", "step": "x", "args": {}, "order": DIGITS}],
            },
        ),
        (
            "POST",
            "/v1/inspection_rules",
            {"priority": DIGITS, "actions": [{"op": "log", "args": {"msg": "m"}}]},
        ),
        (
            "PUT",
            "/v1/nodes/fuzz-ready/states/provision",
            {
                "target": "clean",
                "clean_steps": [{"interface": "deploy", "step": "x", "priority": DIGITS}],
            },
        ),
        (
            "POST",
            "/v1/deploy_templates",
            {
                "name": "CUSTOM_WIDE",
                "steps": [{"interface": "bios", "step": "x", "args": {}, "priority": 2**40}],
            },
        ),
        (
            "PATCH",
            "/v1/deploy_templates/CUSTOM_FUZZ",
            [{"op": "replace", "path": "/steps/0/priority", "value": "1" * 40}],
        ),
    ],
)
def test_a_step_priority_of_thousands_of_digits_is_a_400(seeded, method, path, body):
    resp = send(seeded, method, path, json=body)
    assert any(word in fault(resp, 400) for word in ("priority", "order"))


def test_a_port_id_too_wide_for_its_column_is_not_found(seeded):
    for ident in ("9" * 30, "1" * 5000, "²"):
        assert send(seeded, "GET", f"/v1/ports/{ident}").status_code in (400, 404)


# --- listing the nodes of a conductor ----------------------------------------------------------
def test_listing_the_nodes_of_a_conductor(seeded):
    host = seeded.examples["conductors"][0]
    for query in (f"conductor={host}", f"conductor={host}&fields=uuid,name", "conductor=nobody"):
        resp = send(seeded, "GET", f"/v1/nodes?{query}")
        assert resp.status_code == 200, resp.text
        names = {n.get("name") for n in resp.json()["nodes"]}
        if "nobody" in query:
            assert names == set()
        else:
            assert {"fuzz-idle", "fuzz-ready"} <= names


def test_the_cli_lists_the_nodes_of_a_conductor(cli, sdk):
    node = sdk.baremetal.create_node(driver="fake-hardware", name="conductor-listed")
    try:
        host = sdk.baremetal.get_node(node.id).conductor
        listed = cli.json("node", "list", "--conductor", host)
        assert "conductor-listed" in {n["name"] for n in listed}
        assert cli.json("node", "list", "--conductor", "no-such-host") == []
        long = cli.json("node", "list", "--conductor", host, "--long")
        assert "conductor-listed" in {n["name"] for n in long}
    finally:
        sdk.baremetal.delete_node(node)


# --- JSON-Patch operations of the wrong shape --------------------------------------------------
@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "add", "path": 5, "value": 1}],
        [{"op": "add", "path": None}],
        [{"op": "add", "path": "/steps", "value": 5}],
        [{"op": "replace", "path": "/owner", "value": 5}],
    ],
)
def test_a_runbook_patch_of_the_wrong_shape_is_a_400(seeded, ops):
    """Found by schemathesis: the policy checks read the paths and steps before validation."""
    fault(send(seeded, "PATCH", "/v1/runbooks/CUSTOM_FUZZ_RB", json=ops), 400)
