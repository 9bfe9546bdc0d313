"""DHCP providers: how a node's network boot reaches the DHCP server of the boot network.

The pxe and ipxe boot interfaces ask for the node's boot options when they prepare a
network boot and take them back when they clean it up; ``[dhcp] dhcp_provider`` says who
carries them: ``none`` (the DHCP server is set up by hand) or ``dnsmasq`` (files a dnsmasq
reads, see ``dnsmasq.py``). The options themselves are built in ``options.py``.
"""

from ironic_lite.conf import CONF
from ironic_lite.drivers.dhcp.base import DHCPProvider, pxe_macs
from ironic_lite.drivers.dhcp.dnsmasq import DnsmasqDHCP
from ironic_lite.drivers.dhcp.none import NoDHCP

__all__ = ["DHCPProvider", "provider", "pxe_macs"]

PROVIDERS: dict[str, type[DHCPProvider]] = {"none": NoDHCP, "dnsmasq": DnsmasqDHCP}


def provider() -> DHCPProvider:
    """The configured provider ([dhcp] dhcp_provider)."""
    return PROVIDERS[CONF.dhcp.dhcp_provider]()
