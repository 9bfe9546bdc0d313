"""[DEFAULT] options: identity of this process, state directory, auth, RPC transport."""

import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt(
        "state_path",
        default="~/.local/state/ironic-lite",
        help="Directory where ironic-lite keeps its state (the SQLite database of the "
        "all-in-one service, boot files). Created on start when missing.",
    ),
    cfg.StrOpt(
        "host",
        default=socket.gethostname(),
        sample_default="localhost",
        help="Name of this conductor host; must be unique among conductors.",
    ),
    cfg.StrOpt(
        "auth_strategy",
        default="noauth",
        choices=[
            ("noauth", "No authentication: every caller is an admin. Only for trusted networks."),
            ("http_basic", "HTTP Basic authentication against an htpasswd file (bcrypt)."),
            (
                "keystone",
                "Keystone tokens checked by keystonemiddleware ([keystone_authtoken]); "
                "oslo.policy rules decide what each caller may do.",
            ),
        ],
        help="How API callers are authenticated.",
    ),
    cfg.StrOpt(
        "http_basic_auth_user_file",
        default="/etc/ironic-lite/htpasswd",
        help="htpasswd file with bcrypt hashes, used when auth_strategy is http_basic.",
    ),
    cfg.StrOpt(
        "rpc_transport",
        default="oslo",
        choices=[
            ("oslo", "oslo.messaging over the transport_url (RabbitMQ)."),
            ("none", "In-process calls; only for the all-in-one service."),
        ],
        help="How the API reaches conductors. The all-in-one command forces 'none'.",
    ),
    cfg.BoolOpt(
        "debug",
        default=False,
        help="Log at DEBUG level instead of INFO: adds a line per BMC and agent call (driver, "
        "address, operation, duration, outcome) to the INFO lines per API request and per "
        "provision or power state change.",
    ),
    cfg.StrOpt("log_file", help="Log to this file instead of standard error."),
    cfg.StrOpt(
        "default_resource_class",
        help="Resource class given to new nodes that are created without one.",
    ),
    cfg.StrOpt(
        "default_conductor_group",
        default="",
        help="Conductor group given to new nodes that are created without one.",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)


def list_opts() -> list:
    return [("DEFAULT", opts)]
