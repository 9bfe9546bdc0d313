"""A bounded, seeded fuzzer for what an OpenAPI document cannot express.

schemathesis sends what the schemas describe; this sends what they cannot: microversion,
authorization, content-type and request-id headers of every shape, bodies too large, too
deep or not JSON at all, mutated agent calls (lookup, heartbeat, continue_inspection, with
the real agent token) and path segments with odd characters, over raw HTTP (http.client,
so that paths and bodies reach the server byte for byte).

Every answer must be below 500, and every 4xx the application produced (it carries a request
id) must carry Ironic's error body. A ``random.Random(seed)`` drives every choice, so a run
sends the same requests each time; each campaign is bounded by a count.
"""

import base64
import collections
import contextlib
import dataclasses
import http.client
import json
import random
import re
import urllib.parse
from collections.abc import Iterator

from tests.fuzz.schemathesis_run import error_body_problem

LATEST = {"X-OpenStack-Ironic-API-Version": "latest"}
_PARAM = re.compile(r"\{([^}]+)\}")

# Path segments, already percent-encoded where they must be: traversal, encoded slashes,
# invalid UTF-8, an encoded surrogate, bidi and emoji, numbers too wide, markup, lone escapes.
ODD_SEGMENTS = [
    "%00",
    "..",
    "%2e%2e",
    ".",
    "%2F",
    "a%2Fb",
    "%ff",
    "%c3%28",
    "%ed%a0%80",
    "%e2%80%ae",
    "%f0%9f%98%80",
    "%20",
    "+",
    "'",
    "%22",
    "%3Cscript%3E",
    "~",
    "%25",
    "%",
    "%zz",
    "a;b",
    "a,b",
    "*",
    "@",
    "null",
    "true",
    "0",
    "-1",
    "9" * 30,
    "1" * 5000,
    "x" * 8000,
    "%EF%BC%A1",
    "%D9%A1",
    "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}",
    "3F2504E0-4F89-11D3-9A0C-0305E82C3301",
]
VERSIONS = [
    "",
    " ",
    "latest",
    "LATEST",
    " latest ",
    "1",
    "1.",
    ".1",
    "1.1.1",
    "-1.5",
    "1.-1",
    "1.0",
    "0.1",
    "2.1",
    "1.116",
    "1.999999999",
    "1.9999999999",
    "1." + "1" * 4400,
    "1" * 6000 + ".1",
    "\u0661.\u0661",
    "1.\uff11",
    "1.1e2",
    "0x1.0x2",
    "1,1",
    "1.1 1.2",
    "None",
]
GENERIC_VERSIONS = [
    "baremetal 1.50",
    "baremetal",
    "baremetal ",
    "compute 2.1, baremetal 1.31",
    ", ,",
    "baremetal 1." + "9" * 5000,
    "BAREMETAL latest",
    "baremetal\t1.2",
]
CONTENT_TYPES = [
    None,
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin-1",
    "application/json; charset=utf-16",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/xml",
    "*/*",
    "application/json;;;;",
    "a" * 3000,
]
MAX_BODY = 1024 * 1024
# Text for string fields and filters: what PostgreSQL or UTF-8 cannot store, bidi controls,
# emoji, sizes past any column, quoting and escapes.
ODD_TEXT = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfff",
    "\u202e",
    "\U0001f600",
    "\ufeff",
    "x" * 70000,
    "' OR 1=1 --",
    "%00",
    "\\",
    "\n",
    "",
    " ",
    "\u0661",
]
# Valid bodies, one leaf of which the text campaign replaces (names refer to seeded rows;
# IDLE stands for the UUID of the node fuzz-idle).
IDLE = "<uuid of fuzz-idle>"
BASE_BODIES = [
    ("POST", "/v1/nodes", {"driver": "fake-hardware", "name": "n", "description": "d"}),
    ("POST", "/v1/nodes", {"driver": "fake-hardware", "extra": {"k": "v"}, "owner": "o"}),
    ("POST", "/v1/chassis", {"description": "d", "extra": {"k": "v"}}),
    ("POST", "/v1/ports", {"node_uuid": IDLE, "address": "52:54:00:f0:22:09"}),
    ("POST", "/v1/portgroups", {"node_uuid": IDLE, "name": "pg", "mode": "802.3ad"}),
    ("POST", "/v1/allocations", {"resource_class": "rc", "name": "a", "traits": ["CUSTOM_A"]}),
    ("POST", "/v1/runbooks", {"name": "CUSTOM_R", "steps": [], "description": "d"}),
    (
        "POST",
        "/v1/volume/connectors",
        {"node_uuid": "fuzz-idle", "type": "ip", "connector_id": "x"},
    ),
    ("POST", "/v1/events", {"events": [{"event": "network.bind_port", "status": "s"}]}),
    ("PATCH", "/v1/nodes/fuzz-idle", [{"op": "add", "path": "/extra/k", "value": "v"}]),
    ("PATCH", "/v1/nodes/fuzz-idle", [{"op": "replace", "path": "/description", "value": "v"}]),
    ("PATCH", "/v1/ports/fuzz-port", [{"op": "replace", "path": "/description", "value": "v"}]),
    ("PUT", "/v1/nodes/fuzz-idle/maintenance", {"reason": "r"}),
    ("PUT", "/v1/nodes/fuzz-idle/states/provision", {"target": "manage"}),
    ("PUT", "/v1/nodes/fuzz-idle/management/boot_device", {"boot_device": "pxe"}),
    ("POST", "/v1/nodes/fuzz-idle/vifs", {"id": "vif"}),
    ("PUT", "/v1/nodes/fuzz-idle/traits", {"traits": ["CUSTOM_T"]}),
]


@dataclasses.dataclass
class Finding:
    method: str
    path: str
    status: int
    problem: str
    excerpt: str


@dataclasses.dataclass
class Fuzzer:
    """Sends requests to one service and keeps the tally of what came back."""

    url: str
    seed: int
    sent: int = 0
    statuses: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    findings: list[Finding] = dataclasses.field(default_factory=list)

    def __post_init__(self):
        self.rng = random.Random(self.seed)
        parsed = urllib.parse.urlsplit(self.url)
        self.host, self.port = parsed.hostname, parsed.port
        self._conn: http.client.HTTPConnection | None = None

    # --- transport ---------------------------------------------------------------------------
    def send(
        self,
        method: str,
        path: str,
        headers: dict | None = None,
        body: bytes | None = None,
        fresh: bool = False,
    ) -> tuple[int, dict, bytes] | None:
        """One raw request; None when nothing came back (see below)."""
        headers = dict(headers or {})
        reused = self._conn is not None and not fresh
        if not reused:
            self._connect()
        try:
            return self._exchange(method, path, headers, body)
        except (http.client.InvalidURL, ValueError, UnicodeEncodeError):
            return None  # http.client refuses control characters: nothing was sent
        except (ConnectionError, http.client.HTTPException, TimeoutError):
            if not reused:
                raise
        # A kept-alive connection the server had closed: once more on a new one.
        self._connect()
        return self._exchange(method, path, headers, body)

    def _connect(self) -> None:
        self.close()
        self._conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def _exchange(self, method: str, path: str, headers: dict, body: bytes | None):
        conn = self._conn
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        if body is not None and "Content-Length" not in headers:
            conn.putheader("Content-Length", str(len(body)))
        # The server may answer before reading a body it refuses (too large) and close the
        # connection: its answer is still there to read.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        if resp.getheader("Connection", "").lower() == "close":
            self.close()
        self._record(method, path, resp.status, dict(resp.getheaders()), data)
        return resp.status, dict(resp.getheaders()), data

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _record(self, method: str, path: str, status: int, headers: dict, data: bytes) -> None:
        self.sent += 1
        self.statuses[f"{status // 100}xx"] += 1
        shown = path if len(path) < 200 else path[:200] + "..."
        excerpt = data[:300].decode("utf-8", "replace")
        if status >= 500:
            self.findings.append(Finding(method, shown, status, "server error", excerpt))
        elif 400 <= status < 500 and method != "HEAD" and "X-OpenStack-Request-Id" in headers:
            problem = error_body_problem(status, data.decode("utf-8", "replace"))
            if problem:
                self.findings.append(Finding(method, shown, status, problem, excerpt))

    def json_call(self, method: str, path: str, doc, headers: dict | None = None):
        body = json.dumps(doc).encode()
        merged = {**LATEST, "Content-Type": "application/json", **(headers or {})}
        return self.send(method, path, merged, body)

    # --- campaigns -----------------------------------------------------------------------------
    def versions(self, paths: list[tuple[str, str]], count: int) -> None:
        """Microversion headers of every shape, on any path (negotiation runs before auth)."""
        for _ in range(count):
            method, path = self.rng.choice(paths)
            if self.rng.random() < 0.75:
                value = self.rng.choice(VERSIONS)
                if self.rng.random() < 0.3:
                    value = f"1.{self.rng.randrange(10 ** self.rng.randrange(1, 12))}"
                headers = {"X-OpenStack-Ironic-API-Version": value}
            else:
                headers = {"OpenStack-API-Version": self.rng.choice(GENERIC_VERSIONS)}
            if self.rng.random() < 0.2:
                headers = {**headers, "X-OpenStack-Ironic-API-Version": "1.1"}
            self.send(method, path, headers, b"{}" if method in ("POST", "PUT", "PATCH") else None)

    def auth_headers(self, paths: list[str], user: tuple[str, str], count: int) -> None:
        """Authorization headers against a service with ``http_basic``."""
        good = base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()
        shapes = [
            lambda: "",
            lambda: "Basic",
            lambda: "Basic ",
            lambda: "Basic " + good,
            lambda: "basic " + good,
            lambda: "Bearer " + good,
            lambda: "Basic " + good[:-2],
            lambda: "Basic " + base64.b64encode(self.rng.randbytes(30)).decode(),
            lambda: "Basic " + base64.b64encode(b"nocolon").decode(),
            lambda: "Basic " + base64.b64encode(b":").decode(),
            lambda: "Basic " + base64.b64encode(f"{user[0]}:".encode()).decode(),
            lambda: "Basic " + base64.b64encode(b"\xff\xfe:\x00\x01").decode(),
            lambda: "Basic " + base64.b64encode("\u00e9t\u00e9:p\u00e4ss".encode()).decode(),
            lambda: "Basic " + base64.b64encode(b"u:" + b"p" * 70000).decode(),
            lambda: "Basic !!!not-base64!!!",
            lambda: "Basic " + "A" * 20000,
            lambda: "Digest username=x",
        ]
        for _ in range(count):
            path = self.rng.choice(paths)
            self.send("GET", path, {**LATEST, "Authorization": self.rng.choice(shapes)()})

    def request_ids(self, paths: list[str], count: int) -> None:
        """Request ids and other headers clients send, with any value."""
        values = ["", "req-" + "x" * 10000, "<script>", "\u00e9", "req-; drop table nodes", "%00"]
        for _ in range(count):
            value = self.rng.choice(values)
            name = self.rng.choice(
                ["X-OpenStack-Request-Id", "OpenStack-Request-Id", "X-Forwarded-Host", "Accept"]
            )
            try:
                value.encode("latin-1")
            except UnicodeEncodeError:
                value = value.encode().decode("latin-1")
            self.send("GET", self.rng.choice(paths), {**LATEST, name: value})

    def bodies(self, operations: list[tuple[str, str]], count: int) -> None:
        """Bodies of the wrong size, depth, encoding or type, under any content type."""
        makers = [
            lambda: b"",
            lambda: b"   \n",
            lambda: b"null",
            lambda: b"[]",
            lambda: b'"text"',
            lambda: b"0",
            lambda: b"-0.0",
            lambda: b"true",
            lambda: b"{",
            lambda: b"{}x",
            lambda: b'{"a": 1, "a": 2}',
            lambda: b"[" * 26 + b"]" * 26,
            lambda: b"[" * 25 + b"]" * 25,
            lambda: b"[" * 200000,
            lambda: b'{"a":' * 5000 + b"1" + b"}" * 5000,
            lambda: b'{"x": "' + b"a" * (MAX_BODY + 1) + b'"}',
            lambda: b'{"x": "' + b"a" * (MAX_BODY - 20) + b'"}',
            lambda: self.rng.randbytes(self.rng.randrange(1, 400)),
            lambda: b"\xff\xfe{\x00}\x00",
            lambda: "{}".encode("utf-16"),
            lambda: '{"driver": "fake-hardware"}'.encode("utf-32"),
            lambda: b"\xef\xbb\xbf{}",
            lambda: b'{"driver": "\xc3\x28"}',
            lambda: b'{"driver": "\\ud800"}',
            lambda: b'{"\\u0000": 1}',
            lambda: b'{"extra": {"n": 1' + b"0" * 400 + b"}}",
            lambda: b'{"extra": {"n": 1e309}}',
            lambda: b"a=1&b=2",
            lambda: b"--xyz\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--xyz--\r\n",
            lambda: b"<?xml version='1.0'?><node/>",
        ]
        for _ in range(count):
            method, path = self.rng.choice(operations)
            body = self.rng.choice(makers)()
            headers = dict(LATEST)
            content_type = self.rng.choice(CONTENT_TYPES)
            if content_type is not None:
                headers["Content-Type"] = content_type
            self.send(method, path, headers, body)
        # A declared length far beyond the limit is refused before anything is read.
        method, path = operations[0]
        self.send(method, path, {**LATEST, "Content-Length": str(10**12)}, b"{}", fresh=True)

    def path_segments(self, operations: list[tuple[str, str]], examples: dict, count: int) -> None:
        """Every templated path with odd segments in one of its parameters."""
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "FOO"]
        for _ in range(count):
            method, template = self.rng.choice(operations)
            names = _PARAM.findall(template)
            odd = self.rng.choice(names) if names else None
            path = template
            for name in names:
                if name == odd:
                    value = self.rng.choice(ODD_SEGMENTS)
                else:
                    segments = template.split("/")
                    collection = segments[segments.index("{" + name + "}") - 1]
                    value = self.rng.choice(examples.get(collection) or ["x"])
                path = path.replace("{" + name + "}", value)
            if self.rng.random() < 0.3:
                path += "?" + self.rng.choice(["fields=%00", "limit=-1", "a=%ff", "%zz", "&&", "="])
            if self.rng.random() < 0.15:
                method = self.rng.choice(methods)
            body = b"{}" if method in ("POST", "PUT", "PATCH") else None
            self.send(method, path, {**LATEST, "Content-Type": "application/json"}, body)

    def odd_text(self, queries: list[tuple[str, list[str]]], idle_uuid: str, count: int) -> None:
        """Odd text in a query argument (of those each list declares) or in one string of a
        valid body: what PostgreSQL refuses reaches no query."""
        for _ in range(count):
            text = self.rng.choice(ODD_TEXT)
            if self.rng.random() < 0.5:
                path, names = self.rng.choice(queries)
                value = urllib.parse.quote(text.encode("utf-8", "surrogatepass"), safe="")
                self.send("GET", f"{path}?{self.rng.choice(names)}={value}", LATEST)
                continue
            method, path, body = self.rng.choice(BASE_BODIES)
            body = json.loads(json.dumps(body).replace(IDLE, idle_uuid))
            self.json_call(method, path, self._replace_text(body, text))

    def _replace_text(self, doc, text: str):
        """``doc`` with one string (a value, a key, or a new key's value) set to ``text``."""
        holders = []
        stack = [doc]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                holders.append(item)
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        holder = self.rng.choice(holders)
        keys = [k for k, v in holder.items() if isinstance(v, str)]
        if keys and self.rng.random() < 0.8:
            holder[self.rng.choice(keys)] = text
        else:
            holder[text] = "v"
        return doc

    # --- the agent's endpoints -------------------------------------------------------------
    def agent(self, agent_mac: str, agent_node: str, count: int) -> None:
        """lookup, heartbeat and continue_inspection with mutated arguments and bodies."""
        answer = self.send("GET", f"/v1/lookup?addresses={agent_mac}", LATEST)
        token = None
        if answer and answer[0] == 200:
            token = json.loads(answer[2])["config"]["agent_token"]
        for _ in range(count):
            kind = self.rng.randrange(3)
            version = self.rng.choice(["latest", "1.22", "1.36", "1.62", "1.68", "1.72", "1.84"])
            headers = {"X-OpenStack-Ironic-API-Version": version}
            if kind == 0:
                self.send("GET", "/v1/lookup?" + self._lookup_query(agent_mac, agent_node), headers)
            elif kind == 1:
                doc = self._mutate(
                    {"callback_url": "http://127.0.0.1:9", "agent_token": token or "t"},
                    ["callback_url", "agent_token", "agent_version", "agent_status"],
                )
                self.json_call("POST", f"/v1/heartbeat/{agent_node}", doc, headers)
            else:
                inventory = {
                    "interfaces": [{"name": "eth0", "mac_address": agent_mac}],
                    "bmc_address": "192.0.2.1",
                }
                doc = {"inventory": self._mutate(inventory, list(inventory) + ["bmc_v6address"])}
                if self.rng.random() < 0.3:
                    doc = self._mutate(doc, ["inventory", "boot_interface", "extra"])
                query = self.rng.choice(["", f"?node_uuid={agent_node}", "?node_uuid=x", "?x=1"])
                self.json_call("POST", f"/v1/continue_inspection{query}", doc, headers)

    def _lookup_query(self, mac: str, node: str) -> str:
        choices = [
            f"addresses={mac}",
            f"addresses={mac.upper()},{mac}",
            "addresses=" + ",".join([mac] * 500),
            "addresses=" + "%2C" * 50,
            "addresses=" + self._random_text(),
            f"node_uuid={node}",
            "node_uuid=" + self._random_text(),
            f"addresses={mac}&node_uuid={node}&other=1",
            "",
        ]
        return self.rng.choice(choices)

    def _mutate(self, doc: dict, keys: list[str]) -> dict:
        doc = dict(doc)
        for _ in range(self.rng.randrange(1, 3)):
            key = self.rng.choice(keys)
            if self.rng.random() < 0.2:
                doc.pop(key, None)
            else:
                doc[key] = self._random_value()
        return doc

    def _random_value(self, depth: int = 0):
        kind = self.rng.randrange(9 if depth < 3 else 6)
        if kind == 0:
            return None
        if kind == 1:
            return self.rng.choice([True, False])
        if kind == 2:
            return self.rng.choice([0, -1, 2**31, 2**63 - 1, -(2**63), 1.5, 1e308])
        if kind in (3, 4, 5):
            return self._random_text()
        if kind == 6:
            return [self._random_value(depth + 1) for _ in range(self.rng.randrange(4))]
        return {self._random_text(): self._random_value(depth + 1) for _ in range(3)}

    def _random_text(self) -> str:
        pool = [
            "",
            "http://[::1",
            "http://[fd00::1]:9999",
            "https://example.com:99999",
            "ftp://x",
            "52:54:00:00:00:01",
            "\x00",
            "\u202e",
            "\U0001f600",
            "a" * 5000,
            "start",
            "end",
            "error",
            "../../etc/passwd",
            "%00",
        ]
        return self.rng.choice(pool)


def operations(document: dict) -> Iterator[tuple[str, str, dict]]:
    """(METHOD, path template, operation) of every operation in an OpenAPI document."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation
