"""Running the real ironic-lite service as a subprocess on a free loopback port."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """One ironic-lite process with its own state directory and config file."""

    def __init__(
        self,
        command: str = "ironic_lite.cmd.aio",
        extra_conf: str = "",
        state_dir: str | None = None,
        port: int | None = None,
        env: dict | None = None,
        auth: tuple[str, str] | None = None,
    ):
        self.port = port or free_port()
        self.state_dir = state_dir or tempfile.mkdtemp(prefix="ironic-lite-test-")
        self.url = f"http://127.0.0.1:{self.port}"
        self.conf = os.path.join(self.state_dir, "ironic-lite.conf")
        self.log = os.path.join(self.state_dir, "service.log")
        self.command = command
        self.env = env or {}
        self.auth = auth  # credentials for the readiness check under http_basic
        body = textwrap.dedent(f"""\
            [DEFAULT]
            state_path = {self.state_dir}
            host = test-{self.port}
            [api]
            host_ip = 127.0.0.1
            port = {self.port}
            """)
        with open(self.conf, "w") as f:
            f.write(body + textwrap.dedent(extra_conf))
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "Service":
        logf = open(self.log, "ab")  # noqa: SIM115 - the child keeps it open
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.command, "--config-file", self.conf],
            stdout=logf,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ironic-lite exited early; log:\n{self.read_log()}")
            try:
                if (
                    requests.get(self.url + "/v1/drivers", timeout=2, auth=self.auth)
                    .json()
                    .get("drivers")
                ):
                    return self
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"ironic-lite did not come up; log:\n{self.read_log()}")

    def read_log(self) -> str:
        with open(self.log, errors="replace") as f:
            return f.read()[-20000:]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
