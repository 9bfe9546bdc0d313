"""IPMI BMCs for the lab's QEMU VMs, as VirtualBMC is for libvirt domains.

    python -m ironic_lite.lab.ipmi_vm --config FILE

Each BMC is the lab's pyghmi BMC (``ironic_lite.lab.ipmi.LabBmc``: proper cipher suite 17/3
negotiation, boot flags kept whole, replayed requests answered from memory), bound to 127.0.0.1
of the lab's network namespace on its own UDP port, with its machine being a VM of the VM
manager (``ironic_lite.lab.vms``). The configuration (JSON)::

    {"control": "http://127.0.0.1:PORT",             # the VM manager
     "bmcs": [{"name", "vm", "port", "username", "password"}, ...]}

What the VM does: power on starts it from the boot flags' device (``pxe``, ``disk``,
``cdrom``/``remote-cdrom``; a one-time override is consumed by that boot) with OVMF when the
flags' BIOS boot type says EFI, SeaBIOS when it says legacy (only when an override is set);
power off kills it; soft off presses the ACPI button; reset and power cycle power-cycle it
(completion code 0xd5 when it is off); a diagnostic interrupt is an NMI. Chassis status reads
the VM's power from the manager, so a guest that powered itself off reads off at once.
"""

import argparse
import json
import logging
import signal
import sys
import urllib.error
import urllib.request

from ironic_lite.lab import ipmi

LOG = logging.getLogger("ironic_lite.lab.ipmi_vm")
_NOT_IN_PRESENT_STATE = 0xD5
_UNSPECIFIED = 0xFF
_TO_VM = {"pxe": "pxe", "disk": "disk", "cdrom": "cd", "remote-cdrom": "cd", "remote-disk": "disk"}


class VmBmc(ipmi.LabBmc):
    """A LabBmc whose machine is a VM of the VM manager."""

    def __init__(self, name: str, username: str, password: str, port: int, *, vm, control):
        super().__init__(name, username, password, port)
        self.vm = vm
        self.control = control.rstrip("/")

    def _call(self, method: str, path: str = "", body: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.control}/vms/{self.vm}{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def _power(self, action: str) -> int:
        try:
            self._call("POST", "/power", {"action": action})
        except urllib.error.HTTPError as exc:
            LOG.warning("%s: power %s refused: %s", self.name, action, exc.read()[:200])
            return _NOT_IN_PRESENT_STATE if exc.code == 409 else _UNSPECIFIED
        except OSError as exc:
            LOG.warning("%s: the VM manager is unreachable: %s", self.name, exc)
            return _UNSPECIFIED
        return 0

    def _vm_on(self) -> bool:
        return self._call("GET")["power"] == "on"

    def get_power_state(self):
        try:
            return "on" if self._vm_on() else "off"
        except OSError:
            return "off"

    def _apply_boot_flags(self) -> None:
        """Hand the override to the VM for the boot about to happen; record the boot."""
        valid = bool(self.flags[0] & 0x80)
        persistent = bool(self.flags[0] & 0x40)
        uefi = bool(self.flags[0] & 0x20)
        device = ipmi.BOOT_DEVICES.get((self.flags[1] >> 2) & 0x0F) if valid else None
        self.boots.append({"device": device, "uefi": uefi, "persistent": persistent})
        if device is not None:
            self._call(
                "PUT",
                "/boot",
                {
                    "device": _TO_VM.get(device, "disk"),
                    "persistent": persistent,
                    "firmware": "uefi" if uefi else "bios",
                },
            )
        if valid and not persistent:
            self.flags[0] &= 0x20  # the override is spent; the BIOS boot type stays
            self.flags[1] = 0

    def power_on(self):
        with self.lock:
            try:
                if self._vm_on():
                    return 0
                self._apply_boot_flags()
            except OSError as exc:
                LOG.warning("%s: the VM manager is unreachable: %s", self.name, exc)
                return _UNSPECIFIED
            return self._power("on")

    def power_off(self):
        with self.lock:
            return self._power("off")

    def _restart(self):
        with self.lock:
            try:
                if not self._vm_on():
                    return _NOT_IN_PRESENT_STATE
                self._apply_boot_flags()
            except OSError:
                return _UNSPECIFIED
            return self._power("reset")

    def power_shutdown(self):
        return self._power("soft")

    def pulse_diag(self):
        return self._power("nmi")

    def state(self) -> dict:
        state = super().state()
        state["power"] = self.get_power_state()
        state["vm"] = self.vm
        return state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ironic_lite.lab.ipmi_vm")
    parser.add_argument("--config", required=True)
    parser.add_argument("--control-port", type=int, default=0, help="the BMCs' control API")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with open(args.config) as f:
        config = json.load(f)
    lab = ipmi.Lab()
    for item in config["bmcs"]:
        lab.bmcs[item["name"]] = VmBmc(
            item["name"],
            item["username"],
            item["password"],
            int(item["port"]),
            vm=item["vm"],
            control=config["control"],
        )
    control = ipmi.serve_control(lab, args.control_port)
    print(
        json.dumps(
            {
                "control": f"http://{ipmi.ADDRESS}:{control.server_address[1]}",
                "bmcs": {name: b.port for name, b in lab.bmcs.items()},
            }
        ),
        flush=True,
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: lab._halt.set())
    lab.run()
    control.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
