"""A scale-out deployment on one machine: API and conductor processes over RabbitMQ and SQL.

Each process is a real ``python -m ironic_lite.cmd.<command>`` with its own config file; the
cluster shares one database and the machine's RabbitMQ. Processes are stopped by PID.
"""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid

import requests

from tests.lab.server import free_port

H = {"X-OpenStack-Ironic-API-Version": "latest"}


class Proc:
    def __init__(self, name: str, module: str, conf: str, log: str):
        self.name, self.module, self.conf, self.log = name, module, conf, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Proc":
        logf = open(self.log, "ab")  # noqa: SIM115 - the child keeps it open
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module, "--config-file", self.conf],
            stdout=logf,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive:
            os.kill(self.proc.pid, sig)

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        if not self.alive:
            return
        self.signal(signal.SIGTERM)
        if self.wait(30) is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def read_log(self) -> str:
        with open(self.log, errors="replace") as f:
            return f.read()


class Cluster:
    """N conductors and one API on ``db_url`` and the RabbitMQ at ``transport_url``."""

    def __init__(self, db_url: str, transport_url: str, conductors: int = 3, extra_conf: str = ""):
        self.dir = tempfile.mkdtemp(prefix="ironic-lite-cluster-")
        self.tag = uuid.uuid4().hex[:6]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.common = os.path.join(self.dir, "common.conf")
        with open(self.common, "w") as f:
            f.write(
                textwrap.dedent(f"""\
                [DEFAULT]
                transport_url = {transport_url}
                state_path = {self.dir}
                [database]
                connection = {db_url}
                [api]
                host_ip = 127.0.0.1
                port = {self.port}
                """)
                + textwrap.dedent(extra_conf)
            )
        self.conductors = [
            self._proc(f"c{i}-{self.tag}", "ironic_lite.cmd.conductor")
            for i in range(1, conductors + 1)
        ]
        self.api = self._proc(f"api-{self.tag}", "ironic_lite.cmd.api")

    def _proc(self, name: str, module: str) -> Proc:
        conf = os.path.join(self.dir, f"{name}.conf")
        with open(self.common) as base, open(conf, "w") as f:
            f.write(base.read().replace("[DEFAULT]\n", f"[DEFAULT]\nhost = {name}\n", 1))
        return Proc(name, module, conf, os.path.join(self.dir, f"{name}.log"))

    def start(self, timeout: float = 60) -> "Cluster":
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ironic_lite.cmd.dbsync",
                "--config-file",
                self.common,
                "upgrade",
            ],
            check=True,
            capture_output=True,
        )
        for proc in [*self.conductors, self.api]:
            proc.start()
        deadline = time.monotonic() + timeout
        want = {c.name for c in self.conductors}
        while time.monotonic() < deadline:
            try:
                alive = {
                    c["hostname"] for c in self.get("/v1/conductors")["conductors"] if c["alive"]
                }
                if want <= alive:
                    return self
            except (requests.RequestException, ValueError, KeyError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(
            "cluster did not come up:\n"
            + "\n".join(p.read_log()[-3000:] for p in [*self.conductors, self.api])
        )

    def get(self, path: str) -> dict:
        return requests.get(self.url + path, headers=H, timeout=30).json()

    def conductor(self, name: str) -> Proc:
        return next(c for c in self.conductors if c.name == name)

    def stop(self) -> None:
        for proc in [self.api, *self.conductors]:
            proc.stop()

    def logs(self) -> str:
        return "\n".join(f"== {p.name}\n{p.read_log()}" for p in [*self.conductors, self.api])
