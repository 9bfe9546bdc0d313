"""[conductor] options: heart-beats, liveness and the worker pool of a conductor."""

from oslo_config import cfg

group = cfg.OptGroup("conductor", title="Conductor options")

opts = [
    cfg.IntOpt(
        "heartbeat_interval",
        default=10,
        min=1,
        help="Seconds between a conductor's heart-beats in the database.",
    ),
    cfg.IntOpt(
        "heartbeat_timeout",
        default=60,
        min=2,
        help="Seconds without a heart-beat after which a conductor is considered dead.",
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
        "workers_pool_size",
        default=100,
        min=3,
        help="Threads that run long node actions; a full pool answers 503.",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts() -> list:
    return [(group, opts)]
