"""The conductor's agent client against an agent's HTTP API on loopback: each call is logged
at DEBUG without the token, and a worker that lost its node's lock never reaches the agent."""

import http.server
import json
import logging
import re
import threading

import pytest

from ironic_lite.common import fencing
from ironic_lite.conf import CONF
from ironic_lite.drivers.agent.client import AgentClient

TOKEN = "agent-token-that-must-not-be-logged"


class _Agent(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):
        self.seen.append(self.path)
        body = json.dumps({"started_at": 1.0, "version": "13.0.0"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def agent():
    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])
    _Agent.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Agent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    node = {
        "uuid": "node-1",
        "driver_internal_info": {
            "agent_url": f"http://127.0.0.1:{server.server_address[1]}",
            "agent_secret_token": TOKEN,
        },
    }
    yield AgentClient(node)
    server.shutdown()
    server.server_close()


def test_each_agent_call_is_logged_at_debug_without_the_token(agent, caplog):
    with caplog.at_level(logging.DEBUG, logger="ironic_lite.drivers.agent.client"):
        assert agent.status()["version"] == "13.0.0"
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert len(lines) == 1 and re.fullmatch(
        rf"Agent call node-1 {re.escape(agent.url)} status: ok in \d+\.\d ms", lines[0]
    ), lines
    assert TOKEN not in caplog.text


def test_a_worker_that_lost_the_lock_never_reaches_the_agent(agent):
    def lost(operation):
        raise fencing.LockLost("node-1", operation, None)

    with fencing.fenced_by(lost), pytest.raises(fencing.LockLost) as info:
        agent.status()
    assert _Agent.seen == []
    assert "status at agent" in str(info.value)
    agent.status()
    assert [path.split("?")[0] for path in _Agent.seen] == ["/v1/status"]
