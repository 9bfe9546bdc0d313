"""Run the benchmarks and print one JSON document.

    python -m benchmarks                          # starts ironic-lite itself (all-in-one)
    python -m benchmarks --reference URL          # also measures a running OpenStack Ironic
    python -m benchmarks --url URL                # measures an ironic-lite already running

Compare ironic-lite with Ironic measured in the same run: the machine is shared and noisy,
so ratios mean more than absolute times.
"""

import argparse
import json
import os
import sys
import time
from urllib.parse import urlsplit

from benchmarks import api, procs


def _measure(label: str, url: str, pid: int | None, args, cleanup: bool = True) -> dict:
    print(f"[{time.strftime('%H:%M:%S')}] {label}: {url}", file=sys.stderr, flush=True)
    monitor = procs.PeakRSS(pid) if pid else None
    if monitor:
        monitor.start()
    result = api.run(
        url, args.nodes, args.concurrency, args.page_limit, args.repeats, args.get_requests
    )
    if monitor:
        result["peak_rss_mib"] = monitor.stop()
    print(f"[{time.strftime('%H:%M:%S')}] {label}: done", file=sys.stderr, flush=True)
    return result


def _ratios(lite: dict, ref: dict) -> dict:
    def div(a, b):
        return round(a / b, 2) if a and b else None

    return {
        "enroll_rate_x": div(lite["enroll"]["nodes_per_s"], ref["enroll"]["nodes_per_s"]),
        "list_nodes_speed_x": div(ref["list_nodes"]["median_s"], lite["list_nodes"]["median_s"]),
        "list_detail_speed_x": div(
            ref["list_nodes_detail"]["median_s"], lite["list_nodes_detail"]["median_s"]
        ),
        "get_latency_fraction_sequential": div(
            lite["get_node"]["sequential"]["median_ms"], ref["get_node"]["sequential"]["median_ms"]
        ),
        "get_latency_fraction_concurrent": div(
            lite["get_node"]["concurrent"]["median_ms"], ref["get_node"]["concurrent"]["median_ms"]
        ),
        "peak_rss_fraction": div(lite.get("peak_rss_mib"), ref.get("peak_rss_mib")),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", help="an ironic-lite already running (default: start one)")
    parser.add_argument("--reference", help="URL of a running OpenStack Ironic to compare")
    parser.add_argument("--nodes", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--page-limit", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--get-requests", type=int, default=2000)
    parser.add_argument("--out", help="also write the JSON document to this file")
    args = parser.parse_args()

    report = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "cpus": os.cpu_count(),
        "nodes": args.nodes,
        "concurrency": args.concurrency,
    }
    service = None
    if args.url:
        lite_url = args.url
        lite_pid = procs.listener_pid(urlsplit(lite_url).port or 80)
    else:
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        from tests.lab.server import Service

        service = Service().start()
        lite_url, lite_pid = service.url, service.proc.pid
    try:
        report["ironic_lite"] = _measure("ironic-lite", lite_url, lite_pid, args)
    finally:
        if service is not None:
            service.stop()
    if args.reference:
        ref_pid = procs.listener_pid(urlsplit(args.reference).port or 80)
        report["reference_ironic"] = _measure("reference Ironic", args.reference, ref_pid, args)
        report["ratios"] = _ratios(report["ironic_lite"], report["reference_ironic"])
    text = json.dumps(report, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
