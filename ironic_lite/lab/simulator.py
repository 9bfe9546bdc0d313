"""The machine simulator: what happens behind an emulated BMC when the machine boots.

    python -m ironic_lite.lab.simulator --config machines.json

A BMC emulator only keeps a power state and a boot device. The simulator watches them and
plays the machine: when a machine powers on (or restarts) and boots from the network (PXE)
or from an inserted virtual CD, it runs the deploy ramdisk, that is ``ironic-lite-agent``
(or, per machine, the stock ironic-python-agent in its sandbox: ``ironic_lite.lab.ipa``)
with a simulated hardware root of its own (``ironic_lite_agent.hardware.simulated``: the
NICs carry the machine's MACs, the disk is a file), pointed at the ironic-lite API; when the
machine powers off or restarts, that agent is stopped by its PID. A boot from disk is only
recorded, with the image the disk holds. And the other way round: an agent that exits after
an in-band ``standby.power_off`` or ``reboot`` has the simulator power the machine off (or reset it)
through its BMC, so the BMC shows what the machine did. An agent that exits after
``standby.kexec`` leaves the machine on and booted from its disk: the BMC is not touched,
as a kexec never passes through the firmware.

How it watches, and why it polls: the lab's Redfish emulator (``ironic_lite.lab.sushy_lab``)
counts each boot and records the boot device it used, and lists every system in one request
(``GET /lab/systems``); the IPMI lab lists its BMCs and their boots in one request of its
control API (``GET /bmcs``). Comparing boot counts between two polls misses no reboot, even
one that went off and on between them, and a simulator that restarts reads the whole truth
again. sushy-tools' ``external_notifier`` was the other option; it PUTs a record whose power
change is still pending (the emulator applies it on the next read), sends from inside the
emulator's request, and loses what happens while the simulator is down.

The configuration (JSON)::

    {"api_url": "http://127.0.0.1:6385", "state_dir": "/path",
     "redfish": {"url", "username", "password"},          # optional
     "ipmi": {"control": "http://127.0.0.1:PORT"},         # optional
     "machines": [{"name", "kind": "redfish|ipmi", "bmc_id": system UUID or BMC name,
                   "macs": [...], "agent"?: "lite|ipa"}, ...],
     "agent": "lite|ipa",                                  # default for every machine
     "disk_size": "64M", "heartbeat_interval": 2, "lookup_timeout": 300,
     "poll_interval": 0.3, "ipxe_url": "[deploy] http_url", "tftp_root": "[pxe] tftp_root"}

Machines live under ``state_dir/machines/NAME`` (created once, so disks survive reboots);
``state_dir/simulator.json`` shows each machine (power, what it booted, the agent's PID and
URL) and ``state_dir/events.jsonl`` has a line per thing that happened.
"""

import argparse
import contextlib
import dataclasses
import http.server
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time

import requests

LOG = logging.getLogger("ironic_lite.lab.simulator")
_AGENT_URL = re.compile(r"agent API on ([\w.:\[\]-]+):(\d+)")
_IPA_PARAM = re.compile(r"\b(ipa-[\w-]+|BOOTIF)=(\S+)")
AGENTS = ("lite", "ipa")
# Boot devices as the BMCs name them -> what the machine does with them.
_REDFISH_DEVICES = {"Pxe": "pxe", "UefiHttp": "pxe", "Cd": "cd", "Hdd": "disk", "None": "disk"}
_IPMI_DEVICES = {"pxe": "pxe", "cdrom": "cd", "remote-cdrom": "cd", "disk": "disk"}


@dataclasses.dataclass(frozen=True)
class Boot:
    """What a BMC says about one machine: power, and its latest boot."""

    power_on: bool
    boot_count: int
    device: str  # pxe, cd, disk, or another name the BMC used
    media: bool = False  # a virtual CD was inserted when it booted from cd


@dataclasses.dataclass
class Machine:
    name: str
    kind: str
    bmc_id: str
    macs: list[str]
    directory: str
    agent_kind: str = "lite"  # lite: ironic-lite-agent; ipa: stock ironic-python-agent
    seen_boots: int | None = None  # the BMC's boot count handled last
    power: str = "unknown"
    status: str = "unknown"  # off, ramdisk, disk, no-boot-media, agent-exited
    agent: subprocess.Popen | None = None
    cut_agent: subprocess.Popen | None = None  # killed by a power hook, not yet seen by a poll
    agent_url: str | None = None
    agent_log: str | None = None
    boots: int = 0
    agents_started: int = 0
    disk_image: str | None = None

    def view(self) -> dict:
        return {
            "kind": self.kind,
            "agent_kind": self.agent_kind,
            "bmc_id": self.bmc_id,
            "macs": self.macs,
            "directory": self.directory,
            "power": self.power,
            "status": self.status,
            "boots": self.boots,
            "agents_started": self.agents_started,
            "agent_pid": self.agent.pid if self.agent is not None else None,
            "agent_url": self.agent_url,
            "agent_log": self.agent_log,
            "disk_image": self.disk_image,
        }


# --- the BMCs, as the machine sees them ---------------------------------------------------------
class RedfishBmcs:
    """The lab's Redfish emulator: read every system in one GET, press power with Reset."""

    kind = "redfish"

    def __init__(self, url: str, username: str, password: str):
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = (username, password)

    def read(self) -> dict[str, Boot]:
        response = self.session.get(self.url + "/lab/systems", timeout=10)
        response.raise_for_status()
        boots = {}
        for system in response.json()["systems"]:
            last = system.get("last_boot") or {}
            device = last.get("device", system.get("boot_device", "Hdd"))
            boots[system["uuid"]] = Boot(
                power_on=system["power_state"] == "On",
                boot_count=system.get("boot_count", 0),
                device=_REDFISH_DEVICES.get(device, device),
                media=bool((last.get("media") or {}).get("inserted")),
            )
        return boots

    def _reset(self, bmc_id: str, reset_type: str) -> None:
        response = self.session.post(
            f"{self.url}/redfish/v1/Systems/{bmc_id}/Actions/ComputerSystem.Reset",
            json={"ResetType": reset_type},
            timeout=10,
        )
        response.raise_for_status()

    def power_off(self, bmc_id: str) -> None:
        self._reset(bmc_id, "ForceOff")

    def set_hook(self, url: str | None, bmc_ids: list[str]) -> None:
        self.session.patch(
            self.url + "/lab/config", json={"LAB_POWER_HOOK": url}, timeout=10
        ).raise_for_status()

    def reboot(self, bmc_id: str) -> None:
        self._reset(bmc_id, "ForceRestart")


class IpmiBmcs:
    """The IPMI lab's control API: every BMC in one GET; power and reset by POST."""

    kind = "ipmi"

    def __init__(self, control: str):
        self.control = control.rstrip("/")
        self.session = requests.Session()

    def read(self) -> dict[str, Boot]:
        response = self.session.get(self.control + "/bmcs", timeout=10)
        response.raise_for_status()
        boots = {}
        for bmc in response.json():
            history = bmc.get("boots") or []
            device = (history[-1].get("device") if history else None) or "disk"
            boots[bmc["name"]] = Boot(
                power_on=bmc["power"] == "on",
                boot_count=len(history),
                device=_IPMI_DEVICES.get(device, device),
                media=False,
            )
        return boots

    def power_off(self, bmc_id: str) -> None:
        self.session.post(
            f"{self.control}/bmcs/{bmc_id}/power", json={"on": False}, timeout=10
        ).raise_for_status()

    def reboot(self, bmc_id: str) -> None:
        self.session.post(f"{self.control}/bmcs/{bmc_id}/reset", json={}, timeout=10)

    def set_hook(self, url: str | None, bmc_ids: list[str]) -> None:
        for bmc_id in bmc_ids:
            self.session.post(
                f"{self.control}/bmcs/{bmc_id}/hook", json={"url": url}, timeout=10
            ).raise_for_status()


# --- the simulator ---------------------------------------------------------------------------
class Simulator:
    """Watches the BMCs of ``config["machines"]`` and runs their ramdisk agents."""

    def __init__(self, config: dict):
        self.config = config
        self.api_url = config["api_url"]
        self.state_dir = config["state_dir"]
        self.poll_interval = float(config.get("poll_interval", 0.3))
        self.bmcs = {}
        if config.get("redfish"):
            r = config["redfish"]
            self.bmcs["redfish"] = RedfishBmcs(r["url"], r["username"], r["password"])
        if config.get("ipmi"):
            self.bmcs["ipmi"] = IpmiBmcs(config["ipmi"]["control"])
        os.makedirs(os.path.join(self.state_dir, "machines"), exist_ok=True)
        self.machines = {spec["name"]: self._machine(spec) for spec in config.get("machines", [])}
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._events_lock = threading.Lock()
        self._last_view: str | None = None
        self._hook_server: http.server.ThreadingHTTPServer | None = None

    def _machine(self, spec: dict) -> Machine:
        from ironic_lite_agent.hardware.simulated import make_machine

        directory = os.path.join(self.state_dir, "machines", spec["name"])
        if not os.path.exists(os.path.join(directory, "hardware.json")):
            make_machine(
                directory,
                disks=int(self.config.get("disks", 1)),
                disk_size=self.config.get("disk_size", "64M"),
                macs=spec["macs"],
                system_serial=spec["name"],
            )
        agent_kind = spec.get("agent") or self.config.get("agent") or "lite"
        if agent_kind not in AGENTS:
            raise ValueError(f"machine {spec['name']}: agent must be one of {AGENTS}")
        return Machine(
            spec["name"], spec["kind"], spec["bmc_id"], spec["macs"], directory, agent_kind
        )

    # --- running -------------------------------------------------------------------------
    def run(self) -> None:
        """Poll until ``stop``; then stop every agent."""
        self._serve_power_hook()
        try:
            while not self._halt.is_set():
                started = time.monotonic()
                self.poll_once()
                self._halt.wait(max(0.0, self.poll_interval - (time.monotonic() - started)))
        finally:
            self._stop_power_hook()
            self.stop_agents()
            self.write_state()

    # --- the power hook ------------------------------------------------------------------
    def _serve_power_hook(self) -> None:
        """Have the BMCs tell us, before they answer, when a machine goes off or boots.

        Polling alone left a window: a conductor that powered a machine off (or rebooted it)
        could get a heart-beat, even a new lookup, from the agent of the boot before, in the
        up to ``poll_interval`` seconds until the simulator noticed. The hook kills that agent
        (SIGKILL: the power went) before the BMC's answer goes out; everything else (starting
        agents, statuses) stays with the poll.
        """
        simulator = self

        class Hook(http.server.BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002 - the base class's name
                pass

            def do_POST(self):  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                    simulator.power_event(
                        body["kind"], body["bmc_id"], body["event"], body.get("boot_count")
                    )
                    status = 204
                except (ValueError, KeyError):
                    status = 400
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="power-hook", daemon=True).start()
        self._hook_server = server
        url = f"http://127.0.0.1:{server.server_address[1]}/power"
        for kind, bmcs in self.bmcs.items():
            ids = [m.bmc_id for m in self.machines.values() if m.kind == kind]
            try:
                bmcs.set_hook(url, ids)
            except requests.RequestException as exc:
                LOG.warning("the %s BMCs cannot call the power hook (%s): polling only", kind, exc)

    def _stop_power_hook(self) -> None:
        if self._hook_server is None:
            return
        for kind, bmcs in self.bmcs.items():
            ids = [m.bmc_id for m in self.machines.values() if m.kind == kind]
            with contextlib.suppress(requests.RequestException):
                bmcs.set_hook(None, ids)
        self._hook_server.shutdown()
        self._hook_server.server_close()

    def power_event(self, kind: str, bmc_id: str, event: str, boot_count: int | None) -> None:
        """A BMC says the machine went off or (re)booted: its agent dies now. Takes no lock:
        the poll may be waiting, lock held, for this very BMC to answer.

        ``boot_count`` (the BMC's count after the event) keeps a late hook call from killing
        the agent of a later boot: a boot the poll has handled already, or the power off of
        a boot before the agent's, is old news.
        """
        machine = next(
            (m for m in self.machines.values() if m.kind == kind and m.bmc_id == bmc_id), None
        )
        proc = machine.agent if machine is not None else None
        if proc is None or proc.poll() is not None:
            return
        seen = machine.seen_boots
        if boot_count is not None and seen is not None:
            newest = seen + 1 if event == "boot" else seen  # what would be news
            if boot_count < newest:
                return
        machine.cut_agent = proc
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        self.event(machine, "agent_killed", pid=proc.pid, why=f"power hook: {event}")

    def start(self) -> "Simulator":
        """Run in a thread of this process (tests). The state file exists when this returns."""
        self.write_state()
        self._thread = threading.Thread(target=self.run, name="machine-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._halt.set()
        if self._thread is not None:
            self._thread.join(30)

    def __enter__(self) -> "Simulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- one pass ------------------------------------------------------------------------
    def poll_once(self) -> None:
        """Read every BMC once and make each machine match what its BMC says."""
        boots: dict[str, dict[str, Boot]] = {}
        for kind, bmcs in self.bmcs.items():
            try:
                boots[kind] = bmcs.read()
            except (requests.RequestException, ValueError, KeyError) as exc:
                LOG.warning("cannot read the %s BMCs: %s", kind, exc)
        with self._lock:
            for machine in self.machines.values():
                self._agent_exit(machine)
                boot = boots.get(machine.kind, {}).get(machine.bmc_id)
                if boot is not None:
                    self._follow(machine, boot)
                if machine.agent is not None and machine.agent_url is None:
                    machine.agent_url = self._agent_url(machine)
        self.write_state()

    def _follow(self, machine: Machine, boot: Boot) -> None:
        machine.power = "on" if boot.power_on else "off"
        if machine.seen_boots is None:
            # First look: a machine already on is handled as if it just booted.
            machine.seen_boots = boot.boot_count - 1 if boot.power_on else boot.boot_count
        if not boot.power_on:
            machine.seen_boots = boot.boot_count
            if machine.agent is not None:
                self._stop_agent(machine, "powered off")
            if machine.status != "off":
                machine.status = "off"
                self.event(machine, "power_off")
            return
        if boot.boot_count == machine.seen_boots:
            return
        machine.seen_boots = boot.boot_count
        machine.boots += 1
        if machine.agent is not None:
            self._stop_agent(machine, "restarted")
        if boot.device == "pxe" or (boot.device == "cd" and boot.media):
            self._start_agent(machine, boot.device)
        elif boot.device == "cd":
            machine.status = "no-boot-media"
            self.event(machine, "boot", device="cd", result="no medium inserted")
        else:
            machine.disk_image = self._disk_image(machine)
            machine.status = "disk"
            self.event(machine, "boot", device=boot.device, image=machine.disk_image)

    # --- the ramdisk agent ---------------------------------------------------------------
    def _network_boot_params(self, machine: Machine) -> dict[str, str]:
        """The ``ipa-*`` kernel parameters of the machine's network boot configuration.

        Like firmware that PXE-boots, the simulator looks for its MACs' configuration: the
        iPXE script under ``ipxe_url`` (``[deploy] http_url``), else the pxelinux or GRUB
        file under ``tftp_root``. None found: the ramdisk boots with the simulator's API URL
        (as if the DHCP server handed out a default ramdisk).
        """
        for mac in machine.macs:
            dashed = mac.lower().replace(":", "-")
            texts = []
            if self.config.get("ipxe_url"):
                url = f"{self.config['ipxe_url'].rstrip('/')}/pxelinux.cfg/{dashed}"
                with contextlib.suppress(requests.RequestException):
                    response = requests.get(url, timeout=5)
                    if response.status_code == 200:
                        texts.append(response.text)
            if self.config.get("tftp_root"):
                for name in (f"grub.cfg-01-{dashed}", f"pxelinux.cfg/01-{dashed}"):
                    path = os.path.join(self.config["tftp_root"], name)
                    with contextlib.suppress(OSError), open(path) as f:
                        texts.append(f.read())
            for text in texts:
                params = dict(_IPA_PARAM.findall(text))
                if params:
                    return params
        return {}

    def _start_agent(self, machine: Machine, device: str) -> None:
        self._set_machine_power(machine, "on")
        params = self._network_boot_params(machine) if device == "pxe" else {}
        machine.agents_started += 1
        log = os.path.join(machine.directory, f"agent-{machine.agents_started}.log")
        if machine.agent_kind == "ipa":
            self._start_ipa(machine, device, params, log)
            return
        argv = [
            sys.executable,
            "-m",
            "ironic_lite_agent",
            "--api-url",
            params.get("ipa-api-url", self.api_url),
            "--hardware",
            f"simulated:{machine.directory}",
            "--listen",
            "127.0.0.1:0",
            "--lookup-timeout",
            str(self.config.get("lookup_timeout", 300)),
            "--log-file",
            log,
        ]
        if self.config.get("heartbeat_interval"):
            argv += ["--heartbeat-interval", str(self.config["heartbeat_interval"])]
        if "ipa-inspection-callback-url" in params:
            argv.append("--inspect")
        argv += list(self.config.get("agent_args", []))
        with open(log + ".out", "ab") as out:
            machine.agent = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        machine.agent_log, machine.agent_url = log, None
        machine.status = "ramdisk"
        self.event(machine, "boot", device=device, agent_pid=machine.agent.pid, params=params)

    def _start_ipa(self, machine: Machine, device: str, params: dict, log: str) -> None:
        """Stock IPA in its sandbox (``ironic_lite.lab.ipa``), with the boot's kernel
        parameters as its /proc/cmdline."""
        from ironic_lite.lab.ipa import launch

        params = {"ipa-api-url": self.api_url, **params}
        argv, port = launch.command(machine.directory, params, log_file=log)
        with open(log + ".out", "ab") as out:
            machine.agent = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        # IPA serves HTTPS once its lookup says the API takes its certificate (auto-TLS).
        machine.agent_log, machine.agent_url = log, f"https://127.0.0.1:{port}"
        machine.status = "ramdisk"
        self.event(
            machine, "boot", device=device, agent="ipa", agent_pid=machine.agent.pid, params=params
        )

    def _agent_url(self, machine: Machine) -> str | None:
        try:
            with open(machine.agent_log, errors="replace") as f:
                match = _AGENT_URL.search(f.read(65536))
        except OSError:
            return None
        return f"http://{match.group(1)}:{match.group(2)}" if match else None

    def _stop_agent(self, machine: Machine, why: str) -> None:
        proc, machine.agent, machine.agent_url = machine.agent, None, None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        self.event(machine, "agent_stopped", pid=proc.pid, why=why)

    def _agent_exit(self, machine: Machine) -> None:
        """An agent that ended by itself: after an in-band power action, the BMC shows it."""
        proc = machine.agent
        if proc is None or proc.poll() is None:
            return
        machine.agent, machine.agent_url = None, None
        if proc is machine.cut_agent:
            machine.cut_agent = None  # its power went; the BMC's state says what follows
            return
        state = self._machine_state(machine)
        power = state.get("power")
        self.event(machine, "agent_exited", pid=proc.pid, code=proc.returncode, power=power)
        if power == "on" and state.get("booted") == "kexec":
            machine.disk_image = self._disk_image(machine)
            machine.status = "disk"
            kexec = state.get("kexec") or {}
            self.event(
                machine,
                "boot",
                device="kexec",
                image=machine.disk_image,
                kernel=kexec.get("kernel"),
            )
            return
        bmcs = self.bmcs.get(machine.kind)
        try:
            if power == "off" and bmcs is not None:
                machine.status = "off"
                bmcs.power_off(machine.bmc_id)
            elif power == "rebooting" and bmcs is not None:
                bmcs.reboot(machine.bmc_id)
            else:
                machine.status = "agent-exited"
        except requests.RequestException as exc:
            LOG.warning(
                "%s: cannot tell the BMC about the in-band %s: %s", machine.name, power, exc
            )

    def stop_agents(self) -> None:
        with self._lock:
            running = [m for m in self.machines.values() if m.agent is not None]
            for machine in running:
                if machine.agent.poll() is None:
                    machine.agent.terminate()
            for machine in running:
                self._stop_agent(machine, "simulator stopped")

    # --- the machine's files -------------------------------------------------------------
    def _machine_state(self, machine: Machine) -> dict:
        try:
            with open(os.path.join(machine.directory, "state.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def _set_machine_power(self, machine: Machine, power: str) -> None:
        path = os.path.join(machine.directory, "state.json")
        state = self._machine_state(machine)
        state["power"] = power
        # A new boot: whatever the last one booted (a kexec) is over.
        state.pop("booted", None)
        state.pop("kexec", None)
        with open(path + ".tmp", "w") as f:
            json.dump(state, f)
        os.replace(path + ".tmp", path)

    def _disk_image(self, machine: Machine) -> str | None:
        """The image the first disk holds, when a deploy finished writing one."""
        try:
            with open(os.path.join(machine.directory, "hardware.json")) as f:
                disk = json.load(f)["disks"][0]
            with open(os.path.join(machine.directory, disk["path"] + ".json")) as f:
                image = json.load(f).get("image") or {}
        except (OSError, ValueError, KeyError, IndexError):
            return None
        if not image.get("deployed"):
            return None
        return image.get("image_id") or image.get("id") or image.get("url") or "unnamed"

    # --- what it shows ---------------------------------------------------------------------
    def event(self, machine: Machine, what: str, **details) -> None:
        line = {"time": time.time(), "machine": machine.name, "event": what, **details}
        LOG.info("%s: %s %s", machine.name, what, details or "")
        with self._events_lock, open(os.path.join(self.state_dir, "events.jsonl"), "a") as f:
            f.write(json.dumps(line) + "\n")

    def view(self) -> dict:
        return {name: m.view() for name, m in self.machines.items()}

    def write_state(self) -> None:
        text = json.dumps({"pid": os.getpid(), "machines": self.view()}, indent=1)
        if text == self._last_view:
            return
        path = os.path.join(self.state_dir, "simulator.json")
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
        self._last_view = text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ironic_lite.lab.simulator",
        description="Run the ramdisk agent of emulated machines as their BMCs boot them.",
    )
    parser.add_argument("--config", required=True, help="the simulator's JSON configuration")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    with open(args.config) as f:
        simulator = Simulator(json.load(f))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: simulator._halt.set())
    simulator.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
