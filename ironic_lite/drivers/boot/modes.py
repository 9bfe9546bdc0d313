"""A node's boot mode as far as ironic-lite knows it, for what a boot interface prepares.

The ``boot_mode`` capability wins, then the node's ``boot_mode`` field (set by the management
interface or inspection). Unknown: boot files are prepared for both UEFI and BIOS, and the
firmware picks its own (DHCP by client architecture, an ISO with both boot catalogues).
"""

MODES = ("uefi", "bios")


def known_boot_mode(node: dict) -> str | None:
    """ "uefi", "bios" or None."""
    capabilities = (node.get("properties") or {}).get("capabilities") or {}
    if isinstance(capabilities, str):
        capabilities = dict(item.split(":", 1) for item in capabilities.split(",") if ":" in item)
    for mode in (capabilities.get("boot_mode"), node.get("boot_mode")):
        if mode in MODES:
            return mode
    return None


def boot_modes(node: dict) -> tuple[str, ...]:
    """The modes to prepare for: the known one, else both."""
    mode = known_boot_mode(node)
    return (mode,) if mode else MODES
