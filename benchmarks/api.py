"""API benchmarks: enrolment, full listings and single-node GETs against any Ironic-v1 URL."""

import json
import random
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from benchmarks.client import Client


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def node_body(tag: str, i: int) -> dict:
    return {
        "driver": "fake-hardware",
        "name": f"bench-{tag}-{i}",
        "resource_class": "bench",
        "properties": {"cpus": 8, "memory_mb": 16384, "local_gb": 100, "cpu_arch": "x86_64"},
        "driver_info": {"fake_password": "secret"},
        "extra": {"bench": tag},
    }


def enroll(client: Client, count: int, concurrency: int) -> tuple[list[str], dict]:
    """POST ``count`` nodes from ``concurrency`` threads; nodes/s and latency."""
    tag = uuid.uuid4().hex[:6]
    latencies: list[float] = []
    uuids: list[str] = []

    def one(i: int) -> None:
        _status, payload, elapsed = client.request("POST", "/v1/nodes", node_body(tag, i))
        latencies.append(elapsed)
        uuids.append(json.loads(payload)["uuid"])

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(count)))
    wall = time.perf_counter() - start
    return uuids, {
        "nodes": count,
        "seconds": round(wall, 3),
        "nodes_per_s": round(count / wall, 1),
        "post_median_ms": _ms(statistics.median(latencies)),
        "post_p99_ms": _ms(_pct(latencies, 99)),
    }


def full_listing(client: Client, path: str, limit: int, repeats: int) -> dict:
    runs, count, pages = [], 0, 0
    for _ in range(repeats):
        start = time.perf_counter()
        items, pages = client.list_all(path, limit)
        runs.append(time.perf_counter() - start)
        count = len(items)
    return {
        "items": count,
        "pages": pages,
        "runs_s": [round(r, 3) for r in runs],
        "median_s": round(statistics.median(runs), 3),
    }


def single_gets(client: Client, uuids: list[str], requests: int, concurrency: int) -> dict:
    """GET random nodes: latency with one client (pure service time) and under load."""
    picks = [random.choice(uuids) for _ in range(requests)]
    result = {}
    for label, threads in (("sequential", 1), ("concurrent", concurrency)):
        latencies: list[float] = []

        def one(node_uuid: str, lat=latencies) -> None:
            lat.append(client.request("GET", f"/v1/nodes/{node_uuid}")[2])

        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, picks))
        wall = time.perf_counter() - start
        result[label] = {
            "clients": threads,
            "requests": requests,
            "median_ms": _ms(statistics.median(latencies)),
            "p99_ms": _ms(_pct(latencies, 99)),
            "req_per_s": round(requests / wall, 1),
        }
    return result


def run(
    url: str,
    nodes: int,
    concurrency: int,
    page_limit: int,
    repeats: int,
    get_requests: int,
    cleanup: bool = True,
) -> dict:
    client = Client(url)
    uuids, enrolled = enroll(client, nodes, concurrency)
    result = {
        "enroll": enrolled,
        "list_nodes": full_listing(client, "/v1/nodes", page_limit, repeats),
        "list_nodes_detail": full_listing(client, "/v1/nodes/detail", page_limit, repeats),
        "get_node": single_gets(client, uuids, get_requests, concurrency),
    }
    if cleanup:
        start = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda u: client.request("DELETE", f"/v1/nodes/{u}"), uuids))
        result["delete_nodes_per_s"] = round(nodes / (time.perf_counter() - start), 1)
    result["client_retries"] = client.retries
    return result
