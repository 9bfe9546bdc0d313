"""Ironic's API policy as one table: every rule's name, default check string and scope.

The names and check strings are Ironic 39's, so an operator's policy.yaml written for Ironic
means the same here. A check string is built from the personas below; ``%(node.owner)s``,
``%(node.lessee)s``, ``%(allocation.owner)s`` and ``%(runbook.owner)s`` are filled from the
target the caller passes, ``%(config.service_project_name)s`` from
``[DEFAULT] rbac_service_project_name`` when ``rbac_service_role_elevated_access`` is on.

``legacy`` is the pre-scope (before Wallaby) default an operator can switch back on with
``[oslo_policy] enforce_new_defaults = False``: a check string for the same rule name, or
``(old rule name, check string)`` where Ironic folded an older rule into a new one.
"""

import dataclasses

# --- personas (Ironic's check strings, character for character) ------------------------------
SYSTEM_ADMIN = "role:admin and system_scope:all"
SYSTEM_MEMBER = "(role:member and system_scope:all) or rule:service_role"
SYSTEM_READER = (
    "(role:reader and system_scope:all) or (role:service and system_scope:all) or rule:service_role"
)
PROJECT_ADMIN = "role:admin and project_id:%(node.owner)s"
PROJECT_MANAGER = "role:manager and (project_id:%(node.owner)s or project_id:%(node.lessee)s)"
PROJECT_MEMBER = "role:member and (project_id:%(node.owner)s or project_id:%(node.lessee)s)"
PROJECT_READER = "role:reader and (project_id:%(node.owner)s or project_id:%(node.lessee)s)"
SYSTEM_SERVICE = "role:service and system_scope:all"
PROJECT_SERVICE = "role:service and project_id:%(node.owner)s"

OWNER_ADMIN = "role:admin and project_id:%(node.owner)s"
OWNER_MANAGER = "role:manager and project_id:%(node.owner)s"
OWNER_MEMBER = "role:member and project_id:%(node.owner)s"
OWNER_READER = "role:reader and project_id:%(node.owner)s"
LESSEE_ADMIN = "role:admin and project_id:%(node.lessee)s"
LESSEE_MANAGER = "role:manager and project_id:%(node.lessee)s"

ALLOCATION_OWNER_MEMBER = "role:member and project_id:%(allocation.owner)s"
ALLOCATION_OWNER_READER = "role:reader and project_id:%(allocation.owner)s"
RUNBOOK_OWNER_MANAGER = "role:manager and project_id:%(runbook.owner)s"
RUNBOOK_OWNER_READER = "role:reader and project_id:%(runbook.owner)s"


def _any(*checks: str) -> str:
    return " or ".join(f"({c})" for c in checks)


SYSTEM_OR_PROJECT_MEMBER = _any(SYSTEM_MEMBER, PROJECT_MEMBER, SYSTEM_SERVICE)
SYSTEM_OR_PROJECT_READER = _any(SYSTEM_READER, PROJECT_READER, PROJECT_SERVICE)
# provision actions, VIFs, maintenance, instance_info: the owner's members, the lessee's admins
SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN = _any(
    SYSTEM_MEMBER, SYSTEM_SERVICE, OWNER_MEMBER, LESSEE_ADMIN, LESSEE_MANAGER, PROJECT_SERVICE
)
SYSTEM_ADMIN_OR_OWNER_ADMIN = _any(
    SYSTEM_ADMIN, SYSTEM_SERVICE, OWNER_ADMIN, OWNER_MANAGER, PROJECT_SERVICE
)
SYSTEM_MEMBER_OR_OWNER_ADMIN = _any(
    SYSTEM_MEMBER, SYSTEM_SERVICE, OWNER_ADMIN, OWNER_MANAGER, PROJECT_SERVICE
)
SYSTEM_MEMBER_OR_OWNER_MEMBER = _any(SYSTEM_MEMBER, SYSTEM_SERVICE, OWNER_MEMBER, PROJECT_SERVICE)
SYSTEM_OR_OWNER_READER = _any(SYSTEM_READER, SYSTEM_SERVICE, OWNER_READER, PROJECT_SERVICE)
SYSTEM_MEMBER_OR_OWNER_LESSEE_ADMIN = _any(
    SYSTEM_MEMBER,
    SYSTEM_SERVICE,
    OWNER_ADMIN,
    OWNER_MANAGER,
    LESSEE_ADMIN,
    LESSEE_MANAGER,
    PROJECT_SERVICE,
)
ALLOCATION_MEMBER = _any(SYSTEM_MEMBER, ALLOCATION_OWNER_MEMBER)
ALLOCATION_READER = _any(SYSTEM_READER, ALLOCATION_OWNER_READER)
ALLOCATION_CREATOR = _any(SYSTEM_MEMBER, "role:member")
RUNBOOK_ADMIN = f"({SYSTEM_MEMBER}) or ({RUNBOOK_OWNER_MANAGER}) or role:service"
RUNBOOK_READER = f"({SYSTEM_READER}) or ({RUNBOOK_OWNER_READER}) or role:service"
RUNBOOK_CREATOR = f"({SYSTEM_MEMBER}) or role:manager or role:service"
# readers of any scope: list rules whose results are then filtered to the caller's project
API_READER = _any("role:reader", "role:service")
TARGET_PROPERTIES_READER = _any(SYSTEM_READER, "role:admin")

# --- legacy (pre-scope) defaults --------------------------------------------------------------
ADMIN = "rule:is_admin"
OBSERVER = "rule:is_admin or rule:is_observer"
PUBLIC = "rule:public_api"

SYSTEM = ("system",)
BOTH = ("system", "project")


@dataclasses.dataclass(frozen=True)
class Rule:
    """One API rule: ``operations`` are ``"METHOD /path"`` strings under /v1."""

    name: str
    check: str
    description: str
    operations: tuple[str, ...]
    scope: tuple[str, ...] | None = BOTH
    legacy: str | tuple[str, str] | None = None


@dataclasses.dataclass(frozen=True)
class BaseRule:
    """A named check string other rules refer to (``rule:NAME``), not tied to an endpoint."""

    name: str
    check: str
    description: str
    removed: bool = False  # deprecated for removal, as in Ironic


def _node(suffix: str) -> str:
    return "/nodes/{node_ident}" + suffix


NODE = _node("")
PATCH_NODE = ("PATCH " + NODE,)

BASE_RULES = (
    BaseRule("admin_api", "role:admin or role:administrator", "Pre-scope cloud admin.", True),
    BaseRule("public_api", "is_public_api:True", "Set for the unauthenticated agent routes."),
    BaseRule(
        "show_password",
        "!",
        "Show secrets in driver_info (masked as ****** when this fails). Use with care.",
    ),
    BaseRule(
        "show_instance_secrets",
        "!",
        "Show secrets in instance_info (masked as ****** when this fails). Use with care.",
    ),
    BaseRule(
        "service_role",
        "role:service and project_name:%(config.service_project_name)s",
        "A service user of the service project; matches only with "
        "rbac_service_role_elevated_access on.",
    ),
    BaseRule(
        "is_member",
        "(project_domain_id:default or project_domain_id:None) and "
        "(project_name:demo or project_name:baremetal)",
        "Pre-scope: projects allowed to use the API.",
        True,
    ),
    BaseRule(
        "is_observer",
        "rule:is_member and (role:observer or role:baremetal_observer)",
        "Pre-scope: read-only API access.",
        True,
    ),
    BaseRule(
        "is_admin",
        "rule:admin_api or (rule:is_member and role:baremetal_admin)",
        "Pre-scope: full API access.",
        True,
    ),
    BaseRule("is_node_owner", "project_id:%(node.owner)s", "Pre-scope: node owner.", True),
    BaseRule("is_node_lessee", "project_id:%(node.lessee)s", "Pre-scope: node lessee.", True),
    BaseRule(
        "is_allocation_owner",
        "project_id:%(allocation.owner)s",
        "Pre-scope: allocation owner.",
        True,
    ),
)

_NODE_GET = ("baremetal:node:get", OBSERVER)
_NODE_UPDATE = ("baremetal:node:update", ADMIN)


def _field(field: str, check: str, what: str, legacy=_NODE_UPDATE) -> Rule:
    return Rule(
        f"baremetal:node:update:{field}", check, f"Change {what}.", PATCH_NODE, BOTH, legacy
    )


def _shown(field: str) -> Rule:
    return Rule(
        f"baremetal:node:get:{field}",
        SYSTEM_OR_OWNER_READER,
        f"See a node's {field} (masked otherwise).",
        ("GET " + NODE,),
        BOTH,
        _NODE_GET,
    )


NODE_RULES = (
    Rule("baremetal:node:create", _any(SYSTEM_ADMIN, SYSTEM_SERVICE), "Create nodes.",
         ("POST /nodes",), BOTH, ADMIN),
    Rule("baremetal:node:create:self_owned_node", _any("role:admin", "role:service"),
         "Create nodes owned by the caller's project.", ("POST /nodes",)),
    Rule("baremetal:node:list", API_READER,
         "List nodes, filtered to those the caller's project owns or leases.",
         ("GET /nodes", "GET /nodes/detail"), BOTH, "rule:baremetal:node:get"),
    Rule("baremetal:node:list_all", SYSTEM_READER, "List every node.",
         ("GET /nodes", "GET /nodes/detail"), BOTH, "rule:baremetal:node:get"),
    Rule("baremetal:node:get", SYSTEM_OR_PROJECT_READER, "Show a node.", ("GET " + NODE,),
         BOTH, OBSERVER),
    Rule("baremetal:node:get:filter_threshold", SYSTEM_READER,
         "Callers failing this see nodes through the field rules below.", ("GET " + NODE,),
         BOTH, _NODE_GET),
    _shown("last_error"),
    _shown("reservation"),
    _shown("driver_internal_info"),
    _shown("driver_info"),
    _field("driver_info", SYSTEM_MEMBER_OR_OWNER_MEMBER, "driver_info"),
    _field("properties", SYSTEM_MEMBER_OR_OWNER_MEMBER, "properties"),
    _field("chassis_uuid", SYSTEM_ADMIN, "chassis_uuid"),
    _field("instance_uuid", SYSTEM_MEMBER_OR_OWNER_MEMBER, "instance_uuid"),
    _field("lessee", SYSTEM_MEMBER_OR_OWNER_MEMBER, "lessee"),
    _field("owner", SYSTEM_MEMBER, "owner"),
    _field("driver_interfaces", SYSTEM_MEMBER_OR_OWNER_ADMIN, "the driver and its interfaces"),
    _field("network_data", SYSTEM_MEMBER_OR_OWNER_MEMBER, "network_data"),
    _field("conductor_group", SYSTEM_MEMBER, "conductor_group"),
    _field("name", SYSTEM_MEMBER_OR_OWNER_MEMBER, "name"),
    _field("retired", SYSTEM_MEMBER_OR_OWNER_MEMBER, "retired and retired_reason"),
    Rule("baremetal:node:update", SYSTEM_OR_PROJECT_MEMBER,
         "Change a node (fields without a rule of their own).", PATCH_NODE, BOTH, ADMIN),
    Rule("baremetal:node:update_extra", SYSTEM_OR_PROJECT_MEMBER, "Change extra.", PATCH_NODE,
         BOTH, "rule:baremetal:node:update"),
    Rule("baremetal:node:update_instance_info", SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN,
         "Change instance_info.", PATCH_NODE, BOTH, "rule:baremetal:node:update"),
    Rule("baremetal:node:update_owner_provisioned", SYSTEM_ADMIN,
         "Change the owner of a provisioned node.", PATCH_NODE, SYSTEM, ADMIN),
    Rule("baremetal:node:delete", SYSTEM_ADMIN, "Delete nodes.", ("DELETE " + NODE,), BOTH, ADMIN),
    Rule("baremetal:node:delete:self_owned_node", PROJECT_ADMIN,
         "Delete nodes the caller's project owns.", ("DELETE " + NODE,)),
    Rule("baremetal:node:validate", SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN,
         "Validate a node's interfaces.", ("GET " + _node("/validate"),), BOTH, ADMIN),
    Rule("baremetal:node:set_maintenance", SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN,
         "Put a node in maintenance.", ("PUT " + _node("/maintenance"),), BOTH, ADMIN),
    Rule("baremetal:node:clear_maintenance", SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN,
         "Take a node out of maintenance.", ("DELETE " + _node("/maintenance"),), BOTH, ADMIN),
    Rule("baremetal:node:get_boot_device", SYSTEM_MEMBER_OR_OWNER_ADMIN,
         "Read the boot device and the supported ones.",
         ("GET " + _node("/management/boot_device"),
          "GET " + _node("/management/boot_device/supported")), BOTH, OBSERVER),
    Rule("baremetal:node:set_boot_device", SYSTEM_MEMBER_OR_OWNER_ADMIN, "Set the boot device.",
         ("PUT " + _node("/management/boot_device"),), BOTH,
         ("baremetal:node:set_maintenance", ADMIN)),
    Rule("baremetal:node:get_indicator_state", SYSTEM_OR_PROJECT_READER,
         "Read indicators and their states.",
         ("GET " + _node("/management/indicators"),
          "GET " + _node("/management/indicators/{component}/{indicator}")), BOTH, OBSERVER),
    Rule("baremetal:node:set_indicator_state", SYSTEM_MEMBER_OR_OWNER_MEMBER,
         "Set an indicator.", ("PUT " + _node("/management/indicators/{component}/{indicator}"),),
         BOTH, ADMIN),
    Rule("baremetal:node:inject_nmi", SYSTEM_MEMBER_OR_OWNER_ADMIN, "Inject an NMI.",
         ("PUT " + _node("/management/inject_nmi"),), BOTH, ADMIN),
    Rule("baremetal:node:get_states", SYSTEM_OR_PROJECT_READER,
         "Read power and provision states.", ("GET " + _node("/states"),), BOTH, OBSERVER),
    Rule("baremetal:node:set_power_state", SYSTEM_OR_PROJECT_MEMBER, "Change power.",
         ("PUT " + _node("/states/power"),), BOTH, ADMIN),
    Rule("baremetal:node:set_boot_mode", SYSTEM_OR_PROJECT_MEMBER, "Change the boot mode.",
         ("PUT " + _node("/states/boot_mode"),), BOTH, ("baremetal:node:set_power_state", ADMIN)),
    Rule("baremetal:node:set_secure_boot", SYSTEM_OR_PROJECT_MEMBER, "Change secure boot.",
         ("PUT " + _node("/states/secure_boot"),), BOTH,
         ("baremetal:node:set_power_state", ADMIN)),
    Rule("baremetal:node:set_provision_state", SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN,
         "Change the provision state (deploy, clean, rescue ...).",
         ("PUT " + _node("/states/provision"),), BOTH, ADMIN),
    Rule("baremetal:node:set_provision_state:clean_steps",
         SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN, "Run explicit clean steps.",
         ("PUT " + _node("/states/provision"),)),
    Rule("baremetal:node:set_provision_state:service_steps",
         SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN, "Run explicit service steps.",
         ("PUT " + _node("/states/provision"),)),
    Rule("baremetal:node:set_raid_state", SYSTEM_MEMBER_OR_OWNER_MEMBER,
         "Set the target RAID configuration.", ("PUT " + _node("/states/raid"),), BOTH, ADMIN),
    Rule("baremetal:node:get_console", SYSTEM_MEMBER_OR_OWNER_MEMBER,
         "Read console connection details.", ("GET " + _node("/states/console"),), BOTH, ADMIN),
    Rule("baremetal:node:set_console_state", SYSTEM_MEMBER_OR_OWNER_MEMBER,
         "Enable or disable the console.", ("PUT " + _node("/states/console"),), BOTH, ADMIN),
    Rule("baremetal:node:vif:list", SYSTEM_OR_PROJECT_READER, "List VIFs.",
         ("GET " + _node("/vifs"),), BOTH, ADMIN),
    Rule("baremetal:node:vif:attach", SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN, "Attach a VIF.",
         ("POST " + _node("/vifs"),), BOTH, ADMIN),
    Rule("baremetal:node:vif:detach", SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN, "Detach a VIF.",
         ("DELETE " + _node("/vifs/{node_vif_ident}"),), BOTH, ADMIN),
    Rule("baremetal:node:traits:list", SYSTEM_OR_PROJECT_READER, "List traits.",
         ("GET " + _node("/traits"),), BOTH, OBSERVER),
    Rule("baremetal:node:traits:set", SYSTEM_MEMBER_OR_OWNER_ADMIN, "Add or replace traits.",
         ("PUT " + _node("/traits"), "PUT " + _node("/traits/{trait}")), BOTH, ADMIN),
    Rule("baremetal:node:traits:delete", SYSTEM_MEMBER_OR_OWNER_ADMIN, "Remove traits.",
         ("DELETE " + _node("/traits"), "DELETE " + _node("/traits/{trait}")), BOTH, ADMIN),
    Rule("baremetal:node:bios:get", SYSTEM_OR_PROJECT_READER, "Read BIOS settings.",
         ("GET " + _node("/bios"), "GET " + _node("/bios/{setting}")), BOTH, OBSERVER),
    Rule("baremetal:node:disable_cleaning", SYSTEM_ADMIN, "Turn automated cleaning off.",
         PATCH_NODE, BOTH, "rule:baremetal:node:update"),
    Rule("baremetal:node:history:get", SYSTEM_OR_OWNER_READER, "Read node history.",
         ("GET " + _node("/history"), "GET " + _node("/history/{event_ident}")), BOTH, _NODE_GET),
    Rule("baremetal:node:inventory:get", SYSTEM_OR_OWNER_READER, "Read inspection data.",
         ("GET " + _node("/inventory"),), BOTH, _NODE_GET),
    _field("shard", SYSTEM_ADMIN, "shard", legacy=None),
    Rule("baremetal:shards:get", SYSTEM_READER, "List shards.", ("GET /shards",)),
    _field("parent_node", SYSTEM_MEMBER, "parent_node", legacy=None),
    _field("disable_power_off", SYSTEM_ADMIN, "disable_power_off", legacy=None),
    Rule("baremetal:node:firmware:get", SYSTEM_OR_PROJECT_READER, "Read firmware components.",
         ("GET " + _node("/firmware"),)),
    Rule("baremetal:node:vmedia:attach", SYSTEM_OR_PROJECT_MEMBER, "Attach virtual media.",
         ("POST " + _node("/vmedia"),)),
    Rule("baremetal:node:vmedia:detach", SYSTEM_OR_PROJECT_MEMBER, "Detach virtual media.",
         ("DELETE " + _node("/vmedia"),)),
    Rule("baremetal:node:vmedia:get", SYSTEM_OR_PROJECT_READER, "Read virtual media.",
         ("GET " + _node("/vmedia"),)),
)  # fmt: skip

_PORTGROUP_GET = ("baremetal:portgroup:get", OBSERVER)
_VOLUME_GET = ("baremetal:volume:get", OBSERVER)
_VOLUME_PATHS = ("/volume/connectors", "/volume/targets")
_VOLUME_LISTS = tuple("GET " + p for p in _VOLUME_PATHS) + tuple(
    "GET " + _node(p) for p in _VOLUME_PATHS
)
_VOLUME_ITEMS = ("/volume/connectors/{volume_connector_id}", "/volume/targets/{volume_target_id}")

PORT_RULES = (
    Rule("baremetal:port:get", SYSTEM_OR_PROJECT_READER, "Show ports.",
         ("GET /ports/{port_id}", "GET " + _node("/ports"), "GET " + _node("/ports/detail"),
          "GET /portgroups/{portgroup_ident}/ports",
          "GET /portgroups/{portgroup_ident}/ports/detail"), BOTH, OBSERVER),
    Rule("baremetal:port:list", API_READER, "List ports of nodes the caller's project can see.",
         ("GET /ports", "GET /ports/detail"), BOTH, "rule:baremetal:port:get"),
    Rule("baremetal:port:list_all", SYSTEM_READER, "List every port.",
         ("GET /ports", "GET /ports/detail"), BOTH, "rule:baremetal:port:get"),
    Rule("baremetal:port:create", SYSTEM_ADMIN_OR_OWNER_ADMIN, "Create ports.", ("POST /ports",),
         BOTH, ADMIN),
    Rule("baremetal:port:delete", SYSTEM_ADMIN_OR_OWNER_ADMIN, "Delete ports.",
         ("DELETE /ports/{port_id}",), BOTH, ADMIN),
    Rule("baremetal:port:update", SYSTEM_MEMBER_OR_OWNER_ADMIN, "Change ports.",
         ("PATCH /ports/{port_id}",), BOTH, ADMIN),
    Rule("baremetal:portgroup:get", SYSTEM_OR_PROJECT_READER, "Show port groups.",
         ("GET /portgroups", "GET /portgroups/detail", "GET /portgroups/{portgroup_ident}",
          "GET " + _node("/portgroups"), "GET " + _node("/portgroups/detail")), BOTH, OBSERVER),
    Rule("baremetal:portgroup:create", SYSTEM_ADMIN_OR_OWNER_ADMIN, "Create port groups.",
         ("POST /portgroups",), BOTH, ADMIN),
    Rule("baremetal:portgroup:delete", SYSTEM_ADMIN_OR_OWNER_ADMIN, "Delete port groups.",
         ("DELETE /portgroups/{portgroup_ident}",), BOTH, ADMIN),
    Rule("baremetal:portgroup:update", SYSTEM_MEMBER_OR_OWNER_ADMIN, "Change port groups.",
         ("PATCH /portgroups/{portgroup_ident}",), BOTH, ADMIN),
    Rule("baremetal:portgroup:list", API_READER,
         "List port groups of nodes the caller's project can see.",
         ("GET /portgroups", "GET /portgroups/detail"), BOTH, _PORTGROUP_GET),
    Rule("baremetal:portgroup:list_all", SYSTEM_READER, "List every port group.",
         ("GET /portgroups", "GET /portgroups/detail"), BOTH, _PORTGROUP_GET),
)  # fmt: skip

SYSTEM_RULES = (
    Rule("baremetal:chassis:get", SYSTEM_READER, "List and show chassis.",
         ("GET /chassis", "GET /chassis/detail", "GET /chassis/{chassis_id}"), SYSTEM, OBSERVER),
    Rule("baremetal:chassis:create", SYSTEM_ADMIN, "Create chassis.", ("POST /chassis",),
         SYSTEM, ADMIN),
    Rule("baremetal:chassis:delete", SYSTEM_ADMIN, "Delete chassis.",
         ("DELETE /chassis/{chassis_id}",), SYSTEM, ADMIN),
    Rule("baremetal:chassis:update", SYSTEM_MEMBER, "Change chassis.",
         ("PATCH /chassis/{chassis_id}",), SYSTEM, ADMIN),
    Rule("baremetal:driver:get", SYSTEM_READER, "List and show drivers.",
         ("GET /drivers", "GET /drivers/{driver_name}"), SYSTEM, OBSERVER),
    Rule("baremetal:driver:get_properties", SYSTEM_READER, "Read a driver's properties.",
         ("GET /drivers/{driver_name}/properties",), SYSTEM, OBSERVER),
    Rule("baremetal:driver:get_raid_logical_disk_properties", SYSTEM_READER,
         "Read a driver's RAID properties.",
         ("GET /drivers/{driver_name}/raid/logical_disk_properties",), SYSTEM, OBSERVER),
    Rule("baremetal:node:vendor_passthru", SYSTEM_ADMIN, "Call a node's vendor methods.",
         ("GET " + _node("/vendor_passthru/methods"),
          "GET POST PUT PATCH DELETE " + _node("/vendor_passthru?method={method_name}")),
         BOTH, ADMIN),
    Rule("baremetal:driver:vendor_passthru", SYSTEM_ADMIN, "Call a driver's vendor methods.",
         ("GET /drivers/{driver_name}/vendor_passthru/methods",
          "GET POST PUT PATCH DELETE /drivers/{driver_name}/vendor_passthru?method={method_name}"),
         SYSTEM, ADMIN),
    # The agent's routes need no token (the agent token guards them); an empty check passes.
    Rule("baremetal:node:ipa_heartbeat", "", "Agent heartbeats.",
         ("POST /heartbeat/{node_ident}",), None, PUBLIC),
    Rule("baremetal:driver:ipa_lookup", "", "Agent lookup.", ("GET /lookup",), None, PUBLIC),
    Rule("baremetal:driver:ipa_continue_inspection", "", "Inspection data from the agent.",
         ("POST /continue_inspection",), None),
    Rule("baremetal:conductor:get", SYSTEM_READER, "List and show conductors.",
         ("GET /conductors", "GET /conductors/{hostname}"), BOTH, OBSERVER),
    Rule("baremetal:events:post", SYSTEM_ADMIN, "Post events.", ("POST /events",), SYSTEM, ADMIN),
    Rule("baremetal:deploy_template:get", SYSTEM_READER, "List and show deploy templates.",
         ("GET /deploy_templates", "GET /deploy_templates/{deploy_template_ident}"), BOTH,
         OBSERVER),
    Rule("baremetal:deploy_template:create", SYSTEM_ADMIN, "Create deploy templates.",
         ("POST /deploy_templates",), BOTH, ADMIN),
    Rule("baremetal:deploy_template:delete", SYSTEM_ADMIN, "Delete deploy templates.",
         ("DELETE /deploy_templates/{deploy_template_ident}",), BOTH, ADMIN),
    Rule("baremetal:deploy_template:update", SYSTEM_ADMIN, "Change deploy templates.",
         ("PATCH /deploy_templates/{deploy_template_ident}",), BOTH, ADMIN),
    Rule("baremetal:inspection_rule:get", SYSTEM_READER, "List and show inspection rules.",
         ("GET /inspection_rules", "GET /inspection_rules/{rule_id}")),
    Rule("baremetal:inspection_rule:list_all", SYSTEM_READER, "List every inspection rule.",
         ("GET /inspection_rules",)),
    Rule("baremetal:inspection_rule:create", SYSTEM_ADMIN, "Create inspection rules.",
         ("POST /inspection_rules",)),
    Rule("baremetal:inspection_rule:update", SYSTEM_ADMIN, "Change inspection rules.",
         ("PATCH /inspection_rules/{rule_id}",)),
    Rule("baremetal:inspection_rule:delete", SYSTEM_ADMIN, "Delete inspection rules.",
         ("DELETE /inspection_rules", "DELETE /inspection_rules/{rule_id}")),
)  # fmt: skip

VOLUME_RULES = (
    Rule("baremetal:volume:list_all", SYSTEM_READER, "List every volume connector and target.",
         _VOLUME_LISTS, BOTH, _VOLUME_GET),
    Rule("baremetal:volume:list", API_READER,
         "List volume connectors and targets of nodes the caller's project can see.",
         _VOLUME_LISTS, BOTH, _VOLUME_GET),
    Rule("baremetal:volume:get", SYSTEM_OR_PROJECT_READER, "Show volume connectors and targets.",
         ("GET /volume", "GET " + _node("/volume")) + _VOLUME_LISTS
         + tuple("GET " + p for p in _VOLUME_ITEMS), BOTH, OBSERVER),
    Rule("baremetal:volume:create", SYSTEM_MEMBER_OR_OWNER_LESSEE_ADMIN,
         "Create volume connectors and targets.", tuple("POST " + p for p in _VOLUME_PATHS),
         BOTH, ADMIN),
    Rule("baremetal:volume:delete", SYSTEM_MEMBER_OR_OWNER_LESSEE_ADMIN,
         "Delete volume connectors and targets.", tuple("DELETE " + p for p in _VOLUME_ITEMS),
         BOTH, ADMIN),
    Rule("baremetal:volume:update", SYSTEM_OR_OWNER_MEMBER_AND_LESSEE_ADMIN,
         "Change volume connectors and targets.", tuple("PATCH " + p for p in _VOLUME_ITEMS),
         BOTH, ADMIN),
    Rule("baremetal:volume:view_target_properties", TARGET_PROPERTIES_READER,
         "See volume target properties (masked otherwise).",
         tuple("GET " + p for p in _VOLUME_ITEMS), BOTH, ("baremetal:volume:update", ADMIN)),
)  # fmt: skip

_ALLOCATION = "/allocations/{allocation_id}"

OWNED_RULES = (
    Rule("baremetal:allocation:get", ALLOCATION_READER, "Show allocations.",
         ("GET " + _ALLOCATION, "GET " + _node("/allocation")), BOTH, OBSERVER),
    Rule("baremetal:allocation:list", API_READER,
         "List allocations owned by the caller's project.", ("GET /allocations",), BOTH,
         "rule:baremetal:allocation:get"),
    Rule("baremetal:allocation:list_all", SYSTEM_READER, "List every allocation.",
         ("GET /allocations",), BOTH,
         "rule:baremetal:allocation:get and is_admin_project:True"),
    Rule("baremetal:allocation:create", ALLOCATION_CREATOR, "Create allocations.",
         ("POST /allocations",), BOTH, "rule:is_admin and is_admin_project:True"),
    Rule("baremetal:allocation:create_restricted", SYSTEM_MEMBER,
         "Create allocations for another owner.", ("POST /allocations",), BOTH,
         "rule:baremetal:allocation:create"),
    Rule("baremetal:allocation:delete", ALLOCATION_MEMBER, "Delete allocations.",
         ("DELETE " + _ALLOCATION, "DELETE " + _node("/allocation")), BOTH, ADMIN),
    Rule("baremetal:allocation:update", ALLOCATION_MEMBER,
         "Change an allocation's name and extra.", ("PATCH " + _ALLOCATION,), BOTH, ADMIN),
    Rule("baremetal:allocation:create_pre_rbac",
         "(rule:is_member and role:baremetal_admin) or (is_admin_project:True and role:admin)",
         "Pre-scope: who may create allocations without an owner.", ("PATCH " + _ALLOCATION,),
         ("project",)),
    Rule("baremetal:runbook:get", RUNBOOK_READER, "Show a runbook.",
         ("GET /runbooks/{runbook_ident}",)),
    Rule("baremetal:runbook:list", API_READER,
         "List runbooks owned by the caller's project (and public ones).", ("GET /runbooks",)),
    Rule("baremetal:runbook:list_all", SYSTEM_READER, "List every runbook.", ("GET /runbooks",)),
    Rule("baremetal:runbook:create", RUNBOOK_CREATOR, "Create runbooks.", ("POST /runbooks",)),
    Rule("baremetal:runbook:delete", RUNBOOK_ADMIN, "Delete runbooks.",
         ("DELETE /runbooks/{runbook_ident}",)),
    Rule("baremetal:runbook:update", RUNBOOK_ADMIN, "Change runbooks.",
         ("PATCH /runbooks/{runbook_ident}",)),
    Rule("baremetal:runbook:update:public", SYSTEM_MEMBER, "Make a runbook public or private.",
         ("PATCH /runbooks/{runbook_ident}/public",)),
    Rule("baremetal:runbook:update:owner", SYSTEM_MEMBER, "Change a runbook's owner.",
         ("PATCH /runbooks/{runbook_ident}/owner",)),
    Rule("baremetal:runbook:use", RUNBOOK_ADMIN, "Run a runbook on a node.",
         ("PUT " + _node("/states/provision"),)),
)  # fmt: skip

RULES: tuple[Rule, ...] = NODE_RULES + PORT_RULES + SYSTEM_RULES + VOLUME_RULES + OWNED_RULES
