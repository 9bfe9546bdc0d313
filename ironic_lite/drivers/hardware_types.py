"""Hardware types: which implementations of each interface a kind of machine can use.

For each interface type, the supported implementation names in order of preference: the first
one that is enabled in the configuration is the default for new nodes.
"""

import dataclasses
from collections.abc import Mapping

from ironic_lite.common.interfaces import INTERFACE_TYPES


@dataclasses.dataclass(frozen=True)
class HardwareType:
    name: str
    supported: Mapping[str, tuple[str, ...]]

    def __post_init__(self):
        missing = set(INTERFACE_TYPES) - set(self.supported)
        if missing:
            raise ValueError(f"hardware type {self.name} lacks {sorted(missing)}")


FAKE_HARDWARE = HardwareType(
    "fake-hardware",
    {
        "bios": ("fake", "no-bios"),
        "boot": ("fake", "ipxe", "pxe"),
        "console": ("fake", "no-console"),
        "deploy": ("fake", "direct", "ramdisk", "custom-agent"),
        "firmware": ("fake", "no-firmware"),
        "inspect": ("fake", "no-inspect", "agent"),
        "management": ("fake", "noop"),
        "network": ("flat", "noop"),
        "power": ("fake",),
        "raid": ("fake", "no-raid", "agent"),
        "rescue": ("fake", "no-rescue", "agent"),
        "storage": ("noop", "fake", "external"),
        "vendor": ("fake", "no-vendor"),
    },
)

# Machines with an IPMI BMC, driven with pyghmi (interface names are Ironic's: "ipmitool").
# They boot the deploy ramdisk from the network, where the agent's ``direct`` deploy and
# ``agent`` inspection take over.
IPMI = HardwareType(
    "ipmi",
    {
        "bios": ("no-bios",),
        "boot": ("ipxe", "pxe", "fake"),
        "console": ("no-console",),
        "deploy": ("direct", "fake", "ramdisk", "custom-agent"),
        "firmware": ("no-firmware",),
        "inspect": ("agent", "no-inspect"),
        "management": ("ipmitool", "noop"),
        "network": ("flat", "noop"),
        "power": ("ipmitool",),
        "raid": ("no-raid", "agent"),
        "rescue": ("no-rescue", "agent"),
        "storage": ("noop", "external"),
        "vendor": ("no-vendor",),
    },
)

# Machines whose power and boot device a person handles: ironic-lite only runs the flows.
MANUAL_MANAGEMENT = HardwareType(
    "manual-management",
    {
        "bios": ("no-bios",),
        "boot": ("fake",),
        "console": ("no-console",),
        "deploy": ("fake",),
        "firmware": ("no-firmware",),
        "inspect": ("no-inspect",),
        "management": ("noop", "fake"),
        "network": ("flat", "noop"),
        "power": ("fake",),
        "raid": ("no-raid",),
        "rescue": ("no-rescue",),
        "storage": ("noop", "external"),
        "vendor": ("no-vendor",),
    },
)

# Machines with a Redfish BMC (sushy). Deploys go through the agent (``direct``); inspection
# through the agent or out of band from the BMC (``redfish``).
REDFISH = HardwareType(
    "redfish",
    {
        "bios": ("redfish", "no-bios"),
        "boot": ("redfish-virtual-media", "redfish-https", "pxe", "ipxe", "fake"),
        "console": ("no-console",),
        "deploy": ("direct", "fake", "ramdisk", "custom-agent"),
        "firmware": ("redfish", "no-firmware"),
        "inspect": ("redfish", "agent", "no-inspect"),
        "management": ("redfish",),
        "network": ("flat", "noop"),
        "power": ("redfish",),
        "raid": ("redfish", "no-raid", "agent"),
        "rescue": ("no-rescue", "agent"),
        "storage": ("noop", "external"),
        "vendor": ("no-vendor",),
    },
)
