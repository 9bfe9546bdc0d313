"""The ``openstack baremetal`` CLI doing CRUD of every resource, as an operator would.

Each test drives the real CLI (python-ironicclient, ``latest`` microversion) against the real
service and asserts what the client shows back. The service is shared by the tests of a
worker, so every object gets a unique name and lists are checked for membership, not equality.
"""

import json
import os
import uuid

import pytest
import requests


@pytest.fixture(scope="module", autouse=True)
def no_traceback_logged(service):
    """Nothing these tests send may make the service log a traceback."""
    start = os.path.getsize(service.log)
    yield
    with open(service.log, errors="replace") as f:
        f.seek(start)
        logged = f.read()
    assert "Traceback" not in logged, logged[-5000:]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def mac() -> str:
    tail = uuid.uuid4().hex[:6]
    return "52:54:00:" + ":".join(tail[i : i + 2] for i in range(0, 6, 2))


def names(rows: list[dict], key: str = "name") -> set:
    return {row[key] for row in rows}


def refused(cli, *args: str) -> str:
    """Run a command that must fail; return what the client printed on stderr."""
    proc = cli.run(*args, check=False)
    assert proc.returncode != 0, f"openstack baremetal {' '.join(args)} unexpectedly succeeded"
    return proc.stderr


@pytest.fixture
def node(cli):
    """A fake-hardware node made by the CLI, deleted afterwards if the test did not."""
    created = cli.json("node", "create", "--driver", "fake-hardware", "--name", unique("cli"))
    yield created
    cli.run("node", "delete", created["uuid"], check=False)


# --- nodes -----------------------------------------------------------------------------------
def test_node_create_with_many_fields_show_by_name_and_uuid_then_delete(cli):
    chassis = cli.json("chassis", "create", "--description", "node create")
    name = unique("full")
    network_data = {"links": [], "networks": [], "services": []}
    created = cli.json(
        "node", "create",
        "--driver", "fake-hardware",
        "--name", name,
        "--chassis-uuid", chassis["uuid"],
        "--driver-info", "ipmi_address=10.0.0.5",
        "--driver-info", "ipmi_password=s3cr3t",
        "--property", "cpus=8",
        "--property", "memory_mb=16384",
        "--extra", "rack=r12",
        "--resource-class", "baremetal-gold",
        "--owner", "project-a",
        "--lessee", "project-b",
        "--description", "a node with everything",
        "--shard", "shard-1",
        "--management-interface", "noop",
        "--no-automated-clean",
        "--network-data", json.dumps(network_data),
    )  # fmt: skip
    assert created["name"] == name
    assert created["driver"] == "fake-hardware"
    assert created["chassis_uuid"] == chassis["uuid"]
    assert created["driver_info"] == {"ipmi_address": "10.0.0.5", "ipmi_password": "******"}
    assert created["properties"] == {"cpus": 8, "memory_mb": 16384}
    assert created["extra"] == {"rack": "r12"}
    assert created["resource_class"] == "baremetal-gold"
    assert (created["owner"], created["lessee"]) == ("project-a", "project-b")
    assert created["description"] == "a node with everything"
    assert created["shard"] == "shard-1"
    assert created["automated_clean"] is False
    assert created["network_data"] == network_data
    assert created["provision_state"] == "enroll"
    assert created["maintenance"] is False
    assert created["traits"] == []
    # Interfaces not named come from the hardware type's defaults.
    assert created["management_interface"] == "noop"
    assert created["power_interface"] == "fake"
    assert created["network_interface"] == "flat"
    assert created["conductor"], "a live conductor manages the node"

    by_name = cli.json("node", "show", name)
    by_uuid = cli.json("node", "show", created["uuid"])
    assert by_name == by_uuid
    assert by_uuid["uuid"] == created["uuid"]
    assert by_uuid["driver_info"]["ipmi_password"] == "******"

    cli.run("node", "delete", name)
    assert "could not be found" in refused(cli, "node", "show", created["uuid"])
    cli.run("chassis", "delete", chassis["uuid"])


def test_node_list_long_fields_and_filters(cli):
    tag = uuid.uuid4().hex[:8]
    gold = cli.json(
        "node", "create", "--driver", "fake-hardware", "--name", f"gold-{tag}",
        "--resource-class", f"gold-{tag}", "--owner", f"owner-{tag}",
    )  # fmt: skip
    manual = cli.json("node", "create", "--driver", "manual-management", "--name", f"man-{tag}")
    ours = {gold["name"], manual["name"]}

    listed = {row["name"]: row for row in cli.json("node", "list")}
    assert ours <= set(listed)
    assert set(listed[gold["name"]]) == {
        "uuid", "name", "instance_uuid", "power_state", "provision_state", "maintenance",
    }  # fmt: skip
    assert listed[gold["name"]]["uuid"] == gold["uuid"]
    assert listed[gold["name"]]["provision_state"] == "enroll"

    long = {row["name"]: row for row in cli.json("node", "list", "--long")}
    assert long[manual["name"]]["driver"] == "manual-management"
    assert long[manual["name"]]["management_interface"] == "noop"
    assert long[gold["name"]]["resource_class"] == f"gold-{tag}"

    picked = cli.json("node", "list", "--fields", "uuid", "name", "owner")
    row = next(r for r in picked if r["name"] == gold["name"])
    assert row == {"uuid": gold["uuid"], "name": gold["name"], "owner": f"owner-{tag}"}

    def listed_names(*filters: str) -> set:
        return names(cli.json("node", "list", *filters)) & ours

    assert listed_names("--driver", "manual-management") == {manual["name"]}
    assert listed_names("--resource-class", f"gold-{tag}") == {gold["name"]}
    assert listed_names("--owner", f"owner-{tag}") == {gold["name"]}
    assert listed_names("--provision-state", "enroll") == ours

    for made in (gold, manual):
        cli.run("node", "delete", made["uuid"])


def test_node_set_and_unset(cli, node):
    new_name = unique("renamed")
    cli.run(
        "node", "set", node["name"],
        "--name", new_name,
        "--description", "set by the cli",
        "--owner", "owner-x",
        "--resource-class", "rc-x",
        "--conductor-group", "",
        "--extra", "k1=v1", "--extra", "k2=v2",
        "--property", "cpus=2",
        "--driver-info", "ipmi_username=admin", "--driver-info", "ipmi_password=pw",
    )  # fmt: skip
    shown = cli.json("node", "show", node["uuid"])
    assert shown["name"] == new_name
    assert shown["description"] == "set by the cli"
    assert shown["owner"] == "owner-x"
    assert shown["resource_class"] == "rc-x"
    assert shown["conductor_group"] == ""
    assert shown["extra"] == {"k1": "v1", "k2": "v2"}
    assert shown["properties"] == {"cpus": 2}
    assert shown["driver_info"] == {"ipmi_username": "admin", "ipmi_password": "******"}

    cli.run(
        "node", "unset", new_name,
        "--name", "--description", "--owner", "--resource-class", "--conductor-group",
        "--extra", "k1", "--property", "cpus", "--driver-info", "ipmi_password",
        "--retired", "--protected",
    )  # fmt: skip
    shown = cli.json("node", "show", node["uuid"])
    assert shown["name"] is None
    assert shown["description"] is None
    assert shown["owner"] is None
    assert shown["resource_class"] is None
    assert shown["conductor_group"] == ""
    assert shown["extra"] == {"k2": "v2"}
    assert shown["properties"] == {}
    assert shown["driver_info"] == {"ipmi_username": "admin"}
    assert (shown["retired"], shown["protected"]) == (False, False)


def test_node_traits(cli, node):
    out = cli.run("node", "add", "trait", node["uuid"], "CUSTOM_GPU", "CUSTOM_FAST")
    assert "Added trait CUSTOM_GPU" in out.stdout
    rows = cli.json("node", "trait", "list", node["name"])
    assert [r["traits"] for r in rows] == ["CUSTOM_FAST", "CUSTOM_GPU"]
    assert cli.json("node", "show", node["uuid"])["traits"] == ["CUSTOM_FAST", "CUSTOM_GPU"]

    cli.run("node", "remove", "trait", node["uuid"], "CUSTOM_GPU")
    assert [r["traits"] for r in cli.json("node", "trait", "list", node["uuid"])] == ["CUSTOM_FAST"]
    assert "doesn't have a trait 'CUSTOM_NOPE'" in refused(
        cli, "node", "remove", "trait", node["uuid"], "CUSTOM_NOPE"
    )
    cli.run("node", "remove", "trait", node["uuid"], "--all")
    assert cli.json("node", "trait", "list", node["uuid"]) == []


def test_node_maintenance_and_validate(cli, node):
    cli.run("node", "maintenance", "set", node["name"], "--reason", "fan broken")
    shown = cli.json("node", "show", node["uuid"])
    assert (shown["maintenance"], shown["maintenance_reason"]) == (True, "fan broken")
    assert node["name"] in names(cli.json("node", "list", "--maintenance"))

    cli.run("node", "maintenance", "unset", node["uuid"])
    shown = cli.json("node", "show", node["uuid"])
    assert (shown["maintenance"], shown["maintenance_reason"]) == (False, None)

    results = {row["Interface"]: row for row in cli.json("node", "validate", node["uuid"])}
    assert {"boot", "deploy", "management", "power", "network"} <= set(results)
    assert "vendor" not in results
    assert results["power"]["Result"] is True


def test_node_inject_nmi_is_refused_on_fake_management(cli, node):
    """Ironic's fake management has no NMI; the CLI shows the 400 it answers."""
    stderr = refused(cli, "node", "inject", "nmi", node["uuid"])
    assert "does not support inject_nmi" in stderr and "HTTP 400" in stderr


def test_node_passthru_list_and_call(cli, service, node):
    methods = {row["Name"]: row for row in cli.json("node", "passthru", "list", node["uuid"])}
    assert methods["echo"]["Supported HTTP methods"] == "GET, POST"
    # The CLI calls /v1/nodes/{node}/vendor_passthru/{method} and prints the returned dict.
    proc = cli.run("node", "passthru", "call", node["uuid"], "echo", "--arg", "colour=red")
    assert "'received': {'colour': 'red'}" in proc.stdout
    stderr = refused(cli, "node", "passthru", "call", node["uuid"], "nope")
    assert "Unsupported method (nope)" in stderr and "HTTP 400" in stderr
    # openstacksdk's form: ?method=
    resp = requests.get(
        f"{service.url}/v1/nodes/{node['uuid']}/vendor_passthru?method=echo",
        headers={"X-OpenStack-Ironic-API-Version": "latest"},
    )
    assert resp.status_code == 200 and resp.json()["received"] == {}


def test_driver_passthru_and_raid_logical_disk_properties(cli, sdk):
    methods = {row["name"]: row for row in cli.json("driver", "passthru", "list", "fake-hardware")}
    assert methods["driver_echo"]["async"] is False
    answer = sdk.baremetal.call_driver_vendor_passthru(
        "fake-hardware", "POST", "driver_echo", {"a": 1}
    )
    assert answer.status_code == 200
    assert answer.json() == {"driver": "fake-hardware", "received": {"a": 1}}
    # (`driver passthru call` itself cannot show a dict answer: python-ironicclient fails on
    # it client-side, with Ironic as well.)
    stderr = refused(cli, "driver", "passthru", "call", "fake-hardware", "nope")
    assert "Unsupported method (nope)" in stderr

    properties = {
        row["property"]: row["description"]
        for row in cli.json("driver", "raid", "property", "list", "fake-hardware")
    }
    assert {"raid_level", "size_gb", "is_root_volume", "physical_disks"} <= set(properties)
    assert "Required" in properties["raid_level"]
    stderr = refused(cli, "driver", "raid", "property", "list", "ipmi")
    assert "does not support raid" in stderr and "HTTP 404" in stderr
    assert "HTTP 404" in refused(cli, "driver", "raid", "property", "list", "no-such-driver")


# --- ports and port groups -------------------------------------------------------------------
def test_port_crud(cli, node):
    address = mac()
    created = cli.json(
        "port", "create", address.upper(),
        "--node", node["uuid"],
        "--name", unique("port"),
        "--extra", "vif=none",
        "--pxe-enabled", "false",
        "--physical-network", "physnet1",
        "--local-link-connection", "switch_id=00:11:22:33:44:55",
        "--local-link-connection", "port_id=Eth1/1",
        "--local-link-connection", "switch_info=tor-1",
    )  # fmt: skip
    assert created["address"] == address, "the MAC is stored lower-cased"
    assert created["node_uuid"] == node["uuid"]
    assert created["extra"] == {"vif": "none"}
    assert created["pxe_enabled"] is False
    assert created["physical_network"] == "physnet1"
    assert created["local_link_connection"] == {
        "switch_id": "00:11:22:33:44:55", "port_id": "Eth1/1", "switch_info": "tor-1",
    }  # fmt: skip

    assert cli.json("port", "show", created["uuid"])["name"] == created["name"]
    assert cli.json("port", "show", "--address", address)["uuid"] == created["uuid"]
    assert cli.json("port", "list", "--node", node["uuid"]) == [
        {"uuid": created["uuid"], "address": address}
    ]
    cli.run(
        "port", "set", created["uuid"],
        "--extra", "rack=r1",
        "--pxe-enabled",
        "--physical-network", "physnet2",
        "--local-link-connection", "hostname=tor-1.example.org",
    )  # fmt: skip
    shown = cli.json("port", "show", created["uuid"])
    assert shown["extra"] == {"vif": "none", "rack": "r1"}
    assert shown["pxe_enabled"] is True
    assert shown["physical_network"] == "physnet2"
    assert shown["local_link_connection"]["hostname"] == "tor-1.example.org"

    cli.run(
        "port", "unset", created["uuid"],
        "--extra", "vif", "--physical-network", "--local-link-connection", "switch_info",
    )  # fmt: skip
    shown = cli.json("port", "show", created["uuid"])
    assert shown["extra"] == {"rack": "r1"}
    assert shown["physical_network"] is None
    assert "switch_info" not in shown["local_link_connection"]

    cli.run("port", "delete", created["uuid"])
    assert cli.json("port", "list", "--node", node["uuid"]) == []


def test_port_group_crud(cli, node):
    name = unique("bond")
    address = mac()
    group = cli.json(
        "port", "group", "create",
        "--node", node["uuid"],
        "--name", name,
        "--address", address,
        "--mode", "802.3ad",
        "--property", "miimon=100",
        "--extra", "team=a",
        "--support-standalone-ports",
    )  # fmt: skip
    assert group["name"] == name
    assert group["address"] == address
    assert group["mode"] == "802.3ad"
    assert group["properties"] == {"miimon": 100}
    assert group["standalone_ports_supported"] is True

    assert cli.json("port", "group", "show", name)["uuid"] == group["uuid"]
    listed = cli.json("port", "group", "list", "--node", node["uuid"])
    assert listed == [{"uuid": group["uuid"], "address": address, "name": name}]

    member = cli.json(
        "port", "create", mac(), "--node", node["uuid"], "--port-group", group["uuid"]
    )
    assert member["portgroup_uuid"] == group["uuid"]
    assert cli.json("port", "list", "--port-group", name) == [
        {"uuid": member["uuid"], "address": member["address"]}
    ]

    cli.run(
        "port", "group", "set", name,
        "--mode", "balance-rr", "--extra", "team=b", "--property", "xmit=layer2",
        "--unsupport-standalone-ports",
    )  # fmt: skip
    shown = cli.json("port", "group", "show", group["uuid"])
    assert shown["mode"] == "balance-rr"
    assert shown["extra"] == {"team": "b"}
    assert shown["properties"] == {"miimon": 100, "xmit": "layer2"}
    assert shown["standalone_ports_supported"] is False

    cli.run("port", "group", "unset", name, "--extra", "team", "--property", "miimon")
    shown = cli.json("port", "group", "show", group["uuid"])
    assert shown["extra"] == {}
    assert shown["properties"] == {"xmit": "layer2"}

    assert "contains ports" in refused(cli, "port", "group", "delete", name)
    cli.run("port", "delete", member["uuid"])
    cli.run("port", "group", "delete", name)
    assert cli.json("port", "group", "list", "--node", node["uuid"]) == []


# --- chassis, drivers, conductors ------------------------------------------------------------
def test_chassis_crud_and_refused_delete_while_it_holds_nodes(cli):
    chassis = cli.json("chassis", "create", "--description", "rack 7", "--extra", "row=b")
    assert (chassis["description"], chassis["extra"]) == ("rack 7", {"row": "b"})
    assert cli.json("chassis", "show", chassis["uuid"])["description"] == "rack 7"

    cli.run("chassis", "set", chassis["uuid"], "--description", "rack 8", "--extra", "pdu=p2")
    shown = cli.json("chassis", "show", chassis["uuid"])
    assert (shown["description"], shown["extra"]) == ("rack 8", {"row": "b", "pdu": "p2"})

    listed = {r["uuid"]: r for r in cli.json("chassis", "list")}
    assert listed[chassis["uuid"]] == {"uuid": chassis["uuid"], "description": "rack 8"}
    long = {r["uuid"]: r for r in cli.json("chassis", "list", "--long")}
    assert long[chassis["uuid"]]["extra"] == {"row": "b", "pdu": "p2"}

    member = cli.json(
        "node", "create", "--driver", "fake-hardware", "--chassis-uuid", chassis["uuid"]
    )
    assert "contains nodes" in refused(cli, "chassis", "delete", chassis["uuid"])

    cli.run("node", "delete", member["uuid"])
    cli.run("chassis", "delete", chassis["uuid"])
    assert "could not be found" in refused(cli, "chassis", "show", chassis["uuid"])


def test_drivers_list_show_and_properties(cli):
    drivers = {d["name"]: d for d in cli.json("driver", "list")}
    assert {"fake-hardware", "manual-management"} <= set(drivers)
    host = drivers["fake-hardware"]["hosts"]
    assert host

    shown = cli.json("driver", "show", "fake-hardware")
    assert shown["name"] == "fake-hardware"
    assert shown["type"] == "dynamic"
    assert shown["default_power_interface"] == "fake"
    assert shown["default_network_interface"] == "flat"
    assert "noop" in shown["enabled_management_interfaces"]

    rows = cli.json("driver", "property", "list", "fake-hardware")
    props = {r["property"]: r["description"] for r in rows}
    assert props and all(isinstance(v, str) and v for v in props.values())
    stderr = refused(cli, "driver", "show", "no-such-driver")
    assert "Could not find the following driver(s) or hardware type(s): no-such-driver" in stderr


def test_conductors_list_and_show(cli):
    conductors = cli.json("conductor", "list")
    assert conductors, "the all-in-one service registers its conductor"
    first = conductors[0]
    assert set(first) == {"hostname", "conductor_group", "alive"}
    assert first["alive"] is True

    shown = cli.json("conductor", "show", first["hostname"])
    assert shown["hostname"] == first["hostname"]
    assert shown["conductor_group"] == ""
    assert {"fake-hardware", "manual-management"} <= set(shown["drivers"])
    assert shown["created_at"]
