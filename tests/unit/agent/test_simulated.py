"""The simulated machine: its description, its inventory and the effects steps record."""

import json
import os
import subprocess
import sys

import pytest

from ironic_lite_agent import errors, lldp, raid
from ironic_lite_agent.hardware import load_backend
from ironic_lite_agent.hardware.base import Disk, match_root_disk
from ironic_lite_agent.hardware.simulated import SimulatedBackend, make_machine, parse_size
from ironic_lite_agent.steps import Steps


class _AgentStub:
    """Just what Steps reads: the backend."""

    def __init__(self, backend):
        self.backend = backend


@pytest.fixture
def machine(tmp_path):
    make_machine(
        str(tmp_path),
        disks=3,
        disk_size="4M",
        macs=["52:54:00:00:00:0A", "52:54:00:00:00:0b"],
        boot_mode="bios",
        erase_methods=["nvme", "ata", "shred"],
    )
    return SimulatedBackend(str(tmp_path))


def test_sizes():
    assert parse_size("64M") == 64 << 20
    assert parse_size("1G") == 1 << 30
    assert parse_size("1.5KiB") == 1536
    assert parse_size(123) == 123


def test_make_machine_creates_sparse_disks_and_a_description(machine):
    disks = machine.disks()
    assert [(d.name, d.size) for d in disks] == [
        ("sda", 4 << 20),
        ("sdb", 4 << 20),
        ("sdc", 4 << 20),
    ]
    assert all(os.path.isfile(d.path) for d in disks)
    assert [d.erase_method for d in disks] == ["nvme", "ata", "shred"]
    assert machine.macs() == ["52:54:00:00:00:0a", "52:54:00:00:00:0b"]


def test_inventory_shape(machine):
    inv = machine.inventory()
    assert set(inv) >= {
        "cpu",
        "memory",
        "disks",
        "interfaces",
        "system_vendor",
        "boot",
        "bmc_address",
        "hostname",
    }
    assert inv["boot"] == {"current_boot_mode": "bios", "pxe_interface": "52:54:00:00:00:0a"}
    nic = inv["interfaces"][0]
    assert nic["name"] == "eth0" and nic["has_carrier"] is True
    assert lldp.decode(nic["lldp"])["port_id"] == "Ethernet1/1"
    assert inv["disks"][2]["rotational"] is True
    assert inv["firmware"]["bmc"] == {"version": "2.10"}


def test_root_disk_hints(machine):
    assert machine.root_disk().name == "sda"
    serial = machine.disks()[1].serial
    assert machine.root_disk({"serial": serial.lower()}).name == "sdb"
    assert machine.root_disk({"name": "/dev/sdc"}).name == "sdc"
    with pytest.raises(errors.DeviceNotFound, match="matches the root device hints"):
        machine.root_disk({"name": "sdz"})
    with pytest.raises(errors.NotSupported, match="hint 'colour'"):
        machine.root_disk({"colour": "blue"})


def test_a_hint_names_a_disk_below_the_default_minimum():
    """As IPA: the 4 GiB minimum picks a disk when nothing is said; a hint overrides it."""
    small = Disk(name="vda", path="/dev/vda", size=1 << 30)
    assert match_root_disk([small], {"name": "/dev/vda"}, 4 << 30) is small
    with pytest.raises(errors.DeviceNotFound, match="no disk of at least 4294967296 bytes"):
        match_root_disk([small], None, 4 << 30)


def test_step_lists_per_kind(machine):
    steps = Steps(_AgentStub(machine))
    clean = steps.for_kind("clean")
    assert clean["hardware_manager_version"] == {"SimulatedHardwareManager": "1.0"}
    names = {s["step"]: s for s in clean["clean_steps"]["SimulatedHardwareManager"]}
    assert set(names) == {
        "erase_devices",
        "erase_devices_metadata",
        "erase_devices_express",
        "burnin_cpu",
        "burnin_memory",
        "burnin_disk",
        "burnin_network",
        "create_configuration",
        "delete_configuration",
        "lab_reboot_marker",
    }
    assert names["erase_devices"]["abortable"] is True
    # The simulated hardware's own step: the conductor reboots the machine after it.
    assert names["lab_reboot_marker"]["reboot_requested"] is True
    assert not any(s["reboot_requested"] for n, s in names.items() if n != "lab_reboot_marker")
    deploy = {
        s["step"] for s in steps.for_kind("deploy")["deploy_steps"]["SimulatedHardwareManager"]
    }
    assert deploy == {
        "write_image",
        "erase_devices_metadata",
        "create_configuration",
        "delete_configuration",
        "apply_configuration",
    }
    service = {
        s["step"] for s in steps.for_kind("service")["service_steps"]["SimulatedHardwareManager"]
    }
    assert service == {
        "burnin_cpu",
        "burnin_memory",
        "burnin_disk",
        "burnin_network",
        "apply_configuration",
        "lab_reboot_marker",
    }


def test_a_step_of_the_backend_runs_through_the_step_table(machine):
    steps = Steps(_AgentStub(machine))
    step = {"step": "lab_reboot_marker", "interface": "deploy", "args": {"note": "hi"}}
    assert steps.execute("clean", step, None, None) == {
        "clean_result": {"note": "hi"},
        "clean_step": step,
    }
    assert [(a["action"], a["note"]) for a in machine.actions()] == [("lab_reboot_marker", "hi")]
    # Not offered as a deploy step: refused there.
    with pytest.raises(errors.UnknownStep):
        steps.execute("deploy", step, None, None)


def test_erase_metadata_wipes_head_and_tail_only(machine):
    disk = machine.disks()[0]
    with open(disk.path, "r+b") as f:
        f.write(b"\xff" * disk.size)
    steps = Steps(_AgentStub(machine))
    result = steps.execute(
        "clean",
        {"step": "erase_devices_metadata", "interface": "deploy"},
        node={"properties": {"skip_block_devices": [{"name": "sdb"}]}},
        ports=[],
    )
    assert result["clean_result"] == {"wiped": ["sda", "sdc"]}
    with open(disk.path, "rb") as f:
        data = f.read()
    mib = 1 << 20
    assert data[:mib] == b"\0" * mib and data[-mib:] == b"\0" * mib
    assert data[mib:-mib] == b"\xff" * (disk.size - 2 * mib)


def test_burnin_records_and_injected_faults_fail(machine):
    steps = Steps(_AgentStub(machine))
    ok = steps.execute("service", {"step": "burnin_cpu", "args": {"duration": 5}}, None, None)
    assert ok["service_result"]["result"] == "passed"
    hw = machine.hardware()
    hw["faults"] = {"burnin_memory": "ECC error on DIMM A1"}
    with open(os.path.join(machine.root, "hardware.json"), "w") as f:
        json.dump(hw, f)
    with pytest.raises(errors.CommandExecutionError, match="ECC error on DIMM A1"):
        steps.execute("clean", {"step": "burnin_memory", "args": {}}, None, None)
    kinds = [a.get("kind") for a in machine.actions() if a["action"] == "burnin"]
    assert kinds == ["cpu", "memory"]
    with pytest.raises(errors.InvalidCommandParams, match="unexpected keyword"):
        steps.execute("clean", {"step": "burnin_cpu", "args": {"speed": 9}}, None, None)


def test_software_raid_create_and_delete(machine):
    steps = Steps(_AgentStub(machine))
    config = {
        "logical_disks": [
            {
                "raid_level": "1",
                "size_gb": "MAX",
                "physical_disks": ["sda", "/dev/sdb"],
                "is_root_volume": True,
            }
        ]
    }
    created = steps.execute(
        "clean",
        {
            "step": "create_configuration",
            "interface": "raid",
            "args": {"target_raid_config": config},
        },
        None,
        None,
    )
    arrays = created["clean_result"]["raid"]
    assert [(a["name"], a["level"], len(a["devices"])) for a in arrays] == [("md0", "1", 2)]
    assert machine.state()["raid"] == arrays
    with pytest.raises(errors.CommandExecutionError, match="already exists"):
        steps.execute(
            "clean",
            {"step": "create_configuration", "args": {}},
            {"target_raid_config": config},
            None,
        )
    deleted = steps.execute("clean", {"step": "delete_configuration"}, None, None)
    assert deleted["clean_result"]["deleted"] == arrays
    assert machine.state()["raid"] == []


@pytest.mark.parametrize(
    ("config", "text"),
    [
        ({}, "no logical_disks"),
        ({"logical_disks": [{"raid_level": "1", "controller": "RAID.Integrated"}]}, "software"),
        ({"logical_disks": [{"raid_level": "7"}]}, "level '7'"),
        ({"logical_disks": [{"raid_level": "5", "physical_disks": ["sda", "sdb"]}]}, "at least 3"),
        ({"logical_disks": [{"raid_level": "1", "physical_disks": ["sda", "sdq"]}]}, "sdq"),
        (
            {
                "logical_disks": [
                    {"raid_level": "1", "physical_disks": ["sda", "sdb"]},
                    {"raid_level": "1", "physical_disks": ["sdb", "sdc"]},
                ]
            },
            "already in another array",
        ),
    ],
)
def test_raid_plan_refusals(machine, config, text):
    with pytest.raises(errors.AgentError, match=text):
        raid.plan(config, machine.disks())


def test_load_backend_and_missing_machine(tmp_path, machine):
    assert load_backend(f"simulated:{machine.root}").name == "simulated"
    with pytest.raises(errors.DeviceNotFound, match="no hardware.json"):
        load_backend(f"simulated:{tmp_path / 'nothing'}")
    with pytest.raises(ValueError, match="unknown hardware"):
        load_backend("virtual")


def test_make_machine_cli(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "ironic_lite_agent",
            "make-machine",
            str(tmp_path / "cli"),
            "--disks",
            "2",
            "--disk-size",
            "2M",
            "--mac",
            "52:54:00:00:00:01,52:54:00:00:00:02",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    summary = json.loads(out.stdout)
    assert summary["macs"] == ["52:54:00:00:00:01", "52:54:00:00:00:02"]
    assert summary["disks"] == ["sda", "sdb"]
    assert os.path.getsize(tmp_path / "cli" / "disks" / "sdb.img") == 2 << 20


def test_preserve_ephemeral_keeps_the_table_and_the_ephemeral_file_system(tmp_path):
    """A rebuild with preserve_ephemeral keeps the partitions the last deploy made (their
    UUIDs too) and formats swap, not the ephemeral partition; a layout that would move the
    ephemeral partition is refused rather than wiping it."""
    from ironic_lite_agent import images

    make_machine(str(tmp_path), disks=1, disk_size="4G", boot_mode="uefi")
    backend = SimulatedBackend(str(tmp_path))
    disk = backend.root_disk()
    info = {"root_mb": 1024, "swap_mb": 128, "ephemeral_mb": 512, "ephemeral_format": "xfs"}
    first = images._partition(backend, disk, info, with_configdrive=True)
    assert backend.disk_metadata(disk)["filesystems"] == {
        "efi": "vfat",
        "swap": "swap",
        "ephemeral": "xfs",
    }
    kept = images._partition(backend, disk, {**info, "preserve_ephemeral": True}, True)
    assert kept == first
    assert backend.disk_metadata(disk)["filesystems"] == {"efi": "vfat", "swap": "swap"}
    with pytest.raises(errors.PartitionLayoutError, match="preserve_ephemeral"):
        images._partition(
            backend, disk, {**info, "root_mb": 2048, "preserve_ephemeral": "true"}, True
        )
    assert backend.read_layout(disk) == first  # nothing was rewritten
