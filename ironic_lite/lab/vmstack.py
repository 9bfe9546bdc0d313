"""The VM lab: QEMU machines behind real BMC protocols, on a network of their own.

    lab = VmLab("/tmp/vmlab", nodes=2, with_service=True)
    lab.up()            # namespace, VMs, BMCs, dnsmasq, file server, forwarders
    lab.status()        # processes, each VM's power and last serial lines
    VmLab.load("/tmp/vmlab").down()

``ironic-lite-lab up --machines vm`` is this from the command line. Layout:

- A network namespace ``ilab-<hash of the state dir>`` with a bridge holding the subnet's
  first address (default 192.0.2.1/24, a documentation range: nothing real answers there) and
  a TAP per VM. Nothing is added on the host's side.
- In the namespace, all started with ``ip netns exec`` and recorded by PID: the VM manager
  (``vms``: QEMU processes; control on 127.0.0.1:7000), the Redfish emulator driving VMs
  (``sushy_vm``, 127.0.0.1:8000), the IPMI BMCs (``ipmi_vm``, UDP 127.0.0.1:6230+i), a file
  server (the HTTP boot root, BRIDGE:8080), dnsmasq (DHCP + TFTP on the bridge, with Ironic's
  ``dhcp-hostsdir``/``dhcp-optsdir`` layout) and, with ``--with-service``, ironic-lite
  (all-in-one, BRIDGE:6385). The VMs reach the API and the boot files on the bridge; the
  conductor reaches the BMCs on the namespace's loopback and the agents on the bridge.
- On the host: one forwarder process (``forward``) listening on 127.0.0.1 for the API, the
  Redfish emulator, the file server, the VM manager (TCP) and each IPMI BMC (UDP).

Half the VMs (rounded up) are Redfish machines, the rest IPMI; firmwares alternate UEFI
(OVMF), BIOS (SeaBIOS) from the first VM on, unless ``firmwares`` says otherwise.
"""

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import requests

from ironic_lite.lab import accel as acceleration
from ironic_lite.lab import dnsmasq, netns
from ironic_lite.lab.processes import alive, free_port, stop_pid, wait_until

MARKER_FILE = ".ironic-lite-lab"
API_HEADERS = {"X-OpenStack-Ironic-API-Version": "latest"}
DEFAULT_SUBNET = "192.0.2.0/24"
# Ports inside the namespace: it is the lab's own, so they are free.
PORTS = {"vms": 7000, "redfish": 8000, "http": 8080, "api": 6385, "ipmi": 6230}
# The stop order, and a word each process's command line must hold before its PID is signalled.
PROCESS_MARKERS = {
    "forward": "ironic_lite.lab.forward",
    "service": "ironic_lite.cmd.aio",
    "redfish": "ironic_lite.lab.sushy_vm",
    "ipmi": "ironic_lite.lab.ipmi_vm",
    "dnsmasq": "dnsmasq",
    "http": "http.server",
    "vms": "ironic_lite.lab.vms",
}
REDFISH_USER, REDFISH_PASSWORD = "admin", "lab-secret"
IPMI_USER = "admin"


class LabError(Exception):
    """The lab cannot do what was asked; the message says why."""


def _mac(seed: str, index: int) -> str:
    digest = hashlib.sha256(f"{seed}:{index}".encode()).digest()
    return "52:54:00:" + ":".join(f"{b:02x}" for b in digest[:3])


class VmLab:
    def __init__(
        self,
        state_dir: str,
        nodes: int = 2,
        redfish: int | None = None,
        firmwares: tuple[str, ...] = ("uefi", "bios"),
        memory_mb: int = 1536,
        disk_size: str = "4G",
        subnet: str = DEFAULT_SUBNET,
        with_service: bool = False,
        service_conf: str = "",
        agent: str = "lite",
        ramdisk: dict | None = None,
        api_port: int | None = None,
    ):
        self.state_dir = os.path.abspath(os.path.expanduser(state_dir))
        self.nodes = nodes
        self.redfish_count = (nodes + 1) // 2 if redfish is None else redfish
        self.firmwares = firmwares
        self.memory_mb = memory_mb
        self.disk_size = disk_size
        self.subnet = subnet
        self.with_service = with_service
        self.service_conf = service_conf
        self.agent = agent
        self.ramdisk = ramdisk  # a build manifest; None: build or find the agent's ramdisk
        self.api_port = api_port  # the host's port of the forwarded API (None: a free one)
        self.state: dict = {"processes": {}}

    # --- the state file -------------------------------------------------------------------
    @property
    def state_file(self) -> str:
        return os.path.join(self.state_dir, "state.json")

    def path(self, *parts: str) -> str:
        return os.path.join(self.state_dir, *parts)

    @classmethod
    def load(cls, state_dir: str) -> "VmLab":
        lab = cls(state_dir)
        try:
            with open(lab.state_file) as f:
                lab.state = json.load(f)
        except FileNotFoundError:
            raise LabError(f"no lab in {lab.state_dir} (no state.json)") from None
        return lab

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

    @property
    def netns(self) -> str:
        return (
            self.state.get("netns")
            or "ilab-" + hashlib.sha256(self.state_dir.encode()).hexdigest()[:8]
        )

    @property
    def address(self) -> str:
        return self.state["address"]

    @property
    def urls(self) -> dict[str, str]:
        """Host-side URLs (through the forwarder)."""
        return self.state.get("urls", {})

    # --- up ------------------------------------------------------------------------------
    def up(self, enroll: bool = True) -> dict:
        if os.geteuid() != 0:
            raise LabError("the VM lab needs root (network namespaces, TAP devices)")
        for tool in ("qemu-system-x86_64", "qemu-img", "dnsmasq", "ip"):
            if not shutil.which(tool):
                raise LabError(f"{tool} is not installed; see docs/lab.md for the packages")
        if os.path.exists(self.state_file):
            previous = VmLab.load(self.state_dir)
            if any(previous.running().values()):
                raise LabError(f"a lab runs in {self.state_dir}: run `ironic-lite-lab down` first")
            previous.down()
        if not 1 <= self.nodes <= 50 or not 0 <= self.redfish_count <= self.nodes:
            raise LabError(f"{self.nodes} VMs with {self.redfish_count} Redfish ones: no")
        if netns.exists(self.netns):
            # Named after this state directory: left by a lab here that was not taken down
            # (its state file is gone). What runs in it is the old lab's: by PID, then it.
            for pid in netns.pids(self.netns):
                stop_pid(pid, timeout=5)
            netns.delete(self.netns)
        os.makedirs(self.state_dir, exist_ok=True)
        open(self.path(MARKER_FILE), "w").close()
        manifest = self._ramdisk_manifest()
        accel = acceleration.choose(kernel=manifest["kernel"])
        self.state = {
            "machines": "vm",
            "processes": {},
            "netns": self.netns,
            "started_at": time.time(),
            "accel": {"name": accel.name, "reason": accel.reason, "args": accel.qemu_args},
        }
        self.save()
        try:
            self._prepare_vms()
            self._ramdisk_files(manifest)
            self.state["address"] = netns.create(self.netns, self.subnet, self._taps())
            self.save()
            self._start_vms()
            self._start_http()
            self._start_dnsmasq()
            self._start_redfish()
            self._start_ipmi()
            if self.with_service:
                self._start_service()
            self._start_forwarder()
            self._wait_ready()
            if enroll and self.with_service:
                self.enroll()
        except Exception:
            self.down(remove=False)
            raise
        return self.state

    def _taps(self) -> list[str]:
        return [vm["tap"] for vm in self.state["vms"]]

    def _prepare_vms(self) -> None:
        vms = []
        seed = self.netns + str(self.state["started_at"])
        for i in range(self.nodes):
            kind = "redfish" if i < self.redfish_count else "ipmi"
            name = f"lab-vm-{i}"
            directory = self.path("vms", name)
            os.makedirs(directory, exist_ok=True)
            disk = os.path.join(directory, "disk.qcow2")
            subprocess.run(
                ["qemu-img", "create", "-q", "-f", "qcow2", disk, self.disk_size],
                check=True,
                timeout=60,
            )
            vms.append(
                {
                    "name": name,
                    "kind": kind,
                    "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, seed + name)),
                    "firmware": self.firmwares[i % len(self.firmwares)],
                    "directory": directory,
                    "macs": [_mac(seed, i)],
                    "tap": f"tap{i}",
                    "taps": [f"tap{i}"],
                    "memory_mb": self.memory_mb,
                    "serial_log": os.path.join(directory, "serial.log"),
                    "ipmi_port": PORTS["ipmi"] + i if kind == "ipmi" else None,
                    "ipmi_password": f"secret-{i}" if kind == "ipmi" else None,
                }
            )
        self.state["vms"] = vms
        self.save()

    def _ramdisk_manifest(self) -> dict:
        """The agent's ramdisk: the one given, else built (once per machine) or cached."""
        if self.ramdisk is not None:
            return self.ramdisk
        from ironic_lite.ramdisk import build

        return build.build(build.Recipe(agent=self.agent))

    def _ramdisk_files(self, manifest: dict) -> None:
        """The ramdisk linked into the HTTP root."""
        target = self.path("http", "ramdisk")
        os.makedirs(target, exist_ok=True)
        for role in ("kernel", "initramfs", "iso"):
            name = {"kernel": "vmlinuz", "initramfs": "initramfs", "iso": "ramdisk.iso"}[role]
            destination = os.path.join(target, name)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(destination)
            try:
                os.link(manifest[role], destination)
            except OSError:
                shutil.copy(manifest[role], destination)
        os.makedirs(self.path("tftpboot"), exist_ok=True)
        self.state["ramdisk"] = {
            "agent": manifest["agent"],
            "directory": manifest["directory"],
            "key": manifest["key"],
        }
        self.save()

    def _spawn(self, name: str, argv: list[str], log: str, in_netns: bool = True, **details):
        env = dict(os.environ, TMPDIR=self.path("tmp"))
        os.makedirs(self.path("tmp"), exist_ok=True)
        with open(self.path(log), "ab") as out:
            proc = subprocess.Popen(
                netns.exec_argv(self.netns, argv) if in_netns else argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
            )
        self._record(name, proc.pid, log=self.path(log), **details)
        return proc

    def _start_vms(self) -> None:
        config = {
            "state_dir": self.state_dir,
            "accel_args": self.state["accel"]["args"],
            "control": f"127.0.0.1:{PORTS['vms']}",
            "vms": self.state["vms"],
        }
        path = self.path("vms-config.json")
        with open(path, "w") as f:
            json.dump(config, f, indent=1)
        proc = self._spawn("vms", [sys.executable, "-m", "ironic_lite.lab.vms", "--config", path],
                           "vms.log")  # fmt: skip
        wait_until(
            lambda: os.path.exists(self.path("vms.json")) or _exited(proc, "the VM manager"),
            30,
            what="the VM manager",
        )

    def _start_http(self) -> None:
        argv = [sys.executable, "-m", "http.server", str(PORTS["http"]), "--bind", self.address]
        argv += ["--directory", self.path("http")]
        self._spawn("http", argv, "http.log")
        self.state["http_url"] = f"http://{self.address}:{PORTS['http']}"

    def _start_dnsmasq(self) -> None:
        config = dnsmasq.write_config(
            self.path("dnsmasq"),
            interface=netns.BRIDGE,
            address=self.address,
            subnet=self.subnet,
            tftp_root=self.path("tftpboot"),
        )
        self._spawn("dnsmasq", ["dnsmasq", "--keep-in-foreground", f"--conf-file={config}"],
                    "dnsmasq-console.log", config=config)  # fmt: skip
        self.state["dnsmasq"] = dnsmasq.layout(self.path("dnsmasq"))
        self.save()

    def _start_redfish(self) -> None:
        systems = [vm for vm in self.state["vms"] if vm["kind"] == "redfish"]
        if not systems:
            return
        directory = self.path("redfish")
        os.makedirs(directory, exist_ok=True)
        import bcrypt

        htpasswd = os.path.join(directory, "htpasswd")
        digest = bcrypt.hashpw(REDFISH_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
        with open(htpasswd, "w") as f:
            f.write(f"{REDFISH_USER}:{digest}\n")
        settings = {
            "SUSHY_EMULATOR_LISTEN_IP": "127.0.0.1",
            "SUSHY_EMULATOR_LISTEN_PORT": PORTS["redfish"],
            "SUSHY_EMULATOR_FAKE_DRIVER": True,
            "SUSHY_EMULATOR_FAKE_SYSTEMS": [
                {
                    "uuid": vm["uuid"],
                    "name": vm["name"],
                    "power_state": "Off",
                    "external_notifier": False,
                    "nics": [{"mac": mac} for mac in vm["macs"]],
                }
                for vm in systems
            ],
            "SUSHY_EMULATOR_STATE_DIR": os.path.join(directory, "state"),
            "SUSHY_EMULATOR_AUTH_FILE": htpasswd,
            "SUSHY_EMULATOR_VMEDIA_VERIFY_SSL": False,
            "LAB_VM_CONTROL": f"http://127.0.0.1:{PORTS['vms']}",
            "LAB_VM_NAMES": {vm["uuid"]: vm["name"] for vm in systems},
        }
        path = os.path.join(directory, "emulator.conf")
        with open(path, "w") as f:
            f.writelines(f"{key} = {value!r}\n" for key, value in settings.items())
        argv = [sys.executable, "-m", "ironic_lite.lab.sushy_vm", "--config", path]
        self._spawn("redfish", argv, "redfish.log")
        self.state["redfish"] = {
            "address": f"http://127.0.0.1:{PORTS['redfish']}",
            "username": REDFISH_USER,
            "password": REDFISH_PASSWORD,
        }

    def _start_ipmi(self) -> None:
        bmcs = [vm for vm in self.state["vms"] if vm["kind"] == "ipmi"]
        if not bmcs:
            return
        config = {
            "control": f"http://127.0.0.1:{PORTS['vms']}",
            "bmcs": [
                {
                    "name": f"bmc-{vm['name']}",
                    "vm": vm["name"],
                    "port": vm["ipmi_port"],
                    "username": IPMI_USER,
                    "password": vm["ipmi_password"],
                }
                for vm in bmcs
            ],
        }
        path = self.path("ipmi-config.json")
        with open(path, "w") as f:
            json.dump(config, f, indent=1)
        self._spawn("ipmi", [sys.executable, "-m", "ironic_lite.lab.ipmi_vm", "--config", path],
                    "ipmi.log")  # fmt: skip

    def _start_service(self) -> None:
        directory = self.path("service")
        os.makedirs(directory, exist_ok=True)
        http_url = self.state["http_url"]
        files = f"{http_url}/ramdisk"
        dhcp = self.state["dnsmasq"]
        conf = os.path.join(directory, "ironic-lite.conf")
        with open(conf, "w") as f:
            f.write(
                "[DEFAULT]\n"
                f"state_path = {directory}\n"
                "host = vmlab\n"
                f"log_file = {os.path.join(directory, 'ironic-lite.log')}\n"
                "[api]\n"
                f"host_ip = {self.address}\nport = {PORTS['api']}\n"
                f"public_endpoint = http://{self.address}:{PORTS['api']}\n"
                f"[deploy]\nhttp_root = {self.path('http')}\nhttp_url = {http_url}\n"
                f"[pxe]\ntftp_root = {self.path('tftpboot')}\n"
                f"[conductor]\ndeploy_kernel = {files}/vmlinuz\n"
                f"deploy_ramdisk = {files}/initramfs\n"
                # Ironic's dnsmasq DHCP provider, pointed at the lab's dnsmasq (a service
                # without these options ignores them).
                "[dhcp]\ndhcp_provider = dnsmasq\n"
                f"[dnsmasq]\ndhcp_hostsdir = {dhcp['dhcp_hostsdir']}\n"
                f"dhcp_optsdir = {dhcp['dhcp_optsdir']}\n"
                f"dhcp_leasefile = {dhcp['dhcp_leasefile']}\n" + self.service_conf
            )
        argv = [sys.executable, "-m", "ironic_lite.cmd.aio", "--config-file", conf]
        self._spawn("service", argv, "service.log", config=conf)
        self.state["api_url"] = f"http://{self.address}:{PORTS['api']}"

    def _start_forwarder(self) -> None:
        tcp = {
            "http": (free_port(), f"{self.address}:{PORTS['http']}"),
            "vms": (free_port(), f"127.0.0.1:{PORTS['vms']}"),
        }
        if "redfish" in self.state:
            tcp["redfish"] = (free_port(), f"127.0.0.1:{PORTS['redfish']}")
        if self.with_service:
            tcp["api"] = (self.api_port or free_port(), f"{self.address}:{PORTS['api']}")
        udp = {
            vm["name"]: (_free_udp_port(), f"127.0.0.1:{vm['ipmi_port']}")
            for vm in self.state["vms"]
            if vm["kind"] == "ipmi"
        }
        argv = [sys.executable, "-m", "ironic_lite.lab.forward", "--netns", self.netns]
        for port, target in tcp.values():
            argv += ["--tcp", f"127.0.0.1:{port}={target}"]
        for port, target in udp.values():
            argv += ["--udp", f"127.0.0.1:{port}={target}"]
        proc = self._spawn("forward", argv, "forward.log", in_netns=False)
        wait_until(
            lambda: _forwarder_ready(self.path("forward.log")) or _exited(proc, "the forwarder"),
            20,
            what="the forwarder",
        )
        self.state["urls"] = {name: f"http://127.0.0.1:{port}" for name, (port, _) in tcp.items()}
        self.state["ipmi_ports"] = {name: port for name, (port, _) in udp.items()}
        self.save()

    def _wait_ready(self) -> None:
        urls = self.urls
        checks = {"vms": urls["vms"] + "/vms", "http": urls["http"] + "/ramdisk/"}
        if "redfish" in urls:
            checks["redfish"] = urls["redfish"] + "/redfish/v1/"
        if "api" in urls:
            checks["api"] = urls["api"] + "/v1/drivers"
        for name, url in checks.items():
            timeout = 120 if name == "api" else 30
            proc = self.state["processes"]["service" if name == "api" else name]
            wait_until(
                lambda url=url, proc=proc, name=name: (
                    _answers(url) or _dead(proc, name, self.state_dir)
                ),
                timeout,
                interval=0.3,
                what=f"{name} at {url}",
            )
        for name in ("dnsmasq", "ipmi"):
            proc = self.state["processes"].get(name)
            if proc:
                _dead(proc, name, self.state_dir)

    # --- enrolling -------------------------------------------------------------------------
    def node_body(self, vm: dict) -> dict:
        """The POST /v1/nodes body of a VM: its BMC as the conductor in the namespace sees
        it, the lab's deploy ramdisk, agent inspection, and the VM's boot mode."""
        files = f"{self.state['http_url']}/ramdisk"
        body = {
            "name": vm["name"],
            "driver": vm["kind"],
            "properties": {
                "cpu_arch": "x86_64",
                "capabilities": f"boot_mode:{'uefi' if vm['firmware'] == 'uefi' else 'bios'}",
            },
            "driver_info": {
                "deploy_kernel": f"{files}/vmlinuz",
                "deploy_ramdisk": f"{files}/initramfs",
            },
            # The agent reports what the VM really has; the emulator's BMC knows little.
            "inspect_interface": "agent",
        }
        if vm["kind"] == "redfish":
            redfish = self.state["redfish"]
            body["driver_info"].update(
                redfish_address=redfish["address"],
                redfish_system_id=f"/redfish/v1/Systems/{vm['uuid']}",
                redfish_username=redfish["username"],
                redfish_password=redfish["password"],
            )  # no deploy_iso: the ISO carries no per-node parameters; the conductor builds one
            body["boot_interface"] = "redfish-virtual-media"
        else:
            body["driver_info"].update(
                ipmi_address="127.0.0.1",
                ipmi_port=vm["ipmi_port"],
                ipmi_username=IPMI_USER,
                ipmi_password=vm["ipmi_password"],
            )
            body["boot_interface"] = "ipxe"
        return body

    def enroll(self) -> dict[str, str]:
        """A node and a port per VM through the forwarded API; name -> node UUID."""
        if "api" not in self.urls:
            raise LabError("this lab runs no ironic-lite: start it with --with-service")
        api = self.urls["api"]
        session = requests.Session()
        session.headers.update(API_HEADERS)
        nodes = {}
        for vm in self.state["vms"]:
            response = session.post(api + "/v1/nodes", json=self.node_body(vm), timeout=30)
            if response.status_code >= 400:
                raise LabError(f"creating node {vm['name']} failed: {response.text}")
            node = response.json()["uuid"]
            nodes[vm["name"]] = node
            for mac in vm["macs"]:
                port = {"address": mac, "node_uuid": node, "pxe_enabled": True}
                response = session.post(api + "/v1/ports", json=port, timeout=30)
                if response.status_code >= 400:
                    raise LabError(f"creating the port {mac} failed: {response.text}")
        self.state["nodes"] = nodes
        self.save()
        return nodes

    # --- down and status ---------------------------------------------------------------------
    def qemu_pids(self) -> list[tuple[int, str]]:
        try:
            with open(self.path("vms.json")) as f:
                vms = json.load(f)["vms"]
        except (OSError, ValueError, KeyError):
            return []
        return [(vm["pid"], vm["name"]) for vm in vms if vm.get("pid")]

    def down(self, remove: bool = True) -> list[str]:
        """Stop every process by PID, then remove the namespace (its bridge and TAPs) and,
        unless ``remove`` is false, the state directory. What was stopped or removed."""
        stopped = []
        processes = self.state.get("processes", {})
        qemus = self.qemu_pids()
        for name in PROCESS_MARKERS:
            proc = processes.get(name)
            if proc and stop_pid(proc["pid"], proc["marker"], timeout=20):
                stopped.append(name)
        for pid, name in qemus:  # what the VM manager could not stop (it was killed)
            if stop_pid(pid, f"ironic-lite-lab:{name}"):
                stopped.append(f"qemu {name}")
        namespace = self.state.get("netns")
        if namespace and netns.exists(namespace):
            # Anything still inside is ours (the namespace is): by PID, then the namespace.
            for pid in netns.pids(namespace):
                if stop_pid(pid, timeout=5):
                    stopped.append(f"pid {pid}")
            netns.delete(namespace)
            stopped.append(f"netns {namespace}")
        if remove and os.path.exists(self.path(MARKER_FILE)):
            shutil.rmtree(self.state_dir, ignore_errors=True)
        return stopped

    def vm_states(self) -> dict[str, dict]:
        try:
            response = requests.get(self.urls["vms"] + "/vms", timeout=5)
            return {vm["name"]: vm for vm in response.json()}
        except (requests.RequestException, ValueError, KeyError):
            pass
        try:
            with open(self.path("vms.json")) as f:
                return {vm["name"]: vm for vm in json.load(f)["vms"]}
        except (OSError, ValueError, KeyError):
            return {}

    def status(self, lines: int = 5) -> dict:
        running = self.running()
        states = self.vm_states()
        vms = {}
        for vm in self.state.get("vms", []):
            state = states.get(vm["name"], {})
            vms[vm["name"]] = {
                "kind": vm["kind"],
                "firmware": state.get("firmware", vm["firmware"]),
                "power": state.get("power", "unknown"),
                "boot_device": state.get("boot_device"),
                "boots": state.get("boots", 0),
                "macs": vm["macs"],
                "serial_log": vm["serial_log"],
                "serial_tail": tail(vm["serial_log"], lines),
            }
        return {
            "state_dir": self.state_dir,
            "netns": self.state.get("netns"),
            "address": self.state.get("address"),
            "accel": self.state.get("accel"),
            "urls": self.urls,
            "ipmi_ports": self.state.get("ipmi_ports", {}),
            "processes": {
                name: {"pid": proc["pid"], "running": running[name]}
                for name, proc in self.state.get("processes", {}).items()
            },
            "vms": vms,
            "nodes": self.state.get("nodes", {}),
        }

    def serial(self, name: str) -> str:
        vm = next(v for v in self.state["vms"] if v["name"] == name)
        try:
            with open(vm["serial_log"], errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def tail(path: str, lines: int) -> list[str]:
    """The last ``lines`` non-empty lines of a serial log (escape sequences dropped)."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.path.getsize(path) - 16384))
            text = f.read().decode(errors="replace")
    except OSError:
        return []
    cleaned = [_printable(line) for line in text.splitlines()]
    return [line for line in cleaned if line.strip()][-lines:]


def _printable(line: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f]", "", line).rstrip()


def _free_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _forwarder_ready(log: str) -> bool:
    try:
        with open(log) as f:
            return any(line.startswith("{") for line in f)
    except OSError:
        return False


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=3, headers=API_HEADERS).status_code < 500
    except requests.RequestException:
        return False


def _exited(proc: subprocess.Popen, what: str) -> bool:
    if proc.poll() is not None:
        raise LabError(f"{what} exited with {proc.returncode}; see its log in the lab directory")
    return False


def _dead(proc: dict, name: str, state_dir: str) -> bool:
    if not alive(proc["pid"], proc["marker"]):
        log = tail(proc.get("log", ""), 15)
        raise LabError(f"{name} is not running; its log ends:\n" + "\n".join(log))
    return False
