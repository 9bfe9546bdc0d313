"""Run the benchmarks and print one JSON document.

    python -m benchmarks                       # API suite + lifecycle, all-in-one ironic-lite
    python -m benchmarks --reference URL       # the same against a running OpenStack Ironic
    python -m benchmarks --topologies aio,scale-out --lifecycle 100,1000

Suites: ``api`` (enrol N nodes with 8 clients, list them all, single-node GETs, peak RSS) and
``lifecycle`` (M fake-hardware nodes from enrolment to active). Topologies: ``aio`` (the
all-in-one on SQLite) and ``scale-out`` (1 API + 2 conductors over RabbitMQ and PostgreSQL,
which must be running). Compare ironic-lite with Ironic measured in the same run: the
machine is shared and noisy, so ratios mean more than absolute times.
"""

import argparse
import contextlib
import json
import os
import sys
import time
from urllib.parse import urlsplit

from benchmarks import api, lifecycle, procs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _ironic_lite(topology: str):
    """Start ironic-lite in ``topology``; yield its URL and the PIDs to watch."""
    sys.path.insert(0, ROOT)
    if topology == "aio":
        from tests.lab.server import Service

        svc = Service().start()
        try:
            yield svc.url, [svc.proc.pid]
        finally:
            svc.stop()
        return
    from tests.lab import services
    from tests.lab.cluster import Cluster

    url, drop = services.scratch_database("postgresql")
    cluster = Cluster(url, services.RABBIT_URL, conductors=2).start()
    try:
        yield cluster.url, [p.proc.pid for p in [cluster.api, *cluster.conductors]]
    finally:
        cluster.stop()
        drop()


def _suites(url: str, pids: list[int], args, cleanup: bool = True) -> dict:
    """Run the chosen suites; each reports the peak RSS of ``pids`` while it ran."""
    result: dict = {}
    # Lifecycle first, on an empty fleet: the reference keeps the API suite's nodes, whose
    # power sync would otherwise slow its lifecycle down.
    if "lifecycle" in args.suites:
        monitor = procs.PeakRSS(pids)
        monitor.start()
        result["lifecycle"] = {}
        for count in args.lifecycle:
            _log(f"lifecycle of {count} nodes on {url}")
            result["lifecycle"][str(count)] = lifecycle.run(url, count, args.concurrency)
        result["lifecycle_peak_rss_mib"] = monitor.stop()
    if "api" in args.suites:
        monitor = procs.PeakRSS(pids)
        monitor.start()
        _log(f"api suite: {args.nodes} nodes on {url}")
        result["api"] = api.run(
            url,
            args.nodes,
            args.concurrency,
            args.page_limit,
            args.repeats,
            args.get_requests,
            cleanup,
        )
        result["api"]["peak_rss_mib"] = monitor.stop()
    return result


def _ratio(a, b):
    return round(a / b, 2) if a and b else None


def _ratios(lite: dict, ref: dict) -> dict:
    out = {}
    if "api" in lite and "api" in ref:
        la, ra = lite["api"], ref["api"]
        out.update(
            {
                "enroll_rate_x": _ratio(la["enroll"]["nodes_per_s"], ra["enroll"]["nodes_per_s"]),
                "list_nodes_speed_x": _ratio(
                    ra["list_nodes"]["median_s"], la["list_nodes"]["median_s"]
                ),
                "list_detail_speed_x": _ratio(
                    ra["list_nodes_detail"]["median_s"], la["list_nodes_detail"]["median_s"]
                ),
                "get_latency_fraction_sequential": _ratio(
                    la["get_node"]["sequential"]["median_ms"],
                    ra["get_node"]["sequential"]["median_ms"],
                ),
                "get_latency_fraction_concurrent": _ratio(
                    la["get_node"]["concurrent"]["median_ms"],
                    ra["get_node"]["concurrent"]["median_ms"],
                ),
            }
        )
    for count, run in lite.get("lifecycle", {}).items():
        theirs = ref.get("lifecycle", {}).get(count)
        if theirs:
            out[f"lifecycle_{count}_speed_x"] = _ratio(
                theirs["seconds_to_all_active"], run["seconds_to_all_active"]
            )
    if "api" in lite and "api" in ref:
        out["api_peak_rss_fraction"] = _ratio(
            lite["api"].get("peak_rss_mib"), ref["api"].get("peak_rss_mib")
        )
    out["lifecycle_peak_rss_fraction"] = _ratio(
        lite.get("lifecycle_peak_rss_mib"), ref.get("lifecycle_peak_rss_mib")
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--reference", help="URL of a running OpenStack Ironic to compare")
    parser.add_argument(
        "--reference-pid",
        type=int,
        help="root PID of the reference (default: the process on its port)",
    )
    parser.add_argument("--suites", default="api,lifecycle")
    parser.add_argument("--topologies", default="aio", help="aio and/or scale-out")
    parser.add_argument("--nodes", type=int, default=10000)
    parser.add_argument(
        "--lifecycle", default="100,1000", help="node counts for the lifecycle suite"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--page-limit", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--get-requests", type=int, default=2000)
    parser.add_argument("--out", help="also write the JSON document to this file")
    args = parser.parse_args()
    args.suites = {s.strip() for s in args.suites.split(",") if s.strip()}
    args.lifecycle = [int(x) for x in args.lifecycle.split(",") if x.strip()]

    report: dict = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "cpus": os.cpu_count(),
        "nodes": args.nodes,
        "concurrency": args.concurrency,
        "lifecycle_nodes": args.lifecycle,
    }
    for topology in [t.strip() for t in args.topologies.split(",") if t.strip()]:
        with _ironic_lite(topology) as (url, pids):
            _log(f"ironic-lite ({topology}) at {url}")
            report[f"ironic_lite_{topology}"] = _suites(url, pids, args)
    if args.reference:
        pid = args.reference_pid or procs.listener_pid(urlsplit(args.reference).port or 80)
        _log(f"reference Ironic at {args.reference}")
        # Ironic deletes ~15 nodes/s: leave its fleet for the operator to reset instead.
        report["reference_ironic"] = _suites(
            args.reference, [pid] if pid else [], args, cleanup=False
        )
        for key in [k for k in report if k.startswith("ironic_lite_")]:
            report[f"ratios_{key[len('ironic_lite_') :]}"] = _ratios(
                report[key], report["reference_ironic"]
            )
    text = json.dumps(report, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
