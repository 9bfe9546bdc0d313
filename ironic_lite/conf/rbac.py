"""[DEFAULT] role-based access options read by the policy rules (Ironic's names and defaults)."""

from oslo_config import cfg
from oslo_policy import opts as policy_opts

opts = [
    cfg.BoolOpt(
        "rbac_service_role_elevated_access",
        default=False,
        help="Let users with the 'service' role in the project named by "
        "rbac_service_project_name act across all projects, as a system reader and member "
        "would (what Nova's bare-metal driver needs). Off: a service user sees and changes "
        "only nodes owned by its own project.",
    ),
    cfg.StrOpt(
        "rbac_service_project_name",
        default="service",
        help="Name of the project holding the service users (Nova, inspector ...) that "
        "rbac_service_role_elevated_access elevates.",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)
    # [oslo_policy] (policy_file, enforce_new_defaults ...) is oslo.policy's own group; register
    # it up front so a config file naming it is checked at start, not at the first request.
    policy_opts.set_defaults(conf)


def list_opts() -> list:
    return [("DEFAULT", opts)]
