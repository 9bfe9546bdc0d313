"""Each endpoint's policy check, as Ironic 39 makes it: one function per kind of object.

A view (or the service function it calls) asks once, with the caller's context and the object
it found, before it acts:

    access.on_node(context, "baremetal:node:set_power_state", node, ident)  # 404, then 403
    access.node_patch(context, node, ops, ident)                          # field-level rules
    access.port(context, "baremetal:port:update", node, ident)            # follows its node
    project = access.list_filter("port", context, parent=node)           # list filter

Objects that hang off a node (ports, port groups, volume connectors and targets) are checked
against their node's owner and lessee; allocations against their own owner; runbooks against
theirs, where a public runbook is readable by anyone with an API role. What a caller may not
see answers as if it did not exist (404), what it sees but may not change is a 403.

Plain Python: no Flask, so a test calls it with a context and a row.
"""

from collections.abc import Iterable, Mapping

from ironic_lite.common import exceptions, policy, states
from ironic_lite.common.context import RequestContext
from ironic_lite.common.interfaces import INTERFACE_FIELDS
from ironic_lite.conf import CONF

# Ironic's PATCH path -> rule table, checked in this order (first prefix wins); a path no
# prefix matches is checked by the generic ``baremetal:node:update``.
PATCH_RULES = (
    ("/instance_info", "baremetal:node:update_instance_info"),
    ("/extra", "baremetal:node:update_extra"),
    ("/driver_info", "baremetal:node:update:driver_info"),
    ("/properties", "baremetal:node:update:properties"),
    ("/chassis_uuid", "baremetal:node:update:chassis_uuid"),
    ("/instance_uuid", "baremetal:node:update:instance_uuid"),
    ("/instance_name", "baremetal:node:update_instance_info"),
    ("/lessee", "baremetal:node:update:lessee"),
    ("/owner", "baremetal:node:update:owner"),
    ("/driver", "baremetal:node:update:driver_interfaces"),
    ("/network_data", "baremetal:node:update:network_data"),
    ("/conductor_group", "baremetal:node:update:conductor_group"),
    ("/name", "baremetal:node:update:name"),
    ("/retired", "baremetal:node:update:retired"),
    ("/shard", "baremetal:node:update:shard"),
    ("/parent_node", "baremetal:node:update:parent_node"),
    ("/disable_power_off", "baremetal:node:update:disable_power_off"),
)

# What a caller who fails ``baremetal:node:get:filter_threshold`` (not a system reader) sees
# of fields that can reveal the infrastructure, unless it passes the field's own rule.
_REDACTED = {
    "last_error": "** Value Redacted - Requires baremetal:node:get:last_error permission. **",
    "reservation": "** Redacted - requires baremetal:node:get:reservation permission. **",
    "driver_internal_info": {
        "content": "** Redacted - Requires baremetal:node:get:driver_internal_info permission. **"
    },
    "driver_info": {
        "content": "** Redacted - requires baremetal:node:get:driver_info permission. **"
    },
}

_TARGET_PROPERTIES_REDACTED = (
    "** Value redacted: Requires permission baremetal:volume:view_target_properties access. "
    "Permission denied. **"
)


# --- nodes ------------------------------------------------------------------------------------
def on_node(
    context: RequestContext, rules: str | Iterable[str], node: Mapping, ident: str | None = None
) -> Mapping:
    """Refuse unless ``context`` may apply every one of ``rules`` to ``node``; return it.

    A caller that may not see the node gets its 404 (``ident`` as the client named it), one
    that sees it but fails a rule a 403.
    """
    hide = exceptions.NodeNotFound(node=ident or node.get("uuid"))
    for rule in [rules] if isinstance(rules, str) else rules:
        policy.authorize_node(rule, context, node, hide)
    return node


def node_patch_rules(ops: Iterable[Mapping]) -> list[str]:
    """The rules a node JSON-Patch needs, as Ironic derives them from the paths it touches."""
    needed: list[str] = []
    generic = False
    for op in ops:
        path = op["path"]
        rule = next((r for prefix, r in PATCH_RULES if path.startswith(prefix)), None)
        if rule is None:
            root = path.lstrip("/").split("/", 1)[0]
            if root in INTERFACE_FIELDS:
                rule = "baremetal:node:update:driver_interfaces"
            elif root == "automated_clean" and _is_false(op.get("value")):
                rule = "baremetal:node:disable_cleaning"
        if rule is None:
            generic = True
        elif rule not in needed:
            needed.append(rule)
    if generic or not needed:
        needed.append("baremetal:node:update")
    return needed


def _is_false(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("false", "f", "0", "no", "n", "off")
    return value is False or value == 0


def node_patch(context: RequestContext, node: Mapping, ops: list[Mapping], ident: str) -> None:
    """The field-level rules of a node PATCH (owner vs lessee, instance_info, extra ...).

    Changing the owner of a deployed node needs ``baremetal:node:update_owner_provisioned``
    besides ``update:owner``; failing it is Ironic's 409, not a 403. So is changing the owner
    of a node an owned allocation holds.
    """
    on_node(context, node_patch_rules(ops), node, ident)
    owner_set = any(op["path"] == "/owner" and op["op"] in ("add", "replace") for op in ops)
    if not owner_set:
        return
    if node.get("provision_state") == states.ACTIVE and not policy.check(
        "baremetal:node:update_owner_provisioned", context, policy.node_target(node)
    ):
        raise exceptions.Conflict(
            f'Cannot update owner of node "{node["uuid"]}" while it is in state "active".'
        )


def steps(context: RequestContext, steps: Iterable[Mapping], node: Mapping | None = None) -> None:
    """Step-level rules an operator may write, ``baremetal:step:execute:<interface>.<step>``,
    for explicit steps and runbooks (with the node's owner and lessee when there is a node);
    a step without such a rule is unrestricted, as in Ironic."""
    target = policy.node_target(node) if node is not None else {}
    refused = []
    for step in steps:
        rule = f"baremetal:step:execute:{step.get('interface')}.{step.get('step')}"
        if policy.defined(rule) and not policy.check(rule, context, target):
            refused.append(
                f"insufficient privileges to execute step {step.get('step')} on interface "
                f"{step.get('interface')}"
            )
    if refused:
        raise exceptions.Forbidden("; ".join(refused))


def node_create_owner(context: RequestContext, requested: str | None) -> str | None:
    """The owner a new node gets: what was asked for, or the creating project (Ironic 1.80).

    A project administrator (``baremetal:node:create:self_owned_node``, with
    ``[api] project_admin_can_manage_own_nodes``) creates nodes owned by its own project and
    no other (400); everyone else needs ``baremetal:node:create``.
    """
    owned = CONF.api.project_admin_can_manage_own_nodes and policy.check(
        "baremetal:node:create:self_owned_node", context
    )
    if not owned:
        policy.authorize("baremetal:node:create", context)
    if context.system_scope == "all" or not owned:
        return requested
    if requested and requested != context.project:
        raise exceptions.InvalidParameterValue(
            err="Cannot create a node as a project scoped admin with an owner other than "
            "your own project."
        )
    return context.project


def node_delete(context: RequestContext, node: Mapping, ident: str) -> None:
    """``baremetal:node:delete``, or a project administrator deleting its own node."""
    try:
        on_node(context, "baremetal:node:delete", node, ident)
    except exceptions.Forbidden:
        if not CONF.api.project_admin_can_manage_own_nodes:
            raise
        on_node(context, "baremetal:node:delete:self_owned_node", node, ident)


def node_link(
    context: RequestContext,
    current_owner: str | None,
    linked: Mapping | None,
    what: str,
    ident: str,
) -> None:
    """May a resource point at ``linked`` (a parent node, a port's new node)?

    The caller must see it and it must have the same owner; both failures read the same
    400, so nothing tells the caller the node exists.
    """
    refused = exceptions.InvalidParameterValue(
        err=f"Unable to apply the requested {what} '{ident}'. Requested value was invalid."
    )
    if linked is None or not policy.check(
        "baremetal:node:get", context, policy.node_target(linked)
    ):
        raise refused
    if linked.get("owner") != current_owner:
        raise refused


def node_redactor(context: RequestContext):
    """A function that hides infrastructure fields of a rendered node from ``context``, or
    None when the caller passes ``baremetal:node:get:filter_threshold`` (a system reader).

    Checked once per listing, then per node only for callers below the threshold.
    """
    if policy.check("baremetal:node:get:filter_threshold", context):
        return None

    def redact(node: Mapping, doc: dict) -> dict:
        target = policy.node_target(node)
        for field, hidden in _REDACTED.items():
            if field in doc and not policy.check(f"baremetal:node:get:{field}", context, target):
                doc[field] = hidden
        return doc

    return redact


# --- objects that follow their node -----------------------------------------------------------
def _on_node(context: RequestContext, rule: str, node: Mapping | None, hide) -> None:
    target = policy.node_target(node or {})
    policy.authorize("baremetal:node:get", context, target, hide=hide)
    policy.authorize(rule, context, target)


def port(context: RequestContext, rule: str, node: Mapping | None, ident: str) -> None:
    """A port's rule, checked against its node; 404 for a port of a node the caller cannot see."""
    _on_node(context, rule, node, exceptions.PortNotFound(port=ident))


def portgroup(context: RequestContext, rule: str, node: Mapping | None, ident: str) -> None:
    """A port group's rule, checked against its node (404 if the caller cannot see it)."""
    _on_node(context, rule, node, exceptions.PortgroupNotFound(portgroup=ident))


def volume(
    context: RequestContext, rule: str, node: Mapping | None, hide: exceptions.NotFound
) -> None:
    """A volume connector's or target's rule, checked against its node."""
    _on_node(context, rule, node, hide)


def redact_target_properties(context: RequestContext, doc: dict) -> dict:
    """Hide a volume target's properties (they can hold iSCSI credentials) from callers who
    fail ``baremetal:volume:view_target_properties``."""
    if "properties" in doc and not policy.check("baremetal:volume:view_target_properties", context):
        doc["properties"] = {"redacted_contents": _TARGET_PROPERTIES_REDACTED}
    return doc


def create_on_node(context: RequestContext, rule: str, node: Mapping | None) -> None:
    """Creating a port, port group or volume object on ``node``: the rule with the node's
    owner and lessee as target, a 403 (never a 404) when it fails, as Ironic."""
    policy.authorize(rule, context, policy.node_target(node or {}))


def list_filter(
    kind: str,
    context: RequestContext,
    project: str | None = None,
    parent: Mapping | None = None,
    parent_ident: str | None = None,
    hide: exceptions.NotFound | None = None,
) -> str | None:
    """The project a listing of ``kind`` is filtered to (None: everything).

    A listing under a node (``/nodes/{node}/ports``, ``?node=``) first needs the node to be
    visible (404 otherwise).
    """
    if parent is not None:
        policy.authorize(
            "baremetal:node:get",
            context,
            policy.node_target(parent),
            hide=hide or exceptions.NodeNotFound(node=parent_ident or parent.get("uuid")),
        )
    return policy.list_project(kind, context, project)


# --- allocations and runbooks ----------------------------------------------------------------
def allocation(
    context: RequestContext, rule: str, allocation: Mapping, hide: exceptions.NotFound
) -> None:
    """An allocation's rule against its owner; ``hide`` for one the caller cannot see."""
    policy.authorize_allocation(rule, context, allocation, hide)


def allocation_create_owner(context: RequestContext, requested: str | None) -> str | None:
    """The owner of a new allocation: a project-scoped caller's own project unless it asks
    for another, which needs ``baremetal:allocation:create_restricted`` (403 otherwise)."""
    policy.authorize("baremetal:allocation:create", context)
    if not CONF.oslo_policy.enforce_new_defaults or context.system_scope == "all":
        return requested
    if policy.check("baremetal:allocation:create_restricted", context):
        return requested or context.project
    if requested and requested != context.project:
        raise exceptions.Forbidden(resource="baremetal:allocation:create_restricted")
    return context.project


def runbook(context: RequestContext, rule: str, runbook: Mapping) -> None:
    """A runbook's rule against its owner; reading a public runbook needs only an API role."""
    target = {"runbook.owner": runbook.get("owner")}
    if policy.check(rule, context, target):
        return
    if rule == "baremetal:runbook:get" and runbook.get("public"):
        return
    policy.authorize(rule, context, target)


def runbook_create_owner(context: RequestContext, doc: Mapping) -> str | None:
    """``baremetal:runbook:create``; a project-scoped creator owns what it creates (400 for
    another owner or a public runbook), as Ironic."""
    policy.authorize("baremetal:runbook:create", context)
    if context.system_scope == "all":
        return doc.get("owner")
    if doc.get("owner") and doc["owner"] != context.project:
        raise exceptions.InvalidParameterValue(
            err="Cannot create a runbook as a project scoped admin with an owner other than "
            "your own project."
        )
    if context.project and doc.get("public") in (True, "true", "True", "1"):
        raise exceptions.InvalidParameterValue(
            err="Cannot create a public runbook as a project scoped admin."
        )
    return context.project


def runbook_patch_rules(ops: Iterable[Mapping]) -> list[str]:
    """The rules a runbook JSON-Patch needs: its owner and public flag have their own."""
    needed: list[str] = []
    generic = False
    for op in ops:
        path = op.get("path", "") if isinstance(op, Mapping) else ""
        path = path if isinstance(path, str) else ""  # a malformed path: the patch refuses it
        if path.startswith("/owner"):
            rule = "baremetal:runbook:update:owner"
        elif path.startswith("/public"):
            rule = "baremetal:runbook:update:public"
        else:
            generic = True
            continue
        if rule not in needed:
            needed.append(rule)
    if generic or not needed:
        needed.append("baremetal:runbook:update")
    return needed


def system(context: RequestContext, rule: str) -> None:
    """A rule about no particular object (chassis, drivers, conductors, templates ...)."""
    policy.authorize(rule, context)
