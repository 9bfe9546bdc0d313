"""What a DHCP provider does for the boot interfaces."""

import abc


class DHCPProvider(abc.ABC):
    @abc.abstractmethod
    def update_dhcp_opts(self, task, options: list[tuple[str, str]]) -> None:
        """Answer the DHCP requests of the node's PXE-enabled ports with ``options``:
        ``(name, value)`` pairs whose name may start with conditions on the client
        (``tag:ipxe,67``). Replaces what the node had."""

    @abc.abstractmethod
    def clean_dhcp_opts(self, task) -> None:
        """Stop answering the node's ports with boot options; safe to repeat."""

    @abc.abstractmethod
    def forget(self, node_uuid: str | None, macs: list[str]) -> None:
        """Remove every trace of a deleted node (its options) or of deleted ports (their
        MACs); safe to repeat."""

    def ip_addresses(self, task) -> list[str]:
        """Addresses the DHCP server leased to the node's ports, where it tells."""
        return []


def pxe_macs(ports: list[dict]) -> list[str]:
    """The MACs a node may network-boot from: its PXE-enabled ports', lower case."""
    return sorted(
        {p["address"].lower() for p in ports if p.get("address") and p.get("pxe_enabled", True)}
    )
