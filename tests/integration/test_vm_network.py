"""The VM lab's network on its own: a namespace with a bridge and TAPs, servers inside it,
host clients through the loopback forwarder (TCP and UDP), and nothing left after delete.
Seconds, no VM: it runs wherever the VM lab can."""

import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests

from ironic_lite.lab import netns
from ironic_lite.lab.processes import free_port, stop_pid, wait_until
from tests.lab.vm import require_vm_lab

UDP_ECHO = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(b"echo:" + data, peer)
"""


@pytest.fixture
def namespace():
    require_vm_lab()
    name = f"ilab-t{uuid.uuid4().hex[:6]}"
    address = netns.create(name, "192.0.2.0/24", ["tap0", "tap1"])
    host_links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    try:
        yield name, address, host_links
    finally:
        for pid in netns.pids(name):
            stop_pid(pid, timeout=5)
        netns.delete(name)


def _spawn(argv):
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip


def test_namespace_bridge_taps_and_forwarders(namespace, tmp_path):
    name, address, host_links_before = namespace
    assert address == "192.0.2.1"
    assert {"lo", "br0", "tap0", "tap1"} <= set(netns.links(name))
    # The host saw no new interface: everything is inside the namespace.
    host_links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert "br0" not in host_links and "tap0" not in host_links
    assert host_links.count("\n") == host_links_before.count("\n")

    (tmp_path / "hello.txt").write_text("inside the namespace\n")
    server = [sys.executable, "-m", "http.server", "8080", "--bind", address]
    http = _spawn(netns.exec_argv(name, [*server, "--directory", str(tmp_path)]))
    echo = _spawn(netns.exec_argv(name, [sys.executable, "-c", UDP_ECHO, "6230"]))
    tcp_port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        udp_port = probe.getsockname()[1]
    forward = subprocess.Popen(
        [sys.executable, "-m", "ironic_lite.lab.forward", "--netns", name,
         "--tcp", f"127.0.0.1:{tcp_port}={address}:8080",
         "--udp", f"127.0.0.1:{udp_port}=127.0.0.1:6230"],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert forward.stdout.readline().startswith("{")
        # The server listens on the namespace's bridge address only: the host cannot reach
        # it directly, only through the forwarder.
        with pytest.raises(requests.RequestException):
            requests.get(f"http://{address}:8080/hello.txt", timeout=2)
        url = f"http://127.0.0.1:{tcp_port}/hello.txt"
        response = wait_until(lambda: _get(url), 20, what="the forwarded file server")
        assert response.text == "inside the namespace\n"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(1.0)
            deadline = time.monotonic() + 20
            while True:
                client.sendto(b"ping", ("127.0.0.1", udp_port))
                try:
                    assert client.recvfrom(2048)[0] == b"echo:ping"
                    break
                except TimeoutError:
                    assert time.monotonic() < deadline, "no UDP answer through the forwarder"
        # The namespace's processes are ours and listed.
        assert {http.pid, echo.pid} <= set(netns.pids(name))
    finally:
        for proc in (forward, http, echo):
            stop_pid(proc.pid, timeout=5)
            proc.wait(5)
    netns.delete(name)
    assert not netns.exists(name)
    assert name not in subprocess.run(["ip", "netns", "list"], capture_output=True,
                                      text=True).stdout  # fmt: skip


def _get(url):
    try:
        response = requests.get(url, timeout=3)
    except requests.RequestException:
        return None
    return response if response.status_code == 200 else None
