"""The ``custom-agent`` deploy interface: the agent runs deploy steps, but writes no image.

Ironic's ``custom-agent`` (OpenShift's installer uses it through Metal3): what lands on the
disk is the business of deploy steps the operator asks for (``deploy_steps``, deploy
templates), typically steps of a custom hardware manager in the ramdisk. The steps of
``direct`` stay (boot the ramdisk 100, ``prepare_instance_boot`` 60, ``tear_down_agent`` 40,
``boot_instance`` 20) except ``write_image``; ``prepare_instance_boot`` only makes the node
boot from its disk (no bootloader: no image was written here), and nothing about an image is
required of ``instance_info``.
"""

from ironic_lite.drivers import base
from ironic_lite.drivers.agent.deploy import DirectDeploy, kexec_wanted


class CustomAgentDeploy(DirectDeploy):
    """``direct`` without the image: see the module docstring."""

    # Not a step here: nothing writes an image.
    write_image = None

    def validate(self, task) -> None:
        kexec_wanted(task.node)

    @base.step("deploy", priority=60, requires_ramdisk=True, rerunnable=True)
    def prepare_instance_boot(self, task) -> None:
        """The node boots from its disk from now on."""
        task.driver.management.set_boot_device(task, "disk", persistent=True)
