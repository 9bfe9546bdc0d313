"""[dhcp] and [dnsmasq] options: who answers a booting machine's DHCP request with its boot
file, and where the dnsmasq provider writes the files dnsmasq reads.

Group and option names are Ironic's, so that a dnsmasq setup carries over.
"""

from oslo_config import cfg

dhcp_group = cfg.OptGroup("dhcp", title="DHCP provider of network boot")
dnsmasq_group = cfg.OptGroup("dnsmasq", title="The dnsmasq DHCP provider")

dhcp_opts = [
    cfg.StrOpt(
        "dhcp_provider",
        default="none",
        choices=[
            (
                "none",
                "Nothing is written: the DHCP server is set up by hand to hand out boot files.",
            ),
            (
                "dnsmasq",
                "Per-port host files and per-node option files for a dnsmasq that "
                "reads [dnsmasq] dhcp_hostsdir and dhcp_optsdir.",
            ),
        ],
        help="Who tells booting machines which boot file to load (pxe and ipxe boot "
        "interfaces). Ironic's default is neutron, which ironic-lite does not have.",
    ),
]

dnsmasq_opts = [
    cfg.StrOpt(
        "dhcp_optsdir",
        default="/etc/dnsmasq.d/optsdir.d",
        help="Directory where the dnsmasq provider writes one option file per node "
        "(ironic-<node uuid>.conf). Give dnsmasq the same path as dhcp-optsdir.",
    ),
    cfg.StrOpt(
        "dhcp_hostsdir",
        default="/etc/dnsmasq.d/hostsdir.d",
        help="Directory where the dnsmasq provider writes one host file per port "
        "(ironic-<mac>.conf). Give dnsmasq the same path as dhcp-hostsdir.",
    ),
    cfg.StrOpt(
        "dhcp_leasefile",
        default="/var/lib/dnsmasq/dnsmasq.leases",
        help="dnsmasq's lease file (its dhcp-leasefile), where the provider looks up the "
        "addresses of a node's ports.",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_group(dhcp_group)
    conf.register_opts(dhcp_opts, group=dhcp_group)
    conf.register_group(dnsmasq_group)
    conf.register_opts(dnsmasq_opts, group=dnsmasq_group)


def list_opts() -> list:
    return [(dhcp_group, dhcp_opts), (dnsmasq_group, dnsmasq_opts)]
