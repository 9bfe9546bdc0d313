"""Who may do what: oslo.policy enforcing Ironic's rules (``common/policy_rules.py``).

The service layer asks before it acts:

    policy.authorize_node("baremetal:node:set_power_state", context, node)   # 404, then 403
    policy.authorize("baremetal:chassis:create", context)                    # 403
    if policy.check("show_password", context): ...                           # a bool, to filter
    project = policy.list_project("node", context, requested_project)        # list filter

Where Ironic hides that a resource exists, so does this module: a caller who fails
``baremetal:node:get`` on a node gets the node's (or its port's, port group's, volume
connector's or target's) 404, never a 403; a caller who fails ``baremetal:allocation:get`` gets
the allocation's 404. Every other refusal is a 403 naming the rule. A token of a scope the rule
does not allow (a project token on a system-only rule) is a 403 too, where Ironic answers 500.

Callers without Keystone (noauth, http_basic, the service itself) are system administrators,
so the default rules let them do everything but the ``!`` rules (showing secrets), as before.
The target of every check holds the caller's credentials plus the object's ``node.owner``,
``node.lessee``, ``allocation.owner`` or ``runbook.owner``, as Ironic builds it.
"""

import logging
import sys
import threading
from collections.abc import Mapping

from oslo_policy import policy

from ironic_lite.common import exceptions, policy_rules
from ironic_lite.common.context import RequestContext
from ironic_lite.conf import CONF

LOG = logging.getLogger(__name__)

_DEPRECATION = (
    "The rule now knows system and project scope and Keystone's default roles; the pre-scope "
    "default applies only with [oslo_policy] enforce_new_defaults = False"
)
_SINCE = "Wallaby"

_lock = threading.Lock()
_enforcer: policy.Enforcer | None = None


def list_policies() -> list[policy.RuleDefault]:
    """Every rule with its default, for the enforcer and ``oslopolicy-sample-generator``."""
    defaults: list[policy.RuleDefault] = []
    for base in policy_rules.BASE_RULES:
        extra = {}
        if base.removed:
            extra = {
                "deprecated_for_removal": True,
                "deprecated_reason": "Pre-scope rule; the scoped defaults do not use it.",
                "deprecated_since": _SINCE,
            }
        defaults.append(policy.RuleDefault(base.name, base.check, base.description, **extra))
    for rule in policy_rules.RULES:
        defaults.append(
            policy.DocumentedRuleDefault(
                name=rule.name,
                check_str=rule.check,
                description=rule.description,
                operations=[
                    {"method": m, "path": p} for op in rule.operations for m, p in _split(op)
                ],
                scope_types=list(rule.scope) if rule.scope else None,
                deprecated_rule=_legacy(rule),
            )
        )
    return defaults


def _split(operation: str) -> list[tuple[str, str]]:
    *methods, path = operation.split()
    return [(method, path) for method in methods]


def _legacy(rule: policy_rules.Rule) -> policy.DeprecatedRule | None:
    if rule.legacy is None:
        return None
    name, check = rule.legacy if isinstance(rule.legacy, tuple) else (rule.name, rule.legacy)
    return policy.DeprecatedRule(
        name=name, check_str=check, deprecated_reason=_DEPRECATION, deprecated_since=_SINCE
    )


def get_enforcer() -> policy.Enforcer:
    """The process's enforcer; it reads ``[oslo_policy] policy_file`` again when it changes."""
    global _enforcer
    if _enforcer is not None:
        return _enforcer
    with _lock:
        if _enforcer is None:
            enforcer = policy.Enforcer(CONF)
            # Every rule changed its default in the move to scopes; a warning per rule at
            # start-up tells an operator nothing the docs do not.
            enforcer.suppress_default_change_warnings = True
            enforcer.register_defaults(list_policies())
            _enforcer = enforcer
        return _enforcer


def reset() -> None:
    """Forget the enforcer, so the next check reads configuration afresh."""
    global _enforcer
    with _lock:
        _enforcer = None


def get_oslo_policy_enforcer() -> policy.Enforcer:
    """For oslo.policy's command-line tools (``oslopolicy-checker`` and friends).

    They pass their own ``--namespace``/``--output-file`` arguments; the rest of the command
    line (``--config-file``) is ours.
    """
    args, skip = [], False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
        elif arg.lstrip("-").split("=")[0] in ("namespace", "output-file"):
            skip = "=" not in arg
        else:
            args.append(arg)
    CONF(args, project="ironic-lite")
    return get_enforcer()


def credentials(context: RequestContext) -> dict:
    """What the rules test about the caller (oslo.context's keys plus Ironic's two extras)."""
    creds = context.to_policy_values()
    creds["is_public_api"] = False
    if CONF.rbac_service_role_elevated_access and CONF.rbac_service_project_name:
        creds["config.service_project_name"] = CONF.rbac_service_project_name
    return creds


def check(rule: str, context: RequestContext, target: Mapping | None = None) -> bool:
    """Whether ``context`` passes ``rule`` on ``target``; for filtering and masking."""
    creds = credentials(context)
    enforcer = get_enforcer()
    # authorize() refuses rules without a default; an operator's own (step rules) use enforce()
    check_rule = enforcer.authorize if rule in enforcer.registered_rules else enforcer.enforce
    try:
        return bool(check_rule(rule, {**creds, **(target or {})}, creds))
    except policy.InvalidScope:
        return False


def defined(rule: str) -> bool:
    """Whether ``rule`` has a default or is in the operator's policy file (rules such as
    ``baremetal:step:execute:<interface>.<step>`` apply only when an operator writes them)."""
    enforcer = get_enforcer()
    enforcer.load_rules()
    return rule in enforcer.rules


def authorize(
    rule: str,
    context: RequestContext,
    target: Mapping | None = None,
    hide: exceptions.NotFound | None = None,
) -> None:
    """Refuse unless ``context`` passes ``rule``: 403, or ``hide`` (a 404) when given."""
    if check(rule, context, target):
        return
    LOG.info("Policy %s refused user %s of project %s", rule, context.user, context.project)
    if hide is not None:
        raise hide
    raise exceptions.Forbidden(resource=rule)


def node_target(node: Mapping) -> dict:
    """The target of a node rule (the lessee only when set, as Ironic)."""
    target = {"node.owner": node.get("owner")}
    if node.get("lessee"):
        target["node.lessee"] = node["lessee"]
    return target


def authorize_node(
    rule: str,
    context: RequestContext,
    node: Mapping,
    hide: exceptions.NotFound | None = None,
) -> None:
    """May ``context`` apply ``rule`` to ``node`` (or to a port/volume of it)?

    A caller that may not even see the node gets ``hide`` (default: the node's 404), so
    nothing tells it the node exists; one that sees it but fails ``rule`` gets a 403.
    """
    target = node_target(node)
    if hide is None:
        hide = exceptions.NodeNotFound(node=node.get("uuid"))
    authorize("baremetal:node:get", context, target, hide=hide)
    if rule != "baremetal:node:get":
        authorize(rule, context, target)


def authorize_allocation(
    rule: str, context: RequestContext, allocation: Mapping, hide: exceptions.NotFound
) -> None:
    """Like ``authorize_node`` for allocations: ``hide`` unless the caller may see it."""
    target = {"allocation.owner": allocation.get("owner")}
    authorize("baremetal:allocation:get", context, target, hide=hide)
    if rule != "baremetal:allocation:get":
        authorize(rule, context, target)


def list_project(kind: str, context: RequestContext, project: str | None = None) -> str | None:
    """The project a listing of ``kind`` (node, port, portgroup, allocation, volume, runbook)
    must be filtered to, or ``project`` itself (None: no filter) for callers who see all.

    A caller who fails ``baremetal:<kind>:list_all`` sees only what its own project owns (or
    leases); asking for another project's, or having no project, is a 403.
    """
    if check(f"baremetal:{kind}:list_all", context):
        return project
    own = context.project
    if not own or (project and project != own):
        raise exceptions.Forbidden(resource=f"baremetal:{kind}:list_all")
    authorize(f"baremetal:{kind}:list", context)
    return own
