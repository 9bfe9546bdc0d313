"""[fake] options: artificial delays of the fake interfaces, for tests and benchmarks.

Each value is "N" (exactly N seconds) or "MIN:MAX" (a random delay in that range).
"""

from oslo_config import cfg

group = cfg.OptGroup("fake", title="Delays of the fake hardware interfaces")

_DELAYS = (
    "power",
    "boot",
    "deploy",
    "vendor",
    "management",
    "inspect",
    "raid",
    "bios",
    "storage",
    "rescue",
    "firmware",
)

opts = [
    cfg.StrOpt(
        f"{name}_delay",
        default="0",
        help=f"Delay in seconds of each call of the fake {name} interface: 'N' or 'MIN:MAX'.",
    )
    for name in _DELAYS
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts() -> list:
    return [(group, opts)]
