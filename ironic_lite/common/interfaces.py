"""The hardware interface types a node composes, in the order Ironic lists them."""

INTERFACE_TYPES: tuple[str, ...] = (
    "bios",
    "boot",
    "console",
    "deploy",
    "firmware",
    "inspect",
    "management",
    "network",
    "power",
    "raid",
    "rescue",
    "storage",
    "vendor",
)

# Node columns holding the chosen implementation of each interface type.
INTERFACE_FIELDS: tuple[str, ...] = tuple(f"{name}_interface" for name in INTERFACE_TYPES)
