"""The VM lab's dnsmasq: DHCP and TFTP on the bridge, laid out as Ironic's dnsmasq provider.

Ironic's ``[dhcp] dhcp_provider = dnsmasq`` writes, for a node it boots from the network, one
file per port into ``[dnsmasq] dhcp_hostsdir`` (``ironic-<mac>.conf``: ``MAC,set:TAG,
set:ironic``, or ``MAC,ignore`` once the node is done) and one file of options into
``dhcp_optsdir`` (``ironic-<node>.conf``: lines ``tag:TAG,OPTION,VALUE``, where OPTION may
carry ``tag:ipxe,`` / ``tag:!ipxe,`` to tell iPXE from plain PXE firmware), and reads leases
from ``dhcp_leasefile``. dnsmasq watches both directories (inotify): no signal is needed.

The lab's dnsmasq reads exactly those (``layout`` says where they are, for a conductor's
config), tags iPXE clients (``ipxe``, option 175 or user class ``iPXE``) and UEFI clients
(``efi``, client architecture 7 or 9), serves TFTP from the lab's ``tftpboot`` and leases the
upper half of the subnet. Unknown MACs get an address but no boot file.
``write_boot_files`` writes one node's host and option files in the same format, which is how
the lab (and its tests) prove the path before a conductor writes them.
"""

import ipaddress
import os


def layout(directory: str) -> dict[str, str]:
    """Where the conductor's ``[dnsmasq]`` options should point."""
    return {
        "dhcp_hostsdir": os.path.join(directory, "hostsdir.d"),
        "dhcp_optsdir": os.path.join(directory, "optsdir.d"),
        "dhcp_leasefile": os.path.join(directory, "dnsmasq.leases"),
        "log": os.path.join(directory, "dnsmasq.log"),
    }


def write_config(directory: str, interface: str, address: str, subnet: str, tftp_root: str) -> str:
    """Write ``dnsmasq.conf`` (and its directories) for the bridge; its path."""
    paths = layout(directory)
    for name in ("dhcp_hostsdir", "dhcp_optsdir"):
        os.makedirs(paths[name], exist_ok=True)
    os.makedirs(tftp_root, exist_ok=True)
    network = ipaddress.ip_network(subnet)
    hosts = list(network.hosts())
    first, last = hosts[len(hosts) // 2], hosts[-1]
    path = os.path.join(directory, "dnsmasq.conf")
    with open(path, "w") as f:
        f.write(
            "# The VM lab's DHCP and TFTP server (Ironic's dnsmasq provider layout).\n"
            "port=0\n"  # no DNS
            f"interface={interface}\n"
            "bind-interfaces\n"
            f"listen-address={address}\n"
            "user=root\n"
            f"pid-file={os.path.join(directory, 'dnsmasq.pid')}\n"
            f"log-facility={paths['log']}\n"
            "log-dhcp\n"
            "dhcp-authoritative\n"
            f"dhcp-range={first},{last},{network.netmask},10m\n"
            f"dhcp-leasefile={paths['dhcp_leasefile']}\n"
            f"dhcp-hostsdir={paths['dhcp_hostsdir']}\n"
            f"dhcp-optsdir={paths['dhcp_optsdir']}\n"
            "dhcp-match=set:ipxe,175\n"
            "dhcp-userclass=set:ipxe,iPXE\n"
            "dhcp-match=set:efi,option:client-arch,7\n"
            "dhcp-match=set:efi,option:client-arch,9\n"
            "enable-tftp\n"
            f"tftp-root={tftp_root}\n"
        )
    return path


def write_boot_files(
    directory: str, tag: str, macs: list[str], options: list[tuple[str, str]]
) -> dict[str, str]:
    """One node's files in Ironic's format: ``options`` are ``(opt_name, opt_value)`` pairs as
    Ironic's PXE interface builds them, e.g. ``("tag:ipxe,67", "boot.ipxe")``."""
    paths = layout(directory)
    written = {}
    for mac in macs:
        host = os.path.join(paths["dhcp_hostsdir"], f"ironic-{mac.lower()}.conf")
        with open(host, "w") as f:
            f.write(f"{mac.lower()},set:{tag},set:ironic\n")
        written[mac] = host
    opts = os.path.join(paths["dhcp_optsdir"], f"ironic-{tag}.conf")
    with open(opts, "w") as f:
        f.write("".join(f"tag:{tag},{name},{value}\n" for name, value in options))
    written["options"] = opts
    return written
