"""[agent] options: how the conductor talks to the in-ramdisk agent; [deploy] fast track, kexec.

Names follow Ironic's where Ironic has the option, so an operator's configuration carries over.
"""

from oslo_config import cfg

from ironic_lite.conf.pxe import deploy_group

agent_group = cfg.OptGroup("agent", title="The in-ramdisk agent (ironic-lite-agent)")

agent_opts = [
    cfg.IntOpt(
        "heartbeat_timeout",
        default=300,
        min=1,
        help="Seconds the agent is told (at lookup) it may go between heart-beats; it "
        "heart-beats every 0.3-0.6 times this.",
    ),
    cfg.IntOpt(
        "command_timeout",
        default=60,
        min=1,
        help="Seconds one HTTP request to the agent may take (commands run with wait=false "
        "answer at once; those run with wait=true must finish within this).",
    ),
    cfg.IntOpt(
        "max_command_attempts",
        default=3,
        min=1,
        help="Tries of one request to the agent when it cannot be reached or answers 409 "
        "(busy) or 5xx.",
    ),
    cfg.FloatOpt(
        "command_retry_interval",
        default=2.0,
        min=0,
        help="Seconds between two tries of one request to the agent.",
    ),
    cfg.IntOpt(
        "command_wait_attempts",
        default=100,
        min=1,
        help="Polls of a command the conductor waits for within a step (the bootloader "
        "install), command_wait_interval apart, before the step fails (Ironic's names).",
    ),
    cfg.FloatOpt(
        "command_wait_interval",
        default=6.0,
        min=0.1,
        help="Seconds between two polls of a command the conductor waits for.",
    ),
    cfg.IntOpt(
        "post_deploy_power_off_wait",
        default=30,
        min=0,
        help="Seconds to wait for the machine to power itself off after the agent was asked "
        "to (in-band) at the end of a deploy, before powering it off through the BMC.",
    ),
    cfg.StrOpt(
        "deploy_logs_collect",
        default="on_failure",
        choices=["always", "on_failure", "never"],
        help="When to fetch the agent's system logs at the end of a deploy or cleaning.",
    ),
    cfg.StrOpt(
        "deploy_logs_storage_backend",
        default="local",
        choices=["local"],
        help="Where fetched agent logs go (only the local directory below).",
    ),
    cfg.StrOpt(
        "deploy_logs_local_path",
        default="$state_path/deploy-logs",
        help="Directory for fetched agent logs: <node uuid>_<time>.tar.gz.",
    ),
    cfg.BoolOpt(
        "verify_ca",
        default=True,
        help="Verify the agent's TLS certificate when its callback URL is https.",
    ),
    cfg.StrOpt(
        "ca_file",
        help="CA bundle for the agent's TLS certificate when the agent sent none in its "
        "heart-beat (default: the system's).",
    ),
    cfg.StrOpt(
        "certificates_path",
        default="$state_path/certificates",
        help="Where the certificate each agent sends in its heart-beat (agent_verify_ca, "
        "IPA's auto-TLS) is kept, one <node uuid>.crt per node; the conductor verifies the "
        "agent with it.",
    ),
    cfg.BoolOpt(
        "stream_raw_images",
        default=True,
        help="Let the agent write raw images straight to the disk as they download, instead "
        "of caching them in the ramdisk's memory first (Ironic's default).",
    ),
    cfg.BoolOpt(
        "md5_checksum_enable",
        default=False,
        help="Tell agents (at lookup) that md5 image checksums are acceptable.",
    ),
    cfg.BoolOpt(
        "enable_bios_bootloader_install",
        default=False,
        help="Tell agents (at lookup) that they may install a boot loader by running the "
        "partition image's own grub-install in a chroot (needed for BIOS partition images and "
        "for UEFI ones whose loader the agent cannot just copy). Off by default, as in Ironic: "
        "it runs the image's programs as root in the ramdisk.",
    ),
]

fast_track_opts = [
    cfg.BoolOpt(
        "fast_track",
        default=False,
        help="Reuse a running agent (one that heart-beat within fast_track_timeout) for the "
        "next deploy, cleaning or inspection instead of rebooting the machine into the ramdisk.",
    ),
    cfg.IntOpt(
        "fast_track_timeout",
        default=300,
        min=0,
        max=300,
        help="Seconds since an agent's last heart-beat during which fast track trusts it.",
    ),
]

kexec_opts = [
    cfg.BoolOpt(
        "kexec",
        default=False,
        help="End a direct deploy by having the agent kexec into the deployed OS (its "
        "/boot/vmlinuz and /boot/initrd.img unless instance_info kexec_kernel, kexec_initrd "
        "say otherwise) instead of powering the machine off and on through the BMC; a node's "
        "instance_info/kexec overrides this. A failed kexec falls back to the power cycle. "
        "ironic-lite's own option: Ironic has none.",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_group(agent_group)
    conf.register_opts(agent_opts, group=agent_group)
    conf.register_opts(fast_track_opts + kexec_opts, group=deploy_group)


def list_opts() -> list:
    return [(agent_group, agent_opts), (deploy_group, fast_track_opts + kexec_opts)]
