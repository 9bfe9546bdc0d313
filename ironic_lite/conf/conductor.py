"""[conductor] options: heart-beats, liveness and the worker pool of a conductor."""

import os

from oslo_config import cfg, types

group = cfg.OptGroup("conductor", title="Conductor options")


class ExplicitAbsolutePath(types.ConfigType):
    """An absolute path that is already normalised: ``/srv/images``, never ``srv/images``,
    ``/srv/../etc`` or ``/srv/./images`` (a trailing ``/`` is dropped). Such values are
    compared as path prefixes, so one that normalises to something else is refused outright
    rather than silently widened."""

    def __init__(self, type_name: str = "explicit absolute path"):
        super().__init__(type_name=type_name)

    def __call__(self, value) -> str:
        value = str(value)
        if len(value) > 1:
            value = value.rstrip("/")
        if value != os.path.abspath(value):
            raise ValueError(
                f"{value!r} is not an absolute path without '.', '..' or repeated slashes"
            )
        return value

    def _formatter(self, value) -> str:
        return self.quote_trailing_and_leading_space(str(value))


opts = [
    cfg.IntOpt(
        "heartbeat_interval",
        default=5,
        min=1,
        help="Seconds between a conductor's heart-beats in the database.",
    ),
    cfg.IntOpt(
        "heartbeat_timeout",
        default=30,
        min=2,
        help="Seconds without a heart-beat after which a conductor is considered dead and its "
        "nodes are taken over. API processes answer 503 at once for a conductor that missed "
        "three heart-beats.",
    ),
    cfg.StrOpt(
        "conductor_group",
        default="",
        help="Conductor group this conductor serves; nodes with the same conductor_group "
        "are managed only by conductors of that group.",
    ),
    cfg.IntOpt(
        "node_locked_retry_attempts",
        default=3,
        min=0,
        help="Extra attempts to take a node's lock held by someone else before answering 409.",
    ),
    cfg.FloatOpt(
        "node_locked_retry_interval",
        default=0.5,
        min=0.01,
        help="Seconds between attempts to take a busy node's lock.",
    ),
    cfg.IntOpt(
        "hash_ring_reset_interval",
        default=15,
        min=1,
        help="Seconds a conductor or API process trusts its hash ring before re-reading "
        "the live conductors (membership changes are also noticed on heart-beats).",
    ),
    cfg.IntOpt(
        "rpc_call_timeout",
        default=10,
        min=1,
        help="Seconds an API process waits for a conductor to answer a call before "
        "answering 503. Conductor calls only check and hand work to a worker, so they "
        "are quick; a longer wait means the conductor is gone.",
    ),
    cfg.IntOpt(
        "graceful_shutdown_timeout",
        default=60,
        min=0,
        help="Seconds a stopping conductor lets running actions finish before handing the "
        "rest back (their nodes are resumed by the conductors that take them over).",
    ),
    cfg.BoolOpt(
        "automated_clean",
        default=True,
        help="Run automated cleaning when a node is provided or undeployed; a node's own "
        "automated_clean field overrides this.",
    ),
    cfg.DictOpt(
        "clean_step_priority_override",
        default={},
        help="New priorities of automated clean steps, as interface.step:priority pairs "
        "(e.g. deploy.erase_devices:0 to skip disk erasure).",
    ),
    cfg.DictOpt(
        "deploy_step_priority_override",
        default={},
        help="New priorities of automated deploy steps, as interface.step:priority pairs.",
    ),
    cfg.BoolOpt(
        "node_history",
        default=True,
        help="Record state changes and failures of nodes in their history.",
    ),
    cfg.IntOpt(
        "node_history_max_entries",
        default=300,
        min=1,
        help="History events kept per node; older ones are pruned.",
    ),
    cfg.IntOpt(
        "sync_power_state_interval",
        default=60,
        min=0,
        help="Seconds between passes that compare each node's power state with its BMC "
        "(0 disables them).",
    ),
    cfg.IntOpt(
        "sync_power_state_workers",
        default=8,
        min=1,
        help="BMCs a conductor queries at once during a power-state pass.",
    ),
    cfg.BoolOpt(
        "force_power_state_during_sync",
        default=True,
        help="During power sync, put a machine found in another power state than the node "
        "records back to the recorded state (True), or record the state found (False). A "
        "machine changed behind ironic-lite's back power_state_sync_max_retries passes in a "
        "row is recorded as it is and put in maintenance. Nodes in maintenance, enroll or "
        "adopt failed, or with disable_power_off, are never forced.",
    ),
    cfg.IntOpt(
        "power_state_sync_max_retries",
        default=3,
        min=1,
        help="Consecutive failed power-state reads after which a node goes into maintenance "
        "with the 'power failure' fault (cleared once the BMC answers again).",
    ),
    cfg.BoolOpt(
        "enable_health_monitoring",
        default=True,
        help="Keep each node's health field (API 1.109) up to date during power sync: the "
        "hardware health the BMC reports (Redfish Status.Health: OK, Warning, Critical), "
        "else OK while the BMC answers, Warning after a failed power-state read and "
        "Critical once the node is in maintenance for power failure. Changes are recorded "
        "in node history.",
    ),
    cfg.IntOpt(
        "check_provision_state_interval",
        default=10,
        min=1,
        help="Seconds between checks for nodes waiting too long, nodes to take over, and "
        "wait steps that are due.",
    ),
    cfg.IntOpt(
        "deploy_callback_timeout",
        default=1800,
        min=1,
        help="Seconds a node may stay in 'wait call-back' before the deploy fails.",
    ),
    cfg.IntOpt(
        "clean_callback_timeout",
        default=1800,
        min=1,
        help="Seconds a node may stay in 'clean wait' before cleaning fails.",
    ),
    cfg.IntOpt(
        "service_callback_timeout",
        default=1800,
        min=1,
        help="Seconds a node may stay in 'service wait' before servicing fails.",
    ),
    cfg.IntOpt(
        "inspect_wait_timeout",
        default=1800,
        min=1,
        help="Seconds a node may stay in 'inspect wait' before inspection fails.",
    ),
    cfg.IntOpt(
        "rescue_callback_timeout",
        default=1800,
        min=1,
        help="Seconds a node may stay in 'rescue wait' before rescue fails.",
    ),
    cfg.StrOpt(
        "rescue_password_hash_algorithm",
        default="sha256",
        choices=["sha256", "sha512"],
        help="crypt(3) scheme of the rescue password sent to the agent (SHA-256 crypt '$5$' "
        "or SHA-512 crypt '$6$', as Ironic's option of the same name).",
    ),
    cfg.IntOpt(
        "workers_pool_size",
        default=100,
        min=3,
        help="Threads that run long node actions; a full pool answers 503.",
    ),
    cfg.ListOpt(
        "file_url_allowed_paths",
        default=["/var/lib/ironic"],
        item_type=ExplicitAbsolutePath(),
        help="Directories under which the conductor may read local files named by a path or "
        "a file:// URL (deploy and rescue kernels and ramdisks, ISOs, config drives, "
        "firmware images), after resolving symbolic links and '..'. Empty: no local file is "
        "read. Whatever this says, /etc, /proc, /sys, /dev, /boot, /run, [DEFAULT] "
        "state_path, the database file, the htpasswd file and the configuration files are "
        "never read.",
    ),
    # Deploy and rescue ramdisks for nodes whose driver_info names none (as in Ironic).
    cfg.StrOpt(
        "deploy_kernel",
        help="Kernel of the deploy ramdisk (an http(s):// URL, or a file:// URL or absolute "
        "path under file_url_allowed_paths) for nodes whose driver_info has no deploy_kernel "
        "and whose cpu_arch has no entry in deploy_kernel_by_arch.",
    ),
    cfg.StrOpt("deploy_ramdisk", help="Initramfs of the deploy ramdisk (see deploy_kernel)."),
    cfg.DictOpt(
        "deploy_kernel_by_arch",
        default={},
        help="Deploy kernels per CPU architecture (the node's properties/cpu_arch), e.g. "
        "x86_64:http://images/ipa-x86_64.kernel,aarch64:http://images/ipa-arm64.kernel.",
    ),
    cfg.DictOpt(
        "deploy_ramdisk_by_arch",
        default={},
        help="Deploy initramfs images per CPU architecture (see deploy_kernel_by_arch).",
    ),
    cfg.StrOpt(
        "bootloader",
        help="EFI system partition image (FAT, an http(s):// URL or a local file under "
        "file_url_allowed_paths) holding the EFI boot loader (e.g. GRUB) of the ISOs built "
        "for virtual media; it reads [DEFAULT] grub_config_path from the ISO. Unset: the "
        "conductor builds one with grub-mkstandalone (Debian's grub-efi-amd64-bin) and mtools.",
    ),
    cfg.StrOpt("rescue_kernel", help="Kernel of the rescue ramdisk (see deploy_kernel)."),
    cfg.StrOpt("rescue_ramdisk", help="Initramfs of the rescue ramdisk."),
    cfg.DictOpt("rescue_kernel_by_arch", default={}, help="Rescue kernels per CPU architecture."),
    cfg.DictOpt(
        "rescue_ramdisk_by_arch", default={}, help="Rescue initramfs images per CPU architecture."
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts() -> list:
    return [(group, opts)]
