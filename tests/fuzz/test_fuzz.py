"""Our own bounded fuzzer (tests/fuzz/fuzzer.py) against the seeded all-in-one, on SQLite
and PostgreSQL: headers, bodies, the agent's endpoints and path segments that the OpenAPI
document cannot describe. Zero 5xx, Ironic's error body on every 4xx the API answers."""

import requests

from tests.fuzz.conftest import BASIC_USER, GROUP, LATEST
from tests.fuzz.fuzzer import Fuzzer, operations

pytestmark = [GROUP]

SEED = 1204
# Requests per campaign: about 3,100 in all, a minute per database on an idle machine.
VERSIONS, BODIES, PATHS, AGENT, IDS, TEXT, AUTH = 500, 700, 800, 400, 100, 600, 300


def _report(capsys, name: str, fuzzer: Fuzzer) -> None:
    with capsys.disabled():
        print(
            f"\nfuzzer on {name}: {fuzzer.sent} requests, status classes "
            f"{dict(sorted(fuzzer.statuses.items()))}, {len(fuzzer.findings)} findings"
        )


def test_fuzzer_finds_no_5xx(seeded, capsys):
    document = requests.get(f"{seeded.url}/v1/openapi.json", headers=LATEST, timeout=30).json()
    ops = [(method, path) for method, path, _ in operations(document)]
    with_body = [
        (method, path)
        for method, path, op in operations(document)
        if "requestBody" in op and "{" not in path
    ]
    with_body += [
        (m, p.replace("{ident}", "fuzz-idle").replace("{node_ident}", "fuzz-idle"))
        for m, p, op in operations(document)
        if "requestBody" in op and p.startswith("/v1/nodes/{ident}/") and p.count("{") == 1
    ]
    concrete = [(m, p) for m, p in ops if "{" not in p]
    queries = [
        (path, [p["name"] for p in op["parameters"] if p.get("in") == "query"])
        for method, path, op in operations(document)
        if method == "GET" and "{" not in path
    ]
    queries = [(path, names) for path, names in queries if names]
    fuzzer = Fuzzer(seeded.url, SEED)
    try:
        fuzzer.versions(concrete, VERSIONS)
        fuzzer.bodies(with_body, BODIES)
        fuzzer.path_segments(ops, seeded.examples, PATHS)
        fuzzer.agent(seeded.agent["mac"], seeded.agent["node"], AGENT)
        fuzzer.request_ids([p for m, p in concrete if m == "GET"], IDS)
        fuzzer.odd_text(queries, seeded.examples["nodes"][1], TEXT)
    finally:
        fuzzer.close()
    _report(capsys, seeded.database, fuzzer)
    assert fuzzer.sent > 3000
    assert not fuzzer.findings, fuzzer.findings[:20]
    logged = seeded.logged_since_start()
    assert "Traceback" not in logged, logged[-5000:]


def test_fuzzer_finds_no_5xx_in_authentication(basic_service, capsys):
    paths = ["/v1/nodes", "/v1/ports/x", "/v1/drivers", "/v1", "/v1/lookup?addresses=x"]
    fuzzer = Fuzzer(basic_service.url, SEED)
    try:
        fuzzer.auth_headers(paths, BASIC_USER, AUTH)
        fuzzer.versions([("GET", p) for p in paths], VERSIONS // 5)
    finally:
        fuzzer.close()
    _report(capsys, "sqlite with http_basic", fuzzer)
    assert fuzzer.statuses["2xx"] and fuzzer.statuses["4xx"]
    assert not fuzzer.findings, fuzzer.findings[:20]
