"""``[dhcp] dhcp_provider = none``: the DHCP server is configured by hand (or by Neutron
outside ironic-lite); nothing is written."""

from ironic_lite.drivers.dhcp.base import DHCPProvider


class NoDHCP(DHCPProvider):
    def update_dhcp_opts(self, task, options: list[tuple[str, str]]) -> None:
        pass

    def clean_dhcp_opts(self, task) -> None:
        pass

    def forget(self, node_uuid: str | None, macs: list[str]) -> None:
        pass
