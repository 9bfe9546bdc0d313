"""Lifecycle benchmark: M fake-hardware nodes from enrolment to active, as fast as possible.

Each node walks manage -> provide -> active; requests are issued as soon as a node reaches
the previous state (8 client threads, 409/503 retried as the real clients do) and states
are polled with one paged listing. The figure is the wall time from the first request until
every node is active.
"""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from benchmarks.client import Client

STEPS = (("manage", "manageable"), ("provide", "available"), ("active", "active"))
FAILED = {"deploy failed", "clean failed", "error", "enroll"}


def _states(client: Client, rc: str) -> dict[str, str]:
    items, _ = client.list_all(f"/v1/nodes?resource_class={rc}&fields=uuid,provision_state", 1000)
    return {n["uuid"]: n["provision_state"] for n in items}


def run(url: str, count: int, concurrency: int = 8, timeout: float = 1800) -> dict:
    client = Client(url)
    rc = f"lc-{uuid.uuid4().hex[:8]}"
    body = {
        "driver": "fake-hardware",
        "resource_class": rc,
        "properties": {"cpus": 8, "memory_mb": 16384, "local_gb": 100},
    }
    with ThreadPoolExecutor(concurrency) as pool:
        uuids = list(
            pool.map(lambda _: client.json("POST", "/v1/nodes", body)["uuid"], range(count))
        )
    step = dict.fromkeys(uuids, 0)
    milestones: dict[str, float] = {}
    failed: dict[str, str] = {}
    pool = ThreadPoolExecutor(concurrency)

    def issue(node_uuid: str, target: str) -> None:
        client.request("PUT", f"/v1/nodes/{node_uuid}/states/provision", {"target": target})

    start = time.perf_counter()
    for node_uuid in uuids:
        pool.submit(issue, node_uuid, STEPS[0][0])
    polls = 0
    while len(failed) + sum(1 for s in step.values() if s == len(STEPS)) < count:
        if time.perf_counter() - start > timeout:
            break
        time.sleep(0.3)
        polls += 1
        for node_uuid, state in _states(client, rc).items():
            index = step[node_uuid]
            if index == len(STEPS) or node_uuid in failed:
                continue
            if state == STEPS[index][1]:
                step[node_uuid] = index + 1
                if all(s > index for s in step.values()):
                    milestones.setdefault(STEPS[index][1], time.perf_counter() - start)
                if index + 1 < len(STEPS):
                    pool.submit(issue, node_uuid, STEPS[index + 1][0])
            elif state in FAILED and index > 0:
                failed[node_uuid] = state
    wall = time.perf_counter() - start
    pool.shutdown(wait=True)
    done = sum(1 for s in step.values() if s == len(STEPS))
    with ThreadPoolExecutor(concurrency) as cleanup:
        list(
            cleanup.map(
                lambda u: client.request(
                    "PUT", f"/v1/nodes/{u}/maintenance", {"reason": "benchmark cleanup"}
                ),
                uuids,
            )
        )
        list(cleanup.map(lambda u: client.request("DELETE", f"/v1/nodes/{u}"), uuids))
    return {
        "nodes": count,
        "active": done,
        "failed": len(failed),
        "seconds_to_all_active": round(wall, 2),
        "nodes_per_s_to_active": round(done / wall, 1),
        "milestones_s": {k: round(v, 2) for k, v in milestones.items()},
        "polls": polls,
        "client_retries": client.retries,
    }
