"""KVM or TCG: decided by booting something small, with a stopwatch, under each.

``/dev/kvm`` existing proves little: on a machine with broken nested virtualisation it opens,
answers KVM_GET_API_VERSION, and then a guest crawls or hangs after its firmware, and QEMU's
``-accel kvm:tcg`` does not fall back since KVM "works". So the lab boots a probe under TCG,
then under KVM with a deadline, and takes KVM only when it finished and was faster.

Given a kernel (the lab passes its deploy ramdisk's), the probe boots it without an initramfs
and waits for the kernel to get as far as looking for its root filesystem (it then panics and
QEMU exits): a broken KVM seen here ran a boot sector in 4-9 s (TCG: 0.2 s) and hung in the
kernel for good, so only a kernel proves KVM. Without one, the probe is a 512-byte boot sector:
SeaBIOS loads it, it writes ``K`` to the serial port and leaves through QEMU's
``isa-debug-exit`` device (exit code 99). Both probes run with the arguments the VMs get.

The answer is cached per host boot (``/proc/sys/kernel/random/boot_id``) under
``${XDG_CACHE_HOME:-~/.cache}/ironic-lite/accel.json``: a failing KVM probe costs its whole
deadline. ``IRONIC_LITE_LAB_ACCEL=kvm|tcg`` overrides the probe.
"""

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

QEMU = "qemu-system-x86_64"
ENV_OVERRIDE = "IRONIC_LITE_LAB_ACCEL"
# What a kernel booted without an initramfs says once it looks for a root filesystem.
KERNEL_MARKERS = ("VFS: Unable to mount root", "Kernel panic", "Run /init")
_EXIT_CODE = 99  # (0x31 << 1) | 1: what isa-debug-exit makes of the probe's byte
# mov dx, 0x3f8; mov al, 'K'; out dx, al; mov al, 0x31; out 0xf4, al; hlt; jmp $-1
_BOOT_SECTOR = bytes([0xBA, 0xF8, 0x03, 0xB0, 0x4B, 0xEE, 0xB0, 0x31, 0xE6, 0xF4, 0xF4, 0xEB, 0xFD])


@dataclasses.dataclass(frozen=True)
class Accel:
    """The accelerator to use and why: ``name`` is ``kvm`` or ``tcg``."""

    name: str
    reason: str
    tcg_seconds: float | None = None
    kvm_seconds: float | None = None

    @property
    def qemu_args(self) -> list[str]:
        return args_for(self.name)


def args_for(name: str) -> list[str]:
    """QEMU's accelerator arguments. Not ``-cpu host`` under KVM: on a host whose nested
    virtualisation is broken QEMU aborts with it (it cannot set an MSR); QEMU's default CPU
    model is what the probe boots."""
    return ["-accel", "kvm"] if name == "kvm" else ["-accel", "tcg", "-cpu", "max"]


def cache_path() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "ironic-lite", "accel.json")


def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return "unknown"


def _boot_once(
    accel: str,
    timeout: float,
    workdir: str,
    kernel: str | None,
) -> float | None:
    """Seconds the probe took under ``accel``, or None when it failed or ran out of time."""
    log = os.path.join(workdir, f"serial-{accel}.log")
    argv = [QEMU, *args_for(accel), "-nodefaults", "-display", "none", "-m", "256"]
    argv += ["-serial", f"file:{log}", "-no-reboot"]
    if kernel:
        argv += ["-kernel", kernel, "-append", "console=ttyS0 panic=-1"]
    else:
        image = os.path.join(workdir, "probe.img")
        with open(image, "wb") as f:
            f.write(_BOOT_SECTOR + bytes(510 - len(_BOOT_SECTOR)) + b"\x55\xaa")
        argv += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        argv += ["-drive", f"file={image},format=raw,if=ide"]
    started = time.monotonic()
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = started + timeout
        while time.monotonic() < deadline:
            code = proc.poll()
            seen = _read(log)
            if kernel and any(marker in seen for marker in KERNEL_MARKERS):
                return time.monotonic() - started
            if code is not None:
                ok = code == _EXIT_CODE and "K" in seen if not kernel else False
                return time.monotonic() - started if ok else None
            time.sleep(0.05)
        return None
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def _read(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def probe(kvm_timeout: float = 20.0, kernel: str | None = None) -> Accel:
    """Boot the probe under TCG, then KVM; KVM wins only if it finished and was faster."""
    if not shutil.which(QEMU):
        return Accel("tcg", f"{QEMU} is not installed")
    with tempfile.TemporaryDirectory(prefix="ironic-lite-accel-") as workdir:
        tcg = _boot_once("tcg", max(kvm_timeout, 120.0), workdir, kernel)
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            return Accel("tcg", "/dev/kvm is missing or not usable by this user", tcg)
        kvm = _boot_once("kvm", kvm_timeout, workdir, kernel)
    if kvm is None:
        return Accel("tcg", f"the KVM probe did not finish within {kvm_timeout:g} s", tcg)
    if tcg is not None and kvm >= tcg:
        return Accel("tcg", f"KVM booted the probe in {kvm:.2f} s, TCG in {tcg:.2f} s", tcg, kvm)
    return Accel("kvm", f"KVM booted the probe in {kvm:.2f} s", tcg, kvm)


def choose(refresh: bool = False, kernel: str | None = None, **probe_args) -> Accel:
    """The accelerator for this host: the override, the cached answer of this boot (for the
    same kind of probe), or a new probe (then cached)."""
    forced = os.environ.get(ENV_OVERRIDE, "").strip().lower()
    if forced in ("kvm", "tcg"):
        return Accel(forced, f"{ENV_OVERRIDE}={forced}")
    path = cache_path()
    if not refresh:
        try:
            with open(path) as f:
                cached = json.load(f)
            if cached.get("boot_id") == _boot_id() and cached.get("kernel") == bool(kernel):
                return Accel(**cached["accel"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    accel = probe(kernel=kernel, **probe_args)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    record = {"boot_id": _boot_id(), "kernel": bool(kernel), "accel": dataclasses.asdict(accel)}
    with open(path + ".tmp", "w") as f:
        json.dump(record, f)
    os.replace(path + ".tmp", path)
    return accel


def main(argv: list[str] | None = None) -> int:
    """``python -m ironic_lite.lab.accel [KERNEL]``: probe again and print the answer."""
    argv = sys.argv[1:] if argv is None else argv
    accel = choose(refresh=True, kernel=argv[0] if argv else None)
    print(json.dumps(dataclasses.asdict(accel)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
