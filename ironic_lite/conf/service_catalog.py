"""[service_catalog]: how ironic-lite authenticates to Keystone for calls it makes itself.

Options come from keystoneauth1's loaders (auth plugin, session and adapter), so a group reads
like every OpenStack service's: ``auth_type = password``, ``auth_url``, ``username``, ...,
``region_name``, ``valid_interfaces``. ``register_service_group`` is the one place that builds
such a group; a service ironic-lite talks to (image, network, compute) gets its own group by
calling it with its name and service type.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

# The auth plugins whose options the sample lists; any other plugin still loads at runtime.
_SAMPLE_PLUGINS = ("password", "v3password", "v3applicationcredential")

SERVICE_CATALOG = cfg.OptGroup(
    "service_catalog",
    title="Keystone credentials and endpoint lookup for calls to other services",
    help="Credentials ironic-lite uses for Keystone and the service catalog. Needed only "
    "when it calls other OpenStack services; the API's own token checks are configured in "
    "[keystone_authtoken].",
)


def register_service_group(
    conf: cfg.ConfigOpts, group: cfg.OptGroup, service_type: str | None
) -> None:
    """Register keystoneauth's auth, session and adapter options under ``group``."""
    # A group of its own for each ConfigOpts: oslo.config copies a registered OptGroup
    # shallowly, so the plugin options keystoneauth registers when it loads (auth_url is
    # required) would otherwise show up in every ConfigOpts that registered the same object.
    conf.register_group(cfg.OptGroup(group.name, title=group.title, help=group.help))
    ks_loading.register_auth_conf_options(conf, group.name)
    ks_loading.register_session_conf_options(conf, group.name)
    ks_loading.register_adapter_conf_options(conf, group.name, include_deprecated=False)
    if service_type:
        conf.set_default("service_type", service_type, group=group.name)
    conf.set_default("valid_interfaces", ["internal", "public"], group=group.name)


def sample_opts(service_type: str | None) -> list[cfg.Opt]:
    """What the sample shows for such a group: common, session, adapter and plugin options."""
    opts: dict[str, cfg.Opt] = {}

    def add(new: list[cfg.Opt]) -> None:
        for opt in new:
            opts.setdefault(opt.dest, opt)

    add(ks_loading.get_auth_common_conf_options())
    add(ks_loading.get_session_conf_options())
    adapter = ks_loading.get_adapter_conf_options(include_deprecated=False)
    if service_type:
        adapter = [
            _with_default(o, service_type) if o.dest == "service_type" else o for o in adapter
        ]
    add(
        [
            _with_default(o, ["internal", "public"]) if o.dest == "valid_interfaces" else o
            for o in adapter
        ]
    )
    for plugin in _SAMPLE_PLUGINS:
        add(ks_loading.get_auth_plugin_conf_options(plugin))
    return sorted(opts.values(), key=lambda o: o.dest)


def _with_default(opt: cfg.Opt, default) -> cfg.Opt:
    import copy

    opt = copy.deepcopy(opt)
    opt.default = default
    return opt


def register(conf: cfg.ConfigOpts) -> None:
    register_service_group(conf, SERVICE_CATALOG, "baremetal")


def list_opts() -> list:
    return [(SERVICE_CATALOG, sample_opts("baremetal"))]
