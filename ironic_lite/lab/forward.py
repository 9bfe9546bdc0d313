"""Loopback forwarders from the host into the VM lab's network namespace.

    python -m ironic_lite.lab.forward --netns NS \\
        --tcp 127.0.0.1:6385=192.0.2.1:6385 --udp 127.0.0.1:6230=127.0.0.1:6230 ...

The service, the BMC emulators and dnsmasq run inside the namespace, next to the VMs; tests
and the operator's CLI run on the host. This process opens its listening sockets on the host's
loopback first, then moves itself into the namespace (``setns``): every connecting socket it
opens afterwards lives there, so a host client reaches a namespace address without any
interface, route or address being added on the host. TCP connections are spliced both ways;
UDP datagrams (IPMI) get one upstream socket per client address, replies go back to it.

It prints one JSON line, ``{"tcp": {"127.0.0.1:PORT": "ADDR:PORT"}, "udp": {...}}`` (the ports
it bound: a listen port 0 picks one), then serves until SIGTERM.
"""

import argparse
import contextlib
import json
import logging
import signal
import socket
import sys
import threading
import time

from ironic_lite.lab import netns

LOG = logging.getLogger("ironic_lite.lab.forward")
UDP_IDLE = 300.0


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock, how in ((sink, socket.SHUT_WR), (source, socket.SHUT_RD)):
            with contextlib.suppress(OSError):
                sock.shutdown(how)


def _serve_tcp(listener: socket.socket, target: tuple[str, int]) -> None:
    while True:
        client, _ = listener.accept()
        try:
            upstream = socket.create_connection(target, timeout=10)
            upstream.settimeout(None)
        except OSError as exc:
            LOG.warning("cannot reach %s:%d in the namespace: %s", *target, exc)
            client.close()
            continue

        def splice(a=client, b=upstream):
            forward = threading.Thread(target=_pump, args=(a, b), daemon=True)
            forward.start()
            _pump(b, a)
            forward.join()
            a.close()
            b.close()

        threading.Thread(target=splice, daemon=True).start()


def _serve_udp(listener: socket.socket, target: tuple[str, int]) -> None:
    upstreams: dict[tuple, tuple[socket.socket, list[float]]] = {}
    lock = threading.Lock()

    def replies(client, upstream, seen):
        while True:
            try:
                data = upstream.recv(65536)
            except TimeoutError:
                if time.monotonic() - seen[0] > UDP_IDLE:
                    break
                continue
            except OSError:
                break
            listener.sendto(data, client)
        with lock:
            upstreams.pop(client, None)
        upstream.close()

    while True:
        data, client = listener.recvfrom(65536)
        with lock:
            entry = upstreams.get(client)
            if entry is None:
                upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                upstream.settimeout(5.0)
                upstream.connect(target)
                entry = upstreams[client] = (upstream, [time.monotonic()])
                threading.Thread(
                    target=replies, args=(client, upstream, entry[1]), daemon=True
                ).start()
        entry[1][0] = time.monotonic()
        try:
            entry[0].send(data)
        except OSError as exc:
            LOG.warning("UDP to %s:%d failed: %s", *target, exc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ironic_lite.lab.forward")
    parser.add_argument("--netns", required=True, help="the namespace to forward into")
    parser.add_argument("--tcp", action="append", default=[], help="LISTEN=TARGET (host:port)")
    parser.add_argument("--udp", action="append", default=[], help="LISTEN=TARGET (host:port)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    # Listening sockets first, on the host's loopback...
    listeners = []
    for kind, specs in (("tcp", args.tcp), ("udp", args.udp)):
        for spec in specs:
            listen, _, target = spec.partition("=")
            sock_type = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
            sock = socket.socket(socket.AF_INET, sock_type)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(_address(listen))
            if kind == "tcp":
                sock.listen(64)
            listeners.append((kind, sock, _address(target)))
    # ... then into the namespace: sockets opened from here on (by any thread) live there.
    netns.enter(args.netns)
    bound: dict[str, dict[str, str]] = {"tcp": {}, "udp": {}}
    for kind, sock, target in listeners:
        host, port = sock.getsockname()
        bound[kind][f"{host}:{port}"] = f"{target[0]}:{target[1]}"
        serve = _serve_tcp if kind == "tcp" else _serve_udp
        threading.Thread(target=serve, args=(sock, target), daemon=True).start()
    print(json.dumps(bound), flush=True)
    halt = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: halt.set())
    halt.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
