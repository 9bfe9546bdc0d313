"""Booting an ISO for real: QEMU (TCG) with SeaBIOS or OVMF, serial console to a file.

``debian_kernel`` extracts a Debian kernel from a linux-image package in apt's cache (the host's
/boot is never read); ``echo_initramfs`` builds an initramfs whose /init (static busybox)
prints the kernel command line on the serial console and powers off. ``boot_iso`` boots an
ISO from the CD drive with no network and no disk, and returns the serial output and the
wall time once the machine powered itself off; QEMU is killed by PID when it does not within
the timeout.
"""

import glob
import gzip
import io
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time

MARKER = "CMDLINE:"
_INIT = f"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc
/bin/busybox mount -t proc proc /proc
echo "{MARKER} $(/bin/busybox cat /proc/cmdline)"
/bin/busybox poweroff -f
"""
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
KERNEL_DEBS = "/var/cache/apt/archives/linux-image-[0-9]*-amd64_*.deb"


def missing() -> str | None:
    """What booting needs and this host lacks, or None."""
    for tool in ("qemu-system-x86_64", "busybox", "dpkg-deb"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    if not os.path.exists(OVMF_CODE):
        return "OVMF is not installed"
    if not glob.glob(KERNEL_DEBS):
        return (
            "no linux-image package in apt's cache "
            "(apt-get install --download-only linux-image-cloud-amd64)"
        )
    return None


def debian_kernel(directory: str) -> str:
    """A kernel extracted from the newest linux-image package in apt's cache, into
    ``directory``; its path."""
    deb = sorted(glob.glob(KERNEL_DEBS))[-1]
    with tempfile.TemporaryDirectory() as tree:
        subprocess.run(["dpkg-deb", "-x", deb, tree], check=True, timeout=120)
        (kernel,) = glob.glob(os.path.join(tree, "boot", "vmlinuz-*"))
        dest = os.path.join(directory, "vmlinuz")
        shutil.copyfile(kernel, dest)
    return dest


def _newc(entries: list[tuple[str, int, bytes]]) -> bytes:
    """A cpio archive in the kernel's "newc" format from (name, mode, data)."""
    out = io.BytesIO()
    for ino, (name, mode, data) in enumerate([*entries, ("TRAILER!!!", 0, b"")], start=1):
        encoded = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(encoded), 0]
        out.write(b"070701" + b"".join(f"{f:08x}".encode() for f in fields) + encoded)
        out.write(b"\0" * (-(110 + len(encoded)) % 4))
        out.write(data + b"\0" * (-len(data) % 4))
    return out.getvalue()


def echo_initramfs(directory: str) -> str:
    """A gzipped initramfs printing the command line and powering off; its path."""
    with open(shutil.which("busybox"), "rb") as f:
        busybox = f.read()
    archive = _newc(
        [
            ("bin", stat.S_IFDIR | 0o755, b""),
            ("bin/busybox", stat.S_IFREG | 0o755, busybox),
            ("init", stat.S_IFREG | 0o755, _INIT.encode()),
        ]
    )
    dest = os.path.join(directory, "initramfs.gz")
    with open(dest, "wb") as f:
        f.write(gzip.compress(archive, compresslevel=1))
    return dest


def boot_iso(iso: str, mode: str, timeout: float = 240) -> tuple[str, float]:
    """Boot ``iso`` in ``mode`` ("uefi" or "bios") until the machine powers off: (serial
    output, seconds)."""
    with tempfile.TemporaryDirectory(prefix="qemu-boot-") as work:
        serial = os.path.join(work, "serial.log")
        argv = [
            "qemu-system-x86_64", "-accel", "tcg", "-m", "512", "-nographic", "-no-reboot",
            "-nic", "none", "-monitor", "none", "-serial", f"file:{serial}",
            "-drive", f"file={iso},media=cdrom,readonly=on",
        ]  # fmt: skip
        if mode == "uefi":
            shutil.copyfile(OVMF_VARS, os.path.join(work, "vars.fd"))
            argv += [
                "-machine", "q35",
                "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
                "-drive", f"if=pflash,format=raw,file={os.path.join(work, 'vars.fd')}",
            ]  # fmt: skip
        started = time.monotonic()
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            _out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            err = b"(killed after the timeout)"
        elapsed = time.monotonic() - started
        with open(serial, errors="replace") as f:
            output = f.read()
        if proc.returncode != 0:
            output += f"\n[qemu exited {proc.returncode}: {err.decode(errors='replace')[-500:]}]"
        return output, elapsed


def command_line(output: str) -> str | None:
    """The command line /init printed, or None."""
    for line in output.splitlines():
        if line.startswith(MARKER):
            return line[len(MARKER) :].strip()
    return None
