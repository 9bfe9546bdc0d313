"""Power-sync benchmark: one conductor checking N Redfish nodes against sushy-tools' emulator.

    python -m benchmarks.power_sync [--nodes 2000] [--interval 20] [--passes 2]

Starts the lab's Redfish emulator with N systems and the all-in-one ironic-lite with its power
sync every ``--interval`` seconds, enrolls N ``redfish`` nodes (8 clients), takes ``--manage``
of them to ``manageable`` (verify talks to each BMC: power, BIOS and firmware reads), then waits
for ``--passes`` full power-sync passes over all N (nodes in ``enroll`` are synced too).
The pass time comes from the conductor's own log line; between passes the service's CPU use
and thread count are sampled from /proc to show it stays light. Prints one JSON document.
"""

import argparse
import json
import os
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from benchmarks.client import Client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PASS = re.compile(r"Power sync checked (\d+) node\(s\) in ([\d.]+) s")
_TICK = os.sysconf("SC_CLK_TCK")


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _threads(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


class _ThreadPeak(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self._halt = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.2):
            self.peak = max(self.peak, _threads(self.pid))

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak


def _passes(log_path: str, count: int) -> list[tuple[float, float]]:
    """(seconds, wall time seen) of every full pass logged so far."""
    with open(log_path, errors="replace") as f:
        found = [(int(m[1]), float(m[2])) for m in _PASS.finditer(f.read())]
    return [(secs, time.monotonic()) for checked, secs in found if checked >= count]


def _wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.5)


def run(nodes: int, interval: int, passes: int, manage: int, concurrency: int = 8) -> dict:
    sys.path.insert(0, ROOT)
    from ironic_lite.lab.redfish import RedfishLab
    from tests.lab.server import Service

    lab = RedfishLab(systems=nodes).start(timeout=120)
    svc = Service(
        extra_conf=f"""
            [conductor]
            sync_power_state_interval = {interval}
            """
    )
    try:
        svc.start()
        pid = svc.proc.pid
        client = Client(svc.url)
        result: dict = {"nodes": nodes, "interval_s": interval}

        def enroll(i: int) -> str:
            body = {"driver": "redfish", "name": f"rf-{i}", "driver_info": lab.driver_info(i)}
            return client.json("POST", "/v1/nodes", body)["uuid"]

        start = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            uuids = list(pool.map(enroll, range(nodes)))
            result["enroll_nodes_per_s"] = round(nodes / (time.perf_counter() - start), 1)
            _log(f"enrolled {nodes} redfish nodes; managing {manage} of them")
            start = time.perf_counter()
            list(
                pool.map(
                    # Verify talks to every BMC: a full worker pool (503) is waited out.
                    lambda u: client.request(
                        "PUT",
                        f"/v1/nodes/{u}/states/provision",
                        {"target": "manage"},
                        max_tries=5000,
                    ),
                    uuids[:manage],
                )
            )

        def managed() -> bool:
            items, _ = client.list_all("/v1/nodes?fields=uuid,provision_state", 1000)
            return len(items) == nodes and not any(
                n["provision_state"] == "verifying" for n in items
            )

        _wait_until(managed, 1800, "every node to leave verifying")
        items, _ = client.list_all("/v1/nodes?fields=uuid,provision_state,last_error", 1000)
        result["manage_nodes_per_s"] = round(manage / (time.perf_counter() - start), 1)
        result["managed"] = sum(1 for n in items if n["provision_state"] == "manageable")

        # Passes that started before every node was enrolled do not count.
        seen_before = len(_passes(svc.log, nodes))
        _log(f"waiting for {passes} full power-sync passes (every {interval} s)")
        threads = _ThreadPeak(pid)
        threads.start()
        timings: list[float] = []
        idle: list[dict] = []
        pass_cpu: list[float] = []  # service CPU seconds per pass (from the 2nd pass on)
        cpu_after_idle = None
        deadline = time.monotonic() + passes * (interval + 1800)
        while len(timings) < passes and time.monotonic() < deadline:
            full = _passes(svc.log, nodes)[seen_before:]
            if len(full) > len(timings):
                timings.append(full[len(timings)][0])
                if cpu_after_idle is not None:
                    pass_cpu.append(round(_cpu_seconds(pid) - cpu_after_idle, 2))
                _log(f"pass {len(timings)}: {timings[-1]} s")
                # The quiet time until the next pass: how much the service costs while idle.
                window = max(1.0, interval - 3.0)
                cpu0, t0 = _cpu_seconds(pid), time.perf_counter()
                peak_threads = _threads(pid)
                end = t0 + window
                while time.perf_counter() < end:
                    time.sleep(0.25)
                    peak_threads = max(peak_threads, _threads(pid))
                cpu_after_idle = _cpu_seconds(pid)
                cpu_share = (cpu_after_idle - cpu0) / (time.perf_counter() - t0)
                idle.append({"cpu_share": round(cpu_share, 3), "threads": peak_threads})
            time.sleep(0.5)
        result["pass_seconds"] = timings
        result["pass_nodes_per_s"] = [round(nodes / t, 1) for t in timings if t]
        result["service_cpu_s_per_pass"] = pass_cpu
        result["peak_threads"] = threads.stop()
        result["between_passes"] = idle
        with open(f"/proc/{pid}/status") as f:
            result["rss_mib"] = next(
                round(int(line.split()[1]) / 1024, 1) for line in f if line.startswith("VmRSS")
            )
        return result
    finally:
        svc.stop()
        lab.stop()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.power_sync", description=__doc__)
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--interval", type=int, default=20, help="seconds between passes")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--manage", type=int, default=100, help="nodes verified before the passes")
    parser.add_argument("--out", help="also write the JSON document to this file")
    args = parser.parse_args()
    result = run(args.nodes, args.interval, args.passes, min(args.manage, args.nodes))
    report = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "cpus": os.cpu_count(),
        "power_sync_redfish": result,
    }
    text = json.dumps(report, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
