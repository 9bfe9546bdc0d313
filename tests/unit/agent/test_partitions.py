import itertools

import pytest

from ironic_lite_agent import errors, partitions
from ironic_lite_agent.partitions import MiB


def _uuids():
    counter = itertools.count(1)
    return lambda: f"00000000-0000-0000-0000-{next(counter):012d}"


def test_uefi_layout_is_gpt_with_esp_root_swap_ephemeral_and_configdrive_at_the_end():
    layout = partitions.plan(
        1024 * MiB, root_mb=300, swap_mb=64, ephemeral_mb=100, configdrive=True, new_uuid=_uuids()
    )
    assert layout.label == "gpt"
    got = [(p.number, p.role, p.start // MiB, p.size // MiB) for p in layout.partitions]
    assert got == [
        (1, "efi", 1, 200),
        (2, "root", 201, 300),
        (3, "swap", 501, 64),
        (4, "ephemeral", 565, 100),
        (5, "configdrive", 1024 - 1 - 64, 64),  # the last MiB holds the backup GPT
    ]
    ends = [p.end for p in layout.partitions]
    assert all(a <= b.start for a, b in zip(ends, layout.partitions[1:], strict=False))
    assert all(p.start % MiB == 0 and p.size % MiB == 0 for p in layout.partitions)


def test_bios_layout_is_msdos_without_boot_partition():
    layout = partitions.plan(
        512 * MiB, root_mb=100, boot_mode="bios", configdrive=True, new_uuid=_uuids()
    )
    assert layout.label == "msdos"
    assert [p.role for p in layout.partitions] == ["root", "configdrive"]
    assert layout.partitions[1].end == 512 * MiB  # msdos has no backup table
    assert layout.partitions[0].uuid == f"{layout.disk_id}-01"


def test_bios_on_gpt_gets_a_bios_boot_partition():
    layout = partitions.plan(512 * MiB, root_mb=100, boot_mode="bios", label="gpt")
    assert [(p.role, p.size // MiB) for p in layout.partitions] == [("bios_boot", 1), ("root", 100)]


def test_exactly_full_disk_fits_and_one_more_mib_does_not():
    assert partitions.plan(302 * MiB, root_mb=100, esp_mb=200)  # 1 + 200 + 100 + 1 (backup)
    with pytest.raises(errors.PartitionLayoutError, match="needs 302 MiB .* 301 MiB usable"):
        partitions.plan(302 * MiB, root_mb=101, esp_mb=200)


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"root_mb": 0}, "root_mb must be > 0"),
        ({"root_mb": 10, "swap_mb": -1}, "swap_mb must be an integer"),
        ({"root_mb": 10, "boot_mode": "legacy"}, "unknown boot mode"),
        ({"root_mb": 10, "label": "apm"}, "unknown disk label"),
        (
            {
                "root_mb": 10,
                "swap_mb": 1,
                "ephemeral_mb": 1,
                "configdrive": True,
                "boot_mode": "uefi",
                "label": "msdos",
            },
            "4 primary partitions",
        ),
    ],
)
def test_refusals(kwargs, text):
    with pytest.raises(errors.PartitionLayoutError, match=text):
        partitions.plan(4096 * MiB, **kwargs)


def test_sfdisk_script_carries_types_names_and_uuids():
    layout = partitions.plan(1024 * MiB, root_mb=100, configdrive=True, new_uuid=_uuids())
    script = partitions.sfdisk_script(layout)
    lines = script.splitlines()
    assert lines[0] == "label: gpt"
    assert lines[1] == f"label-id: {layout.disk_id}"
    assert lines[4] == (
        "start=2048, size=409600, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, "
        f'uuid={layout.partitions[0].uuid}, name="efi"'
    )
    assert 'name="config-2"' in lines[-1]
    mbr = partitions.sfdisk_script(partitions.plan(1024 * MiB, root_mb=100, boot_mode="bios"))
    assert mbr.startswith("label: dos\n")  # sfdisk calls msdos "dos"
    assert "type=83" in mbr


def test_layout_round_trips_through_a_dict():
    layout = partitions.plan(1024 * MiB, root_mb=100, swap_mb=8)
    assert partitions.Layout.from_dict(layout.as_dict()) == layout


@pytest.mark.parametrize(
    ("disk", "part"),
    [("/dev/sda", "/dev/sda2"), ("/dev/nvme0n1", "/dev/nvme0n1p2"), ("/dev/md0", "/dev/md0p2")],
)
def test_partition_device_names(disk, part):
    assert partitions.partition_device(disk, 2) == part
