"""Inventory CRUD through openstacksdk, the client Nova's bare-metal driver uses."""

import uuid

import openstack.exceptions as sdk_exc
import pytest


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_node_lifecycle_of_fields(sdk):
    name = _name("sdk")
    node = sdk.baremetal.create_node(
        driver="fake-hardware",
        name=name,
        resource_class="gold",
        properties={"cpus": 8, "memory_mb": 4096},
        driver_info={"fake_password": "pw"},
        extra={"rack": "r1"},
        owner="team-a",
        description="first node",
    )
    assert node.provision_state == "enroll"
    assert node.driver_info == {"fake_password": "******"}
    assert node.power_interface == "fake" and node.network_interface == "flat"
    assert node.conductor  # the all-in-one conductor owns it

    by_name = sdk.baremetal.get_node(name)
    assert by_name.id == node.id and by_name.resource_class == "gold"

    updated = sdk.baremetal.update_node(node, extra={"rack": "r2"}, description="moved")
    assert updated.extra == {"rack": "r2"} and updated.description == "moved"
    patched = sdk.baremetal.patch_node(
        node, [{"op": "add", "path": "/properties/local_gb", "value": 100}]
    )
    assert patched.properties == {"cpus": 8, "memory_mb": 4096, "local_gb": 100}

    sdk.baremetal.delete_node(node)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.baremetal.get_node(node.id)


def test_node_filters_and_fields(sdk):
    tag = _name("flt")
    a = sdk.baremetal.create_node(
        driver="fake-hardware", name=f"{tag}-a", owner=tag, resource_class=tag, conductor_group=""
    )
    b = sdk.baremetal.create_node(
        driver="manual-management", name=f"{tag}-b", owner=tag, resource_class=tag
    )
    sdk.baremetal.set_node_maintenance(b, reason="broken fan")
    try:
        names = {n.name for n in sdk.baremetal.nodes(resource_class=tag)}
        assert names == {f"{tag}-a", f"{tag}-b"}
        assert [n.name for n in sdk.baremetal.nodes(resource_class=tag, is_maintenance=True)] == [
            f"{tag}-b"
        ]
        assert [
            n.name for n in sdk.baremetal.nodes(resource_class=tag, driver="manual-management")
        ] == [f"{tag}-b"]
        assert [
            n.name for n in sdk.baremetal.nodes(resource_class=tag, provision_state="enroll")
        ] == [f"{tag}-a", f"{tag}-b"]
        detailed = list(sdk.baremetal.nodes(resource_class=tag, details=True))
        assert {n.maintenance_reason for n in detailed} == {None, "broken fan"}
        assert {n.owner for n in detailed} == {tag}
        slim = list(sdk.baremetal.nodes(resource_class=tag, fields=["uuid", "owner"]))
        assert {n.owner for n in slim} == {tag} and all(n.name is None for n in slim)
    finally:
        sdk.baremetal.delete_node(a)
        sdk.baremetal.delete_node(b)


def test_traits_and_maintenance(sdk):
    node = sdk.baremetal.create_node(driver="fake-hardware", name=_name("tr"))
    try:
        sdk.baremetal.add_node_trait(node, "CUSTOM_GPU")
        sdk.baremetal.add_node_trait(node, "HW_CPU_X86_AVX2")
        assert sorted(sdk.baremetal.get_node(node.id).traits) == ["CUSTOM_GPU", "HW_CPU_X86_AVX2"]
        sdk.baremetal.set_node_traits(node, ["CUSTOM_ONLY"])
        assert sdk.baremetal.get_node(node.id).traits == ["CUSTOM_ONLY"]
        sdk.baremetal.remove_node_trait(node, "CUSTOM_ONLY")
        assert sdk.baremetal.get_node(node.id).traits == []
        with pytest.raises(sdk_exc.BadRequestException):
            sdk.baremetal.add_node_trait(node, "lowercase-not-a-trait")

        sdk.baremetal.set_node_maintenance(node, reason="disk swap")
        shown = sdk.baremetal.get_node(node.id)
        assert shown.is_maintenance and shown.maintenance_reason == "disk swap"
        sdk.baremetal.unset_node_maintenance(node)
        shown = sdk.baremetal.get_node(node.id)
        assert not shown.is_maintenance and shown.maintenance_reason is None
    finally:
        sdk.baremetal.delete_node(node)


def test_validate_reports_every_interface(sdk):
    node = sdk.baremetal.create_node(driver="fake-hardware", name=_name("val"))
    try:
        result = sdk.baremetal.validate_node(node, required=("power", "management"))
        assert set(result) >= {"power", "management", "boot", "deploy", "network"}
        assert result["power"].result is True
    finally:
        sdk.baremetal.delete_node(node)


def test_ports_and_port_groups(sdk):
    node = sdk.baremetal.create_node(driver="fake-hardware", name=_name("net"))
    try:
        group = sdk.baremetal.create_port_group(
            node_uuid=node.id, name=_name("bond"), address="52:54:00:aa:00:01", mode="802.3ad"
        )
        port = sdk.baremetal.create_port(
            address="52:54:00:AA:00:02",
            node_uuid=node.id,
            port_group_id=group.id,
            local_link_connection={"switch_id": "00:11:22:33:44:55", "port_id": "Eth1/1"},
            physical_network="physnet1",
        )
        assert port.address == "52:54:00:aa:00:02"  # stored lower-case
        assert port.port_group_id == group.id
        assert [p.id for p in sdk.baremetal.ports(node=node.id)] == [port.id]
        assert [p.id for p in sdk.baremetal.ports(address="52:54:00:aa:00:02")] == [port.id]

        port = sdk.baremetal.update_port(port, extra={"slot": 3})
        assert port.extra == {"slot": 3}
        with pytest.raises(sdk_exc.ConflictException):
            sdk.baremetal.create_port(address="52:54:00:aa:00:02", node_uuid=node.id)
        # a group that still holds ports cannot go away
        with pytest.raises(sdk_exc.BadRequestException):
            sdk.baremetal.delete_port_group(group)
        sdk.baremetal.delete_port(port)
        sdk.baremetal.delete_port_group(group)
        assert list(sdk.baremetal.ports(node=node.id)) == []
    finally:
        sdk.baremetal.delete_node(node)


def test_deleting_a_node_deletes_its_ports(sdk):
    node = sdk.baremetal.create_node(driver="fake-hardware", name=_name("del"))
    port = sdk.baremetal.create_port(address="52:54:00:bb:00:01", node_uuid=node.id)
    sdk.baremetal.delete_node(node)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.baremetal.get_port(port.id)


def test_chassis_with_nodes(sdk):
    chassis = sdk.baremetal.create_chassis(description="rack 7", extra={"row": "b"})
    node = sdk.baremetal.create_node(
        driver="fake-hardware", name=_name("ch"), chassis_uuid=chassis.id
    )
    try:
        assert sdk.baremetal.get_node(node.id).chassis_id == chassis.id
        # openstacksdk has no chassis filter on nodes: the chassis' own node collection
        listed = sdk.baremetal.get(f"/chassis/{chassis.id}/nodes").json()["nodes"]
        assert [n["uuid"] for n in listed] == [node.id]
        with pytest.raises(sdk_exc.BadRequestException):
            sdk.baremetal.delete_chassis(chassis)
        chassis = sdk.baremetal.update_chassis(chassis, description="rack 8")
        assert chassis.description == "rack 8"
    finally:
        sdk.baremetal.delete_node(node)
    sdk.baremetal.delete_chassis(chassis)


def test_drivers_and_conductors(sdk):
    drivers = {d.name: d for d in sdk.baremetal.drivers(details=True)}
    assert {"fake-hardware", "manual-management"} <= set(drivers)
    fake = sdk.baremetal.get_driver("fake-hardware")
    assert fake.default_power_interface == "fake"
    assert "fake" in fake.enabled_power_interfaces
    assert drivers["fake-hardware"].hosts
    conductors = list(sdk.baremetal.conductors())
    assert conductors and all(c.alive for c in conductors)
    shown = sdk.baremetal.get_conductor(conductors[0].hostname)
    assert "fake-hardware" in shown.drivers
