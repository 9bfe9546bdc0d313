"""VIFs as Nova's bare-metal driver uses them, through openstacksdk as Nova calls it.

Nova plugs each Neutron port as a VIF with ``attach_vif_to_node(..., retry_on_conflict=False)``
and reads a 409 as "already attached"; it unplugs with ``detach_vif_from_node`` and ignores a
400 (a VIF no longer attached); it relies on the tear-down of an instance detaching every VIF.
"""

import uuid

import pytest
from openstack import exceptions as sdk_exc


def _mac() -> str:
    tail = uuid.uuid4().hex[:6]
    return "52:54:00:" + ":".join(tail[i : i + 2] for i in range(0, 6, 2))


def _vif() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def node(sdk):
    created = sdk.baremetal.create_node(
        driver="fake-hardware", name=f"vif-{uuid.uuid4().hex[:8]}", network_interface="flat"
    )
    yield created
    sdk.baremetal.delete_node(created.id, ignore_missing=True)


def test_flat_records_vifs_on_free_ports_with_ironics_codes(sdk, node):
    port = sdk.baremetal.create_port(address=_mac(), node_uuid=node.id)
    vif, other = _vif(), _vif()
    sdk.baremetal.attach_vif_to_node(node, vif, retry_on_conflict=False)
    assert sdk.baremetal.list_node_vifs(node) == [vif]
    assert sdk.baremetal.get_port(port.id).internal_info["tenant_vif_port_id"] == vif

    # Attaching it again: 409, which Nova reads as "already attached".
    with pytest.raises(sdk_exc.ConflictException, match=f"VIF {vif} is already attached"):
        sdk.baremetal.attach_vif_to_node(node, vif, retry_on_conflict=False)
    # No free port left: 400 with Ironic's words (a 409 would make Nova deploy unplugged).
    with pytest.raises(sdk_exc.BadRequestException, match="not enough free physical ports"):
        sdk.baremetal.attach_vif_to_node(node, other, retry_on_conflict=False)

    # Detaching a VIF that is not attached: 400, which the SDK (and Nova) treat as done.
    assert sdk.baremetal.detach_vif_from_node(node, other) is False
    with pytest.raises(sdk_exc.BadRequestException, match="not attached"):
        sdk.baremetal.detach_vif_from_node(node, other, ignore_missing=False)
    assert sdk.baremetal.detach_vif_from_node(node, vif, ignore_missing=False) is True
    assert sdk.baremetal.list_node_vifs(node) == []


def test_a_node_without_ports_refuses_a_vif_with_400(sdk, node):
    with pytest.raises(sdk_exc.BadRequestException, match="not enough free physical ports"):
        sdk.baremetal.attach_vif_to_node(node, _vif(), retry_on_conflict=False)


def test_noop_records_nothing_and_never_fails(sdk):
    """Ironic's noop network interface: someone else wires the node; no ports are needed."""
    node = sdk.baremetal.create_node(driver="fake-hardware", network_interface="noop")
    vif = _vif()
    sdk.baremetal.attach_vif_to_node(node, vif, retry_on_conflict=False)
    sdk.baremetal.attach_vif_to_node(node, vif, retry_on_conflict=False)
    assert sdk.baremetal.list_node_vifs(node) == []
    assert sdk.baremetal.detach_vif_from_node(node, vif, ignore_missing=False) is True
    sdk.baremetal.delete_node(node)


def test_tearing_down_an_instance_detaches_every_vif(sdk, node):
    """Nova's spawn and destroy: plug, deploy; then undeploy, clear the instance, unplug."""
    ports = [sdk.baremetal.create_port(address=_mac(), node_uuid=node.id) for _ in range(2)]
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    instance = str(uuid.uuid4())
    sdk.baremetal.update_node(node, instance_id=instance, instance_info={"display_name": "vm"})
    vifs = [_vif(), _vif()]
    for vif in vifs:
        sdk.baremetal.attach_vif_to_node(node, vif, retry_on_conflict=False)
    assert sorted(sdk.baremetal.list_node_vifs(node)) == sorted(vifs)
    sdk.baremetal.set_node_provision_state(node, "active", wait=True, timeout=30)

    sdk.baremetal.set_node_provision_state(node, "deleted", wait=True, timeout=60)
    done = sdk.baremetal.get_node(node.id)
    assert done.provision_state == "available" and done.instance_id is None
    assert sdk.baremetal.list_node_vifs(node) == []
    for port in ports:
        assert "tenant_vif_port_id" not in sdk.baremetal.get_port(port.id).internal_info
    # Nova's own clean-up afterwards: clearing the instance and unplugging are harmless.
    sdk.baremetal.update_node(node, instance_id=None)
    for vif in vifs:
        assert sdk.baremetal.detach_vif_from_node(node, vif) is False
    # The ports are free for the next instance.
    sdk.baremetal.attach_vif_to_node(node, vifs[0], retry_on_conflict=False)
    sdk.baremetal.detach_vif_from_node(node, vifs[0])
