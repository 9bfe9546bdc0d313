"""``standby.*``: write an image, make it bootable, power off, reboot or kexec in-band."""

import logging

from ironic_lite_agent import errors, images
from ironic_lite_agent.commands import Extension, command

LOG = logging.getLogger(__name__)


class StandbyExtension(Extension):
    name = "standby"

    @command
    def write_image(self, image_info: dict, configdrive: str | None = None) -> dict:
        """Write and verify an image (and config drive) on the root disk."""
        return self.agent.write_image(image_info, configdrive)

    @command
    def prepare_image(self, image_info: dict, configdrive: str | None = None) -> dict:
        """The name Ironic's direct deploy calls: the same as write_image."""
        return self.agent.write_image(image_info, configdrive)

    @command
    def get_partition_uuids(self) -> dict:
        """Partition UUIDs of the root disk as the last deploy laid it out: this agent's
        own write_image, else the table on the disk."""
        if self.agent.partition_uuids is not None:
            return dict(self.agent.partition_uuids)
        disk = self.agent.backend.root_disk(self.agent.root_device_hints())
        return images.partition_uuids(self.agent.backend.read_layout(disk))

    @command
    def install_bootloader(
        self,
        root_uuid: str | None = None,
        efi_system_part_uuid: str | None = None,
        prep_boot_part_uuid: str | None = None,
        target_boot_mode: str | None = None,
        ignore_bootloader_failure: bool | None = None,
    ) -> dict:
        """Make the root disk bootable in ``target_boot_mode`` (default: the current mode)."""
        return install_bootloader(
            self.agent, root_uuid, efi_system_part_uuid, target_boot_mode, ignore_bootloader_failure
        )

    @command
    def sync(self) -> dict:
        """Flush file system buffers to the disks (the conductor asks before a power off)."""
        self.agent.backend.sync()
        return {"result": "synced"}

    @command
    def power_off(self) -> dict:
        """Answer, then power the machine off in-band; the agent process ends."""
        self.agent.request_exit(self.agent.backend.power_off, "power_off")
        return {"result": "powering off"}

    @command
    def reboot(self) -> dict:
        """Answer, then reboot the machine in-band; the agent process ends."""
        self.agent.request_exit(self.agent.backend.reboot, "reboot")
        return {"result": "rebooting"}

    @command
    def kexec(
        self,
        root_device: str | None = None,
        kernel: str = "/boot/vmlinuz",
        initrd: str | None = "/boot/initrd.img",
        append: str | None = None,
    ) -> dict:
        """Load the deployed OS's kernel and initrd, answer, then jump into it (no reboot
        through the firmware); the agent process ends. Nothing runs when loading fails."""
        backend = self.agent.backend
        disk = backend.root_disk(self.agent.root_device_hints())
        loaded = backend.kexec_load(disk, root_device, kernel, initrd, append)
        self.agent.request_exit(backend.kexec_exec, "kexec")
        return {"result": "kexec", **loaded}


class ImageExtension(Extension):
    """``image.install_bootloader``: the name Ironic's conductor calls it by."""

    name = "image"

    @command
    def install_bootloader(
        self,
        root_uuid: str | None = None,
        efi_system_part_uuid: str | None = None,
        prep_boot_part_uuid: str | None = None,
        target_boot_mode: str | None = None,
        ignore_bootloader_failure: bool | None = None,
        **_ignored,
    ) -> dict:
        return install_bootloader(
            self.agent, root_uuid, efi_system_part_uuid, target_boot_mode, ignore_bootloader_failure
        )


def install_bootloader(
    agent, root_uuid, efi_system_part_uuid, target_boot_mode, ignore_failure=None
) -> dict:
    """Running the image's own grub-install is allowed only when the lookup said so
    (``enable_bios_bootloader_install``, off by default as in Ironic); a failure is only
    logged when the conductor asked to ignore it."""
    backend = agent.backend
    boot_mode = target_boot_mode or (
        backend.inventory().get("boot", {}).get("current_boot_mode") or "uefi"
    )
    disk = backend.root_disk(agent.root_device_hints())
    allowed = bool(agent.lookup_config.get("enable_bios_bootloader_install"))
    try:
        return backend.install_bootloader(
            disk, boot_mode, root_uuid, efi_system_part_uuid, run_image_grub=allowed
        )
    except errors.AgentError as exc:
        if not ignore_failure:
            raise
        LOG.warning("ignoring the boot loader failure, as asked: %s", exc)
        return {"ignored_failure": str(exc)}
