"""A real dnsmasq answering DHCP in a network namespace, and a DHCP client in another.

``BootNetwork`` creates two namespaces joined by a veth pair (the host's interfaces are never
touched), runs dnsmasq on the server end with ``--dhcp-hostsdir``/``--dhcp-optsdir`` pointing
at the directories a conductor writes, with the client tags of docs/drivers.md (``ipxe``,
``efi``, ``efi-http``), and asks for a lease from the client end with busybox's ``udhcpc``,
pretending to be a given kind of firmware (client architecture, iPXE's option 175). Every
process is stopped by PID and both namespaces are deleted on ``close``, also after a failure.
Needs root, ``ip``, dnsmasq and busybox; ``available`` says what is missing.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

SUBNET = "10.77.{n}.{host}"
CLIENT_KINDS = {
    # client-arch (option 93) of each kind of firmware, and whether it is iPXE (option 175)
    "bios": ("0000", False),
    "uefi": ("0007", False),
    "uefi-http": ("0010", False),
    "ipxe": ("0007", True),
}
_SCRIPT = """#!/bin/sh
# udhcpc calls this with the event name; the lease's options are in the environment.
[ "$1" = bound ] && env > "{out}"
exit 0
"""


def available() -> str | None:
    """Why a BootNetwork cannot run here, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "dnsmasq", "busybox"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


class BootNetwork:
    def __init__(self, hostsdir: str, optsdir: str):
        self.hostsdir, self.optsdir = hostsdir, optsdir
        self.dir = tempfile.mkdtemp(prefix="dhcp-lab-")
        tag = uuid.uuid4().hex[:8]
        self.server_ns, self.client_ns = f"ilsrv-{tag}", f"ilcli-{tag}"
        self.n = int(tag[:2], 16) % 200 + 20
        self.server_ip = SUBNET.format(n=self.n, host=1)
        self.log = os.path.join(self.dir, "dnsmasq.log")
        self.leasefile = os.path.join(self.dir, "dnsmasq.leases")
        self.proc: subprocess.Popen | None = None
        self.namespaces: list[str] = []

    def start(self, timeout: float = 10) -> "BootNetwork":
        try:
            for ns in (self.server_ns, self.client_ns):
                _ip("netns", "add", ns)
                self.namespaces.append(ns)
            _ip("-n", self.server_ns, "link", "add", "srv", "type", "veth", "peer", "name",
                "cli", "netns", self.client_ns)  # fmt: skip
            _ip("-n", self.server_ns, "addr", "add", f"{self.server_ip}/24", "dev", "srv")
            _ip("-n", self.server_ns, "link", "set", "srv", "up")
            _ip("-n", self.client_ns, "link", "set", "cli", "up")
            for directory in (self.hostsdir, self.optsdir):
                os.makedirs(directory, exist_ok=True)
            first, last = SUBNET.format(n=self.n, host=100), SUBNET.format(n=self.n, host=200)
            argv = [
                "ip", "netns", "exec", self.server_ns, "dnsmasq", "--no-daemon",
                "--conf-file=/dev/null", "--port=0", "--interface=srv", "--bind-interfaces",
                f"--dhcp-range={first},{last},255.255.255.0,10m",
                f"--dhcp-hostsdir={self.hostsdir}", f"--dhcp-optsdir={self.optsdir}",
                f"--dhcp-leasefile={self.leasefile}",
                "--dhcp-match=set:ipxe,175",
                "--dhcp-match=set:efi,option:client-arch,7",
                "--dhcp-match=set:efi,option:client-arch,9",
                "--dhcp-match=set:efi-http,option:client-arch,16",
                "--log-dhcp", f"--log-facility={self.log}", "--user=root",
            ]  # fmt: skip
            out = open(os.path.join(self.dir, "dnsmasq.out"), "ab")  # noqa: SIM115
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + timeout
            while "DHCP, sockets bound" not in self.output():
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dnsmasq did not start: {self.output()}")
                time.sleep(0.1)
            return self
        except BaseException:
            self.close()
            raise

    def output(self) -> str:
        path = os.path.join(self.dir, "dnsmasq.out")
        text = open(path, errors="replace").read() if os.path.exists(path) else ""  # noqa: SIM115
        if os.path.exists(self.log):
            with open(self.log, errors="replace") as f:
                text += f.read()
        return text

    def set_client_mac(self, mac: str, timeout: float = 10) -> None:
        _ip("-n", self.client_ns, "link", "set", "cli", "down")
        _ip("-n", self.client_ns, "link", "set", "cli", "address", mac)
        _ip("-n", self.client_ns, "link", "set", "cli", "up")
        # Both ends must have their carrier back before the first DISCOVER, or the
        # answers to it are lost.
        deadline = time.monotonic() + timeout
        for ns, name in ((self.client_ns, "cli"), (self.server_ns, "srv")):
            while (
                "LOWER_UP"
                not in subprocess.run(
                    ["ip", "-n", ns, "link", "show", name],
                    capture_output=True,
                    text=True,
                    timeout=10,
                ).stdout
            ):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not come up")
                time.sleep(0.1)

    def request(self, kind: str = "bios", timeout: float = 15) -> dict | None:
        """One DHCP exchange as firmware of ``kind``: the lease's options (``bootfile``,
        ``siaddr``, ``ip`` ...), or None when no server answered."""
        arch, ipxe = CLIENT_KINDS[kind]
        out = os.path.join(self.dir, f"lease-{uuid.uuid4().hex}")
        script = os.path.join(self.dir, "udhcpc.sh")
        with open(script, "w") as f:
            f.write(_SCRIPT.format(out=out))
        os.chmod(script, 0o755)
        argv = ["ip", "netns", "exec", self.client_ns, "busybox", "udhcpc", "-i", "cli", "-f",
                "-q", "-n", "-B", "-t", "5", "-T", "1", "-s", script, "-O", "67", "-O", "60",
                "-x", f"0x5d:{arch}"]  # fmt: skip
        if ipxe:
            argv += ["-x", "0xaf:0101"]
        subprocess.run(argv, capture_output=True, timeout=timeout)
        if not os.path.exists(out):
            return None
        with open(out) as f:
            lines = [line.rstrip("\n").split("=", 1) for line in f if "=" in line]
        return {key: value for key, value in lines}

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)
        self.namespaces = []
