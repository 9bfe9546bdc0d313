"""The VM manager: the one process that starts and stops the lab's QEMU VMs.

    python -m ironic_lite.lab.vms --config vms-config.json

Both BMC emulators (``sushy_vm`` for Redfish, ``ipmi_vm`` for IPMI) are fronts for it: they
translate their protocol into calls of its control API (HTTP + JSON on 127.0.0.1 of the lab's
network namespace), so a VM behaves the same whichever BMC drives it, and one place knows every
QEMU PID (``vms.json``, read by ``ironic-lite-lab status``/``down``).

What a VM does:

- power on starts QEMU with the firmware (``uefi``: OVMF, ``bios``: SeaBIOS), the boot device
  (a one-time override is consumed by this boot, else the persistent device) and the CD
  medium as they are now; power off kills it (a hard off, SIGTERM then SIGKILL); ``soft``
  presses the ACPI power button (a ramdisk without acpid ignores it, as real ones often do);
  ``reset`` is a power cycle, so a boot device set meanwhile applies; ``nmi`` injects one.
- the guest powering itself off ends the QEMU process: the VM reads off. A guest reboot stays
  inside QEMU (the same boot order, like a real reset with a persistent device).
- the CD: a medium path (the Redfish emulator downloads virtual media first) is attached at
  the next start, and at once through QMP when the VM runs; ``null`` ejects.

Control API: ``GET /vms``, ``GET /vms/NAME``, ``POST /vms/NAME/power {"action":
"on|off|soft|reset|nmi"}``, ``PUT /vms/NAME/boot {"device": "pxe|disk|cd", "persistent": bool,
"firmware": "uefi|bios"}``, ``PUT /vms/NAME/media {"cd": PATH|null}``. Each answers the VM's
state: ``{name, power, pid, firmware, boot_device, boot_once, media, boots, last_boot,
serial_log, macs}``. Every boot writes a line ``=== ironic-lite-lab: boot N ... ===`` into the
serial log first, so the output of one boot can be told from the one before.
"""

import argparse
import contextlib
import dataclasses
import http.server
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

from ironic_lite.lab import qemu
from ironic_lite.lab.processes import alive, stop_pid

LOG = logging.getLogger("ironic_lite.lab.vms")
FIRMWARES = ("uefi", "bios")


class VmError(Exception):
    """A request the VM cannot do (HTTP 409) or that makes no sense (400)."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


@dataclasses.dataclass
class Vm:
    spec: qemu.VmSpec
    firmware: str = "uefi"
    boot_device: str = "disk"
    boot_once: str | None = None
    media: str | None = None
    proc: subprocess.Popen | None = None
    pid: int | None = None
    boots: int = 0
    last_boot: dict | None = None
    lock: threading.RLock = dataclasses.field(default_factory=threading.RLock)

    @property
    def running(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        return alive(self.pid, self.spec.name)

    def view(self) -> dict:
        return {
            "name": self.spec.name,
            "power": "on" if self.running else "off",
            "pid": self.pid if self.running else None,
            "firmware": self.firmware,
            "boot_device": self.boot_device,
            "boot_once": self.boot_once,
            "media": self.media,
            "boots": self.boots,
            "last_boot": self.last_boot,
            "serial_log": self.spec.serial_log,
            "macs": self.spec.macs,
            "memory_mb": self.spec.memory_mb,
            "cpus": self.spec.cpus,
            "disk": self.spec.disk,
        }


class Manager:
    def __init__(self, config: dict):
        self.state_dir = config["state_dir"]
        self.accel_args = list(config["accel_args"])
        self.vms: dict[str, Vm] = {}
        for item in config["vms"]:
            spec = qemu.VmSpec(
                name=item["name"],
                directory=item["directory"],
                macs=item["macs"],
                taps=item["taps"],
                memory_mb=int(item.get("memory_mb", 1536)),
                cpus=int(item.get("cpus", 1)),
            )
            self.vms[spec.name] = Vm(spec, firmware=item.get("firmware", "uefi"))
        self._save_lock = threading.Lock()
        self._halt = threading.Event()

    def vm(self, name: str) -> Vm:
        try:
            return self.vms[name]
        except KeyError:
            raise VmError(f"no VM {name}", 404) from None

    # --- power -------------------------------------------------------------------------
    def power(self, name: str, action: str) -> dict:
        vm = self.vm(name)
        with vm.lock:
            if action == "on":
                if not vm.running:
                    self._start(vm)
            elif action == "off":
                self._stop(vm, "power off")
            elif action == "reset":
                if not vm.running:
                    raise VmError(f"{name} is off: nothing to reset")
                self._stop(vm, "reset")
                self._start(vm)
            elif action == "soft":
                if vm.running:
                    qemu.Qmp(vm.spec.qmp_socket).command("system_powerdown")
            elif action == "nmi":
                if not vm.running:
                    raise VmError(f"{name} is off: no NMI")
                qemu.Qmp(vm.spec.qmp_socket).command("inject-nmi")
            else:
                raise VmError(f"unknown power action {action!r}", 400)
        self.save()
        return vm.view()

    def _start(self, vm: Vm) -> None:
        device = vm.boot_once or vm.boot_device
        vm.boot_once = None
        media = vm.media if vm.media and os.path.exists(vm.media) else None
        if vm.firmware == "uefi" and not os.path.exists(vm.spec.nvram):
            shutil.copy(qemu.OVMF_VARS, vm.spec.nvram)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(vm.spec.qmp_socket)
        vm.boots += 1
        vm.last_boot = {
            "boot": vm.boots,
            "device": device,
            "firmware": vm.firmware,
            "media": media,
            "at": time.time(),
        }
        with open(vm.spec.serial_log, "a") as log:
            log.write(
                f"\n=== ironic-lite-lab: boot {vm.boots} of {vm.spec.name}: {vm.firmware} "
                f"from {device}{' with ' + os.path.basename(media) if media else ''} ===\n"
            )
        argv = qemu.argv(vm.spec, vm.firmware, device, self.accel_args, media)
        with open(os.path.join(vm.spec.directory, "qemu.log"), "ab") as out:
            vm.proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        vm.pid = vm.proc.pid
        self.event(vm, "boot", **vm.last_boot, pid=vm.pid)

    def _stop(self, vm: Vm, why: str) -> None:
        if not vm.running:
            return
        pid = vm.pid
        if vm.proc is not None:
            vm.proc.terminate()
            try:
                vm.proc.wait(10)
            except subprocess.TimeoutExpired:
                vm.proc.kill()
                vm.proc.wait(5)
        else:
            stop_pid(pid, vm.spec.name)
        self.event(vm, "off", why=why, pid=pid)

    # --- boot settings and media -----------------------------------------------------------
    def set_boot(
        self,
        name: str,
        device: str | None,
        persistent: bool = True,
        firmware: str | None = None,
    ) -> dict:
        vm = self.vm(name)
        if device is not None and device not in qemu.BOOT_DEVICES:
            raise VmError(f"boot device {device!r}: use one of {', '.join(qemu.BOOT_DEVICES)}", 400)
        if firmware is not None and firmware not in FIRMWARES:
            raise VmError(f"firmware {firmware!r}: use uefi or bios", 400)
        with vm.lock:
            if device is not None:
                if persistent:
                    vm.boot_device, vm.boot_once = device, None
                else:
                    vm.boot_once = device
            if firmware is not None:
                vm.firmware = firmware
        self.event(vm, "boot_settings", device=device, persistent=persistent, firmware=firmware)
        self.save()
        return vm.view()

    def set_media(self, name: str, path: str | None) -> dict:
        vm = self.vm(name)
        if path is not None and not os.path.isfile(path):
            raise VmError(f"no medium at {path}", 400)
        with vm.lock:
            vm.media = path
            if vm.running:
                monitor = qemu.Qmp(vm.spec.qmp_socket)
                if path:
                    monitor.command(
                        "blockdev-change-medium",
                        id="cdrom",
                        filename=path,
                        format="raw",
                        **{"read-only-mode": "read-only"},
                    )
                else:
                    monitor.command("eject", id="cdrom", force=True)
        self.event(vm, "media", cd=path)
        self.save()
        return vm.view()

    # --- state ---------------------------------------------------------------------------
    def views(self) -> list[dict]:
        return [vm.view() for vm in self.vms.values()]

    def save(self) -> None:
        path = os.path.join(self.state_dir, "vms.json")
        with self._save_lock:
            with open(path + ".tmp", "w") as f:
                json.dump({"pid": os.getpid(), "vms": self.views()}, f, indent=1)
            os.replace(path + ".tmp", path)

    def event(self, vm: Vm, what: str, **details) -> None:
        line = {"time": time.time(), "vm": vm.spec.name, "event": what, **details}
        LOG.info("%s: %s %s", vm.spec.name, what, details)
        with open(os.path.join(self.state_dir, "vm-events.jsonl"), "a") as f:
            f.write(json.dumps(line) + "\n")

    def watch(self) -> None:
        """Notice guests that powered themselves off (QEMU exited) and record it."""
        seen = {name: vm.running for name, vm in self.vms.items()}
        while not self._halt.wait(0.5):
            changed = False
            for name, vm in self.vms.items():
                with vm.lock:
                    running = vm.running
                    if seen[name] and not running:
                        code = vm.proc.returncode if vm.proc is not None else None
                        self.event(vm, "exited", pid=vm.pid, code=code)
                    changed |= seen[name] != running
                    seen[name] = running
            if changed:
                self.save()

    def stop_all(self) -> None:
        self._halt.set()
        for vm in self.vms.values():
            with vm.lock:
                self._stop(vm, "manager stopped")
        self.save()


class _Control(http.server.BaseHTTPRequestHandler):
    manager: Manager

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        LOG.debug("control: " + format, *args)

    def _answer(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    def _dispatch(self, method: str) -> None:
        parts = self.path.strip("/").split("/")
        try:
            if method == "GET" and parts == ["vms"]:
                return self._answer(200, self.manager.views())
            if len(parts) < 2 or parts[0] != "vms":
                return self._answer(404, {"error": f"no {self.path}"})
            name = parts[1]
            if method == "GET" and len(parts) == 2:
                return self._answer(200, self.manager.vm(name).view())
            body = self._body()
            if method == "POST" and parts[2:] == ["power"]:
                return self._answer(200, self.manager.power(name, body.get("action", "")))
            if method == "PUT" and parts[2:] == ["boot"]:
                persistent = bool(body.get("persistent", True))
                view = self.manager.set_boot(
                    name, body.get("device"), persistent, body.get("firmware")
                )
                return self._answer(200, view)
            if method == "PUT" and parts[2:] == ["media"]:
                return self._answer(200, self.manager.set_media(name, body.get("cd")))
            return self._answer(404, {"error": f"no {method} {self.path}"})
        except VmError as exc:
            return self._answer(exc.status, {"error": str(exc)})
        except (ValueError, qemu.QmpError) as exc:
            return self._answer(500, {"error": f"{type(exc).__name__}: {exc}"})

    def do_GET(self):  # noqa: N802 - the stdlib's name
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self):  # noqa: N802
        self._dispatch("PUT")


def serve(manager: Manager, host: str, port: int) -> http.server.ThreadingHTTPServer:
    handler = type("Control", (_Control,), {"manager": manager})
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="vm-control", daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ironic_lite.lab.vms")
    parser.add_argument("--config", required=True, help="the VM manager's JSON configuration")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with open(args.config) as f:
        config = json.load(f)
    manager = Manager(config)
    host, _, port = config["control"].rpartition(":")
    server = serve(manager, host, int(port))
    manager.save()
    halt = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: halt.set())
    watcher = threading.Thread(target=manager.watch, name="vm-watch", daemon=True)
    watcher.start()
    LOG.info("VM manager on %s with %d VMs", config["control"], len(manager.vms))
    halt.wait()
    server.shutdown()
    manager.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
