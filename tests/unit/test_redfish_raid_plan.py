"""Redfish RAID: checking target_raid_config and planning volumes onto drives (pure, no BMC)."""

import pytest

from ironic_lite.common import exceptions
from ironic_lite.drivers.redfish.raid import GIB, DriveSpace, logical_disks, plan

ALL = {"RAID0", "RAID1", "RAID5", "RAID10"}


def _drives(count=4, size_gib=480, free_gib=None):
    free = free_gib or [size_gib] * count
    return [
        DriveSpace(str(n), f"/redfish/v1/Systems/1/Storage/1/Drives/{n}", size_gib * GIB, f * GIB)
        for n, f in enumerate(free)
    ]


def _plan(disks, drives=None, supported=ALL):
    return plan(logical_disks({"logical_disks": disks}), drives or _drives(), supported)


def test_the_root_volume_goes_first_and_max_last_on_the_drives_with_most_room():
    placements = _plan(
        [
            {"size_gb": "MAX", "raid_level": "5"},
            {"size_gb": 100, "raid_level": "1", "is_root_volume": True},
        ]
    )
    root, rest = placements
    assert root.disk.is_root_volume and [d.id for d in root.drives] == ["0", "1"]
    # RAID 1 keeps one copy per drive: 100 GiB of each of drives 0 and 1.
    assert root.capacity == 100 * GIB
    # MAX over three drives: the two untouched ones and one with 380 GiB left.
    assert [d.id for d in rest.drives] == ["2", "3", "0"]
    assert rest.capacity == 2 * 380 * GIB


@pytest.mark.parametrize(
    ("level", "drives", "per_drive_gib"),
    [("0", 1, 300), ("1", 2, 300), ("5", 3, 150), ("1+0", 4, 150)],
)
def test_each_level_takes_its_share_of_each_drive(level, drives, per_drive_gib):
    pool = _drives()
    (placement,) = plan(
        logical_disks({"logical_disks": [{"size_gb": 300, "raid_level": level}]}), pool, ALL
    )
    assert len(placement.drives) == drives
    assert all(d.free == (480 - per_drive_gib) * GIB for d in placement.drives)


def test_named_physical_disks_are_used_by_id_or_path():
    (placement,) = _plan(
        [
            {
                "size_gb": 10,
                "raid_level": "1",
                "physical_disks": ["3", "/redfish/v1/Systems/1/Storage/1/Drives/2"],
            }
        ]
    )
    assert [d.id for d in placement.drives] == ["3", "2"]


def test_too_big_or_unsupported_or_unknown_is_refused_clearly():
    with pytest.raises(exceptions.InvalidParameterValue, match="not enough free space"):
        _plan([{"size_gb": 500, "raid_level": "1"}])
    with pytest.raises(
        exceptions.InvalidParameterValue, match=r"RAID 6 \(RAID6\) is not supported"
    ):
        _plan([{"size_gb": 10, "raid_level": "6"}])
    with pytest.raises(exceptions.InvalidParameterValue, match="needs 4 drives"):
        _plan([{"size_gb": 10, "raid_level": "1+0"}], drives=_drives(count=2))
    with pytest.raises(exceptions.InvalidParameterValue, match="'9' is not a drive"):
        _plan([{"size_gb": 10, "raid_level": "0", "physical_disks": ["9"]}])


def test_space_used_by_existing_volumes_counts():
    drives = _drives(free_gib=[10, 480, 480, 10])
    (placement,) = plan(
        logical_disks({"logical_disks": [{"size_gb": "MAX", "raid_level": "1"}]}), drives, ALL
    )
    assert [d.id for d in placement.drives] == ["1", "2"]
    assert placement.capacity == 480 * GIB


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"logical_disks": []}, "at least one logical disk"),
        ({"logical_disks": [{"size_gb": 0, "raid_level": "1"}]}, "size_gb must be a positive"),
        ({"logical_disks": [{"size_gb": "10", "raid_level": "1"}]}, "size_gb must be a positive"),
        ({"logical_disks": [{"size_gb": 10, "raid_level": "7"}]}, "raid_level '7' is not one"),
        (
            {"logical_disks": [{"size_gb": 10, "raid_level": "5", "physical_disks": ["0", "1"]}]},
            "RAID 5 needs at least 3",
        ),
        (
            {
                "logical_disks": [
                    {"size_gb": 10, "raid_level": "1", "is_root_volume": True},
                    {"size_gb": 10, "raid_level": "1", "is_root_volume": True},
                ]
            },
            "only one logical disk",
        ),
    ],
)
def test_target_raid_config_is_checked_naming_the_field(config, message):
    with pytest.raises(exceptions.InvalidParameterValue, match=message):
        logical_disks(config)


def test_no_target_is_no_disks():
    assert logical_disks(None) == [] and logical_disks({}) == []
