"""Implementations that deliberately do nothing (``noop``) or refuse everything (``no-*``)."""

from ironic_lite.drivers import base


class NoopManagement(base.ManagementInterface):
    """For machines an operator boots by hand: nothing to set, nothing to read."""

    def get_supported_boot_devices(self, task) -> list[str]:
        return []

    def set_boot_device(self, task, device: str, persistent: bool = False) -> None:
        return None

    def get_boot_device(self, task) -> dict:
        return {"boot_device": None, "persistent": None}


class NoopStorage(base.StorageInterface):
    """Local disks only; no volume to attach."""


class NoBIOS(base.unsupported("bios", "no-bios")):
    """No BIOS management: steps are refused, and there is nothing to cache."""

    def cache_bios_settings(self, task) -> None:
        return None


class NoFirmware(base.unsupported("firmware", "no-firmware")):
    """No firmware management: updates are refused, and there is nothing to cache."""

    def cache_firmware_components(self, task) -> None:
        return None


NoConsole = base.unsupported("console", "no-console")
NoInspect = base.unsupported("inspect", "no-inspect")
NoRAID = base.unsupported("raid", "no-raid")
NoRescue = base.unsupported("rescue", "no-rescue")
NoVendor = base.unsupported("vendor", "no-vendor")
