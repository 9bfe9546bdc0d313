"""Volume connectors and targets (1.32) through openstacksdk, the CLI and raw HTTP."""

import json
import uuid

import pytest
import requests
from openstack import exceptions as sdk_exc

H = {"X-OpenStack-Ironic-API-Version": "latest"}


def _fault(resp) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


def _iqn() -> str:
    return f"iqn.2026-12.org.example:{uuid.uuid4().hex[:12]}"


@pytest.fixture
def node(sdk):
    created = sdk.baremetal.create_node(driver="fake-hardware", name=f"vol-{uuid.uuid4().hex[:8]}")
    sdk.baremetal.set_node_power_state(created, "power off", wait=True, timeout=30)
    yield created
    sdk.baremetal.delete_node(created, ignore_missing=True)


def test_connector_and_target_crud_with_sdk(sdk, node):
    iqn = _iqn()
    connector = sdk.baremetal.create_volume_connector(
        node_id=node.id, type="iqn", connector_id=iqn, extra={"rack": "a1"}
    )
    assert (connector.type, connector.connector_id, connector.node_id) == ("iqn", iqn, node.id)
    target = sdk.baremetal.create_volume_target(
        node_id=node.id,
        volume_type="iscsi",
        boot_index=0,
        volume_id="vol-0",
        properties={"target_lun": 0},
    )
    assert target.properties == {"target_lun": 0} and target.boot_index == 0

    assert [c.id for c in sdk.baremetal.volume_connectors(node=node.id)] == [connector.id]
    detailed = list(sdk.baremetal.volume_targets(node=node.id, details=True))
    assert detailed[0].properties == {"target_lun": 0}
    assert sdk.baremetal.get_volume_connector(connector.id).extra == {"rack": "a1"}

    patched = sdk.baremetal.update_volume_target(target, volume_id="vol-0b", boot_index=1)
    assert (patched.volume_id, patched.boot_index) == ("vol-0b", 1)
    patched = sdk.baremetal.patch_volume_connector(
        connector, [{"op": "add", "path": "/extra/row", "value": "7"}]
    )
    assert patched.extra == {"rack": "a1", "row": "7"}

    sdk.baremetal.delete_volume_connector(connector)
    sdk.baremetal.delete_volume_target(target)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.baremetal.get_volume_target(target.id)


def test_node_sub_collections_and_root_documents(service, sdk, node):
    other = sdk.baremetal.create_node(driver="fake-hardware")
    try:
        mine = sdk.baremetal.create_volume_connector(
            node_id=node.id, type="ip", connector_id="10.1.0.5"
        )
        sdk.baremetal.create_volume_connector(
            node_id=other.id, type="mac", connector_id="52:54:00:AB:CD:01"
        )
        base = f"{service.url}/v1/nodes/{node.name}/volume"
        listed = requests.get(f"{base}/connectors", headers=H).json()["connectors"]
        assert [c["uuid"] for c in listed] == [mine.id]
        assert set(listed[0]) == {"uuid", "node_uuid", "type", "connector_id", "links"}
        assert requests.get(f"{base}/targets", headers=H).json() == {"targets": []}
        root = requests.get(base, headers=H).json()
        assert root["connectors"][0]["href"].endswith(f"/v1/nodes/{node.name}/volume/connectors")
        top = requests.get(f"{service.url}/v1/volume", headers=H).json()
        assert top["targets"][0]["href"].endswith("/v1/volume/targets")
        url = f"{service.url}/v1/volume/connectors?node={other.id}&detail=True"
        stored = requests.get(url, headers=H)
        assert stored.json()["connectors"][0]["connector_id"] == "52:54:00:ab:cd:01"
        old = {"X-OpenStack-Ironic-API-Version": "1.31"}
        assert requests.get(f"{service.url}/v1/volume", headers=old).status_code == 404
        assert requests.get(f"{base}/connectors", headers=old).status_code == 404
    finally:
        sdk.baremetal.delete_node(other)


def test_paging_sorting_and_fields(service, sdk, node):
    for index in (2, 0, 1):
        sdk.baremetal.create_volume_target(
            node_id=node.id, volume_type="rbd", boot_index=index, volume_id=f"v{index}"
        )
    url = f"{service.url}/v1/nodes/{node.id}/volume/targets"
    page = requests.get(f"{url}?limit=2&sort_key=boot_index", headers=H).json()
    assert [t["boot_index"] for t in page["targets"]] == [0, 1]
    rest = requests.get(page["next"], headers=H).json()
    assert [t["boot_index"] for t in rest["targets"]] == [2] and "next" not in rest
    only = requests.get(f"{url}?fields=volume_id&sort_dir=desc&sort_key=boot_index", headers=H)
    assert [set(t) for t in only.json()["targets"]] == [{"volume_id", "links"}] * 3
    bad = requests.get(f"{url}?sort_key=properties", headers=H)
    assert bad.status_code == 400
    bad = requests.get(f"{url}?fields=volume_id&detail=true", headers=H)
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "doc,fragment",
    [
        ({"type": "scsi", "connector_id": "x"}, "type"),
        ({"type": "iqn", "connector_id": "not-an-iqn"}, "iSCSI name"),
        ({"type": "ip", "connector_id": "10.0.0.300"}, "IPv4 or IPv6"),
        ({"type": "mac", "connector_id": "52:54:00:zz:00:01"}, "MAC address"),
        ({"type": "wwpn", "connector_id": "5001438"}, "16 hex digits"),
        ({"type": "iqn"}, "connector_id"),
    ],
)
def test_invalid_connectors_are_refused(service, node, doc, fragment):
    resp = requests.post(
        f"{service.url}/v1/volume/connectors", json={"node_uuid": node.id, **doc}, headers=H
    )
    assert resp.status_code == 400, resp.text
    assert fragment in _fault(resp)


def test_any_volume_type_text_is_stored_as_ironic_does(sdk, node):
    """Ironic keeps volume_type unchecked (openstacksdk's own tests create "isci" targets);
    what the storage interface can attach is its business at deploy time."""
    target = sdk.baremetal.create_volume_target(
        node_id=node.id, volume_type="isci", boot_index=0, volume_id="typo"
    )
    assert sdk.baremetal.get_volume_target(target.id).volume_type == "isci"
    patched = sdk.baremetal.update_volume_target(target, volume_type="vendor-fabric")
    assert patched.volume_type == "vendor-fabric"
    sdk.baremetal.delete_volume_target(target)


@pytest.mark.parametrize(
    "doc,fragment",
    [
        ({"volume_type": 5, "boot_index": 0, "volume_id": "v"}, "volume_type"),
        ({"volume_type": "x" * 65, "boot_index": 0, "volume_id": "v"}, "volume_type"),
        ({"volume_type": "iscsi", "boot_index": -1, "volume_id": "v"}, "boot_index"),
        ({"volume_type": "iscsi", "boot_index": "first", "volume_id": "v"}, "boot_index"),
        ({"volume_type": "iscsi", "volume_id": "v"}, "boot_index"),
    ],
)
def test_invalid_targets_are_refused(service, node, doc, fragment):
    resp = requests.post(
        f"{service.url}/v1/volume/targets", json={"node_uuid": node.id, **doc}, headers=H
    )
    assert resp.status_code == 400, resp.text
    assert fragment in _fault(resp)


def test_duplicates_conflict_and_unknown_nodes_are_refused(service, sdk, node):
    iqn = _iqn()
    sdk.baremetal.create_volume_connector(node_id=node.id, type="iqn", connector_id=iqn)
    url = f"{service.url}/v1/volume"
    resp = requests.post(
        f"{url}/connectors",
        json={"node_uuid": node.id, "type": "iqn", "connector_id": iqn},
        headers=H,
    )
    assert resp.status_code == 409 and iqn in _fault(resp)
    target = {"node_uuid": node.id, "volume_type": "iscsi", "boot_index": 0, "volume_id": "a"}
    assert requests.post(f"{url}/targets", json=target, headers=H).status_code == 201
    resp = requests.post(f"{url}/targets", json=dict(target, volume_id="b"), headers=H)
    assert resp.status_code == 409 and "boot index 0" in _fault(resp)
    resp = requests.post(
        f"{url}/targets", json=dict(target, node_uuid=str(uuid.uuid4()), boot_index=5), headers=H
    )
    assert resp.status_code == 400 and "node" in _fault(resp)


def test_changes_on_a_powered_on_active_node_are_refused_until_power_off(service, sdk):
    node = sdk.baremetal.create_node(driver="fake-hardware")
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    target = sdk.baremetal.create_volume_target(
        node_id=node.id, volume_type="iscsi", boot_index=0, volume_id="root"
    )
    sdk.baremetal.set_node_provision_state(node, "active", wait=True, timeout=30)
    assert sdk.baremetal.get_node(node.id).power_state == "power on"
    url = f"{service.url}/v1/volume/targets/{target.id}"
    resp = requests.patch(
        url, json=[{"op": "replace", "path": "/volume_id", "value": "other"}], headers=H
    )
    assert resp.status_code == 400 and "power on" in _fault(resp)
    resp = requests.delete(url, headers=H)
    assert resp.status_code == 400 and "volume target deletion" in _fault(resp)

    sdk.baremetal.set_node_power_state(node, "power off", wait=True, timeout=30)
    assert sdk.baremetal.update_volume_target(target, volume_id="other").volume_id == "other"
    sdk.baremetal.delete_volume_target(target)
    sdk.baremetal.set_node_provision_state(node, "deleted", wait=True, timeout=30)


def test_cli_volume_commands(cli, node):
    iqn = _iqn()
    created = cli.json(
        "volume", "connector", "create", "--node", node.id, "--type", "iqn",
        "--connector-id", iqn,
    )  # fmt: skip
    assert created["connector_id"] == iqn
    listed = cli.json("volume", "connector", "list", "--node", node.id)
    assert [c["uuid"] for c in listed] == [created["uuid"]]
    target = cli.json(
        "volume", "target", "create", "--node", node.id, "--type", "fibre_channel",
        "--boot-index", "0", "--volume-id", "fc-vol", "--property", "target_lun=1",
    )  # fmt: skip
    assert target["properties"] == {"target_lun": 1}  # the CLI sends JSON values
    cli.run("volume", "target", "set", target["uuid"], "--volume-id", "fc-vol-2")
    shown = cli.json("volume", "target", "show", target["uuid"])
    assert shown["volume_id"] == "fc-vol-2"
    failed = cli.run(
        "volume", "connector", "create", "--node", node.id, "--type", "iqn",
        "--connector-id", iqn, check=False,
    )  # fmt: skip
    assert failed.returncode != 0 and "already exists" in failed.stderr
    cli.run("volume", "connector", "delete", created["uuid"])
    cli.run("volume", "target", "delete", target["uuid"])


def test_external_storage_validates_boot_from_volume(sdk):
    node = sdk.baremetal.create_node(driver="fake-hardware", storage_interface="external")
    try:
        assert sdk.baremetal.validate_node(node, required=())["storage"].result is True
        sdk.baremetal.create_volume_target(
            node_id=node.id, volume_type="iscsi", boot_index=1, volume_id="data"
        )
        result = sdk.baremetal.validate_node(node, required=())["storage"]
        assert result.result is False and "no volume connector" in result.reason
        sdk.baremetal.create_volume_connector(node_id=node.id, type="iqn", connector_id=_iqn())
        result = sdk.baremetal.validate_node(node, required=())["storage"]
        assert result.result is False and "boot_index 0" in result.reason
        sdk.baremetal.create_volume_target(
            node_id=node.id, volume_type="iscsi", boot_index=0, volume_id="root"
        )
        assert sdk.baremetal.validate_node(node, required=())["storage"].result is True
        # with an image to write, the node boots from its disk: nothing to check
        sdk.baremetal.update_node(node, instance_info={"image_source": "http://x/img"})
        assert sdk.baremetal.validate_node(node, required=())["storage"].result is True
    finally:
        sdk.baremetal.delete_node(node)
