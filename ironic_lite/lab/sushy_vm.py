"""sushy-tools' Redfish emulator whose systems are the lab's QEMU VMs.

    python -m ironic_lite.lab.sushy_vm --config FILE [sushy-emulator arguments]

The lab's extended emulator (``sushy_lab``: BIOS, firmware, RAID controller) with a systems
driver, ``VmDriver``, that hands power, boot device, boot mode and virtual media to the VM
manager (``ironic_lite.lab.vms``) at ``LAB_VM_CONTROL``; ``LAB_VM_NAMES`` maps each system
UUID to its VM. What the VM does:

- ``On``/``ForceOn`` start QEMU; ``ForceOff`` kills it; ``GracefulShutdown`` presses the ACPI
  button; ``ForceRestart``/``GracefulRestart``/``PowerCycle`` power-cycle it (a boot device
  set meanwhile applies); ``Nmi`` injects one; ``PushPowerButton`` toggles.
- ``BootSourceOverrideTarget`` ``Pxe``/``UefiHttp`` boot the first NIC (iPXE), ``Cd`` the
  CD-ROM, ``Hdd``/``None`` the disk. The emulator keeps no ``Once`` (it always reports
  ``Continuous``), so the device stays until changed, as with sushy-tools' libvirt driver.
- ``BootSourceOverrideMode`` ``UEFI``/``Legacy`` picks OVMF or SeaBIOS for the next start.
- Virtual media: the emulator downloads the image URL (as it does for any driver) and the VM
  gets the file as its CD (``Cd``; also for ``UefiHttp`` with ``HttpBootUri``); eject removes
  it. Only the ``Cd`` device is backed by the VM.
"""

import sys

import requests
from sushy_tools import error
from sushy_tools.emulator import main
from sushy_tools.emulator.resources.systems import fakedriver

from ironic_lite.lab import sushy_lab

_TO_VM = {"Pxe": "pxe", "UefiHttp": "pxe", "Cd": "cd", "Hdd": "disk", "None": "disk"}
_FROM_VM = {"pxe": "Pxe", "cd": "Cd", "disk": "Hdd"}
_POWER = {
    "On": "on",
    "ForceOn": "on",
    "ForceOff": "off",
    "GracefulShutdown": "soft",
    "ForceRestart": "reset",
    "GracefulRestart": "reset",
    "PowerCycle": "reset",
    "Nmi": "nmi",
}


class VmDriver(sushy_lab.LabDriver):
    """LabDriver's BIOS, firmware and storage; power, boot and media from the VM manager."""

    def _vm(self, identity: str) -> str:
        uuid = self._get(identity)["uuid"]
        return self._config["LAB_VM_NAMES"][uuid]

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        url = self._config["LAB_VM_CONTROL"].rstrip("/") + path
        try:
            response = requests.request(method, url, json=body, timeout=30)
        except requests.RequestException as exc:
            raise error.FishyError(f"the VM manager at {url} is unreachable: {exc}") from exc
        if response.status_code == 409:
            raise error.BadRequest(response.json().get("error", response.text))
        if response.status_code >= 400:
            raise error.FishyError(f"VM manager {method} {path}: {response.text}")
        return response.json()

    def _state(self, identity: str) -> dict:
        return self._call("GET", f"/vms/{self._vm(identity)}")

    # --- power ---------------------------------------------------------------------------------
    def get_power_state(self, identity):
        return "On" if self._state(identity)["power"] == "on" else "Off"

    def set_power_state(self, identity, state):
        if state == "PushPowerButton":
            action = "off" if self.get_power_state(identity) == "On" else "on"
        elif state in _POWER:
            action = _POWER[state]
        else:
            raise error.NotSupportedError(f"Power state {state} is not supported")
        if action in ("reset", "nmi") and self.get_power_state(identity) == "Off":
            if action == "nmi":
                raise error.BadRequest("The system is off: no NMI")
            action = "on"  # a restart of a system that is off starts it
        self._call("POST", f"/vms/{self._vm(identity)}/power", {"action": action})

    # --- boot device and mode ---------------------------------------------------------------
    def get_boot_device(self, identity):
        return _FROM_VM.get(self._state(identity)["boot_device"], "Hdd")

    def set_boot_device(self, identity, boot_source):
        if boot_source not in _TO_VM:
            raise error.BadRequest(f"Boot device {boot_source} is not supported by lab VMs")
        self._call("PUT", f"/vms/{self._vm(identity)}/boot", {"device": _TO_VM[boot_source]})

    def get_boot_mode(self, identity):
        return "UEFI" if self._state(identity)["firmware"] == "uefi" else "Legacy"

    def set_boot_mode(self, identity, boot_mode):
        firmware = {"UEFI": "uefi", "Legacy": "bios"}.get(boot_mode)
        if firmware is None:
            raise error.BadRequest(f"Boot mode {boot_mode} is not supported (UEFI, Legacy)")
        self._call("PUT", f"/vms/{self._vm(identity)}/boot", {"firmware": firmware})

    def get_secure_boot(self, identity):
        return False

    def set_secure_boot(self, identity, secure):
        if secure:
            raise error.NotSupportedError("Lab VMs boot OVMF without Secure Boot")

    # --- virtual media -----------------------------------------------------------------------
    def get_boot_image(self, identity, device):
        if device != "Cd":
            return super().get_boot_image(identity, device)
        media = self._state(identity)["media"]
        return (media, True, bool(media))

    def set_boot_image(self, identity, device, boot_image=None, write_protected=True):
        if device != "Cd":
            raise error.NotSupportedError(f"Lab VMs have no {device} drive")
        self._call("PUT", f"/vms/{self._vm(identity)}/media", {"cd": boot_image})

    # --- facts ----------------------------------------------------------------------------------
    def get_total_memory(self, identity):
        return max(1, self._state(identity)["memory_mb"] // 1024)

    def get_total_cpus(self, identity):
        return self._state(identity)["cpus"]

    def get_nics(self, identity):
        return [{"id": mac, "mac": mac} for mac in self._state(identity)["macs"]]


def install(app) -> None:
    sushy_lab.install(app)
    fakedriver.FakeDriver = VmDriver


if __name__ == "__main__":
    install(main.app)
    sys.argv[0] = "sushy-emulator"
    sys.exit(main.main())
