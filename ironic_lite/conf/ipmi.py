"""[ipmi] options: how the ipmi hardware type talks to BMCs (with pyghmi, over RMCP+).

Names follow Ironic's [ipmi] group where Ironic has the option (command_retry_timeout,
min_command_interval, cipher_suite_versions), so that an operator's settings carry over. The
power timeouts Ironic keeps in [conductor] live here, next to the protocol they wait on, as
[redfish] does for its own.
"""

from oslo_config import cfg

group = cfg.OptGroup("ipmi", title="IPMI BMC sessions (pyghmi)")

opts = [
    cfg.IntOpt(
        "command_retry_timeout",
        default=60,
        min=0,
        help="Seconds to keep retrying an IPMI operation whose BMC does not answer (the "
        "session times out or cannot be opened), counted from the first attempt. Wrong "
        "credentials and commands the BMC refuses are not retried. 0: one attempt only.",
    ),
    cfg.FloatOpt(
        "min_command_interval",
        default=1.0,
        min=0,
        help="Minimum seconds between two IPMI operations sent to one BMC, and between two "
        "attempts of a retried operation. Ironic's default is 5 because its ipmitool driver "
        "opens a new session for every command; this driver keeps one session per BMC, "
        "which spares fragile BMCs the logins.",
    ),
    cfg.ListOpt(
        "cipher_suite_versions",
        default=[],
        item_type=cfg.types.Integer(choices=[3, 17]),
        help="Cipher suites to try, in order, for nodes whose driver_info sets no "
        "ipmi_cipher_suite. A suite the BMC refuses or does not negotiate correctly makes "
        "the driver try the next. Empty: 17 (RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128), "
        "then 3 (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128), the only two pyghmi speaks.",
    ),
    cfg.IntOpt(
        "power_state_change_timeout",
        default=60,
        min=1,
        help="Seconds to wait for a BMC to report the power state a power action asked for "
        "(unless the API request gave its own timeout); then the action fails. Ironic has "
        "this option in [conductor].",
    ),
    cfg.IntOpt(
        "soft_power_off_timeout",
        default=600,
        min=1,
        help="Seconds to wait for the operating system to power the machine off after a soft "
        "power off (ACPI shutdown) request, unless the API request gave its own timeout. "
        "Ironic has this option in [conductor].",
    ),
    cfg.FloatOpt(
        "poll_interval",
        default=1,
        min=0.05,
        help="Seconds between power state reads while waiting for a BMC to reach a state.",
    ),
    cfg.IntOpt(
        "session_cache_size",
        default=1000,
        min=0,
        help="IPMI sessions (one per BMC address, port, user and cipher suite) kept open for "
        "reuse, least recently used logged out first. 0 disables the cache: every operation "
        "then logs in and out.",
    ),
    cfg.IntOpt(
        "session_idle_timeout",
        default=30,
        min=0,
        help="Seconds after which an unused cached session is logged out and opened anew on "
        "its next use. BMCs end idle sessions themselves (often after 60 s); a command on "
        "such a session waits for a timeout before pyghmi logs in again. 0: never.",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts() -> list:
    return [(group, opts)]
