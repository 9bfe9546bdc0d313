"""``standby.kexec``: load the deployed OS's kernel, answer, then jump into it.

The command runs on a simulated machine (the disk record says what was deployed) and on the
real backend with canned tool output; a load that fails must leave nothing to execute."""

import json
import os

import pytest

from ironic_lite_agent import errors
from ironic_lite_agent.extensions.standby import StandbyExtension
from ironic_lite_agent.hardware.base import Completed
from ironic_lite_agent.hardware.real import RealBackend
from ironic_lite_agent.hardware.simulated import SimulatedBackend, make_machine
from tests.unit.agent.test_real_backend import SFDISK_JSON, FakeRunner


class _Agent:
    """What the standby extension reads of the agent: its backend, hints, the exit hook."""

    def __init__(self, backend):
        self.backend = backend
        self.exit_action = None
        self.exit_reason = None

    def root_device_hints(self):
        return None

    def request_exit(self, action, reason):
        self.exit_action, self.exit_reason = action, reason


def _deployed(backend: SimulatedBackend) -> None:
    disk = backend.root_disk()
    backend.record_image(disk, {"image_id": "img-1", "state": "deployed", "deployed": True})


@pytest.fixture
def sim(tmp_path):
    make_machine(str(tmp_path), disks=1, disk_size="4M")
    return SimulatedBackend(str(tmp_path))


def test_simulated_kexec_answers_then_records_the_boot(sim):
    _deployed(sim)
    agent = _Agent(sim)
    result = StandbyExtension(agent).kexec(append="console=ttyS0")
    assert result == {
        "result": "kexec",
        "root": "sda",
        "kernel": "/boot/vmlinuz",
        "initrd": "/boot/initrd.img",
        "append": "console=ttyS0",
    }
    # Nothing happened yet: the jump waits for the answer to go out.
    assert "kexec" not in [a["action"] for a in sim.actions()]
    assert agent.exit_reason == "kexec"
    agent.exit_action()
    last = sim.actions()[-1]
    assert last["action"] == "kexec" and last["kernel"] == "/boot/vmlinuz"
    assert last["image_id"] == "img-1" and last["append"] == "console=ttyS0"
    state = sim.state()
    assert state["power"] == "on" and state["booted"] == "kexec"
    assert state["kexec"]["initrd"] == "/boot/initrd.img"


def test_simulated_kexec_uses_the_root_partition_of_a_partition_image(sim):
    from ironic_lite_agent.partitions import Layout

    disk = sim.root_disk()
    layout = Layout.from_dict(
        {
            "label": "gpt",
            "disk_id": "d",
            "disk_size": disk.size,
            "partitions": [
                {"number": 1, "role": "root", "start": 1 << 20, "size": 1 << 20, "uuid": "R-1"}
            ],
        }
    )
    sim.apply_layout(disk, layout)
    _deployed(sim)
    assert StandbyExtension(_Agent(sim)).kexec()["append"] == "root=R-1 ro"


@pytest.mark.parametrize(
    ("prepare", "params", "match"),
    [
        (lambda sim: None, {}, "no verified image is deployed"),
        (_deployed, {"kernel": "/boot/vmlinuz-6.1"}, "no kernel /boot/vmlinuz-6.1"),
    ],
)
def test_simulated_kexec_refusals_leave_nothing_to_run(sim, prepare, params, match):
    prepare(sim)
    agent = _Agent(sim)
    with pytest.raises(errors.AgentError, match=match):
        StandbyExtension(agent).kexec(**params)
    assert agent.exit_action is None
    assert "kexec" not in [a["action"] for a in sim.actions()]
    assert "booted" not in sim.state()


def test_simulated_missing_boot_file_from_the_machine_description(sim):
    _deployed(sim)
    path = os.path.join(sim.root, "hardware.json")
    with open(path) as f:
        hw = json.load(f)
    hw["os"]["boot_files"] = ["/boot/vmlinuz"]
    with open(path, "w") as f:
        json.dump(hw, f)
    with pytest.raises(errors.DeviceNotFound, match="no initrd /boot/initrd.img"):
        StandbyExtension(_Agent(sim)).kexec()
    assert StandbyExtension(_Agent(sim)).kexec(initrd=None)["initrd"] is None


# --- the real backend, against canned output ------------------------------------------------
LSBLK = {
    "blockdevices": [
        {"name": "/dev/sda", "size": 8 << 30, "type": "disk", "ro": False, "rota": False}
    ]
}


def _real(tmp_path, table):
    runner = FakeRunner(table)
    root = tmp_path / "root"
    root.mkdir()
    return RealBackend(root=str(root), work_dir=str(tmp_path / "work"), runner=runner), runner


def _mount_with(*files):
    """A ``mount`` that puts ``files`` into the mount point (the deployed root file system)."""

    def mount(args):
        for name in files:
            path = os.path.join(args[-1], name.lstrip("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w").close()
        return ""

    return mount


def test_real_kexec_mounts_read_only_loads_then_executes(tmp_path):
    backend, runner = _real(
        tmp_path,
        {
            ("lsblk",): LSBLK,
            ("sfdisk", "--json"): SFDISK_JSON,
            ("kexec",): "kexec-tools 2.0.27",
            ("mount",): _mount_with("/boot/vmlinuz", "/boot/initrd.img"),
            ("umount",): "",
            ("sync",): "",
        },
    )
    agent = _Agent(backend)
    result = StandbyExtension(agent).kexec(append="root=UUID=f00 ro quiet")
    assert result["root"] == "/dev/sda2"  # the largest Linux partition of the whole disk
    cmds = runner.commands()
    mount = next(c for c in cmds if c[0] == "mount")
    assert mount[:4] == ["mount", "-o", "ro", "/dev/sda2"]
    mountpoint = mount[4]
    load = next(c for c in cmds if c[:2] == ["kexec", "-l"])
    assert load == [
        "kexec",
        "-l",
        f"{mountpoint}/boot/vmlinuz",
        f"--initrd={mountpoint}/boot/initrd.img",
        "--append=root=UUID=f00 ro quiet",
    ]
    assert cmds.index(load) < cmds.index(["umount", mountpoint])
    assert ["kexec", "-e"] not in cmds  # not before the answer
    agent.exit_action()
    assert runner.commands()[-2:] == [["sync"], ["kexec", "-e"]]


def test_real_kexec_root_by_uuid_and_default_cmdline(tmp_path):
    backend, runner = _real(
        tmp_path,
        {
            ("lsblk",): LSBLK,
            ("blkid",): "/dev/sda3\n",
            ("kexec",): "",
            ("mount",): _mount_with("/boot/vmlinuz", "/boot/initrd.img"),
            ("umount",): "",
        },
    )
    result = StandbyExtension(_Agent(backend)).kexec(root_device="c0ffee")
    assert result["root"] == "/dev/sda3" and result["append"] == "root=/dev/sda3 ro"
    assert ["blkid", "-l", "-o", "device", "-t", "PARTUUID=c0ffee"] in runner.commands()


def test_real_kexec_without_the_tool_runs_nothing(tmp_path):
    backend, runner = _real(tmp_path, {("lsblk",): LSBLK, ("sfdisk", "--json"): SFDISK_JSON})
    agent = _Agent(backend)
    with pytest.raises(errors.ToolMissing, match="kexec is not installed"):
        StandbyExtension(agent).kexec()
    assert agent.exit_action is None
    assert not [c for c in runner.commands() if c[0] == "mount"]


def test_real_kexec_with_a_missing_kernel_loads_nothing(tmp_path):
    backend, runner = _real(
        tmp_path,
        {
            ("lsblk",): LSBLK,
            ("sfdisk", "--json"): SFDISK_JSON,
            ("kexec",): "",
            ("mount",): _mount_with("/boot/initrd.img"),
            ("umount",): "",
        },
    )
    agent = _Agent(backend)
    with pytest.raises(errors.DeviceNotFound, match="has no kernel /boot/vmlinuz"):
        StandbyExtension(agent).kexec()
    cmds = runner.commands()
    assert agent.exit_action is None
    assert not [c for c in cmds if c[:2] in (["kexec", "-l"], ["kexec", "-e"])]
    assert cmds[-1][0] == "umount"  # the root file system is not left mounted


def test_real_kexec_load_failure_is_reported(tmp_path):
    backend, _ = _real(
        tmp_path,
        {
            ("lsblk",): LSBLK,
            ("sfdisk", "--json"): SFDISK_JSON,
            ("kexec", "--version"): "",
            ("kexec", "-l"): Completed([], 1, "", "Cannot determine the file type"),
            ("mount",): _mount_with("/boot/vmlinuz", "/boot/initrd.img"),
            ("umount",): "",
        },
    )
    agent = _Agent(backend)
    with pytest.raises(errors.HardwareCommandFailed, match="Cannot determine the file type"):
        StandbyExtension(agent).kexec()
    assert agent.exit_action is None
