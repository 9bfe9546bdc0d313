"""KVM or TCG: decided by booting something small, with a stopwatch, under each.

``/dev/kvm`` existing proves little: on a machine with broken nested virtualisation it opens,
answers KVM_GET_API_VERSION, and then a guest crawls or hangs after its firmware, and QEMU's
``-accel kvm:tcg`` does not fall back since KVM "works". So the lab boots a probe under TCG,
then under KVM with a deadline, and takes KVM only when it finished and was faster.

The default probe is a 512-byte boot sector: SeaBIOS loads it, it writes ``K`` to the serial
port and leaves through QEMU's ``isa-debug-exit`` device (exit code 99). Given a kernel and an
initramfs (``kernel=``, ``initrd=``) the probe boots those instead and waits for ``marker`` on
the serial console: the stricter test, since some broken KVM setups pass the boot sector and
hang in the kernel.

The answer is cached per host boot (``/proc/sys/kernel/random/boot_id``) under
``${XDG_CACHE_HOME:-~/.cache}/ironic-lite/accel.json``: a failing KVM probe costs its whole
deadline. ``IRONIC_LITE_LAB_ACCEL=kvm|tcg`` overrides the probe.
"""

import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
import time

QEMU = "qemu-system-x86_64"
ENV_OVERRIDE = "IRONIC_LITE_LAB_ACCEL"
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
        """``-accel`` for QEMU, with ``-cpu host`` under KVM (TCG's default CPU suits it)."""
        if self.name == "kvm":
            return ["-accel", "kvm", "-cpu", "host"]
        return ["-accel", "tcg", "-cpu", "max"]


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
    initrd: str | None,
    marker: str,
) -> float | None:
    """Seconds the probe took under ``accel``, or None when it failed or ran out of time."""
    log = os.path.join(workdir, f"serial-{accel}.log")
    argv = [QEMU, "-accel", accel, "-nodefaults", "-display", "none", "-m", "256"]
    argv += ["-serial", f"file:{log}", "-no-reboot"]
    if kernel:
        argv += ["-kernel", kernel, "-append", "console=ttyS0 panic=-1"]
        if initrd:
            argv += ["-initrd", initrd]
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
            if kernel and marker in seen:
                return time.monotonic() - started
            if code is not None:
                ok = code == _EXIT_CODE and "K" in seen if not kernel else marker in seen
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


def probe(
    kvm_timeout: float = 10.0,
    kernel: str | None = None,
    initrd: str | None = None,
    marker: str = "Run /init",
) -> Accel:
    """Boot the probe under TCG, then KVM; KVM wins only if it finished and was faster."""
    if not shutil.which(QEMU):
        return Accel("tcg", f"{QEMU} is not installed")
    with tempfile.TemporaryDirectory(prefix="ironic-lite-accel-") as workdir:
        tcg = _boot_once("tcg", max(kvm_timeout, 60.0), workdir, kernel, initrd, marker)
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            return Accel("tcg", "/dev/kvm is missing or not usable by this user", tcg)
        kvm = _boot_once("kvm", kvm_timeout, workdir, kernel, initrd, marker)
    if kvm is None:
        return Accel("tcg", f"the KVM probe did not finish within {kvm_timeout:g} s", tcg)
    if tcg is not None and kvm >= tcg:
        return Accel("tcg", f"KVM booted the probe in {kvm:.2f} s, TCG in {tcg:.2f} s", tcg, kvm)
    return Accel("kvm", f"KVM booted the probe in {kvm:.2f} s", tcg, kvm)


def choose(refresh: bool = False, **probe_args) -> Accel:
    """The accelerator for this host: the override, the cached answer of this boot, or a
    new probe (then cached)."""
    forced = os.environ.get(ENV_OVERRIDE, "").strip().lower()
    if forced in ("kvm", "tcg"):
        return Accel(forced, f"{ENV_OVERRIDE}={forced}")
    path = cache_path()
    if not refresh:
        try:
            with open(path) as f:
                cached = json.load(f)
            if cached.get("boot_id") == _boot_id():
                return Accel(**cached["accel"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    accel = probe(**probe_args)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump({"boot_id": _boot_id(), "accel": dataclasses.asdict(accel)}, f)
    os.replace(path + ".tmp", path)
    return accel


def main() -> int:
    """``python -m ironic_lite.lab.accel``: probe again and print the answer."""
    print(json.dumps(dataclasses.asdict(choose(refresh=True))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
