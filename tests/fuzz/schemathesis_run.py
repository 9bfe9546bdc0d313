"""Running schemathesis in-process against a running service, from our OpenAPI document.

Stateless phases only (examples, coverage, fuzzing), a fixed seed and a bounded number of
examples per operation, so a run is repeatable and its duration known. Two checks: no 5xx
(schemathesis' own) and, for every 4xx, Ironic's error body (ours, below). Every response is
tallied, so the test can say how many requests were sent and what came back.
"""

import collections
import dataclasses
import json
import threading

import schemathesis
from schemathesis.engine import events

# Versions the generated requests ask for: the latest (most code runs there) and a few that
# change what is accepted; the document lists all 115, which would multiply the coverage
# phase by 116 for little gain (the fuzzer of tests/fuzz/test_fuzz.py walks them all).
VERSIONS = ["latest", "1.1", "1.31", "1.58", "1.90"]


@dataclasses.dataclass
class Tally:
    """What the service answered during one run."""

    requests: int = 0
    statuses: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    # (method, path, status, body excerpt) of each 5xx and each 4xx without Ironic's body
    server_errors: list = dataclasses.field(default_factory=list)
    bad_error_bodies: list = dataclasses.field(default_factory=list)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


_current = Tally()


def error_body_problem(status: int, text: str) -> str | None:
    """Why ``text`` is not Ironic's error body for ``status``, or None when it is."""
    try:
        outer = json.loads(text)
    except ValueError:
        return "not JSON"
    if not isinstance(outer, dict) or list(outer) != ["error_message"]:
        return "not {'error_message': ...}"
    try:
        inner = json.loads(outer["error_message"])
    except (TypeError, ValueError):
        return "error_message is not a JSON document"
    if set(inner) == {"faultcode", "faultstring", "debuginfo"}:
        expected = "Client" if status < 500 else "Server"
        if inner["faultcode"] != expected or not isinstance(inner["faultstring"], str):
            return f"faultcode {inner['faultcode']!r} for {status}"
        return None
    if set(inner) == {"code", "title", "description"} and inner["code"] == status:
        return None  # Ironic's routing and version errors (404, 405, 406)
    return f"unexpected error document {sorted(inner)}"


@schemathesis.check
def ironic_error_body(ctx, response, case) -> None:
    """Every answer is tallied; a 4xx must carry Ironic's error body."""
    status = response.status_code
    where = (case.method, case.formatted_path, status)
    with _current.lock:
        _current.requests += 1
        _current.statuses[f"{status // 100}xx"] += 1
        if status >= 500:
            _current.server_errors.append((*where, response.text[:300]))
    if 400 <= status < 500:
        problem = error_body_problem(status, response.text)
        if problem:
            with _current.lock:
                _current.bad_error_bodies.append((*where, problem, response.text[:300]))
            raise AssertionError(f"{status} without Ironic's error body: {problem}")


def prepare(document: dict, examples: dict[str, list[str]]) -> dict:
    """A copy of ``document`` for the run: fewer versions to walk, and examples for path
    parameters so that generated paths reach real rows. ``examples`` maps the collection a
    parameter names an item of (the path segment before it: ``nodes``, ``ports``, ``traits``
    ...) to identifiers of seeded resources."""
    doc = json.loads(json.dumps(document))
    doc["components"]["parameters"]["Version"]["schema"] = {"type": "string", "enum": VERSIONS}
    for path, item in doc["paths"].items():
        segments = path.split("/")
        for operation in item.values():
            for param in operation.get("parameters", []):
                if param.get("in") != "path":
                    continue
                collection = segments[segments.index("{" + param["name"] + "}") - 1]
                values = examples.get(collection)
                if values:
                    param["examples"] = {f"seeded{i}": {"value": v} for i, v in enumerate(values)}
    return doc


def run(
    url: str,
    document: dict,
    *,
    seed: int,
    max_examples: int,
    examples: dict[str, list[str]] | None = None,
    workers: int = 2,
) -> Tally:
    """Run the stateless phases against ``url``; returns the tally of every response."""
    global _current
    _current = Tally()
    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "base-url": url,
            "workers": workers,
            "continue-on-failure": True,
            "request-timeout": 30,
            "cache": {"enabled": False},
            "generation": {"database": "none", "max-examples": max_examples},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
            "checks": {
                "enabled": False,
                "not_a_server_error": {"enabled": True},
                "ironic_error_body": {"enabled": True},
            },
            "warnings": False,
        }
    )
    schema = schemathesis.openapi.from_dict(prepare(document, examples or {}), config=config)
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.FatalError):
            raise RuntimeError(f"schemathesis failed: {event.exception!r}")
    return _current
