"""The DHCP options of a node's network boot: which boot file which kind of client loads.

Each option is ``(name, value)``; the name may start with conditions on tags that dnsmasq's
own configuration sets on the client (``ipxe``: iPXE, option 175; ``efi``: UEFI PXE,
client-arch 7 or 9; ``efi-http``: UEFI HTTP boot, client-arch 16). Tags that dnsmasq does not
define are never set, so ``tag:!efi`` then holds for everyone and BIOS boot files are given.

- PXE: the boot loader of the node's boot mode (pxelinux.0 for BIOS, GRUB for UEFI), from the
  TFTP server;
- iPXE: firmware that is not iPXE yet loads iPXE (undionly.kpxe, snponly.efi) over TFTP, or,
  with UEFI HTTP boot, from ``[deploy] http_url`` (option 60 ``HTTPClient``); iPXE itself gets
  ``<http_url>/boot.ipxe``, which chains to the node's script by MAC.

A node whose boot mode is known gets that mode's boot file; one whose boot mode is unknown
gets both, told apart by the client architecture (the ``efi`` tags).
"""

from ironic_lite.conf import CONF

BOOTFILE = "67"
TFTP_SERVER_NAME = "66"
TFTP_SERVER_ADDRESS = "150"
SERVER_IP_ADDRESS = "option:server-ip-address"
VENDOR_CLASS = "60"
BOOT_IPXE = "boot.ipxe"


def _tagged(tags: list[str], option: str) -> str:
    return ",".join([f"tag:{t}" for t in tags] + [option])


def boot_options(modes: tuple[str, ...], ipxe: bool) -> list[tuple[str, str]]:
    """The options for a node that boots in one of ``modes`` ("uefi", "bios"; both when its
    mode is unknown), with iPXE or plain PXE."""
    both = len(modes) > 1
    options = []
    before = ["!ipxe"] if ipxe else []
    if ipxe:
        url = CONF.deploy.http_url.rstrip("/")
        options.append((_tagged(["ipxe"], BOOTFILE), f"{url}/{BOOT_IPXE}"))
    if "uefi" in modes:
        loader = CONF.pxe.uefi_ipxe_bootfile_name if ipxe else CONF.pxe.uefi_pxe_bootfile_name
        if ipxe:
            # UEFI HTTP boot loads iPXE by URL; it needs the vendor class back.
            http = before + ["efi-http"]
            options.append((_tagged(http, BOOTFILE), f"{url}/{loader}"))
            options.append((_tagged(http, VENDOR_CLASS), "HTTPClient"))
        # Told apart from BIOS by architecture, and from UEFI HTTP boot (iPXE only).
        tags = ["efi"] if both else (["!efi-http"] if ipxe else [])
        options.append((_tagged(before + tags, BOOTFILE), loader))
    if "bios" in modes:
        loader = CONF.pxe.ipxe_bootfile_name if ipxe else CONF.pxe.pxe_bootfile_name
        tags = before + (["!efi"] + (["!efi-http"] if ipxe else []) if both else [])
        options.append((_tagged(tags, BOOTFILE), loader))
    if CONF.pxe.tftp_server:
        server = CONF.pxe.tftp_server
        options += [
            (TFTP_SERVER_NAME, server),
            (TFTP_SERVER_ADDRESS, server),
            (SERVER_IP_ADDRESS, server),
        ]
    return options
