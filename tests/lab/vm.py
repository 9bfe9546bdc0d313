"""VM lab fixtures: the ramdisks (built once per machine), a running lab, bounded waits that
show the serial console when they fail.

The VM tests need root (network namespaces, TAP devices, debootstrap), QEMU, OVMF, dnsmasq
and the ISO tools. Missing any, they are skipped on a developer's machine with the reason and
FAIL in CI, whose ``.ci/run`` installs them.
"""

import contextlib
import os
import shutil
import time

import pytest

from ironic_lite.lab import accel, vmstack
from ironic_lite.ramdisk import build, iso
from tests.lab.services import in_ci

TOOLS = (
    "qemu-system-x86_64",
    "qemu-img",
    "qemu-io",
    "dnsmasq",
    "debootstrap",
    "ip",
    "zstd",
    "cpio",
)


def _unavailable(message: str) -> None:
    if in_ci():
        pytest.fail(message + " (CI installs the VM lab's packages: see .ci/run)")
    pytest.skip(message)


def require_vm_lab() -> None:
    """Skip (outside CI) or fail (in CI) unless this machine can run the VM lab."""
    if os.geteuid() != 0:
        _unavailable("the VM lab needs root (network namespaces, TAP devices, debootstrap)")
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    missing += iso.missing_tools()
    if not os.path.exists("/usr/share/OVMF/OVMF_CODE_4M.fd"):
        missing.append("ovmf")
    if missing:
        _unavailable(f"the VM lab needs {', '.join(missing)}")


def ramdisk(agent: str) -> dict:
    """The ``agent``'s ramdisk manifest, built the first time on this machine (minutes)."""
    require_vm_lab()
    return build.build(build.Recipe(agent=agent))


def accelerator() -> accel.Accel:
    return accel.choose(kernel=build.build(build.Recipe(agent="lite"))["kernel"])


def boot_budget(tcg_seconds: float, kvm_seconds: float = 120) -> float:
    """How long a boot may take here: TCG emulates every instruction (and shares the CPU with
    whatever else runs), so its budget is far larger than KVM's."""
    return kvm_seconds if accelerator().name == "kvm" else tcg_seconds


@contextlib.contextmanager
def running_lab(tmp_path, **options):
    """A VM lab for one test; always taken down (processes by PID, the namespace)."""
    require_vm_lab()
    lab = vmstack.VmLab(str(tmp_path / "vmlab"), **options)
    try:
        lab.up()
        yield lab
    finally:
        stopped = lab.down(remove=False)
        assert not any(lab.running().values()), f"left running after down: {stopped}"


def serial_report(lab: vmstack.VmLab) -> str:
    """Every VM's serial console (the last 6 KiB each), for a failure message."""
    parts = []
    for vm in lab.state.get("vms", []):
        text = lab.serial(vm["name"])[-6144:]
        parts.append(f"--- serial console of {vm['name']} ({vm['firmware']}) ---\n{text}")
    return "\n".join(parts)


def wait_for(lab: vmstack.VmLab, predicate, timeout: float, what: str, interval: float = 1.0):
    """Poll ``predicate`` until it returns something true; fail with the serial logs."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{serial_report(lab)}")
        time.sleep(interval)
