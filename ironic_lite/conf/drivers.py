"""Hardware types and interface implementations enabled in this deployment ([DEFAULT]).

Option names match Ironic's so that operators can carry their configuration over:
``enabled_hardware_types``, ``enabled_<type>_interfaces`` and ``default_<type>_interface``.
"""

from oslo_config import cfg

from ironic_lite.common.interfaces import INTERFACE_TYPES

# What a fresh install enables: everything ironic-lite ships for that interface type.
_ENABLED_DEFAULTS = {
    "bios": ["fake", "no-bios", "redfish"],
    "boot": ["fake", "redfish-virtual-media", "redfish-https", "pxe", "ipxe"],
    "console": ["fake", "no-console"],
    "deploy": ["direct", "fake", "ramdisk", "custom-agent"],
    "firmware": ["fake", "no-firmware", "redfish"],
    "inspect": ["agent", "fake", "no-inspect", "redfish"],
    "management": ["fake", "noop", "redfish", "ipmitool"],
    "network": ["flat", "noop"],
    "power": ["fake", "redfish", "ipmitool"],
    "raid": ["fake", "no-raid", "redfish", "agent"],
    "rescue": ["fake", "no-rescue", "agent"],
    "storage": ["noop", "fake", "external"],
    "vendor": ["fake", "no-vendor"],
}

opts = [
    cfg.ListOpt(
        "enabled_hardware_types",
        default=["fake-hardware", "manual-management", "redfish", "ipmi"],
        help="Hardware types a conductor loads. Nodes can only use enabled hardware types.",
    ),
]
for _itype in INTERFACE_TYPES:
    opts.append(
        cfg.ListOpt(
            f"enabled_{_itype}_interfaces",
            default=_ENABLED_DEFAULTS[_itype],
            help=f"{_itype.capitalize()} interface implementations a conductor loads.",
        )
    )
    opts.append(
        cfg.StrOpt(
            f"default_{_itype}_interface",
            help=f"{_itype.capitalize()} interface given to new nodes that do not name one. "
            "Unset: the first implementation of the node's hardware type that is enabled.",
        )
    )


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)


def list_opts() -> list:
    return [("DEFAULT", opts)]
