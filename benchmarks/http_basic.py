"""http_basic timing: does a refusal tell which users exist?

    python -m benchmarks.http_basic [--attempts 40] [--cost 12]

Starts the all-in-one ironic-lite with ``auth_strategy = http_basic`` and an htpasswd file
of bcrypt hashes of ``--cost`` (htpasswd -B uses 5; 12 is bcrypt's default), then times
``--attempts`` refused requests of each kind, interleaved: a known user with a wrong
password, and a user the file does not have. Each attempt uses a new password, so none is
answered from the cache of verified pairs. Prints one JSON document with the median and 90th
percentile of each kind and their ratio; a ratio near 1 means the time tells nothing.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import bcrypt
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _ms(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1] * 1000, 2),
    }


def run(attempts: int, cost: int) -> dict:
    sys.path.insert(0, ROOT)
    from tests.lab.server import Service

    state = tempfile.mkdtemp(prefix="bench-http-basic-")
    htpasswd = os.path.join(state, "htpasswd")
    with open(htpasswd, "w") as f:
        for user in ("admin", "operator", "nova"):
            hashed = bcrypt.hashpw(user.encode(), bcrypt.gensalt(rounds=cost)).decode()
            f.write(f"{user}:{hashed}\n")
    svc = Service(
        state_dir=state,
        extra_conf=f"""
        [DEFAULT]
        auth_strategy = http_basic
        http_basic_auth_user_file = {htpasswd}
        """,
        auth=("admin", "admin"),
    )
    svc.start(timeout=120)
    times: dict[str, list[float]] = {"known_user_wrong_password": [], "unknown_user": []}
    try:
        session = requests.Session()
        url = svc.url + "/v1/nodes"
        headers = {"X-OpenStack-Ironic-API-Version": "latest"}
        session.get(url, headers=headers, auth=("admin", "warm-up"), timeout=60)
        for i in range(attempts):
            for kind, user in (("known_user_wrong_password", "admin"), ("unknown_user", "ghost")):
                start = time.perf_counter()
                resp = session.get(url, headers=headers, auth=(user, f"wrong-{i}"), timeout=60)
                times[kind].append(time.perf_counter() - start)
                assert resp.status_code == 401, resp.text
    finally:
        svc.stop()
    known, unknown = (_ms(times[k]) for k in ("known_user_wrong_password", "unknown_user"))
    return {
        "benchmark": "http_basic",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "bcrypt_cost": cost,
        "attempts_each": attempts,
        "known_user_wrong_password": known,
        "unknown_user": unknown,
        "median_ratio_unknown_to_known": round(unknown["median_ms"] / known["median_ms"], 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=40)
    parser.add_argument("--cost", type=int, default=12)
    args = parser.parse_args()
    print(json.dumps(run(args.attempts, args.cost), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
