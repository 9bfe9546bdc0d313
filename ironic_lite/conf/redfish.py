"""[redfish] options: how the redfish hardware type talks to BMCs.

Names follow Ironic's [redfish] group where Ironic has the option, so that an operator's
settings carry over.
"""

from oslo_config import cfg

group = cfg.OptGroup("redfish", title="Redfish BMC connections")

opts = [
    cfg.IntOpt(
        "connection_attempts",
        default=5,
        min=1,
        help="Attempts of one Redfish call when the BMC does not answer (refused, reset or "
        "timed out) before the call fails. Wrong credentials and Redfish errors are not "
        "retried.",
    ),
    cfg.FloatOpt(
        "connection_retry_interval",
        default=4,
        min=0,
        help="Seconds between two attempts of a Redfish call to a BMC that did not answer.",
    ),
    cfg.IntOpt(
        "connection_cache_size",
        default=1000,
        min=0,
        help="Redfish connections (one per BMC address, user and TLS verification) kept open "
        "for reuse, least recently used dropped first. 0 disables the cache: every call then "
        "connects and authenticates anew.",
    ),
    cfg.IntOpt(
        "max_concurrent_requests_per_bmc",
        default=8,
        min=0,
        help="Calls a conductor makes to one BMC address at once; more wait their turn. BMCs "
        "are small computers, and one address can front many systems (a chassis manager). "
        "0 removes the limit.",
    ),
    cfg.FloatOpt(
        "connect_timeout",
        default=10,
        min=0.1,
        help="Seconds to wait for a BMC to accept a TCP connection.",
    ),
    cfg.FloatOpt(
        "read_timeout",
        default=60,
        min=0.1,
        help="Seconds to wait for a BMC to answer one HTTP request once connected.",
    ),
    cfg.StrOpt(
        "auth_type",
        default="auto",
        choices=[
            ("basic", "HTTP Basic authentication on every request"),
            ("session", "a Redfish session (X-Auth-Token)"),
            ("auto", "a Redfish session when the BMC offers one, else HTTP Basic"),
        ],
        help="How to authenticate to BMCs whose nodes do not set driver_info/redfish_auth_type.",
    ),
    cfg.IntOpt(
        "power_state_change_timeout",
        default=60,
        min=1,
        help="Seconds to wait for a BMC to report the power state a power action asked for "
        "(unless the API request gave its own timeout); then the action fails.",
    ),
    cfg.FloatOpt(
        "poll_interval",
        default=1,
        min=0.05,
        help="Seconds between reads while waiting for a BMC to reach a power state, to finish "
        "a task (firmware update) or to apply pending BIOS settings.",
    ),
    cfg.IntOpt(
        "bios_apply_timeout",
        default=600,
        min=1,
        help="Seconds to wait, after the reboot that applies them, for a BMC to report no "
        "more pending BIOS settings.",
    ),
    cfg.IntOpt(
        "firmware_update_timeout",
        default=1800,
        min=1,
        help="Seconds to wait for a BMC's firmware update task to finish.",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts() -> list:
    return [(group, opts)]
