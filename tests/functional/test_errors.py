"""Refused requests: the status, Ironic's error body, and nothing half-written.

Raw ``requests`` against the real service, so that what is checked is the wire: the status
code, ``{"error_message": "<JSON with faultcode, faultstring, debuginfo>"}`` with faultcode
``Client`` for every 4xx, and a faultstring that names the offending field or value. Where the
real Ironic answers 500 (malformed JSON, unknown ``fields`` on a node list, removing
``/maintenance``) ironic-lite answers 400. Every test also checks that the service logged no
traceback while it ran.
"""

import json
import os
import uuid

import pytest
import requests

LATEST = {"X-OpenStack-Ironic-API-Version": "latest"}
MISSING = "1be26c0b-03f2-4d2e-ae87-c02d7f33c123"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def mac() -> str:
    tail = uuid.uuid4().hex[:6]
    return "52:54:00:" + ":".join(tail[i : i + 2] for i in range(0, 6, 2))


class API:
    """Requests to the service at the latest version unless told otherwise."""

    def __init__(self, url: str):
        self.url = url

    def __call__(self, method: str, path: str, version: str | None = "latest", **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if version is not None:
            headers["X-OpenStack-Ironic-API-Version"] = version
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def raw(self, method: str, path: str, data, **kwargs):
        headers = {"Content-Type": "application/json", **LATEST}
        return self(method, path, data=data, headers=headers, **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs):
        resp = self(method, path, **kwargs)
        assert resp.status_code == status, resp.text
        return resp.json() if resp.content else None


@pytest.fixture(scope="module")
def api(service):
    return API(service.url)


@pytest.fixture(autouse=True)
def no_traceback_logged(service):
    """Whatever a test sends, the service must not log a traceback (no 500 in disguise)."""
    start = os.path.getsize(service.log)
    yield
    with open(service.log, errors="replace") as f:
        f.seek(start)
        logged = f.read()
    assert "Traceback" not in logged, logged[-5000:]


def fault(resp, status: int) -> str:
    """Check Ironic's error body for ``status`` and return its faultstring."""
    assert resp.status_code == status, f"{resp.status_code}: {resp.text}"
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert list(body) == ["error_message"]
    error = json.loads(body["error_message"])
    assert list(error) == ["faultcode", "faultstring", "debuginfo"]
    assert error["faultcode"] == ("Client" if status < 500 else "Server")
    assert error["debuginfo"] is None
    return error["faultstring"]


def routing_fault(resp, status: int) -> dict:
    """Ironic's shape for routing-level refusals: code, title and description."""
    assert resp.status_code == status, f"{resp.status_code}: {resp.text}"
    error = json.loads(resp.json()["error_message"])
    assert error["code"] == status
    return error


@pytest.fixture
def node(api):
    made = api.ok("POST", "/v1/nodes", 201, json={"driver": "fake-hardware", "name": unique("e")})
    yield made
    api("DELETE", f"/v1/nodes/{made['uuid']}")


# --- bodies ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "method,path",
    [("POST", "/v1/nodes"), ("POST", "/v1/ports"), ("POST", "/v1/portgroups"),
     ("POST", "/v1/chassis"), ("PATCH", "/v1/nodes/{node}")],
)  # fmt: skip
def test_malformed_json_is_a_client_error_naming_the_parse_error(api, node, method, path):
    # The real Ironic answers 500 here; a body the client got wrong is the client's error.
    resp = api.raw(method, path.format(node=node["uuid"]), '{"driver": "fake-hardware",')
    message = fault(resp, 400)
    assert message.startswith("Malformed JSON body: ")
    assert "line 1 column" in message


def test_bodies_too_deep_or_too_large_are_refused(api, node):
    deep = "[" * 26 + "]" * 26
    assert "nested too deeply" in fault(api.raw("POST", "/v1/nodes", deep), 400)
    recursion = "[" * 100_000
    assert "nested too deeply" in fault(api.raw("POST", "/v1/nodes", recursion), 400)
    at_limit = "[" * 25 + "]" * 25
    assert "is not of type 'object'" in fault(api.raw("POST", "/v1/nodes", at_limit), 400)

    huge = json.dumps({"driver": "fake-hardware", "extra": {"blob": "x" * (1024 * 1024)}})
    message = fault(api.raw("POST", "/v1/nodes", huge), 413)
    assert message == "Request body is too large. Please contact the service administrator."
    # A provisioning request may carry a config drive of up to 64 MiB.
    provision = f"/v1/nodes/{node['uuid']}/states/provision"
    body = {"target": "active", "configdrive": "x" * (2 * 1024 * 1024)}
    assert 'while it is in state "enroll"' in fault(api("PUT", provision, json=body), 400)


def test_unknown_fields_in_create_bodies_are_named(api, node):
    cases = [
        ("/v1/nodes", {"driver": "fake-hardware", "colour": "red"}, "node"),
        ("/v1/nodes", {"driver": "fake-hardware", "provision_state": "active"}, "node"),
        ("/v1/ports", {"node_uuid": node["uuid"], "address": mac(), "colour": "red"}, "port"),
        ("/v1/portgroups", {"node_uuid": node["uuid"], "colour": "red"}, "portgroup"),
        ("/v1/chassis", {"colour": "red"}, "chassis"),
    ]
    for path, body, kind in cases:
        message = fault(api("POST", path, json=body), 400)
        extra = next(k for k in body if k in ("colour", "provision_state"))
        assert message == (
            f"Schema error for {kind}: Additional properties are not allowed "
            f"('{extra}' was unexpected)"
        )


def test_wrong_types_and_missing_required_fields_are_named(api, node):
    cases = [
        ("/v1/nodes", {}, "'driver' is a required property"),
        ("/v1/nodes", [1, 2], "is not of type 'object'"),
        ("/v1/nodes", {"driver": 5}, "field 'driver': 5 is not of type 'string'"),
        ("/v1/nodes", {"driver": "fake-hardware", "extra": [1]}, "field 'extra'"),
        ("/v1/nodes", {"driver": "fake-hardware", "maintenance": "maybe"}, "'maybe'"),
        ("/v1/nodes", {"driver": "fake-hardware", "resource_class": "x" * 81}, "is too long"),
        ("/v1/ports", {"node_uuid": node["uuid"], "address": "zz"}, "field 'address': 'zz'"),
        ("/v1/ports", {"address": mac()}, "node_uuid"),
        ("/v1/ports", {"node_uuid": node["uuid"], "address": mac(), "pxe_enabled": 3}, "3"),
        ("/v1/chassis", {"description": 5}, "field 'description': 5"),
        ("/v1/chassis", {"description": "x" * 256}, "field 'description'"),
    ]
    for path, body, expected in cases:
        assert expected in fault(api("POST", path, json=body), 400), (path, body)


def test_bad_uuids_in_path_body_and_filters_are_named(api, node):
    # In the path.
    assert fault(api("GET", "/v1/chassis/abc"), 400) == "Expected UUID for chassis_uuid: abc"
    assert fault(api("DELETE", "/v1/chassis/abc"), 400) == "Expected UUID for chassis_uuid: abc"
    assert "bad name" in fault(api("GET", "/v1/nodes/bad%20name"), 400)
    assert "52:54:00:aa:bb:cc" in fault(api("GET", "/v1/ports/52:54:00:aa:bb:cc"), 400)
    assert "52:54:00:aa:bb:cc" in fault(api("GET", "/v1/portgroups/52:54:00:aa:bb:cc"), 400)
    # A port is deleted by UUID only, as in Ironic.
    assert fault(api("DELETE", "/v1/ports/a-name"), 400) == "Expected UUID for port_uuid: a-name"
    # In bodies.
    for path, body, field in [
        ("/v1/nodes", {"driver": "fake-hardware", "uuid": "abc"}, "uuid"),
        ("/v1/nodes", {"driver": "fake-hardware", "chassis_uuid": "abc"}, "chassis_uuid"),
        ("/v1/nodes", {"driver": "fake-hardware", "instance_uuid": "abc"}, "instance_uuid"),
        ("/v1/ports", {"node_uuid": "abc", "address": mac()}, "node_uuid"),
        ("/v1/portgroups", {"node_uuid": "abc"}, "node_uuid"),
        ("/v1/chassis", {"uuid": "abc"}, "uuid"),
    ]:
        message = fault(api("POST", path, json=body), 400)
        assert f"field '{field}': 'abc' is not a 'uuid'" in message, message
    # References that are well formed but name nothing are a 400 on create.
    for path, body, kind in [
        ("/v1/nodes", {"driver": "fake-hardware", "chassis_uuid": MISSING}, "Chassis"),
        ("/v1/ports", {"node_uuid": MISSING, "address": mac()}, "Node"),
        ("/v1/portgroups", {"node_uuid": MISSING}, "Node"),
    ]:
        assert fault(api("POST", path, json=body), 400) == f"{kind} {MISSING} could not be found."
    # In filters.
    for path, name in [
        ("/v1/nodes?chassis_uuid=abc", "chassis_uuid"),
        ("/v1/nodes?instance_uuid=abc", "instance_uuid"),
        ("/v1/ports?node_uuid=abc", "node_uuid"),
    ]:
        assert fault(api("GET", path), 400) == f"Expected UUID for {name}: abc"
    message = fault(api("GET", f"/v1/nodes?chassis_uuid={MISSING}"), 404)
    assert message == f"Chassis {MISSING} could not be found."
    assert fault(api("GET", "/v1/ports?node=no-such-node"), 404) == (
        "Node no-such-node could not be found."
    )


def test_unknown_driver_and_bad_interface_are_named(api):
    message = fault(api("POST", "/v1/nodes", json={"driver": "nope"}), 400)
    assert message == (
        "No valid host was found. Reason: No conductor service registered which supports "
        'driver nope for conductor group "". Ensure the driver is valid and enabled.'
    )
    body = {"driver": "fake-hardware", "boot_interface": "nope"}
    message = fault(api("POST", "/v1/nodes", json=body), 400)
    assert "boot interface nope" in message and "fake" in message
    body = {"driver": "fake-hardware", "conductor_group": "nobody-serves-this"}
    assert 'conductor group "nobody-serves-this"' in fault(api("POST", "/v1/nodes", json=body), 400)


# --- JSON-Patch ------------------------------------------------------------------------------
PATCH_CASES = [
    ({"op": "replace", "path": "/extra"}, "Schema error for patch: {'op': 'replace', "),
    ([{"op": "copy", "path": "/extra/a", "from": "/extra/b"}], "'from' was unexpected"),
    ([{"op": "move", "path": "/extra/a"}], "'move' is not one of ['add', 'replace', 'remove']"),
    ([{"op": "add", "path": "extra/a", "value": 1}], "'extra/a' does not match"),
    ([{"op": "add", "path": "/extra/a.b", "value": 1}], "'/extra/a.b' does not match"),
    ([{"op": "add", "path": "/extra/a"}], "'value' is a required property for add of /extra/a"),
    ([{"op": "add"}], "'path' is a required property"),
    ([1], "1 is not of type 'object'"),
    (
        [{"op": "remove", "path": "/extra/nothere"}],
        "Couldn't apply patch '{'op': 'remove', 'path': '/extra/nothere'}'. "
        "Reason: can't remove a non-existent object 'nothere'",
    ),
    (
        [{"op": "replace", "path": "/extra/nothere", "value": 1}],
        "can't replace a non-existent object 'nothere'",
    ),
    ([{"op": "add", "path": "/extra/a/b", "value": 1}], "'/extra/a/b'"),
    ([{"op": "replace", "path": "/uuid", "value": MISSING}], "Cannot patch /uuid. Only the"),
    ([{"op": "replace", "path": "/provision_state", "value": "active"}], "/provision_state"),
    ([{"op": "replace", "path": "/power_state", "value": "power on"}], "/power_state"),
    ([{"op": "add", "path": "/traits", "value": ["CUSTOM_A"]}], "Cannot patch /traits"),
    ([{"op": "add", "path": "/colour", "value": "red"}], "Cannot patch /colour"),
    ([{"op": "remove", "path": "/driver"}], "'driver' is a required property"),
    ([{"op": "replace", "path": "/driver", "value": "nope"}], "supports driver nope"),
    ([{"op": "replace", "path": "/boot_interface", "value": "nope"}], "interface nope"),
    ([{"op": "replace", "path": "/name", "value": "bad name"}], "invalid name 'bad name'"),
    ([{"op": "replace", "path": "/chassis_uuid", "value": MISSING}], f"Chassis {MISSING}"),
    ([{"op": "replace", "path": "/instance_uuid", "value": "abc"}], "'instance_uuid': 'abc'"),
    ([{"op": "replace", "path": "/extra", "value": "text"}], "field 'extra'"),
    ([{"op": "replace", "path": "/maintenance", "value": "maybe"}], "'maybe'"),
]


def test_bad_json_patches_are_refused_and_change_nothing(api, node):
    path = f"/v1/nodes/{node['uuid']}"
    before = api.ok("GET", path)
    for ops, expected in PATCH_CASES:
        message = fault(api("PATCH", path, json=ops), 400)
        assert expected in message, (ops, message)
    after = api.ok("GET", path)
    assert after == before


def test_patch_refused_midway_writes_none_of_its_operations(api, node):
    path = f"/v1/nodes/{node['uuid']}"
    api.ok("PATCH", path, json=[{"op": "add", "path": "/extra/kept", "value": 1}])
    before = api.ok("GET", path)
    for failing in (
        {"op": "remove", "path": "/extra/missing"},
        {"op": "replace", "path": "/driver", "value": "nope"},
        {"op": "replace", "path": "/name", "value": "bad name"},
        {"op": "add", "path": "/chassis_uuid", "value": MISSING},
    ):
        ops = [
            {"op": "add", "path": "/extra/new", "value": 2},
            {"op": "replace", "path": "/description", "value": "changed"},
            failing,
        ]
        message = fault(api("PATCH", path, json=ops), 400)
        if failing["op"] == "remove":
            # The error names the operation that failed, not the whole patch.
            assert message.startswith(f"Couldn't apply patch '{failing}'")
    after = api.ok("GET", path)
    assert after["extra"] == {"kept": 1}
    assert after["description"] is None
    assert after == before


def test_removing_fields_that_cannot_be_empty_resets_them(api, node):
    # ``node unset --retired`` and friends put the default back (the real Ironic 500s on some).
    path = f"/v1/nodes/{node['uuid']}"
    ops = [{"op": "remove", "path": f"/{f}"} for f in ("maintenance", "conductor_group")]
    ops += [{"op": "remove", "path": f"/{f}"} for f in ("retired", "protected")]
    ops.append({"op": "replace", "path": "/disable_power_off", "value": None})
    patched = api.ok("PATCH", path, json=ops)
    assert patched["maintenance"] is False
    assert patched["conductor_group"] == ""
    assert (patched["retired"], patched["protected"], patched["disable_power_off"]) == (
        False,
        False,
        False,
    )

    body = {"node_uuid": node["uuid"], "address": mac(), "pxe_enabled": False}
    port = api.ok("POST", "/v1/ports", 201, json=body)
    flags = ("pxe_enabled", "is_smartnic", "available_for_dynamic_portgroup")
    ops = [{"op": "remove", "path": f"/{flag}"} for flag in flags]
    patched = api.ok("PATCH", f"/v1/ports/{port['uuid']}", json=ops)
    assert [patched[flag] for flag in flags] == [True, False, True]
    ops = [{"op": "remove", "path": "/address"}]
    message = fault(api("PATCH", f"/v1/ports/{port['uuid']}", json=ops), 400)
    assert message == "Schema error for port: 'address' is a required property"

    body = {"node_uuid": node["uuid"], "standalone_ports_supported": False}
    group = api.ok("POST", "/v1/portgroups", 201, json=body)
    ops = [{"op": "remove", "path": "/standalone_ports_supported"}]
    patched = api.ok("PATCH", f"/v1/portgroups/{group['uuid']}", json=ops)
    assert patched["standalone_ports_supported"] is True
    ops = [{"op": "remove", "path": "/node_uuid"}]
    message = fault(api("PATCH", f"/v1/portgroups/{group['uuid']}", json=ops), 400)
    assert message == "Schema error for portgroup: 'node_uuid' is a required property"


def test_bad_patches_on_ports_portgroups_and_chassis(api, node):
    port = api.ok("POST", "/v1/ports", 201, json={"node_uuid": node["uuid"], "address": mac()})
    group = api.ok(
        "POST", "/v1/portgroups", 201, json={"node_uuid": node["uuid"], "name": unique("pg")}
    )
    chassis = api.ok("POST", "/v1/chassis", 201, json={})
    cases = [
        (f"/v1/ports/{port['uuid']}", [{"op": "replace", "path": "/uuid", "value": MISSING}],
         "Cannot patch /uuid"),
        (f"/v1/ports/{port['uuid']}", [{"op": "replace", "path": "/address", "value": "zz"}],
         "'zz'"),
        # Ironic's answer for a node that is missing or not the caller's alike
        (f"/v1/ports/{port['uuid']}", [{"op": "replace", "path": "/node_uuid", "value": MISSING}],
         f"Unable to apply the requested node_uuid '{MISSING}'. Requested value was invalid."),
        (f"/v1/ports/{port['uuid']}",
         [{"op": "add", "path": "/local_link_connection/colour", "value": "red"}],
         "'colour' was unexpected"),
        (f"/v1/portgroups/{group['uuid']}", [{"op": "remove", "path": "/mode"}],
         "'mode' is a mandatory attribute and can not be removed"),
        (f"/v1/portgroups/{group['uuid']}", [{"op": "add", "path": "/name", "value": "a b"}],
         "invalid name 'a b'"),
        (f"/v1/chassis/{chassis['uuid']}", [{"op": "replace", "path": "/uuid", "value": MISSING}],
         "Cannot overwrite UUID for an existing Chassis."),
        (f"/v1/chassis/{chassis['uuid']}", [{"op": "remove", "path": "/extra/x"}],
         "can't remove a non-existent object 'x'"),
    ]  # fmt: skip
    for path, ops, expected in cases:
        before = api.ok("GET", path)
        assert expected in fault(api("PATCH", path, json=ops), 400), (path, ops)
        assert api.ok("GET", path) == before
    api("DELETE", f"/v1/chassis/{chassis['uuid']}")


# --- conflicts and nothing half-written ------------------------------------------------------
def test_duplicates_are_409_and_leave_no_row(api, node):
    dup = api("POST", "/v1/nodes", json={"driver": "fake-hardware", "name": node["name"]})
    assert fault(dup, 409) == f"A node with name {node['name']} already exists."
    named = api.ok("GET", "/v1/nodes?fields=name&limit=1000")["nodes"]
    assert [n["name"] for n in named].count(node["name"]) == 1

    dup = api("POST", "/v1/nodes", json={"driver": "fake-hardware", "uuid": node["uuid"]})
    assert fault(dup, 409) == f"A node with UUID {node['uuid']} already exists."

    address = mac()
    api.ok("POST", "/v1/ports", 201, json={"node_uuid": node["uuid"], "address": address})
    dup = api("POST", "/v1/ports", json={"node_uuid": node["uuid"], "address": address.upper()})
    assert fault(dup, 409) == f"A port with MAC address {address} already exists."
    assert len(api.ok("GET", f"/v1/ports?address={address}")["ports"]) == 1

    name = unique("pg")
    api.ok("POST", "/v1/portgroups", 201, json={"node_uuid": node["uuid"], "name": name})
    dup = api("POST", "/v1/portgroups", json={"node_uuid": node["uuid"], "name": name})
    assert fault(dup, 409) == f"A portgroup with name {name} already exists."

    other = api.ok("POST", "/v1/nodes", 201, json={"driver": "fake-hardware"})
    rename = [{"op": "replace", "path": "/name", "value": node["name"]}]
    assert "already exists" in fault(api("PATCH", f"/v1/nodes/{other['uuid']}", json=rename), 409)
    assert api.ok("GET", f"/v1/nodes/{other['uuid']}")["name"] is None
    api("DELETE", f"/v1/nodes/{other['uuid']}")


def test_refused_creates_leave_no_row(api, node):
    name = unique("ghost")
    for body in (
        {"driver": "fake-hardware", "name": name, "chassis_uuid": MISSING},
        {"driver": "fake-hardware", "name": name, "boot_interface": "nope"},
        {"driver": "nope", "name": name},
        {"driver": "fake-hardware", "name": name, "parent_node": "no-such-parent"},
    ):
        fault(api("POST", "/v1/nodes", json=body), 400)
        fault(api("GET", f"/v1/nodes/{name}"), 404)

    address = mac()
    body = {"node_uuid": node["uuid"], "address": address, "portgroup_uuid": MISSING}
    assert fault(api("POST", "/v1/ports", json=body), 400) == (
        f"Portgroup {MISSING} could not be found."
    )
    body = {"node_uuid": node["uuid"], "address": address, "local_link_connection": {"port_id": 1}}
    fault(api("POST", "/v1/ports", json=body), 400)
    assert api.ok("GET", f"/v1/ports?address={address}")["ports"] == []


def test_chassis_with_nodes_refuses_delete(api):
    chassis = api.ok("POST", "/v1/chassis", 201, json={})
    member = api.ok(
        "POST", "/v1/nodes", 201, json={"driver": "fake-hardware", "chassis_uuid": chassis["uuid"]}
    )
    message = fault(api("DELETE", f"/v1/chassis/{chassis['uuid']}"), 400)
    assert message == (
        f"Cannot complete the requested action because chassis {chassis['uuid']} contains nodes."
    )
    api.ok("DELETE", f"/v1/nodes/{member['uuid']}", 204)
    api.ok("DELETE", f"/v1/chassis/{chassis['uuid']}", 204)


# --- routing, versions -----------------------------------------------------------------------
def test_unknown_url_wrong_method_and_bad_version_header(api, node):
    assert routing_fault(api("GET", "/v1/no-such-thing"), 404)["title"] == "Not Found"
    assert routing_fault(api("PUT", f"/v1/nodes/{node['uuid']}", json={}), 405)["title"] == (
        "Method Not Allowed"
    )
    assert routing_fault(api("POST", "/v1/chassis/detail", json={}), 405)["code"] == 405
    error = routing_fault(api("GET", "/v1/nodes", version="1.999"), 406)
    assert error["description"] == (
        "Version 1.999 was requested but the minor version is not supported by this service. "
        "The supported version range is: [1.1, 1.115]."
    )
    error = routing_fault(api("GET", "/v1/nodes", version="one"), 406)
    assert error["description"] == "Invalid value for X-OpenStack-Ironic-API-Version header"
    fault(api("GET", f"/v1/nodes/{MISSING}"), 404)


# --- query parameters ------------------------------------------------------------------------
QUERY_CASES = [
    ("/v1/nodes?limit=abc", 400, "Expected an integer for limit: abc"),
    ("/v1/nodes?limit=0", 400, "Limit must be positive"),
    ("/v1/ports?limit=-3", 400, "Limit must be positive"),
    ("/v1/nodes?sort_dir=up", 400,
     "Invalid sort direction: up. Acceptable values are 'asc' or 'desc'"),
    ("/v1/nodes?sort_key=colour", 400,
     'The sort_key value "colour" is an invalid field for sorting'),
    ("/v1/nodes?sort_key=extra", 400, "The sort_key value extra is an invalid field for sorting"),
    ("/v1/ports?sort_key=local_link_connection", 400,
     "The sort_key value local_link_connection is an invalid field for sorting"),
    ("/v1/chassis?sort_key=extra", 400, "The sort_key value extra is an invalid field for sorting"),
    ("/v1/conductors?sort_key=alive", 400,
     "The sort_key value alive is an invalid field for sorting"),
    ("/v1/nodes?marker=abc", 400, "Expected UUID for marker: abc"),
    (f"/v1/nodes?marker={MISSING}", 404, f"Node {MISSING} could not be found."),
    (f"/v1/ports?marker={MISSING}", 404, f"Port {MISSING} could not be found."),
    (f"/v1/portgroups?marker={MISSING}", 404, f"Portgroup {MISSING} could not be found."),
    (f"/v1/chassis?marker={MISSING}", 404, f"Chassis {MISSING} could not be found."),
    ("/v1/conductors?marker=nobody", 404, "Conductor nobody could not be found."),
    ("/v1/nodes?fields=colour", 400, "Field colour is not a valid field."),
    ("/v1/nodes?fields=uuid,created_at", 400, "Field created_at is not a valid field."),
    ("/v1/ports?fields=colour", 400, 'Field(s) "colour" are not valid'),
    ("/v1/chassis?fields=colour", 400, "Schema error: 'colour' is not one of ['created_at', "),
    ("/v1/portgroups?fields=colour", 400, "Schema error: 'colour' is not one of ['address', "),
    ("/v1/nodes/detail?fields=uuid", 400, "Unexpected arguments: fields"),
    ("/v1/nodes?detail=true&fields=uuid", 400,
     "Can not specify ?detail=True and fields in the same request."),
    ("/v1/nodes?colour=red", 400, "Unexpected arguments: colour"),
    ("/v1/nodes?maintenance=maybe", 400, "Invalid maintenance: Unrecognized value 'maybe'"),
    ("/v1/nodes?provision_state=sleeping", 400, 'Provision state "sleeping" is not valid'),
    ("/v1/nodes?fault=tired", 400, 'Unrecognized fault "tired" is specified'),
    ("/v1/ports?address=zz", 400, "Expected valid MAC address for address: zz"),
    ("/v1/ports?node=a&portgroup=b", 403, "Operation not permitted."),
    ("/v1/ports?address=52:54:00:00:00:01&conductor_groups=a", 400,
     "Filtering by conductor_groups cannot be combined"),
    ("/v1/portgroups?node=a&address=52:54:00:00:00:01", 400,
     "Filtering by node, address, or shard simultaneously is not supported."),
    ("/v1/drivers?type=weird", 400,
     '"type" filter must be one of "classic" or "dynamic", if specified.'),
    ("/v1/drivers/no-such-driver", 404,
     "Could not find the following driver(s) or hardware type(s): no-such-driver."),
    ("/v1/conductors/nobody", 404, "Conductor nobody could not be found."),
]  # fmt: skip


def test_bad_query_parameters_are_named(api):
    for path, status, expected in QUERY_CASES:
        message = fault(api("GET", path), status)
        assert message.startswith(expected), (path, message)
