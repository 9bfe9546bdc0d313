"""A Redfish BMC on loopback: sushy-tools' emulator with the lab's additions, as a subprocess.

    lab = RedfishLab(systems=3).start()
    node = sdk.baremetal.create_node(driver="redfish", driver_info=lab.driver_info(0))
    ...
    lab.configure(power_delay=2)   # power changes land 2 s after they are asked for
    lab.stop()

Each lab has a fresh state directory (the emulator keeps its systems there, so ``restart``
brings the same machines back), its own free port, HTTP Basic credentials and N systems with
a UUID, a name, a power state and NICs with MACs. It runs ``python -m ironic_lite.lab.sushy_lab``
(the emulator plus BIOS, firmware, a RAID controller, hardware facts and a set power delay:
see that module), or with ``extended=False`` the stock emulator, and is stopped by PID.
``tests.lab.redfish.started`` starts one for a test: a lab that cannot start fails the test
in CI and skips it elsewhere.
"""

import dataclasses
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import bcrypt
import requests

from ironic_lite.lab.processes import free_port

_REQUEST_LINE = re.compile(r'"(GET|POST|PATCH|PUT|DELETE) (\S+) HTTP/[\d.]+" (\d{3})')
# werkzeug colours the request line of a non-2xx answer.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclasses.dataclass
class LabSystem:
    uuid: str
    name: str
    power_state: str = "Off"
    macs: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return f"/redfish/v1/Systems/{self.uuid}"

    def record(self) -> dict:
        """The emulator's SUSHY_EMULATOR_FAKE_SYSTEMS entry."""
        return {
            "uuid": self.uuid,
            "name": self.name,
            "power_state": self.power_state,
            "external_notifier": False,
            "nics": [{"mac": mac, "ip": f"192.0.2.{i + 10}"} for i, mac in enumerate(self.macs)],
        }


def make_systems(count: int, prefix: str = "lab") -> list[LabSystem]:
    """``count`` systems, each with two NICs whose MACs are unique to this call."""
    tag = uuid.uuid4().int
    return [
        LabSystem(
            uuid=str(uuid.uuid4()),
            name=f"{prefix}-{i}",
            macs=tuple(
                "52:54:" + ":".join(f"{b:02x}" for b in ((tag + i * 2 + n) % 2**32).to_bytes(4))
                for n in range(2)
            ),
        )
        for i in range(count)
    ]


class RedfishLab:
    """One emulator process serving ``systems``."""

    def __init__(
        self,
        systems: int | list[LabSystem] = 1,
        power_delay: float = 0,
        firmware_delay: float = 0,
        username: str = "admin",
        password: str = "lab-secret",
        extended: bool = True,
        directory: str | None = None,
        storage: bool = True,
    ):
        # extended=False runs the stock emulator: no BIOS, firmware update or storage (a BMC
        # that lacks those features), power changes after a random 1-11 s.
        self.extended = extended
        # storage=False: the extended lab without a RAID controller (Storage answers 404).
        self.storage = storage
        self.systems = make_systems(systems) if isinstance(systems, int) else list(systems)
        self.username, self.password = username, password
        self.power_delay, self.firmware_delay = power_delay, firmware_delay
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = directory or tempfile.mkdtemp(prefix="redfish-lab-")
        os.makedirs(self.dir, exist_ok=True)
        self.log = os.path.join(self.dir, "emulator.log")
        self.proc: subprocess.Popen | None = None

    # --- what nodes are enrolled with --------------------------------------------------------
    def driver_info(self, index: int, **overrides) -> dict:
        info = {
            "redfish_address": self.url,
            "redfish_system_id": self.systems[index].path,
            "redfish_username": self.username,
            "redfish_password": self.password,
        }
        return {**info, **overrides}

    # --- the process -------------------------------------------------------------------------
    def _write_config(self) -> str:
        htpasswd = os.path.join(self.dir, "htpasswd")
        # Cost 4: the emulator checks the password on every request.
        digest = bcrypt.hashpw(self.password.encode(), bcrypt.gensalt(rounds=4)).decode()
        with open(htpasswd, "w") as f:
            f.write(f"{self.username}:{digest}\n")
        settings = {
            "SUSHY_EMULATOR_LISTEN_IP": "127.0.0.1",
            "SUSHY_EMULATOR_LISTEN_PORT": self.port,
            "SUSHY_EMULATOR_FAKE_DRIVER": True,
            "SUSHY_EMULATOR_FAKE_SYSTEMS": [s.record() for s in self.systems],
            "SUSHY_EMULATOR_STATE_DIR": os.path.join(self.dir, "state"),
            "SUSHY_EMULATOR_AUTH_FILE": htpasswd,
            "SUSHY_EMULATOR_VMEDIA_VERIFY_SSL": False,
            "LAB_POWER_DELAY": self.power_delay,
            "LAB_FIRMWARE_DELAY": self.firmware_delay,
            "LAB_STORAGE": self.storage,
        }
        path = os.path.join(self.dir, "emulator.conf")
        with open(path, "w") as f:
            f.writelines(f"{key} = {value!r}\n" for key, value in settings.items())
        return path

    def start(self, timeout: float = 30) -> "RedfishLab":
        config = self._write_config()
        logf = open(self.log, "ab")  # noqa: SIM115 - the child keeps it open
        module = "ironic_lite.lab.sushy_lab" if self.extended else "sushy_tools.emulator.main"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, "--config", config],
            stdout=logf,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sushy-emulator exited early; log:\n{self.read_log()}")
            try:
                if requests.get(self.url + "/redfish/v1/", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"sushy-emulator did not come up; log:\n{self.read_log()}")

    def stop(self, timeout: float = 10) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def restart(self) -> "RedfishLab":
        """Stop and start again on the same port, with the same machines and state."""
        self.stop()
        return self.start()

    def __enter__(self) -> "RedfishLab":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- looking inside ----------------------------------------------------------------------
    def configure(
        self,
        power_delay: float | None = None,
        firmware_delay: float | None = None,
        storage: bool | None = None,
    ):
        """Change the delays of the running emulator, or take its storage away (and back)."""
        values = {
            "LAB_POWER_DELAY": power_delay,
            "LAB_FIRMWARE_DELAY": firmware_delay,
            "LAB_STORAGE": storage,
        }
        self.session().patch(
            self.url + "/lab/config", json={k: v for k, v in values.items() if v is not None}
        ).raise_for_status()

    def set_health(self, index: int, health: str | None) -> None:
        """Make system ``index`` report Status.Health ``health`` (None: back to OK)."""
        self.session().patch(
            self.url + "/lab/config", json={"LAB_HEALTH": {self.systems[index].uuid: health}}
        ).raise_for_status()

    def session(self) -> requests.Session:
        session = requests.Session()
        session.auth = (self.username, self.password)
        return session

    def system(self, index: int) -> dict:
        """The emulator's view of a system (GET of its ComputerSystem)."""
        response = self.session().get(self.url + self.systems[index].path, timeout=5)
        response.raise_for_status()
        return response.json()

    def volumes(self, index: int) -> list[dict]:
        """The volumes of a system's RAID controller as the emulator reports them."""
        session = self.session()
        base = f"{self.url}{self.systems[index].path}/Storage/1/Volumes"
        listed = session.get(base, timeout=5)
        listed.raise_for_status()
        return [
            session.get(self.url + m["@odata.id"], timeout=5).json()
            for m in listed.json()["Members"]
        ]

    def read_log(self) -> str:
        with open(self.log, errors="replace") as f:
            return f.read()[-20000:]

    def requests_seen(self) -> list[tuple[str, str, int]]:
        """Every request the emulator logged so far: (method, path, status)."""
        with open(self.log, errors="replace") as f:
            return [
                (m.group(1), m.group(2), int(m.group(3)))
                for m in (_REQUEST_LINE.search(_ANSI.sub("", line)) for line in f)
                if m is not None
            ]
