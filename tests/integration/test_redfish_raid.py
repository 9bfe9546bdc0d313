"""Redfish RAID end to end: openstacksdk, the real service, the lab emulator's RAID controller.

Each lab system has one controller (``Storage/1``: RAID0/1/5/10, four 480 GB SSDs). The
target is set through the API (``PUT /v1/nodes/{id}/states/raid``), a manual clean deletes
and creates the volumes, and the emulator is asked what it now has. Nothing of sushy is
mocked; a lab that cannot start fails in CI (tests.lab.redfish.started).
"""

import uuid

import pytest

from tests.integration.test_redfish import _clean
from tests.lab.redfish import RedfishLab, started
from tests.lab.server import Service

pytestmark = pytest.mark.xdist_group("redfish-raid")

GIB = 1024**3
STEPS = [
    {"interface": "raid", "step": "delete_configuration"},
    {"interface": "raid", "step": "create_configuration"},
]


def _lab(**kwargs):
    running = started(RedfishLab(**kwargs))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def lab():
    yield from _lab(systems=4)


@pytest.fixture(scope="module")
def bare_lab():
    """The lab's BMC without storage (its Storage answers 404)."""
    yield from _lab(systems=1, storage=False)


@pytest.fixture(scope="module")
def rsdk():
    import openstack

    svc = Service(
        extra_conf="""
        [redfish]
        connection_attempts = 2
        connection_retry_interval = 0.2
        poll_interval = 0.2
        """
    ).start()
    conn = openstack.connect(
        auth_type="none",
        auth={"endpoint": svc.url},
        baremetal_endpoint_override=svc.url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )
    yield conn
    conn.close()
    svc.stop()


def _manageable(rsdk, lab, index):
    node = rsdk.baremetal.create_node(
        driver="redfish",
        name=f"raid-{uuid.uuid4().hex[:8]}",
        driver_info=lab.driver_info(index),
        boot_interface="fake",
        deploy_interface="fake",
    )
    node = rsdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    assert node.provision_state == "manageable", node.last_error
    assert node.raid_interface == "redfish"
    return node


def _target(rsdk, node, logical_disks):
    """PUT /v1/nodes/{id}/states/raid (openstacksdk has no call of its own for it)."""
    resp = rsdk.baremetal.put(
        f"/nodes/{node.id}/states/raid",
        json={"logical_disks": logical_disks},
        microversion="1.12",
    )
    assert resp.status_code == 204, resp.text
    assert rsdk.baremetal.get_node(node.id).target_raid_config["logical_disks"] == logical_disks


def test_manual_clean_builds_the_target_volumes_at_the_bmc(rsdk, lab):
    node = _manageable(rsdk, lab, 0)
    _target(
        rsdk,
        node,
        [
            {"size_gb": 100, "raid_level": "1", "is_root_volume": True, "volume_name": "root"},
            {"size_gb": "MAX", "raid_level": "5"},
        ],
    )
    node = _clean(rsdk, node, STEPS)
    assert node.provision_state == "manageable", node.last_error

    volumes = {v["Id"]: v for v in lab.volumes(0)}
    assert sorted(v["RAIDType"] for v in volumes.values()) == ["RAID1", "RAID5"]
    disks = node.raid_config["logical_disks"]
    root, data = disks
    assert root["is_root_volume"] and root["raid_level"] == "1" and root["size_gb"] == 100
    assert volumes[root["volume_id"]]["RAIDType"] == "RAID1"
    assert volumes[root["volume_id"]]["Name"] == "root"
    assert volumes[root["volume_id"]]["CapacityBytes"] == 100 * GIB == root["size_bytes"]
    assert len(volumes[root["volume_id"]]["Links"]["Drives"]) == 2
    # MAX: three drives, the one shared with the root volume has 100 GiB less.
    assert volumes[data["volume_id"]]["RAIDType"] == "RAID5"
    assert data["size_bytes"] == 2 * (480 * 10**9 - 100 * GIB)
    assert data["size_gb"] == data["size_bytes"] // GIB
    assert len(data["physical_disks"]) == 3

    # Again: delete_configuration clears them first, so the same volumes come back once.
    node = _clean(rsdk, node, STEPS)
    assert node.provision_state == "manageable", node.last_error
    assert len(lab.volumes(0)) == 2

    node = _clean(rsdk, node, STEPS[:1])
    assert node.provision_state == "manageable", node.last_error
    assert lab.volumes(0) == [] and node.raid_config == {}


def test_create_root_volume_only_and_named_drives(rsdk, lab):
    node = _manageable(rsdk, lab, 1)
    _target(
        rsdk,
        node,
        [
            # Ironic's schema: physical_disks go with the controller that holds them.
            {
                "size_gb": 50,
                "raid_level": "0",
                "is_root_volume": True,
                "controller": "1",
                "physical_disks": ["3"],
            },
            {"size_gb": 50, "raid_level": "1"},
        ],
    )
    steps = [
        {
            "interface": "raid",
            "step": "create_configuration",
            "args": {"create_nonroot_volumes": False, "delete_existing": True},
        }
    ]
    node = _clean(rsdk, node, steps)
    assert node.provision_state == "manageable", node.last_error
    (volume,) = lab.volumes(1)
    assert volume["RAIDType"] == "RAID0"
    assert [d["@odata.id"].rsplit("/", 1)[-1] for d in volume["Links"]["Drives"]] == ["3"]
    assert [d["physical_disks"] for d in node.raid_config["logical_disks"]] == [["3"]]


def test_a_raid_level_the_controller_lacks_fails_cleaning_naming_it(rsdk, lab):
    node = _manageable(rsdk, lab, 2)
    _target(rsdk, node, [{"size_gb": 10, "raid_level": "6"}])
    node = _clean(rsdk, node, STEPS)
    assert node.provision_state == "clean failed"
    assert "RAID 6 (RAID6) is not supported by the controller" in node.last_error
    assert "RAID0, RAID1, RAID10, RAID5" in node.last_error
    assert lab.volumes(2) == []


def test_a_target_that_does_not_fit_fails_cleaning(rsdk, lab):
    node = _manageable(rsdk, lab, 3)
    _target(rsdk, node, [{"size_gb": 2000, "raid_level": "1"}])
    node = _clean(rsdk, node, STEPS[1:])
    assert node.provision_state == "clean failed"
    assert "not enough free space for a 2000 GiB RAID 1 volume" in node.last_error
    assert lab.volumes(3) == []


def test_a_bmc_without_storage_is_a_clear_error(rsdk, bare_lab):
    node = _manageable(rsdk, bare_lab, 0)
    _target(rsdk, node, [{"size_gb": 10, "raid_level": "1"}])
    node = _clean(rsdk, node, STEPS[1:])
    assert node.provision_state == "clean failed"
    assert f"BMC {bare_lab.url} does not support read RAID storage" in node.last_error


def test_a_malformed_target_is_refused_when_set(rsdk, lab):
    """As Ironic: the RAID interface checks the target at PUT states/raid (schema and
    message), so a malformed one never reaches cleaning."""
    node = _manageable(rsdk, lab, 3)
    resp = rsdk.baremetal.put(
        f"/nodes/{node.id}/states/raid",
        json={"logical_disks": [{"size_gb": 10, "raid_level": "7"}]},
        microversion="1.12",
    )
    assert resp.status_code == 400
    assert "RAID config validation error: '7' is not one of" in resp.text
    assert not rsdk.baremetal.get_node(node.id).target_raid_config
