"""Deploy benchmark: M simulated machines deployed in parallel, through the lab.

    python -m benchmarks.deploy --machines 50 [--redfish 25] [--clean] [--out FILE]

``ironic_lite.lab.stack`` starts ironic-lite (all-in-one, SQLite), the Redfish emulator and
the IPMI BMCs (half the machines each unless --redfish says), the machine simulator and a file
server; every node is enrolled with its ports and the ``direct`` deploy, managed and provided
(automated cleaning off unless --clean, so that the figure is the deploy), given the lab's
qcow2 image and deployed, all at once. The agents really download, verify and write the image
to their disk files; each disk is then checked byte for byte. Printed (JSON): wall time of
each phase from the first request until every node got there, each node's deploy time
(p50/p95/max from the request to ``active``), failures with their last_error, disks checked,
and the peak RSS of ironic-lite and of every process together (ironic-lite, the emulators,
the simulator and its agents). On 2 shared cores, 50 machines (25 Redfish, 25 IPMI, a 4 MiB
qcow2 image) deployed in 32 s, each within 25 s (p50) to 32 s (max):
benchmarks/results/deploy-2026-12-01.json.
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time

import requests

from benchmarks.procs import PeakRSS
from ironic_lite.lab.processes import free_port
from ironic_lite.lab.stack import API_HEADERS, LabStack

FAILED = {"deploy failed", "clean failed", "inspect failed", "error", "enroll"}


def _log(message: str) -> None:
    print(f"[deploy] {message}", file=sys.stderr, flush=True)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2) if ordered else 0.0


def _phase(session, api: str, nodes: dict, target: str, expected: str, timeout: float, body=None):
    """Move every node; seconds until all got there, per-node seconds, failures."""
    start = time.monotonic()
    for uuid in nodes.values():
        response = session.put(
            f"{api}/v1/nodes/{uuid}/states/provision",
            json={"target": target, **(body or {})},
            timeout=60,
        )
        response.raise_for_status()
    done: dict[str, float] = {}
    failed: dict[str, str] = {}
    while len(done) + len(failed) < len(nodes) and time.monotonic() - start < timeout:
        time.sleep(0.5)
        listing = session.get(
            f"{api}/v1/nodes",
            params={"fields": "name,provision_state,last_error", "limit": 1000},
            timeout=60,
        ).json()["nodes"]
        for node in listing:
            name = node["name"]
            if name not in nodes or name in done or name in failed:
                continue
            if node["provision_state"] == expected:
                done[name] = time.monotonic() - start
            elif node["provision_state"] in FAILED:
                failed[name] = f"{node['provision_state']}: {node['last_error']}"
    for name in set(nodes) - set(done) - set(failed):
        failed[name] = f"not {expected} after {timeout} s"
    return round(time.monotonic() - start, 2), done, failed


def run(machines: int, redfish: int | None, clean: bool, timeout: float) -> dict:
    state_dir = tempfile.mkdtemp(prefix="deploy-bench-")
    conf = "" if clean else "[conductor]\nautomated_clean = false\n"
    stack = LabStack(
        state_dir,
        nodes=machines,
        redfish=redfish,
        api_url=f"http://127.0.0.1:{free_port()}",
        with_service=True,
        disk_size="16M",
        heartbeat_interval=2,
        service_conf=conf,
    )
    _log(f"starting the lab in {state_dir}")
    stack.up(enroll=True)
    pids = [p["pid"] for p in stack.state["processes"].values()]
    service_rss = PeakRSS([stack.state["processes"]["service"]["pid"]])
    lab_rss = PeakRSS(pids, interval=1.0)
    service_rss.start()
    lab_rss.start()
    session = requests.Session()
    session.headers.update(API_HEADERS)
    api, nodes = stack.api_url, stack.state["nodes"]
    image = stack.state["image"]
    result: dict = {
        "machines": machines,
        "redfish": stack.redfish_count,
        "ipmi": stack.ipmi_count,
        "image": {k: image[k] for k in ("disk_format", "size")},
        "automated_clean": clean,
    }
    try:
        for target, expected in (("manage", "manageable"), ("provide", "available")):
            _log(f"{target} {len(nodes)} nodes")
            seconds, _, failed = _phase(session, api, nodes, target, expected, timeout)
            result[f"{target}_s"] = seconds
            if failed:
                result["failed"] = failed
                return result
        info = {
            "image_source": image["url"],
            "image_disk_format": image["disk_format"],
            "image_os_hash_algo": "sha256",
            "image_os_hash_value": image["sha256"],
        }
        for uuid in nodes.values():
            session.patch(
                f"{api}/v1/nodes/{uuid}",
                json=[
                    {"op": "add", "path": f"/instance_info/{k}", "value": v}
                    for k, v in info.items()
                ],
                timeout=60,
            ).raise_for_status()
        _log(f"deploy {len(nodes)} nodes")
        seconds, done, failed = _phase(session, api, nodes, "active", "active", timeout)
        result["deploy_s"] = seconds
        result["deploy_per_node_s"] = {
            "p50": _pct(list(done.values()), 0.5),
            "p95": _pct(list(done.values()), 0.95),
            "max": _pct(list(done.values()), 1.0),
        }
        result["failed"] = failed
        verified = 0
        for name in done:
            disk = stack.path("machines", name, "disks", "sda.img")
            with open(disk, "rb") as f:
                verified += (
                    hashlib.sha256(f.read(image["size"])).hexdigest() == (image["raw_sha256"])
                )
        result["disks_verified"] = verified
        return result
    finally:
        result["peak_rss_mb"] = {
            "ironic_lite": round(service_rss.stop(), 1),
            "lab_processes": round(lab_rss.stop(), 1),
        }
        stack.down()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.deploy", description=__doc__)
    parser.add_argument("--machines", type=int, default=50)
    parser.add_argument("--redfish", type=int, help="how many are Redfish (default: half)")
    parser.add_argument("--clean", action="store_true", help="keep automated cleaning on")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per phase")
    parser.add_argument("--out", help="also write the JSON document to this file")
    args = parser.parse_args()
    result = run(args.machines, args.redfish, args.clean, args.timeout)
    report = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "cpus": os.cpu_count(),
        "deploy": result,
    }
    text = json.dumps(report, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0 if not result.get("failed") else 1


if __name__ == "__main__":
    sys.exit(main())
