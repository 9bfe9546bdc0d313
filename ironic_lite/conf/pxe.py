"""[pxe] and [deploy] options: where network-boot files go and how machines fetch them.

Group and option names are Ironic's, so that a PXE setup carries over.
"""

from oslo_config import cfg

pxe_group = cfg.OptGroup("pxe", title="PXE and iPXE boot")
deploy_group = cfg.OptGroup("deploy", title="Deployment: the HTTP server that serves images")

pxe_opts = [
    cfg.StrOpt(
        "tftp_root",
        default="$state_path/tftpboot",
        help="Directory a TFTP server exports; PXE boot files of each node go to "
        "<tftp_root>/<node uuid>/ and pxelinux.cfg/01-<mac> links point at them.",
    ),
    cfg.StrOpt(
        "kernel_append_params",
        default="nofb nomodeset vga=normal",
        help="Kernel command line given to the deploy and rescue ramdisks, before the "
        "parameters ironic-lite adds (the API URL the agent reports to).",
    ),
    cfg.StrOpt(
        "tftp_server",
        help="Address of the TFTP server that exports tftp_root, handed to PXE clients by "
        "the DHCP provider (options 66, 150 and the server address). Unset: the DHCP server "
        "serves TFTP itself (as the lab's dnsmasq does).",
    ),
    cfg.StrOpt(
        "pxe_bootfile_name",
        default="pxelinux.0",
        help="Boot file of BIOS machines booting with the pxe interface (in tftp_root).",
    ),
    cfg.StrOpt(
        "uefi_pxe_bootfile_name",
        default="bootx64.efi",
        help="Boot file of UEFI machines booting with the pxe interface: a GRUB (or shim "
        "loading it) that reads grub.cfg-01-<mac> from tftp_root.",
    ),
    cfg.StrOpt(
        "ipxe_bootfile_name",
        default="undionly.kpxe",
        help="iPXE image that BIOS machines load over TFTP before iPXE fetches boot.ipxe.",
    ),
    cfg.StrOpt(
        "uefi_ipxe_bootfile_name",
        default="snponly.efi",
        help="iPXE image that UEFI machines load over TFTP (or, with UEFI HTTP boot, from "
        "[deploy] http_url) before iPXE fetches boot.ipxe.",
    ),
    cfg.IntOpt(
        "ipxe_timeout",
        default=60,
        min=0,
        help="Seconds iPXE waits for each download before giving up (0: iPXE's default).",
    ),
    cfg.IntOpt(
        "image_download_timeout",
        default=120,
        min=1,
        help="Seconds to fetch a kernel or ramdisk into the TFTP root for PXE boot.",
    ),
    cfg.IntOpt(
        "image_cache_size",
        default=20480,
        min=0,
        help="Maximum size (in MiB) of each master image cache (<tftp_root>/master_images "
        "and <http_root>/master_images), including images in use; the least recently used "
        "images no node uses are removed beyond it.",
    ),
    cfg.IntOpt(
        "image_cache_ttl",
        default=10080,
        min=0,
        help="Minutes a master image no node uses stays in the cache; also how long an "
        "image from a server that sends neither ETag nor Last-Modified is trusted before "
        "it is fetched again (others are checked with a conditional GET on each use).",
    ),
    cfg.StrOpt(
        "default_ephemeral_format",
        default="ext4",
        help="File system the agent makes on a partition image's ephemeral partition when "
        "instance_info has no ephemeral_format.",
    ),
]

deploy_opts = [
    cfg.StrOpt(
        "http_root",
        default="$state_path/httpboot",
        help="Directory an HTTP server exports; iPXE scripts and configuration drives go "
        "there, per node.",
    ),
    cfg.StrOpt(
        "http_url",
        help="URL at which machines reach http_root (e.g. http://192.0.2.1:8080). Required "
        "for iPXE and virtual-media boot.",
    ),
    cfg.StrOpt(
        "api_url",
        help="URL at which booted ramdisks reach the ironic-lite API (the agent's lookup and "
        "heart-beats). Default: http://<[api] host_ip>:<[api] port>.",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_group(pxe_group)
    conf.register_opts(pxe_opts, group=pxe_group)
    conf.register_group(deploy_group)
    conf.register_opts(deploy_opts, group=deploy_group)


def list_opts() -> list:
    return [(pxe_group, pxe_opts), (deploy_group, deploy_opts)]
