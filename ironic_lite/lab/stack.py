"""The whole lab in one directory: BMC emulators, the machine simulator, a file server and
optionally ironic-lite itself, all started as processes, recorded by PID, stopped by PID.

    stack = LabStack("/tmp/lab", nodes=4, api_url="http://127.0.0.1:6385", with_service=True)
    stack.up()          # start everything, enroll the machines, write state.json
    stack.status()      # what runs, and what each machine is doing
    LabStack.load("/tmp/lab").down()

``ironic-lite-lab`` (``ironic_lite.lab.cli``) is this, from the command line. The directory:

    state.json              what runs (PIDs, ports, URLs), the machines and their nodes
    http/                   served on 127.0.0.1 (placeholders, the lab image; with
                            --with-service also ironic-lite's [deploy] http_root)
    redfish/                the Redfish emulator's state and log
    ipmi.log                the IPMI BMCs' process
    simulator.json, events.jsonl, simulator.log, machines/NAME/   the machine simulator
    service/                ironic-lite's state, config and log (with --with-service)
"""

import json
import os
import shutil
import subprocess
import sys
import time
from importlib import metadata

import requests

from ironic_lite.lab import files
from ironic_lite.lab.ipmi import LabProcess
from ironic_lite.lab.processes import alive, free_port, stop_pid, wait_until
from ironic_lite.lab.redfish import RedfishLab, make_systems

MARKER_FILE = ".ironic-lite-lab"
API_HEADERS = {"X-OpenStack-Ironic-API-Version": "latest"}
# Which process is which: the stop order, and a word its command line must hold before a
# PID from the state file is signalled (the PID may belong to another program by now).
PROCESS_MARKERS = {
    "simulator": "ironic_lite.lab.simulator",
    "redfish": "sushy_lab",
    "ipmi": "ironic_lite.lab.ipmi",
    "http": "http.server",
    "service": "ironic_lite.cmd.aio",
}


class LabError(Exception):
    """The lab cannot do what was asked; the message says why."""


def available_interfaces(kind: str) -> list[str]:
    """Implementations of an interface type this installation ships (entry points)."""
    group = f"ironic_lite.hardware.interfaces.{kind}"
    return sorted(ep.name for ep in metadata.entry_points(group=group))


def ipmi_macs(count: int) -> list[list[str]]:
    """Two NICs' MACs per IPMI machine (an IPMI BMC knows no NICs), as Redfish systems get."""
    return [list(system.macs) for system in make_systems(count, prefix="ipmi")]


class LabStack:
    def __init__(
        self,
        state_dir: str,
        nodes: int = 4,
        redfish: int | None = None,
        api_url: str = "http://127.0.0.1:6385",
        with_service: bool = False,
        disk_size: str = "64M",
        heartbeat_interval: float = 2.0,
        ports: str = "all",
        service_conf: str = "",
        agent: str = "lite",
    ):
        self.state_dir = os.path.abspath(os.path.expanduser(state_dir))
        self.redfish_count = nodes // 2 + nodes % 2 if redfish is None else redfish
        self.ipmi_count = nodes - self.redfish_count
        self.api_url = api_url.rstrip("/")
        self.with_service = with_service
        self.disk_size = disk_size
        self.heartbeat_interval = heartbeat_interval
        # Ports to enroll per machine: "all" its NICs, its "boot" NIC (the first: inspection
        # adds the others; a network boot needs one) or "none".
        self.ports = ports
        self.service_conf = service_conf  # more of ironic-lite's config (--with-service)
        self.agent = agent  # the ramdisk's agent: lite (ironic-lite-agent) or ipa (stock IPA)
        self.state: dict = {"processes": {}}

    # --- the state file -------------------------------------------------------------------
    @property
    def state_file(self) -> str:
        return os.path.join(self.state_dir, "state.json")

    def path(self, *parts: str) -> str:
        return os.path.join(self.state_dir, *parts)

    @classmethod
    def load(cls, state_dir: str) -> "LabStack":
        stack = cls(state_dir)
        try:
            with open(stack.state_file) as f:
                stack.state = json.load(f)
        except FileNotFoundError:
            raise LabError(f"no lab in {stack.state_dir} (no state.json)") from None
        stack.api_url = stack.state.get("api_url", stack.api_url)
        return stack

    def save(self) -> None:
        with open(self.state_file + ".tmp", "w") as f:
            json.dump(self.state, f, indent=1)
        os.replace(self.state_file + ".tmp", self.state_file)

    def _record(self, name: str, pid: int, **details) -> None:
        self.state["processes"][name] = {"pid": pid, "marker": PROCESS_MARKERS[name], **details}
        self.save()

    def running(self) -> dict[str, bool]:
        return {
            name: alive(proc["pid"], proc["marker"])
            for name, proc in self.state.get("processes", {}).items()
        }

    # --- up ------------------------------------------------------------------------------------
    def up(self, enroll: bool = True) -> dict:
        """Start everything (stopping what was started if a step fails); the state."""
        if os.path.exists(self.state_file):
            previous = LabStack.load(self.state_dir)
            if any(previous.running().values()):
                raise LabError(f"a lab runs in {self.state_dir}: run `ironic-lite-lab down` first")
            previous.down()  # what a stopped lab left behind: old machines, emulator state
        os.makedirs(self.state_dir, exist_ok=True)
        open(self.path(MARKER_FILE), "w").close()
        self.state = {"processes": {}, "api_url": self.api_url, "started_at": time.time()}
        self.save()
        try:
            self._start_http()
            if self.with_service:
                self._start_service()
            self._start_redfish()
            self._start_ipmi()
            self._start_simulator()
            if enroll:
                self.enroll()
        except Exception:
            self.down(remove=False)
            raise
        return self.state

    def _start_http(self) -> None:
        root = self.path("http")
        placeholders = files.write_placeholders(root)
        image = files.make_image(root)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with open(self.path("http.log"), "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                cwd=root,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._record("http", proc.pid, url=url, root=root)
        wait_until(lambda: _answers(f"{url}/{placeholders['iso']}"), 20, what="the file server")
        self.state["files"] = {role: f"{url}/{name}" for role, name in placeholders.items()}
        self.state["image"] = {**image, "url": f"{url}/{image['name']}"}
        self.save()

    def _start_service(self) -> None:
        port = int(self.api_url.rsplit(":", 1)[-1])
        if _answers(self.api_url + "/"):
            raise LabError(f"something already answers at {self.api_url}; drop --with-service")
        directory = self.path("service")
        os.makedirs(directory, exist_ok=True)
        http = self.state["processes"]["http"]
        enabled = {kind: available_interfaces(kind) for kind in ("deploy", "inspect")}
        conf = os.path.join(directory, "ironic-lite.conf")
        with open(conf, "w") as f:
            f.write(
                "[DEFAULT]\n"
                f"state_path = {directory}\n"
                "host = lab\n"
                f"log_file = {os.path.join(directory, 'ironic-lite.log')}\n"
                f"enabled_deploy_interfaces = {','.join(enabled['deploy'])}\n"
                f"enabled_inspect_interfaces = {','.join(enabled['inspect'])}\n"
                "[api]\nhost_ip = 127.0.0.1\n"
                f"port = {port}\n"
                f"[deploy]\nhttp_root = {http['root']}\nhttp_url = {http['url']}\n"
                f"[pxe]\ntftp_root = {self.path('tftpboot')}\n"
                f"[conductor]\ndeploy_kernel = {self.state['files']['kernel']}\n"
                f"deploy_ramdisk = {self.state['files']['ramdisk']}\n" + self.service_conf
            )
        with open(os.path.join(directory, "console.log"), "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "ironic_lite.cmd.aio", "--config-file", conf],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._record("service", proc.pid, url=self.api_url, config=conf)
        wait_until(
            lambda: _answers(self.api_url + "/v1/drivers") or _exited(proc, "ironic-lite"),
            90,
            what="ironic-lite",
        )

    def _start_redfish(self) -> None:
        if not self.redfish_count:
            return
        lab = RedfishLab(self.redfish_count, power_delay=0, directory=self.path("redfish"))
        try:
            lab.start()
        except RuntimeError as exc:
            raise LabError(str(exc)) from exc
        self._record(
            "redfish",
            lab.proc.pid,
            url=lab.url,
            username=lab.username,
            password=lab.password,
        )
        self.state["redfish"] = {
            "url": lab.url,
            "username": lab.username,
            "password": lab.password,
            "systems": [
                {"uuid": s.uuid, "name": s.name, "path": s.path, "macs": list(s.macs)}
                for s in lab.systems
            ],
        }
        self.save()

    def _start_ipmi(self) -> None:
        if not self.ipmi_count:
            return
        lab = LabProcess(self.ipmi_count, output=self.path("ipmi.log"))
        try:
            lab.start()
        except (OSError, RuntimeError, ValueError) as exc:
            raise LabError(f"the IPMI lab did not start: {exc}") from exc
        self._record("ipmi", lab.proc.pid, control=lab.control)
        macs = ipmi_macs(self.ipmi_count)
        self.state["ipmi"] = {
            "control": lab.control,
            "bmcs": [{**bmc, "macs": m} for bmc, m in zip(lab.bmcs, macs, strict=True)],
        }
        self.save()

    def machines(self) -> list[dict]:
        """Every machine: name, kind, bmc_id, macs, and what a node needs to reach it."""
        result = []
        for i, system in enumerate(self.state.get("redfish", {}).get("systems", [])):
            result.append(
                {"name": f"lab-redfish-{i}", "kind": "redfish", "bmc_id": system["uuid"]}
                | {"macs": system["macs"]}
            )
        for i, bmc in enumerate(self.state.get("ipmi", {}).get("bmcs", [])):
            result.append(
                {
                    "name": f"lab-ipmi-{i}",
                    "kind": "ipmi",
                    "bmc_id": bmc["name"],
                    "macs": bmc["macs"],
                }
            )
        return result

    def _start_simulator(self) -> None:
        config = {
            "api_url": self.api_url,
            "state_dir": self.state_dir,
            "machines": self.machines(),
            "disk_size": self.disk_size,
            "heartbeat_interval": self.heartbeat_interval,
            "agent": self.agent,
        }
        if "redfish" in self.state:
            config["redfish"] = {
                k: self.state["redfish"][k] for k in ("url", "username", "password")
            }
        if "ipmi" in self.state:
            config["ipmi"] = {"control": self.state["ipmi"]["control"]}
        if self.with_service:
            config["ipxe_url"] = self.state["processes"]["http"]["url"]
            config["tftp_root"] = self.path("tftpboot")
        path = self.path("simulator-config.json")
        with open(path, "w") as f:
            json.dump(config, f, indent=1)
        with open(self.path("simulator.log"), "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "ironic_lite.lab.simulator", "--config", path],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._record("simulator", proc.pid, config=path)
        wait_until(
            lambda: os.path.exists(self.path("simulator.json")) or _exited(proc, "the simulator"),
            60,
            what="the machine simulator",
        )

    # --- enrolling -----------------------------------------------------------------------------
    def enroll(self) -> dict[str, str]:
        """Create a node (and its ports) per machine through the API; name -> node UUID."""
        if not _answers(self.api_url + "/v1/drivers"):
            raise LabError(
                f"ironic-lite does not answer at {self.api_url}: start it (`ironic-lite`) and "
                "run `ironic-lite-lab enroll`, or use `ironic-lite-lab up --with-service`"
            )
        session = requests.Session()
        session.headers.update(API_HEADERS)
        nodes = {}
        for machine in self.machines():
            body = self.node_body(machine, session)
            response = session.post(self.api_url + "/v1/nodes", json=body, timeout=30)
            if response.status_code >= 400:
                raise LabError(f"creating node {body['name']} failed: {response.text}")
            node = response.json()["uuid"]
            nodes[machine["name"]] = node
            macs = {"all": machine["macs"], "boot": machine["macs"][:1]}.get(self.ports, [])
            for mac in macs:
                response = session.post(
                    self.api_url + "/v1/ports", json={"address": mac, "node_uuid": node}, timeout=30
                )
                if response.status_code >= 400:
                    raise LabError(f"creating the port {mac} failed: {response.text}")
        self.state["nodes"] = nodes
        self.save()
        return nodes

    def node_body(self, machine: dict, session: requests.Session | None = None) -> dict:
        """The POST /v1/nodes body of a machine: its BMC, the lab's ramdisk placeholders, and
        the deploy ('direct') and inspect ('agent' for IPMI) interfaces when offered."""
        session = session or requests.Session()
        driver = machine["kind"]
        offered = self._driver_interfaces(driver, session)
        body = {
            "name": machine["name"],
            "driver": driver,
            "properties": {"cpu_arch": "x86_64"},
            "driver_info": {
                "deploy_kernel": self.state["files"]["kernel"],
                "deploy_ramdisk": self.state["files"]["ramdisk"],
            },
        }
        if driver == "redfish":
            redfish = self.state["redfish"]
            system = next(s for s in redfish["systems"] if s["uuid"] == machine["bmc_id"])
            body["driver_info"].update(
                redfish_address=redfish["url"],
                redfish_system_id=system["path"],
                redfish_username=redfish["username"],
                redfish_password=redfish["password"],
                deploy_iso=self.state["files"]["iso"],
            )
            body["boot_interface"] = "redfish-virtual-media"
        else:
            bmc = next(b for b in self.state["ipmi"]["bmcs"] if b["name"] == machine["bmc_id"])
            body["driver_info"].update(
                ipmi_address=bmc["address"],
                ipmi_port=bmc["port"],
                ipmi_username=bmc["username"],
                ipmi_password=bmc["password"],
            )
            body["boot_interface"] = "ipxe"
            if "agent" in offered.get("inspect", ()):
                body["inspect_interface"] = "agent"
        if "direct" in offered.get("deploy", ()):
            body["deploy_interface"] = "direct"
        return body

    def _driver_interfaces(self, driver: str, session: requests.Session) -> dict[str, list]:
        try:
            response = session.get(f"{self.api_url}/v1/drivers/{driver}", timeout=10)
            doc = response.json() if response.status_code == 200 else {}
        except (requests.RequestException, ValueError):
            doc = {}
        return {kind: doc.get(f"enabled_{kind}_interfaces") or [] for kind in ("deploy", "inspect")}

    # --- down and status -------------------------------------------------------------------------
    def agent_pids(self) -> list[int]:
        try:
            with open(self.path("simulator.json")) as f:
                machines = json.load(f)["machines"]
        except (OSError, ValueError, KeyError):
            return []
        return [m["agent_pid"] for m in machines.values() if m.get("agent_pid")]

    def down(self, remove: bool = True) -> list[str]:
        """Stop every process of the lab by PID (the simulator first: it stops its agents);
        then remove the state directory unless ``remove`` is false. What was stopped."""
        stopped = []
        processes = self.state.get("processes", {})
        agents = self.agent_pids()
        for name in PROCESS_MARKERS:
            proc = processes.get(name)
            if proc and stop_pid(proc["pid"], proc["marker"], timeout=30):
                stopped.append(name)
            if name == "simulator":
                # Agents the simulator could not stop (it was killed): by PID too.
                for pid in agents:
                    if stop_pid(pid, "agent"):
                        stopped.append(f"agent {pid}")
        if remove and os.path.exists(self.path(MARKER_FILE)):
            shutil.rmtree(self.state_dir, ignore_errors=True)
        return stopped

    def status(self) -> dict:
        try:
            with open(self.path("simulator.json")) as f:
                machines = json.load(f)["machines"]
        except (OSError, ValueError, KeyError):
            machines = {}
        return {
            "state_dir": self.state_dir,
            "api_url": self.api_url,
            "processes": {
                name: {"pid": proc["pid"], "running": self.running()[name]}
                | {k: v for k, v in proc.items() if k in ("url", "control")}
                for name, proc in self.state.get("processes", {}).items()
            },
            "machines": machines,
            "nodes": self.state.get("nodes", {}),
        }


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2, headers=API_HEADERS).status_code < 500
    except requests.RequestException:
        return False


def _exited(proc: subprocess.Popen, what: str) -> bool:
    if proc.poll() is not None:
        raise LabError(f"{what} exited with {proc.returncode}; see its log in the lab directory")
    return False
