"""Test doubles of the agent's surroundings, all real servers on 127.0.0.1 free ports.

- :class:`FakeIronicAPI`: the three endpoints an agent calls (lookup, heartbeat,
  continue_inspection), recording every request; the real ones are the API's business.
- :class:`ImageServer`: serves bytes over HTTP with Range support, and can break a transfer
  once after N bytes, ignore Range, or trickle slowly.
- :class:`AgentProcess`: ``python -m ironic_lite_agent`` as a subprocess against a simulated
  machine, stopped by its PID.
"""

import http.server
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import flask
import requests
from werkzeug.serving import make_server

TOKEN = "test-agent-token-0123456789"
logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request of the fake API


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class FakeIronicAPI:
    """lookup / heartbeat / continue_inspection, as the agent sees the API."""

    def __init__(
        self,
        macs: list[str],
        heartbeat_timeout: int = 2,
        token: str = TOKEN,
        max_version: str = "1.115",
        lookup_failures: int = 0,
    ):
        self.node_uuid = str(uuid.uuid4())
        self.macs = {m.lower() for m in macs}
        self.token = token
        self.heartbeat_timeout = heartbeat_timeout
        self.max_version = max_version
        self.lookup_failures = lookup_failures
        self.lookups: list[dict] = []
        self.heartbeats: list[dict] = []
        self.inspections: list[dict] = []
        self.node_properties: dict = {}
        app = flask.Flask("fake-ironic")

        @app.get("/")
        def root():
            return {"default_version": {"id": "v1", "version": self.max_version}}

        @app.get("/v1/lookup")
        def lookup():
            self.lookups.append(
                {
                    "args": dict(flask.request.args),
                    "version": flask.request.headers.get("X-OpenStack-Ironic-API-Version"),
                }
            )
            if self.lookup_failures > 0:
                self.lookup_failures -= 1
                return {"error_message": "try later"}, 503
            addresses = {a.lower() for a in flask.request.args.get("addresses", "").split(",")}
            if not addresses & self.macs:
                return {"error_message": "Node not found"}, 404
            return {
                "node": {
                    "uuid": self.node_uuid,
                    "properties": self.node_properties,
                    "instance_info": {},
                    "driver_internal_info": {},
                },
                "config": {
                    "heartbeat_timeout": self.heartbeat_timeout,
                    "agent_token": self.token,
                    "agent_token_required": True,
                },
            }

        @app.post("/v1/heartbeat/<node>")
        def heartbeat(node):
            self.heartbeats.append(
                {
                    "node": node,
                    "body": flask.request.get_json(),
                    "version": flask.request.headers.get("X-OpenStack-Ironic-API-Version"),
                    "time": time.monotonic(),
                }
            )
            return "", 202

        @app.post("/v1/continue_inspection")
        def continue_inspection():
            self.inspections.append(flask.request.get_json())
            return {"uuid": self.node_uuid}, 202

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._thread.join(5)


class _ImageHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - the stdlib's name
        files = self.server.files
        entry = files.get(self.path)
        self.server.requests.append({"path": self.path, "range": self.headers.get("Range")})
        if entry is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = entry["data"]
        start = 0
        rng = self.headers.get("Range")
        if rng and entry["ranges"]:
            start = int(rng.removeprefix("bytes=").split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Accept-Ranges", "bytes" if entry["ranges"] else "none")
        self.end_headers()
        body = data[start:]
        if entry["break_after"] is not None and entry["breaks"] > 0:
            entry["breaks"] -= 1
            self.wfile.write(body[: entry["break_after"]])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        step = 64 * 1024
        for pos in range(0, len(body), step):
            self.wfile.write(body[pos : pos + step])
            if entry["delay"]:
                time.sleep(entry["delay"])


class ImageServer:
    """Serves registered bytes; ``add(path, data, break_after=N, breaks=1, ranges=True,
    delay=seconds per 64 KiB)``."""

    def __init__(self):
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ImageHandler)
        self._server.daemon_threads = True
        self._server.files = {}
        self._server.requests = []
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def requests(self) -> list[dict]:
        return self._server.requests

    def add(
        self,
        path: str,
        data: bytes,
        break_after: int | None = None,
        breaks: int = 1,
        ranges: bool = True,
        delay: float = 0.0,
    ) -> str:
        self._server.files[path] = {
            "data": data,
            "break_after": break_after,
            "breaks": breaks,
            "ranges": ranges,
            "delay": delay,
        }
        return self.url + path

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class AgentProcess:
    """``python -m ironic_lite_agent`` for a simulated machine; its URL comes from its first
    heartbeat."""

    def __init__(self, machine_dir: str, api: FakeIronicAPI, *extra: str):
        self.machine_dir = machine_dir
        self.api = api
        self.log = os.path.join(machine_dir, "agent-process.log")
        self.args = [
            sys.executable,
            "-m",
            "ironic_lite_agent",
            "--api-url",
            api.url,
            "--hardware",
            f"simulated:{machine_dir}",
            "--listen",
            "127.0.0.1:0",
            "--heartbeat-interval",
            "0.5",
            "--lookup-timeout",
            "30",
            "--download-retries",
            "3",
            *extra,
        ]
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None

    def start(self) -> "AgentProcess":
        logf = open(self.log, "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            self.args, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True
        )
        logf.close()
        beat = wait_for(lambda: self.api.heartbeats or self._died(), 30, what="first heartbeat")
        self.url = beat[0]["body"]["callback_url"]
        return self

    def _died(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"agent exited {self.proc.returncode}:\n{self.output()}")
        return None

    def output(self) -> str:
        with open(self.log, errors="replace") as f:
            return f.read()

    def command(
        self,
        name: str,
        params: dict | None = None,
        wait: bool = True,
        token: str | None = TOKEN,
        timeout: float = 60,
    ) -> requests.Response:
        query = {"wait": str(wait).lower()}
        if token is not None:
            query["agent_token"] = token
        return requests.post(
            f"{self.url}/v1/commands/",
            params=query,
            json={"name": name, "params": params or {}},
            timeout=timeout,
        )

    def result(self, command_id: str) -> dict:
        resp = requests.get(
            f"{self.url}/v1/commands/{command_id}", params={"agent_token": TOKEN}, timeout=10
        )
        resp.raise_for_status()
        return resp.json()

    def wait_done(self, command_id: str, timeout: float = 60) -> dict:
        return wait_for(
            lambda: (r := self.result(command_id))["command_status"] != "RUNNING" and r,
            timeout,
            what=f"command {command_id}",
        )

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
