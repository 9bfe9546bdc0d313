"""Microversion negotiation and what each version shows, over raw HTTP.

Checks the headers a request may carry (``X-OpenStack-Ironic-API-Version`` and
``OpenStack-API-Version: baremetal 1.x``), the headers every response carries, the 406 answers,
and the fields, query parameters, endpoints and discovery links each version has.
"""

import json
import os
import uuid

import pytest
import requests

MIN, MAX = "1.1", "1.115"
MIN_HEADER = "X-OpenStack-Ironic-API-Minimum-Version"
MAX_HEADER = "X-OpenStack-Ironic-API-Maximum-Version"
VERSION_HEADER = "X-OpenStack-Ironic-API-Version"

# Node fields of the full document at 1.1, and the version adding some of the later ones.
NODE_FIELDS_1_1 = {
    "uuid", "created_at", "updated_at", "chassis_uuid", "console_enabled", "driver",
    "driver_info", "extra", "instance_info", "instance_uuid", "last_error", "maintenance",
    "maintenance_reason", "power_state", "properties", "provision_state",
    "provision_updated_at", "reservation", "target_power_state", "target_provision_state",
    "links", "ports",
}  # fmt: skip
NODE_FIELD_VERSIONS = {
    "driver_internal_info": 3,
    "name": 5,
    "inspection_started_at": 6,
    "clean_step": 7,
    "raid_config": 12,
    "states": 14,
    "network_interface": 20,
    "resource_class": 21,
    "portgroups": 24,
    "boot_interface": 31,
    "volume": 32,
    "storage_interface": 33,
    "traits": 37,
    "rescue_interface": 38,
    "bios_interface": 40,
    "fault": 42,
    "deploy_step": 44,
    "conductor_group": 46,
    "automated_clean": 47,
    "protected": 48,
    "conductor": 49,
    "owner": 50,
    "description": 51,
    "allocation_uuid": 52,
    "retired": 61,
    "lessee": 65,
    "network_data": 66,
    "boot_mode": 75,
    "shard": 82,
    "parent_node": 83,
    "firmware_interface": 86,
    "service_step": 87,
    "disable_power_off": 95,
    "instance_name": 104,
    "health": 109,
}
PORT_FIELD_VERSIONS = {
    "internal_info": 18,
    "pxe_enabled": 19,
    "local_link_connection": 19,
    "portgroup_uuid": 24,
    "physical_network": 34,
    "is_smartnic": 53,
    "name": 88,
    "description": 97,
    "vendor": 100,
    "category": 101,
    "available_for_dynamic_portgroup": 111,
}


@pytest.fixture(scope="module", autouse=True)
def no_traceback_logged(service):
    """Nothing these tests send may make the service log a traceback."""
    start = os.path.getsize(service.log)
    yield
    with open(service.log, errors="replace") as f:
        f.seek(start)
        logged = f.read()
    assert "Traceback" not in logged, logged[-5000:]


def call(service, method: str, path: str, version: str | None = None, **kwargs):
    headers = dict(kwargs.pop("headers", {}))
    if version is not None:
        headers[VERSION_HEADER] = version
    return requests.request(method, service.url + path, headers=headers, timeout=30, **kwargs)


def body_of(resp, status: int = 200):
    assert resp.status_code == status, f"{resp.status_code}: {resp.text}"
    return resp.json() if resp.content else None


def version_error(resp) -> str:
    """A 406 of version negotiation: Ironic's code/title/description shape."""
    assert resp.status_code == 406, resp.text
    error = json.loads(resp.json()["error_message"])
    assert (error["code"], error["title"]) == (406, "Not Acceptable")
    return error["description"]


def faultstring(resp, status: int) -> str:
    assert resp.status_code == status, f"{resp.status_code}: {resp.text}"
    error = json.loads(resp.json()["error_message"])
    assert error["faultcode"] == "Client"
    return error["faultstring"]


@pytest.fixture
def node(service):
    made = body_of(
        call(service, "POST", "/v1/nodes", "latest", json={"driver": "fake-hardware"}), 201
    )
    yield made
    call(service, "DELETE", f"/v1/nodes/{made['uuid']}", "latest")


# --- negotiation -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers,negotiated",
    [
        ({}, "1.1"),
        ({VERSION_HEADER: "1.5"}, "1.5"),
        ({VERSION_HEADER: "1.01"}, "1.1"),
        ({VERSION_HEADER: "latest"}, MAX),
        ({VERSION_HEADER: "LATEST"}, MAX),
        ({"OpenStack-API-Version": "baremetal 1.7"}, "1.7"),
        ({"OpenStack-API-Version": "baremetal latest"}, MAX),
        ({"OpenStack-API-Version": "compute 2.50, baremetal 1.9"}, "1.9"),
        # The generic header wins when it names baremetal, and is ignored when it does not.
        ({VERSION_HEADER: "1.5", "OpenStack-API-Version": "baremetal 1.7"}, "1.7"),
        ({VERSION_HEADER: "1.5", "OpenStack-API-Version": "compute 2.50"}, "1.5"),
        ({"OpenStack-API-Version": "compute 2.50"}, "1.1"),
    ],
)
def test_negotiated_version_is_echoed_with_the_range(service, headers, negotiated):
    resp = call(service, "GET", "/v1/nodes?limit=1", headers=headers)
    assert resp.status_code == 200
    assert resp.headers[VERSION_HEADER] == negotiated
    assert (resp.headers[MIN_HEADER], resp.headers[MAX_HEADER]) == (MIN, MAX)


def test_every_response_carries_the_version_headers(service, node):
    path = f"/v1/nodes/{node['uuid']}"
    responses = {
        "root": call(service, "GET", "/"),
        "v1": call(service, "GET", "/v1", "1.20"),
        "list": call(service, "GET", "/v1/nodes", "1.20"),
        "202": call(service, "PUT", f"{path}/maintenance", "1.20", json={"reason": "x"}),
        "202 delete": call(service, "DELETE", f"{path}/maintenance", "1.20"),
        "400": call(service, "GET", "/v1/nodes?limit=0", "1.20"),
        "404": call(service, "GET", f"/v1/nodes/{uuid.uuid4()}", "1.20"),
        "404 route": call(service, "GET", "/v1/no-such-thing", "1.20"),
        "405": call(service, "PUT", path, "1.20", json={}),
        "406 field": call(service, "GET", "/v1/nodes?fields=uuid", "1.7"),
    }
    for what, resp in responses.items():
        assert (resp.headers[MIN_HEADER], resp.headers[MAX_HEADER]) == (MIN, MAX), what
        expected = {"root": "1.1", "406 field": "1.7"}.get(what, "1.20")
        assert resp.headers[VERSION_HEADER] == expected, what
        assert resp.headers["X-OpenStack-Request-Id"].startswith("req-"), what
        assert resp.headers["OpenStack-Request-Id"] == resp.headers["X-OpenStack-Request-Id"]
    assert responses["202"].status_code == 202 and responses["202 delete"].status_code == 202
    assert responses["405"].status_code == 405

    created = call(service, "POST", "/v1/nodes", "1.20", json={"driver": "fake-hardware"})
    deleted = call(service, "DELETE", f"/v1/nodes/{created.json()['uuid']}", "1.20")
    assert deleted.status_code == 204 and not deleted.content
    assert deleted.headers[VERSION_HEADER] == "1.20"


@pytest.mark.parametrize(
    "requested,description",
    [
        ("1.0", "Version 1.0 was requested but the minor version is not supported by this "
                "service. The supported version range is: [1.1, 1.115]."),
        ("1.116", "Version 1.116 was requested but the minor version is not supported by this "
                  "service. The supported version range is: [1.1, 1.115]."),
        ("2.0", "Mutually exclusive versions requested. Version 2.0 requested but not supported "
                "by this service. The supported version range is: [1.1, 1.115]."),
    ],
)  # fmt: skip
def test_versions_outside_the_range_are_406(service, requested, description):
    for path in ("/", "/v1", "/v1/nodes"):
        resp = call(service, "GET", path, requested)
        assert version_error(resp) == description
        assert (resp.headers[MIN_HEADER], resp.headers[MAX_HEADER]) == (MIN, MAX)
        assert VERSION_HEADER not in resp.headers
    resp = call(service, "GET", "/v1/nodes", headers={"OpenStack-API-Version": "baremetal 1.0"})
    assert version_error(resp).startswith("Version 1.0 was requested")


@pytest.mark.parametrize("value", ["abc", "1", "1.2.3", "v1.5", "1.x"])
def test_malformed_versions_are_406(service, value):
    resp = call(service, "GET", "/v1/nodes", value)
    assert version_error(resp) == "Invalid value for X-OpenStack-Ironic-API-Version header"
    assert VERSION_HEADER not in resp.headers
    generic = {"OpenStack-API-Version": f"baremetal {value}"}
    resp = call(service, "GET", "/v1/nodes", headers=generic)
    assert version_error(resp) == "Invalid value for X-OpenStack-Ironic-API-Version header"


def test_an_empty_version_header_counts_as_none(service):
    resp = call(service, "GET", "/v1/nodes", "")
    assert resp.status_code == 200
    assert resp.headers[VERSION_HEADER] == "1.1"


# --- discovery -------------------------------------------------------------------------------
def test_root_and_v1_discovery_list_resources_per_version(service):
    root = body_of(call(service, "GET", "/"))
    assert root["name"] == "OpenStack Ironic API"
    assert root["default_version"] == root["versions"][0]
    version = root["default_version"]
    assert (version["id"], version["status"]) == ("v1", "CURRENT")
    assert (version["min_version"], version["version"]) == (MIN, MAX)
    assert version["links"] == [{"href": f"{service.url}/v1/", "rel": "self"}]

    base = ["id", "links", "media_types", "chassis", "nodes", "ports", "drivers", "version"]
    expected = {
        "1.1": base,
        "1.22": base + ["lookup", "heartbeat"],
        "1.23": base + ["portgroups", "lookup", "heartbeat"],
        "1.49": base + ["portgroups", "volume", "lookup", "heartbeat", "conductors"],
        "latest": base + [
            "portgroups", "volume", "lookup", "heartbeat", "conductors", "allocations",
            "events", "deploy_templates", "shards", "runbooks", "inspection_rules",
            "continue_inspection",
        ],
    }  # fmt: skip
    for requested, keys in expected.items():
        for path in ("/v1", "/v1/"):
            doc = body_of(call(service, "GET", path, requested))
            assert list(doc) == keys, (requested, path)
    assert doc["media_types"] == {
        "base": "application/json",
        "type": "application/vnd.openstack.ironic.v1+json",
    }
    assert doc["links"][0] == {"href": f"{service.url}/v1/", "rel": "self"}
    assert doc["links"][1]["rel"] == "describedby"
    assert doc["nodes"] == [
        {"href": f"{service.url}/v1/nodes/", "rel": "self"},
        {"href": f"{service.url}/nodes/", "rel": "bookmark"},
    ]
    assert doc["version"] == version


# --- fields by version -----------------------------------------------------------------------
def test_node_fields_appear_at_their_version(service, node):
    path = f"/v1/nodes/{node['uuid']}"
    assert set(body_of(call(service, "GET", path))) == NODE_FIELDS_1_1
    assert set(body_of(call(service, "GET", path, "1.1"))) == NODE_FIELDS_1_1
    for field, since in NODE_FIELD_VERSIONS.items():
        before = body_of(call(service, "GET", path, f"1.{since - 1}"))
        at = body_of(call(service, "GET", path, f"1.{since}"))
        assert field not in before, (field, since)
        assert field in at, (field, since)
    latest = body_of(call(service, "GET", path, "latest"))
    assert latest["traits"] == [] and latest["fault"] is None
    assert latest["conductor_group"] == ""

    # The non-detailed list shows name from 1.5 too.
    listed = body_of(call(service, "GET", "/v1/nodes", "1.4"))["nodes"]
    assert "name" not in listed[0]
    listed = body_of(call(service, "GET", "/v1/nodes", "1.5"))["nodes"]
    assert set(listed[0]) == {
        "uuid", "instance_uuid", "maintenance", "power_state", "provision_state", "name", "links",
    }  # fmt: skip


def test_port_fields_appear_at_their_version(service, node):
    body = {"node_uuid": node["uuid"], "address": "52:54:00:12:34:56", "name": "mv-port"}
    port = body_of(call(service, "POST", "/v1/ports", "latest", json=body), 201)
    path = f"/v1/ports/{port['uuid']}"
    assert set(body_of(call(service, "GET", path, "1.1"))) == {
        "uuid", "created_at", "updated_at", "address", "node_uuid", "extra", "links",
    }  # fmt: skip
    for field, since in PORT_FIELD_VERSIONS.items():
        assert field not in body_of(call(service, "GET", path, f"1.{since - 1}")), field
        assert field in body_of(call(service, "GET", path, f"1.{since}")), field
    assert body_of(call(service, "GET", path, "1.88"))["name"] == "mv-port"
    call(service, "DELETE", path, "latest")


def test_new_nodes_are_available_before_1_11_and_enroll_after(service):
    made = []
    for version, state in (("1.1", "available"), ("1.10", "available"), ("1.11", "enroll")):
        resp = call(service, "POST", "/v1/nodes", version, json={"driver": "fake-hardware"})
        node = body_of(resp, 201)
        made.append(node["uuid"])
        shown = body_of(call(service, "GET", f"/v1/nodes/{node['uuid']}", "latest"))
        assert shown["provision_state"] == state, version
    available = made[1]
    # Before 1.2 'available' was shown as no state at all.
    assert body_of(call(service, "GET", f"/v1/nodes/{available}", "1.1"))["provision_state"] is None
    assert (
        body_of(call(service, "GET", f"/v1/nodes/{available}", "1.2"))["provision_state"]
        == "available"
    )
    states = body_of(call(service, "GET", f"/v1/nodes/{available}/states", "1.1"))
    assert states["provision_state"] is None
    for node_uuid in made:
        assert call(service, "DELETE", f"/v1/nodes/{node_uuid}", "latest").status_code == 204


def test_endpoints_before_their_version_are_404(service, node):
    message = faultstring(call(service, "GET", "/v1/portgroups", "1.22"), 404)
    assert message == "The API is not supported for this version"
    assert call(service, "GET", "/v1/portgroups", "1.23").status_code == 200
    message = faultstring(call(service, "GET", "/v1/conductors", "1.48"), 404)
    assert message == "The API is not supported for this version"
    assert call(service, "GET", "/v1/conductors", "1.49").status_code == 200

    traits = f"/v1/nodes/{node['uuid']}/traits"
    assert faultstring(call(service, "GET", traits, "1.36"), 406) == "Request not acceptable."
    assert call(service, "PUT", f"{traits}/CUSTOM_A", "1.36").status_code == 405
    assert call(service, "DELETE", f"{traits}/CUSTOM_A", "1.36").status_code == 404
    assert call(service, "PUT", f"{traits}/CUSTOM_A", "1.37").status_code == 204
    assert body_of(call(service, "GET", traits, "1.37")) == {"traits": ["CUSTOM_A"]}


def test_query_parameters_before_their_version_are_406(service):
    plain = "Request not acceptable."
    cases = [
        ("/v1/nodes?provision_state=enroll", "1.8", plain),
        ("/v1/nodes?fields=uuid", "1.7", plain),
        ("/v1/nodes?sort_key=name", "1.4", plain),
        ("/v1/nodes?fields=traits", "1.36", plain),
        ("/v1/ports?fields=name", "1.87", plain),
        ("/v1/ports?sort_key=name", "1.87", plain),
        ("/v1/drivers?fields=name", "1.76", plain),
        ("/v1/nodes?driver=fake-hardware", "1.15",
         "Request not acceptable. The minimal required API version should be 1.16"),
        ("/v1/nodes?owner=someone", "1.49",
         "Request not acceptable. The minimal required API version should be 1.50"),
        ("/v1/drivers?detail=true", "1.29",
         "Request not acceptable. The minimal required API version should be 1.30"),
        ("/v1/nodes?instance_name=vm", "1.103",
         "instance_name is not acceptable in this API version"),
    ]  # fmt: skip
    for path, version, message in cases:
        assert faultstring(call(service, "GET", path, version), 406) == message, path
    just_in_time = [
        ("/v1/nodes?provision_state=enroll", "1.9"),
        ("/v1/nodes?fields=uuid", "1.8"),
        ("/v1/nodes?sort_key=name", "1.5"),
        ("/v1/nodes?driver=fake-hardware", "1.16"),
        ("/v1/nodes?detail=true", "1.43"),
    ]
    for path, version in just_in_time:
        assert call(service, "GET", path, version).status_code == 200, path
    message = faultstring(call(service, "GET", "/v1/nodes?detail=true", "1.42"), 400)
    assert message == "Invalid query parameter ?detail=True received."


def test_body_fields_before_their_version_are_406(service, node):
    plain = "Request not acceptable."
    for version, body in (
        ("1.4", {"driver": "fake-hardware", "name": "too-early"}),
        ("1.20", {"driver": "fake-hardware", "resource_class": "gold"}),
        ("1.49", {"driver": "fake-hardware", "owner": "someone"}),
    ):
        resp = call(service, "POST", "/v1/nodes", version, json=body)
        assert faultstring(resp, 406) == plain, body
    path = f"/v1/nodes/{node['uuid']}"
    for version, field in (("1.4", "name"), ("1.49", "owner"), ("1.50", "description")):
        ops = [{"op": "add", "path": f"/{field}", "value": "x"}]
        assert faultstring(call(service, "PATCH", path, version, json=ops), 406) == plain
    body = {"node_uuid": node["uuid"], "address": "52:54:00:12:34:57", "name": "early"}
    assert faultstring(call(service, "POST", "/v1/ports", "1.87", json=body), 406) == plain
    body = {"node_uuid": node["uuid"], "mode": "802.3ad"}
    assert faultstring(call(service, "POST", "/v1/portgroups", "1.25", json=body), 406) == plain
    # Names below 1.5 are not even identifiers: they are looked up as nothing.
    named = body_of(call(service, "PATCH", path, "latest", json=[
        {"op": "add", "path": "/name", "value": f"mv-{uuid.uuid4().hex[:8]}"}
    ]))  # fmt: skip
    message = faultstring(call(service, "GET", f"/v1/nodes/{named['name']}", "1.4"), 404)
    assert message == f"Node {named['name']} could not be found."
    assert (
        body_of(call(service, "GET", f"/v1/nodes/{named['name']}", "1.5"))["uuid"] == (node["uuid"])
    )


# --- secrets ---------------------------------------------------------------------------------
def test_secrets_are_write_only_in_every_view(service):
    driver_info = {
        "ipmi_address": "10.0.0.9",
        "ipmi_username": "admin",
        "ipmi_password": "p4ss",
        "Password": "p4ss",
        "my_secret": "s",
        "auth_token": "t",
        "private_key_file": "/k",
        "nested": {"password": "deep", "user": "u"},
        "redfish_key": "visible",
        "snmp_auth_key": "k",
    }
    instance_info = {"image_url": "http://x/img", "configdrive": "cd", "image_checksum": "abc"}
    body = {"driver": "fake-hardware", "driver_info": driver_info, "instance_info": instance_info}
    created = body_of(call(service, "POST", "/v1/nodes", "latest", json=body), 201)
    path = f"/v1/nodes/{created['uuid']}"
    expected_driver_info = {
        "ipmi_address": "10.0.0.9",
        "ipmi_username": "admin",
        "ipmi_password": "******",
        "Password": "******",
        "my_secret": "******",
        "auth_token": "******",
        "private_key_file": "******",
        "nested": {"password": "******", "user": "u"},
        "redfish_key": "visible",
        "snmp_auth_key": "******",
    }
    expected_instance_info = {
        "image_url": "******",
        "configdrive": "******",
        "image_checksum": "abc",
    }
    views = {
        "create": created,
        "show": body_of(call(service, "GET", path, "latest")),
        "show 1.1": body_of(call(service, "GET", path, "1.1")),
        "fields": body_of(call(service, "GET", f"{path}?fields=driver_info,instance_info", "1.8")),
        "detail": next(
            n
            for n in body_of(call(service, "GET", "/v1/nodes/detail", "latest"))["nodes"]
            if n["uuid"] == created["uuid"]
        ),
    }
    for what, doc in views.items():
        assert doc["driver_info"] == expected_driver_info, what
        assert doc["instance_info"] == expected_instance_info, what

    ops = [{"op": "add", "path": "/driver_info/new_password", "value": "n"}]
    patched = body_of(call(service, "PATCH", path, "latest", json=ops))
    assert patched["driver_info"] == {**expected_driver_info, "new_password": "******"}
    assert patched["instance_info"] == expected_instance_info
    assert call(service, "DELETE", path, "latest").status_code == 204
