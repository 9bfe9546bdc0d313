"""The agent as one object: its hardware, its token, its commands, its API and its heartbeat.

``Agent.run`` is the life of the agent process, top to bottom: serve the agent API, inspect
when asked, look the node up, heart-beat until told to stop (a signal, or an in-band power off
or reboot, which runs after its answer has gone out), then stop.
"""

import dataclasses
import logging
import os
import socket
import threading
import time
import urllib.parse

from ironic_lite_agent import errors, images
from ironic_lite_agent.client import IronicClient
from ironic_lite_agent.commands import Dispatcher
from ironic_lite_agent.extensions import build as build_extensions
from ironic_lite_agent.hardware.base import Backend
from ironic_lite_agent.heartbeat import Heartbeater
from ironic_lite_agent.retry import RetryPolicy
from ironic_lite_agent.server import Server, create_app
from ironic_lite_agent.steps import Steps

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class AgentConfig:
    """Everything the CLI can set (see ``ironic-lite-agent --help``)."""

    api_url: str
    listen_host: str = "0.0.0.0"
    listen_port: int = 9999
    advertise_url: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    token_file: str | None = None
    node_uuid: str | None = None
    inspect: bool = False
    inspection_url: str | None = None
    request_id: str | None = None
    allow_md5: bool = False
    insecure: bool = False
    ca_file: str | None = None
    heartbeat_interval: float | None = None
    lookup_timeout: float = 300.0
    api_retry: RetryPolicy = RetryPolicy(attempts=5, initial=0.5, maximum=5.0, deadline=60.0)
    download_retry: RetryPolicy = RetryPolicy(attempts=4, initial=0.5, maximum=5.0, deadline=600.0)
    exit_grace: float = 2.0

    @property
    def verify(self) -> bool | str:
        return False if self.insecure else (self.ca_file or True)


class Agent:
    def __init__(self, config: AgentConfig, backend: Backend):
        self.config = config
        self.backend = backend
        self.started_at = time.time()
        self.token: str | None = _read_token(config.token_file)
        self.node: dict | None = None
        self.lookup_config: dict = {}
        # What the last write_image laid out: get_partition_uuids answers from it (as IPA
        # does), because a real disk's table does not say which Linux partition is the root.
        self.partition_uuids: dict | None = None
        self.steps = Steps(self)
        self.dispatcher = Dispatcher(build_extensions(self), on_finish=self._command_finished)
        self.client = IronicClient(
            config.api_url,
            policy=config.api_retry,
            verify=config.verify,
            request_id=config.request_id,
        )
        self.server: Server | None = None
        self.heartbeater: Heartbeater | None = None
        self.callback_url: str | None = None
        self.response_sent = threading.Event()
        self._stop = threading.Event()
        self._exit_action = None
        self.exit_reason: str | None = None

    @property
    def node_uuid(self) -> str | None:
        return (self.node or {}).get("uuid") or self.config.node_uuid

    # --- life of the process ------------------------------------------------------------
    def run(self) -> int:
        """Serve, look up, heart-beat until stopped; the process exit code."""
        self.serve()
        try:
            if self.config.inspect:
                try:
                    self.inspect()
                except errors.AgentError as exc:
                    LOG.error("inspection failed: %s", exc)
            try:
                self.lookup()
            except errors.AgentError as exc:
                LOG.error("giving up: %s", exc)
                return 1
            self.heartbeater = Heartbeater(
                self._beat,
                float(self.lookup_config.get("heartbeat_timeout") or 300),
                interval=self.config.heartbeat_interval,
            ).start()
            while not self._stop.wait(1.0):
                pass
        finally:
            self.shutdown()
        return 0

    def serve(self) -> None:
        app = create_app(self)
        self.server = Server(
            app,
            self.config.listen_host,
            self.config.listen_port,
            self.config.cert_file,
            self.config.key_file,
        ).start()
        self.callback_url = self.config.advertise_url or self._guess_url()
        LOG.info(
            "agent API on %s:%d, advertised as %s",
            self.server.host,
            self.server.port,
            self.callback_url,
        )

    def lookup(self) -> dict:
        macs = self.backend.macs()
        if not macs:
            raise errors.LookupFailed(url=self.config.api_url, err="this machine has no MACs")
        policy = dataclasses.replace(
            self.config.api_retry, attempts=10**6, deadline=self.config.lookup_timeout, maximum=10.0
        )
        client = IronicClient(
            self.config.api_url,
            policy=policy,
            verify=self.config.verify,
            request_id=self.config.request_id,
        )
        data = client.lookup(macs, self.config.node_uuid)
        self.client.version = client.version
        self._take_node(data)
        LOG.info(
            "looked up node %s (token %s)", self.node_uuid, "received" if self.token else "missing"
        )
        return data

    def _take_node(self, data: dict) -> None:
        self.node = data.get("node") or self.node
        self.lookup_config = data.get("config") or self.lookup_config
        token = self.lookup_config.get("agent_token")
        if token and token != "******":
            self.token = token
        elif not self.token:
            LOG.error(
                "the API handed out no agent token (already given to another agent?) and "
                "no --token-file was set: commands will be refused"
            )

    def _beat(self, status: str | None) -> None:
        self.client.heartbeat(self.node_uuid, self.callback_url, self.token, status)

    def stop(self, reason: str = "stopped") -> None:
        self.exit_reason = reason
        self._stop.set()

    def shutdown(self) -> None:
        if self.heartbeater:
            self.heartbeater.stop()
        action, self._exit_action = self._exit_action, None
        if action is not None:
            LOG.info("running %s", self.exit_reason)
            action()
        if self.server:
            self.server.stop()

    # --- hooks for commands -------------------------------------------------------------
    def request_exit(self, action, reason: str) -> None:
        """Run ``action`` and end the process once the current command has answered."""
        self.response_sent.clear()
        self._exit_action = action
        self.exit_reason = reason

    def _command_finished(self, result) -> None:
        if self._exit_action is not None:
            threading.Thread(target=self._exit_after_answer, daemon=True).start()
        elif self.heartbeater:
            self.heartbeater.now()

    def _exit_after_answer(self) -> None:
        self.response_sent.wait(self.config.exit_grace)
        time.sleep(0.2)  # let the last bytes of the answer leave
        self._stop.set()

    def write_image(self, image_info: dict, configdrive: str | None) -> dict:
        if not isinstance(image_info, dict):
            raise errors.InvalidCommandParams(
                name="write_image", err="image_info must be an object"
            )
        info = dict(image_info)
        if not info.get("root_device") and self.root_device_hints():
            info["root_device"] = self.root_device_hints()
        options = images.DownloadOptions(
            retry=self.config.download_retry,
            verify=self.config.verify,
            allow_md5=self.config.allow_md5
            or bool(self.lookup_config.get("agent_md5_checksum_enable")),
        )
        result = images.write_image(self.backend, info, configdrive, options)
        self.partition_uuids = {
            key: result.get(key) for key in ("root uuid", "efi system partition uuid", "partitions")
        }
        return result

    def root_device_hints(self) -> dict | None:
        return ((self.node or {}).get("properties") or {}).get("root_device")

    def inspect(self) -> dict:
        """POST the inventory to continue_inspection; an answer carrying a node and config is
        taken as a lookup."""
        inventory = self.backend.inventory()
        disks = [d for d in self.backend.disks() if d.size >= self.backend.min_root_disk_size]
        root = min(disks, key=lambda d: d.size).inventory() if disks else None
        data = {
            "inventory": inventory,
            "root_disk": root,
            "boot_interface": inventory.get("boot", {}).get("pxe_interface"),
            "configuration": {
                "collectors": ["default"],
                "managers": [
                    {"name": self.backend.manager_name, "version": self.backend.manager_version}
                ],
            },
        }
        answer = self.client.continue_inspection(data, self.config.inspection_url)
        if isinstance(answer, dict) and isinstance(answer.get("node"), dict):
            self._take_node(answer)
        return answer

    # --- helpers ------------------------------------------------------------------------
    def _guess_url(self) -> str:
        scheme = "https" if self.server.tls else "http"
        host = self.server.host
        if host in ("0.0.0.0", "::", ""):
            host = _route_address(self.config.api_url)
        if ":" in host:
            host = f"[{host}]"
        return f"{scheme}://{host}:{self.server.port}"


def _route_address(api_url: str) -> str:
    """The local address the kernel would use to reach the API (a UDP connect sends nothing)."""
    parsed = urllib.parse.urlparse(api_url)
    family = socket.AF_INET6 if ":" in (parsed.hostname or "") else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        try:
            s.connect((parsed.hostname or "127.0.0.1", parsed.port or 80))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def _read_token(path: str | None) -> str | None:
    if path and os.path.exists(path):
        with open(path) as f:
            return f.read().strip() or None
    return None
