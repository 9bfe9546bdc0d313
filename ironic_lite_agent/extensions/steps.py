"""``deploy.*``, ``clean.*`` and ``service.*``: list and run the agent's in-band steps."""

from ironic_lite_agent.commands import Extension, command


class DeployExtension(Extension):
    name = "deploy"

    @command
    def get_deploy_steps(self, node: dict | None = None, ports: list | None = None) -> dict:
        return self.agent.steps.for_kind("deploy")

    @command
    def execute_deploy_step(
        self,
        step: dict,
        node: dict | None = None,
        ports: list | None = None,
        deploy_version: dict | None = None,
        **_ignored,
    ) -> dict:
        return self.agent.steps.execute("deploy", step, node, ports)

    @command
    def erase_devices(self, node: dict | None = None, ports: list | None = None) -> dict:
        """Erase every disk fully (NVMe format, ATA secure erase or shred)."""
        return self.agent.steps.erase_devices(node=node, ports=ports)

    @command
    def erase_devices_metadata(self, node: dict | None = None, ports: list | None = None) -> dict:
        """Wipe every disk's partition tables and signatures."""
        return self.agent.steps.erase_devices_metadata(node=node, ports=ports)


class CleanExtension(Extension):
    name = "clean"

    @command
    def get_clean_steps(self, node: dict | None = None, ports: list | None = None) -> dict:
        return self.agent.steps.for_kind("clean")

    @command
    def execute_clean_step(
        self,
        step: dict,
        node: dict | None = None,
        ports: list | None = None,
        clean_version: dict | None = None,
        **_ignored,
    ) -> dict:
        return self.agent.steps.execute("clean", step, node, ports)


class ServiceExtension(Extension):
    name = "service"

    @command
    def get_service_steps(self, node: dict | None = None, ports: list | None = None) -> dict:
        return self.agent.steps.for_kind("service")

    @command
    def execute_service_step(
        self,
        step: dict,
        node: dict | None = None,
        ports: list | None = None,
        service_version: dict | None = None,
        **_ignored,
    ) -> dict:
        return self.agent.steps.execute("service", step, node, ports)
