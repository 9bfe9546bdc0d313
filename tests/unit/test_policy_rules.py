"""Ironic's default API policy, persona by persona, through the real oslo.policy enforcer.

Each row names a rule and the personas Ironic 39's defaults let through for a node owned by
project OWNER and leased to project LESSEE (or an allocation/runbook owned by OWNER); every
persona not named must be refused. Keystone's implied roles are spelled out (an admin token
carries admin, manager, member and reader), as keystonemiddleware reports them.
"""

import pytest

from ironic_lite.common import exceptions, policy
from ironic_lite.common.context import RequestContext, system_admin_context
from ironic_lite.conf import CONF

OWNER, LESSEE, THIRD, SERVICE = "p-owner", "p-lessee", "p-third", "p-service"
ADMIN = ("admin", "manager", "member", "reader")
MANAGER = ("manager", "member", "reader")
MEMBER = ("member", "reader")
READER = ("reader",)


def _project(project: str, name: str, roles: tuple[str, ...]) -> RequestContext:
    return RequestContext(
        user=f"u-{name}", project=project, project_name=name, project_domain="default", roles=roles
    )


def _system(roles: tuple[str, ...]) -> RequestContext:
    return RequestContext(user=f"u-system-{roles[0]}", roles=roles, system_scope="all")


PERSONAS = {
    "SA": _system(ADMIN),
    "SM": _system(MEMBER),
    "SR": _system(READER),
    "OA": _project(OWNER, "owner", ADMIN),
    "OMgr": _project(OWNER, "owner", MANAGER),
    "OM": _project(OWNER, "owner", MEMBER),
    "OR": _project(OWNER, "owner", READER),
    "LA": _project(LESSEE, "lessee", ADMIN),
    "LMgr": _project(LESSEE, "lessee", MANAGER),
    "LM": _project(LESSEE, "lessee", MEMBER),
    "LR": _project(LESSEE, "lessee", READER),
    "TA": _project(THIRD, "third", ADMIN),
    # Nova's user: the service role in the service project; elevated only when configured
    "SVC": _project(SERVICE, "service", ("service",)),
    # a service user inside the owning project (Ironic's PROJECT_SERVICE persona)
    "SVCO": _project(OWNER, "owner", ("service",)),
}
SVCE = "SVCE"  # SVC with [DEFAULT] rbac_service_role_elevated_access = True
EVERYONE = set(PERSONAS) | {SVCE}

NODE = {"node.owner": OWNER, "node.lessee": LESSEE}
ALLOCATION = {"allocation.owner": OWNER}
RUNBOOK = {"runbook.owner": OWNER}

SYSTEM_ADMIN = {"SA"}
SYSTEM_MEMBER = {"SA", "SM", SVCE}
SYSTEM_READER = {"SA", "SM", "SR", SVCE}
PROJECT_MEMBERS = {"OA", "OMgr", "OM", "LA", "LMgr", "LM"}
PROJECT_READERS = PROJECT_MEMBERS | {"OR", "LR"}
OWNER_ADMINS = {"OA", "OMgr"}
OWNER_MEMBERS = OWNER_ADMINS | {"OM"}
LESSEE_ADMINS = {"LA", "LMgr"}
DEPLOYERS = SYSTEM_MEMBER | OWNER_MEMBERS | LESSEE_ADMINS | {"SVCO"}

# (rule, target, who passes)
TABLE = [
    ("baremetal:node:get", NODE, SYSTEM_READER | PROJECT_READERS | {"SVCO"}),
    ("baremetal:node:list", None, EVERYONE),
    ("baremetal:node:list_all", None, SYSTEM_READER),
    ("baremetal:node:create", None, SYSTEM_ADMIN),
    ("baremetal:node:create:self_owned_node", None, {"SA", "OA", "LA", "TA", "SVC", SVCE, "SVCO"}),
    ("baremetal:node:delete", NODE, SYSTEM_ADMIN),
    ("baremetal:node:delete:self_owned_node", NODE, {"OA"}),
    ("baremetal:node:update", NODE, SYSTEM_MEMBER | PROJECT_MEMBERS),
    ("baremetal:node:update_extra", NODE, SYSTEM_MEMBER | PROJECT_MEMBERS),
    ("baremetal:node:update_instance_info", NODE, DEPLOYERS),
    ("baremetal:node:update:owner", NODE, SYSTEM_MEMBER),
    ("baremetal:node:update:lessee", NODE, SYSTEM_MEMBER | OWNER_MEMBERS | {"SVCO"}),
    ("baremetal:node:update:driver_info", NODE, SYSTEM_MEMBER | OWNER_MEMBERS | {"SVCO"}),
    ("baremetal:node:update:driver_interfaces", NODE, SYSTEM_MEMBER | OWNER_ADMINS | {"SVCO"}),
    ("baremetal:node:update:chassis_uuid", NODE, SYSTEM_ADMIN),
    ("baremetal:node:update_owner_provisioned", NODE, SYSTEM_ADMIN),  # system scope only
    ("baremetal:node:get:last_error", NODE, SYSTEM_READER | OWNER_MEMBERS | {"OR", "SVCO"}),
    ("baremetal:node:get:filter_threshold", NODE, SYSTEM_READER),
    ("baremetal:node:set_power_state", NODE, SYSTEM_MEMBER | PROJECT_MEMBERS),
    ("baremetal:node:set_provision_state", NODE, DEPLOYERS),
    ("baremetal:node:set_maintenance", NODE, DEPLOYERS),
    ("baremetal:node:vif:attach", NODE, DEPLOYERS),
    ("baremetal:node:vif:list", NODE, SYSTEM_READER | PROJECT_READERS | {"SVCO"}),
    ("baremetal:node:set_boot_device", NODE, SYSTEM_MEMBER | OWNER_ADMINS | {"SVCO"}),
    ("baremetal:node:traits:set", NODE, SYSTEM_MEMBER | OWNER_ADMINS | {"SVCO"}),
    ("baremetal:node:get_console", NODE, SYSTEM_MEMBER | OWNER_MEMBERS | {"SVCO"}),
    ("baremetal:node:disable_cleaning", NODE, SYSTEM_ADMIN),
    ("baremetal:node:vendor_passthru", NODE, SYSTEM_ADMIN),
    ("baremetal:port:create", NODE, SYSTEM_ADMIN | OWNER_ADMINS | {"SVCO"}),
    ("baremetal:port:update", NODE, SYSTEM_MEMBER | OWNER_ADMINS | {"SVCO"}),
    ("baremetal:port:get", NODE, SYSTEM_READER | PROJECT_READERS | {"SVCO"}),
    ("baremetal:volume:create", NODE, SYSTEM_MEMBER | OWNER_ADMINS | LESSEE_ADMINS | {"SVCO"}),
    # system-scoped rules: a project token is refused whatever its roles
    ("baremetal:chassis:get", None, {"SA", "SM", "SR"}),
    ("baremetal:chassis:create", None, SYSTEM_ADMIN),
    ("baremetal:driver:get", None, {"SA", "SM", "SR"}),
    ("baremetal:events:post", None, SYSTEM_ADMIN),
    ("baremetal:conductor:get", None, SYSTEM_READER),
    ("baremetal:deploy_template:get", None, SYSTEM_READER),
    ("baremetal:allocation:get", ALLOCATION, SYSTEM_READER | OWNER_MEMBERS | {"OR"}),
    ("baremetal:allocation:delete", ALLOCATION, SYSTEM_MEMBER | OWNER_MEMBERS),
    ("baremetal:allocation:create", None, SYSTEM_MEMBER | PROJECT_MEMBERS | {"TA"}),
    ("baremetal:allocation:create_restricted", None, SYSTEM_MEMBER),
    ("baremetal:runbook:get", RUNBOOK, SYSTEM_READER | OWNER_MEMBERS | {"OR", "SVC", "SVCO"}),
    ("baremetal:runbook:update", RUNBOOK, SYSTEM_MEMBER | OWNER_ADMINS | {"SVC", "SVCO"}),
    (
        "baremetal:runbook:create",
        None,
        SYSTEM_MEMBER | OWNER_ADMINS | LESSEE_ADMINS | {"TA", "SVC", "SVCO"},
    ),
    ("show_password", NODE, set()),
    ("baremetal:node:ipa_heartbeat", None, EVERYONE),
]


@pytest.fixture(autouse=True)
def _config():
    CONF([], project="ironic-lite", default_config_files=[])
    policy.reset()
    yield
    CONF.clear_override("rbac_service_role_elevated_access")
    CONF.clear_override("policy_file", "oslo_policy")
    CONF.clear_override("enforce_new_defaults", "oslo_policy")
    policy.reset()


def _who_passes(rule: str, target: dict | None) -> set[str]:
    passed = {name for name, ctx in PERSONAS.items() if policy.check(rule, ctx, target)}
    CONF.set_override("rbac_service_role_elevated_access", True)
    if policy.check(rule, PERSONAS["SVC"], target):
        passed.add(SVCE)
    CONF.clear_override("rbac_service_role_elevated_access")
    return passed


@pytest.mark.parametrize(("rule", "target", "allowed"), TABLE, ids=[row[0] for row in TABLE])
def test_default_rule_lets_through_exactly_ironics_personas(rule, target, allowed):
    assert _who_passes(rule, target) == allowed


def test_every_rule_in_the_table_is_registered_once():
    names = [r.name for r in policy.list_policies()]
    assert len(names) == len(set(names)) == 133
    assert {row[0] for row in TABLE} <= set(names)


def test_callers_without_keystone_pass_everything_but_the_secret_rules():
    admin = system_admin_context("noauth", project="whatever")
    refused = {r.name for r in policy.list_policies() if not policy.check(r.name, admin, NODE)}
    # the "!" rules, rules naming a project or the service role, pre-scope rules
    assert refused == {
        "show_password",
        "show_instance_secrets",
        "public_api",
        "service_role",
        "is_member",
        "is_observer",
        "is_node_owner",
        "is_node_lessee",
        "is_allocation_owner",
        "baremetal:allocation:create_pre_rbac",
        "baremetal:node:delete:self_owned_node",
    }


def test_a_node_the_caller_cannot_see_is_not_found_one_it_can_see_is_forbidden():
    node = {"uuid": "n-1", "owner": OWNER, "lessee": LESSEE}
    with pytest.raises(exceptions.NodeNotFound):
        policy.authorize_node("baremetal:node:set_power_state", PERSONAS["TA"], node)
    with pytest.raises(exceptions.PortNotFound):
        hidden = exceptions.PortNotFound(port="p-1")
        policy.authorize_node("baremetal:port:update", PERSONAS["TA"], node, hide=hidden)
    with pytest.raises(exceptions.Forbidden) as refused:
        policy.authorize_node("baremetal:node:set_power_state", PERSONAS["LR"], node)
    assert refused.value.code == 403
    assert "baremetal:node:set_power_state" in str(refused.value)
    policy.authorize_node("baremetal:node:set_power_state", PERSONAS["LM"], node)
    # a node without a lessee: the lessee persona is just another project
    with pytest.raises(exceptions.NodeNotFound):
        policy.authorize_node("baremetal:node:get", PERSONAS["LA"], {**node, "lessee": None})


def test_allocations_hide_what_the_caller_cannot_see():
    allocation = {"uuid": "a-1", "owner": OWNER}
    hidden = exceptions.NotFound("Allocation a-1 could not be found.")
    with pytest.raises(exceptions.NotFound):
        policy.authorize_allocation(
            "baremetal:allocation:delete", PERSONAS["LA"], allocation, hidden
        )
    with pytest.raises(exceptions.Forbidden):
        policy.authorize_allocation(
            "baremetal:allocation:delete", PERSONAS["OR"], allocation, hidden
        )
    policy.authorize_allocation("baremetal:allocation:delete", PERSONAS["OM"], allocation, hidden)


def test_list_filter_follows_the_callers_scope():
    assert policy.list_project("node", PERSONAS["SR"]) is None
    assert policy.list_project("node", PERSONAS["SR"], LESSEE) == LESSEE
    assert policy.list_project("node", PERSONAS["OR"]) == OWNER
    assert policy.list_project("node", PERSONAS["OR"], OWNER) == OWNER
    with pytest.raises(exceptions.Forbidden):
        policy.list_project("node", PERSONAS["OR"], LESSEE)
    # the service user sees its own project's nodes, or all of them when elevated
    assert policy.list_project("node", PERSONAS["SVC"]) == SERVICE
    CONF.set_override("rbac_service_role_elevated_access", True)
    assert policy.list_project("node", PERSONAS["SVC"]) is None
    # a project-less, system-less token (domain scope) may list nothing
    with pytest.raises(exceptions.Forbidden):
        policy.list_project("node", RequestContext(user="d", domain="default", roles=READER))


def test_policy_file_overrides_a_default(tmp_path):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"baremetal:node:set_power_state": "role:admin"\n')
    CONF.set_override("policy_file", str(policy_file), "oslo_policy")
    policy.reset()
    node = {"node.owner": OWNER, "node.lessee": LESSEE}
    assert not policy.check("baremetal:node:set_power_state", PERSONAS["LM"], node)
    assert policy.check("baremetal:node:set_power_state", PERSONAS["TA"], node)
    # an edit is picked up without a restart
    policy_file.write_text('"baremetal:node:set_power_state": "!"\n')
    assert not policy.check("baremetal:node:set_power_state", PERSONAS["SA"], node)


def test_old_defaults_apply_only_when_new_defaults_are_off():
    legacy_admin = RequestContext(
        user="old",
        project="p-bm",
        project_name="baremetal",
        project_domain="default",
        roles=("baremetal_admin",),
    )
    assert not policy.check("baremetal:node:create", legacy_admin)
    CONF.set_override("enforce_new_defaults", False, "oslo_policy")
    policy.reset()
    assert policy.check("baremetal:node:create", legacy_admin)
