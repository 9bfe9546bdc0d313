"""[api] options: where the REST API listens and how it pages results."""

from oslo_config import cfg

group = cfg.OptGroup("api", title="REST API options")

opts = [
    cfg.HostAddressOpt("host_ip", default="127.0.0.1", help="Address the API listens on."),
    cfg.PortOpt("port", default=6385, help="TCP port the API listens on."),
    cfg.IntOpt(
        "max_limit",
        default=1000,
        min=1,
        help="Largest page a collection returns, whatever limit the client asks for.",
    ),
    cfg.StrOpt(
        "public_endpoint",
        help="Public URL of the API used in links (e.g. https://bm.example.com:6385). "
        "Defaults to the URL of the incoming request.",
    ),
    cfg.IntOpt(
        "api_workers",
        default=8,
        min=1,
        max=256,
        help="Request-handling threads of the built-in WSGI server.",
    ),
    cfg.BoolOpt(
        "debug_tracebacks_in_api",
        default=False,
        help="Put tracebacks of server errors into the error body's debuginfo. "
        "Never enable in production.",
    ),
    cfg.BoolOpt(
        "project_admin_can_manage_own_nodes",
        default=True,
        mutable=True,
        help="Let a project-scoped administrator create nodes owned by its project and "
        "delete the nodes its project owns (the baremetal:node:create:self_owned_node and "
        "baremetal:node:delete:self_owned_node rules).",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts() -> list:
    return [(group, opts)]
