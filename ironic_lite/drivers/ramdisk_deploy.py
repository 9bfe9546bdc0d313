"""The ``ramdisk`` deploy interface (Ironic's): the instance is a ramdisk, not a disk image.

Nothing is written to the machine's disks. The deploy step powers the machine off, asks the
boot interface to boot the instance from ``instance_info`` (``boot_iso``, or ``kernel`` and
``ramdisk`` with ``ramdisk_kernel_arguments``; ``ramdisk_images.instance_boot``) every time
it starts, and powers it on: pxe/ipxe point its MACs at the instance's kernel (iPXE also
boots an ISO), virtual media inserts the ISO (built from kernel and ramdisk when no ISO is
given). The node is ``active`` once it was powered on; undeploy powers it off and the boot
interface takes its boot files and media back. The deploy ramdisk is never booted, so there
is no agent and no image checksum.
"""

from ironic_lite.common import exceptions, states
from ironic_lite.drivers import base
from ironic_lite.drivers.ramdisk_images import instance_boot


class RamdiskDeploy(base.DeployInterface):
    """Boots ``instance_info``'s ramdisk or ISO as the instance."""

    uses_deploy_ramdisk = False

    def validate(self, task) -> None:
        """The instance's images, and a boot interface that can boot them."""
        instance = instance_boot(task.node)
        kind = "iso" if instance.iso else "kernel"
        if kind not in task.driver.boot.ramdisk_instances:
            what = "instance_info/boot_iso" if instance.iso else "a kernel and a ramdisk"
            raise exceptions.InvalidParameterValue(
                err=f"Node {task.node['uuid']}: its boot interface "
                f"{task.node.get('boot_interface')} cannot boot {what} as the instance of the "
                "ramdisk deploy"
            )

    @base.step("deploy", priority=100, rerunnable=True)
    def deploy(self, task) -> None:
        """Power off, make the instance's ramdisk (or ISO) the boot, power on."""
        self.validate(task)
        if not task.node["disable_power_off"]:
            task.power(states.POWER_OFF)
        task.driver.boot.prepare_instance(task)
        task.power(states.REBOOT if task.node["disable_power_off"] else states.POWER_ON)
