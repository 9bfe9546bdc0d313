"""The sandbox stock IPA runs in: nothing inside it can reach this host's disks or power.

Each test runs a probe inside the very sandbox the lab starts IPA in (``unshare`` + the
sandbox's PID 1 + the dropped capabilities) and checks what it could do: no block device in
/dev, nothing in /sys/block, no mknod, no mount, and the lab's tools (``parted``, ``dd``,
``wipefs`` ... first on IPA's PATH) refuse a real device or a host file loudly, recording
the refusal in the machine's ``actions.jsonl``. The host's own mounts are unchanged after.
"""

import json
import os
import subprocess
import sys

import pytest

from ironic_lite.lab.ipa import launch, tools
from ironic_lite_agent.hardware.simulated import make_machine
from tests.lab.ipa import require_ipa

pytestmark = pytest.mark.xdist_group("ipa-sandbox")

PROBE = r"""
import json, os, stat, subprocess
found = {"block_devices": [], "sys_block": os.listdir("/sys/block")}
for root, _dirs, files in os.walk("/dev"):
    for name in files:
        if stat.S_ISBLK(os.lstat(os.path.join(root, name)).st_mode):
            found["block_devices"].append(os.path.join(root, name))
try:
    os.mknod(os.path.join(os.environ["TMPDIR"], "sda"), 0o600 | stat.S_IFBLK, os.makedev(8, 0))
    found["mknod"] = "allowed"
except OSError as exc:
    found["mknod"] = exc.strerror
found["mount"] = subprocess.run(["/usr/bin/mount", "-t", "tmpfs", "x", os.environ["TMPDIR"]],
                                capture_output=True).returncode
host_file = os.path.join(os.environ["IRONIC_LITE_LAB_MACHINE"], "hardware.json")
disk = os.path.join(os.environ["IRONIC_LITE_LAB_MACHINE"], "disks", "sda.img")
calls = {
    "dd_dev": ["dd", "if=/dev/zero", "of=/dev/sda", "bs=512", "count=1"],
    "dd_host_file": ["dd", "if=/dev/zero", "of=" + host_file, "bs=512", "count=1"],
    "wipefs_dev": ["wipefs", "--all", "/dev/nvme0n1"],
    "parted_sys": ["parted", "-s", "/sys/block/sda", "print"],
    "dd_disk": ["dd", "if=/dev/zero", "of=" + disk, "bs=512", "count=1"],
    "ip_change": ["ip", "link", "set", "lo", "down"],
}
found["tools"] = {k: subprocess.run(v, capture_output=True, text=True).returncode
                  for k, v in calls.items()}
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def ready():
    reason = launch.unavailable_reason()
    if reason:
        require_ipa()  # skips (fails in CI) with the reason


def _run_in_sandbox(machine: str, code: str) -> subprocess.CompletedProcess:
    home = os.path.join(machine, "ipa")
    os.makedirs(home, exist_ok=True)
    cmdline = os.path.join(home, "cmdline")
    with open(cmdline, "w") as f:
        f.write("ipa-api-url=http://127.0.0.1:1\n")
    bin_dir = tools.install(os.path.join(home, "bin"), sys.executable)
    argv = [
        "unshare", "--mount", "--pid", "--fork", "--propagation", "private", "--mount-proc",
        "--kill-child=SIGKILL", "--", sys.executable, "-m", "ironic_lite.lab.ipa.sandbox",
        "--machine", machine, "--cmdline", cmdline, "--bin", bin_dir, "--agent-path", home,
        "--", sys.executable, "-c", code,
    ]  # fmt: skip
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def _mounts() -> set[str]:
    with open("/proc/self/mountinfo") as f:
        return {line.split()[4] for line in f}


def test_ipa_sees_no_device_and_the_tools_refuse_real_ones(ready, tmp_path):
    machine = str(tmp_path / "m")
    make_machine(machine, disk_size="4M", macs=["52:54:00:5a:00:01"])
    before = _mounts()

    done = _run_in_sandbox(machine, PROBE)

    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["block_devices"] == []
    assert found["sys_block"] == []
    assert found["mknod"] == "Operation not permitted"
    assert found["mount"] != 0
    # Real devices, host files and network changes are refused; the machine's disk is not.
    assert found["tools"] == {
        "dd_dev": 1,
        "dd_host_file": 1,
        "wipefs_dev": 1,
        "parted_sys": 1,
        "dd_disk": 0,
        "ip_change": 1,
    }
    with open(os.path.join(machine, "actions.jsonl")) as f:
        refused = [json.loads(line) for line in f if '"refused"' in line]
    assert {(r["tool"], " ".join(r["argv"])) for r in refused} >= {
        ("dd", "if=/dev/zero of=/dev/sda bs=512 count=1"),
        ("wipefs", "--all /dev/nvme0n1"),
        ("parted", "-s /sys/block/sda print"),
        ("ip", "link set lo down"),
    }
    assert _mounts() == before


def test_the_sandbox_refuses_to_start_outside_a_private_namespace(ready, tmp_path):
    machine = str(tmp_path / "m")
    make_machine(machine, disk_size="4M")
    # Run the sandbox's PID 1 directly, not under unshare: it must refuse before mounting.
    done = subprocess.run(
        [sys.executable, "-m", "ironic_lite.lab.ipa.sandbox", "--machine", machine,
         "--cmdline", os.devnull, "--bin", machine, "--agent-path", machine, "--", "true"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 70
    assert "not PID 1" in done.stderr
