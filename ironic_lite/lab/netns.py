"""The VM lab's network: a network namespace of its own, a bridge and TAP devices in it.

Nothing here touches the host's interfaces: every ``ip`` call names the lab's namespace
(``ip -n NS ...``), and every address lives on the bridge inside it. The VMs' traffic (DHCP,
TFTP, HTTP, the agent API) stays in the namespace; the processes that serve it (dnsmasq, the
file server, the BMC emulators, ironic-lite) run inside it (``ip netns exec``), and host-side
clients reach them through loopback forwarders (``ironic_lite.lab.forward``).
"""

import ctypes
import ipaddress
import os
import subprocess

CLONE_NEWNET = 0x40000000
BRIDGE = "br0"


class NetnsError(Exception):
    pass


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise NetnsError(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return result


def exists(name: str) -> bool:
    return os.path.exists(f"/run/netns/{name}")


def create(name: str, subnet: str, taps: list[str]) -> str:
    """The namespace ``name`` with ``lo`` up, a bridge holding the subnet's first address and
    ``taps`` enslaved to it. Returns the bridge address."""
    network = ipaddress.ip_network(subnet)
    address = f"{next(network.hosts())}/{network.prefixlen}"
    _ip("netns", "add", name)
    try:
        _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", name, "link", "add", BRIDGE, "type", "bridge", "stp_state", "0")
        _ip("-n", name, "link", "set", BRIDGE, "type", "bridge", "forward_delay", "0")
        _ip("-n", name, "addr", "add", address, "dev", BRIDGE)
        _ip("-n", name, "link", "set", BRIDGE, "up")
        for tap in taps:
            _ip("-n", name, "tuntap", "add", "dev", tap, "mode", "tap")
            _ip("-n", name, "link", "set", tap, "master", BRIDGE)
            _ip("-n", name, "link", "set", tap, "up")
    except NetnsError:
        delete(name)
        raise
    return address.split("/")[0]


def pids(name: str) -> list[int]:
    """Processes running in the namespace."""
    if not exists(name):
        return []
    result = _ip("netns", "pids", name, check=False)
    return [int(p) for p in result.stdout.split() if p.isdigit()]


def delete(name: str) -> bool:
    """Remove the namespace (its bridge and TAPs go with it). Whether it existed."""
    if not exists(name):
        return False
    for link in _links(name):
        if link != "lo":
            _ip("-n", name, "link", "del", link, check=False)
    _ip("netns", "del", name, check=False)
    return True


def _links(name: str) -> list[str]:
    result = _ip("-n", name, "-o", "link", "show", check=False)
    return [line.split(":")[1].strip().split("@")[0] for line in result.stdout.splitlines()]


def links(name: str) -> list[str]:
    """The namespace's interfaces (for ``status`` and the tests)."""
    return _links(name) if exists(name) else []


def exec_argv(name: str, argv: list[str]) -> list[str]:
    """``argv`` run inside the namespace (``ip netns exec`` then execs it: same PID)."""
    return ["ip", "netns", "exec", name, *argv]


def enter(name: str) -> None:
    """Move the calling thread into the namespace (sockets it opens from now on live there).

    Used by the forwarder after its listening sockets are open on the host's loopback.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    with open(f"/run/netns/{name}") as f:
        if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise NetnsError(f"setns({name}): {os.strerror(errno)}")
