"""The inspection rule engine: run every rule on a freshly recorded inventory.

Rules of the ``main`` phase run highest priority first. A rule whose conditions all hold runs
its actions in order; a ``fail`` action (or a failing ``check-wiring``) ends inspection with
HardwareInspectionFailure, which the inspect flow turns into ``inspect failed``. What each
rule did is recorded in node history and in the plugin data (``rules``).

Arguments may refer to the inspection data: ``{inventory[cpu][count]}``,
``{node.driver_info[ipmi_address]}`` (or ``{node[driver]}``), ``{plugin_data[...]}`` and, in a
loop, ``{item}`` / ``{item[key]}``. Lookups walk dicts and lists only (no attribute access, no
evaluation). An argument that is exactly one reference takes the referenced value as it is (a
number stays a number); a reference inside longer text is replaced by its text.
"""

from __future__ import annotations

import ipaddress
import logging
import operator
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ironic_lite.common import exceptions
from ironic_lite.common import inspection_rules as catalogue
from ironic_lite.conductor import transitions, wiring
from ironic_lite.db import api as dbapi

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task

LOG = logging.getLogger(__name__)

_ROOTS = ("node", "inventory", "plugin_data", "item")
_REF = re.compile(r"\{(" + "|".join(_ROOTS) + r")((?:\[[^\[\]{}]*\]|\.[A-Za-z_][A-Za-z0-9_-]*)*)\}")
_PART = re.compile(r"\[([^\[\]]*)\]|\.([A-Za-z_][A-Za-z0-9_-]*)")
_MISSING = object()

# Node fields rules may change (set/extend/del-attribute): what an operator may PATCH.
NODE_FIELDS = frozenset(
    {
        "name",
        "description",
        "driver",
        "driver_info",
        "properties",
        "extra",
        "instance_info",
        "resource_class",
        "owner",
        "lessee",
        "conductor_group",
        "shard",
        "retired",
        "retired_reason",
        "automated_clean",
        "protected",
        "protected_reason",
        "maintenance",
        "maintenance_reason",
        "disable_power_off",
        *(f"{i}_interface" for i in ("bios", "boot", "console", "deploy", "firmware")),
        *(f"{i}_interface" for i in ("inspect", "management", "network", "power", "raid")),
        *(f"{i}_interface" for i in ("rescue", "storage", "vendor")),
    }
)
PORT_FIELDS = frozenset(
    {
        "extra",
        "local_link_connection",
        "physical_network",
        "pxe_enabled",
        "name",
        "description",
        "is_smartnic",
        "vendor",
        "category",
    }
)


class RuleError(exceptions.IronicLiteError):
    """A rule could not be applied (bad path, missing port ...): inspection fails with it."""

    message = "%(err)s"
    code = exceptions.HTTPStatus.BAD_REQUEST


# --- references -------------------------------------------------------------------------------
def lookup(context: dict, root: str, path: str):
    """The value at ``root`` + ``path`` (``[a][0].b``) in ``context``, or _MISSING."""
    value = context.get(root, _MISSING)
    for index, attr in _PART.findall(path):
        key = attr or index
        if isinstance(value, dict):
            value = value.get(key, _MISSING)
        elif isinstance(value, list) and key.lstrip("-").isdigit():
            position = int(key)
            value = value[position] if -len(value) <= position < len(value) else _MISSING
        else:
            value = _MISSING
        if value is _MISSING:
            break
    return value


def interpolate(value, context: dict):
    """``value`` with every reference replaced (recursively through dicts and lists)."""
    if isinstance(value, dict):
        return {interpolate(k, context): interpolate(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, context) for v in value]
    if not isinstance(value, str) or "{" not in value:
        return value
    whole = _REF.fullmatch(value)
    if whole:
        found = lookup(context, whole.group(1), whole.group(2))
        return None if found is _MISSING else found

    def text(match: re.Match) -> str:
        found = lookup(context, match.group(1), match.group(2))
        if found is _MISSING:
            LOG.warning("Inspection rule reference %s names nothing; left as is", match.group(0))
            return match.group(0)
        return "" if found is None else str(found)

    return _REF.sub(text, value)


# --- conditions -------------------------------------------------------------------------------
def _chain(op: Callable) -> Callable:
    def check(values, force_strings=False) -> bool:
        if not isinstance(values, list):
            raise RuleError(err=f"values must be a list, not {values!r}")
        if force_strings:
            values = [str(v) for v in values]
        try:
            return all(op(a, b) for a, b in zip(values, values[1:], strict=False))
        except TypeError as exc:
            raise RuleError(err=f"cannot compare {values!r}: {exc}") from None

    return check


def _is_empty(value) -> bool:
    return value is None or value in ("", [], {}) or str(value) in ("None", "[]", "{}")


def _is_true(value) -> bool:
    if isinstance(value, bool | int | float):
        return bool(value)
    return isinstance(value, str) and value.strip().lower() in ("yes", "true", "1", "on")


def _is_false(value) -> bool:
    if value is None:
        return True
    if isinstance(value, bool | int | float):
        return not value
    return isinstance(value, str) and value.strip().lower() in ("no", "false", "0", "off")


def _in_net(address, subnet) -> bool:
    try:
        return ipaddress.ip_address(str(address)) in ipaddress.ip_network(str(subnet), False)
    except ValueError as exc:
        raise RuleError(err=f"in-net: {exc}") from None


def _matches(value, regex) -> bool:
    return re.fullmatch(regex, str(value)) is not None


def _contains(value, regex) -> bool:
    return re.search(regex, str(value)) is not None


CONDITIONS: dict[str, Callable[..., bool]] = {
    "eq": _chain(operator.eq),
    "ne": _chain(operator.ne),
    "lt": _chain(operator.lt),
    "le": _chain(operator.le),
    "gt": _chain(operator.gt),
    "ge": _chain(operator.ge),
    "is-empty": _is_empty,
    "is-none": lambda value: value is None,
    "is-true": _is_true,
    "is-false": _is_false,
    "in-net": _in_net,
    "matches": _matches,
    "contains": _contains,
    "one-of": lambda value, values=(): value in (values or ()),
}


def _loop_items(loop, context: dict) -> list:
    items = interpolate(loop, context)
    return items if isinstance(items, list) else [items]


def condition_holds(condition: dict, context: dict) -> bool:
    """Whether one condition holds (inverted by ``!``; over a loop per ``multiple``)."""
    op, inverted = catalogue.parse_op(condition["op"])
    check = CONDITIONS[op]

    def once(ctx: dict) -> bool:
        args = interpolate(catalogue.named_args("condition", op, condition["args"]), ctx)
        return check(**args) != inverted

    if not condition.get("loop"):
        return once(context)
    results = [once({**context, "item": item}) for item in _loop_items(condition["loop"], context)]
    multiple = condition.get("multiple", "any")
    if not results:
        return False
    if multiple == "all":
        return all(results)
    if multiple == "first":
        return results[0]
    if multiple == "last":
        return results[-1]
    return any(results)


# --- actions ------------------------------------------------------------------------------------
class Run:
    """One rule run on one node: the task, the data, and what the actions did."""

    def __init__(self, task: Task, inventory: dict, plugin_data: dict):
        self.task = task
        self.inventory = inventory
        self.plugin_data = plugin_data
        self.done: list[str] = []
        self.warnings: list[str] = []

    @property
    def context(self) -> dict:
        return {
            "node": self.task.node,
            "inventory": self.inventory,
            "plugin_data": self.plugin_data,
        }


def _split(path: str) -> list[str]:
    parts = [p for p in (path.strip("/").split("/") if "/" in path else path.split(".")) if p]
    if not parts:
        raise RuleError(err=f"empty attribute path {path!r}")
    return parts


def _nested_set(document: dict, parts: list[str], value, mode: str, unique: bool = False):
    """A copy of ``document`` with ``parts`` set / extended / deleted."""
    import copy

    result = copy.deepcopy(document or {})
    current = result
    for part in parts[:-1]:
        child = current.get(part)
        if not isinstance(child, dict):
            if mode == "del":
                raise RuleError(err=f"no attribute {'/'.join(parts)} to delete")
            child = current[part] = {}
        current = child
    last = parts[-1]
    if mode == "set":
        current[last] = value
    elif mode == "extend":
        existing = current.setdefault(last, [])
        if not isinstance(existing, list):
            raise RuleError(err=f"cannot extend {'/'.join(parts)}: it is not a list")
        if not unique or value not in existing:
            existing.append(value)
    elif last in current:
        del current[last]
    else:
        raise RuleError(err=f"no attribute {'/'.join(parts)} to delete")
    return result


def _change_fields(target: dict, allowed: frozenset, what: str, path, value, mode, unique=False):
    """``{field: new value}`` for a set/extend/del of ``path`` on ``target`` (node or port)."""
    parts = _split(path)
    field = parts[0]
    if field not in allowed:
        raise RuleError(
            err=f"inspection rules cannot change {what} field {field!r} (allowed: "
            f"{', '.join(sorted(allowed))})"
        )
    if len(parts) == 1:
        if mode == "set":
            return {field: value}
        if mode == "del":
            return {field: {} if isinstance(target.get(field), dict) else None}
        current = list(target.get(field) or [])
        if not unique or value not in current:
            current.append(value)
        return {field: current}
    return {field: _nested_set(target.get(field) or {}, parts[1:], value, mode, unique)}


def _node_attr(mode: str):
    def act(run: Run, path, value=None, unique=False) -> str:
        changes = _change_fields(run.task.node, NODE_FIELDS, "node", path, value, mode, unique)
        run.task.save(**changes)
        return f"{mode} {path}"

    return act


def _find_port(run: Run, port_id: str) -> dict:
    for port in run.task.ports:
        if port_id in (port["uuid"], port.get("name")) or (
            str(port_id).lower() == port["address"].lower()
        ):
            return port
    raise RuleError(err=f"node {run.task.node['uuid']} has no port {port_id}")


def _port_attr(mode: str):
    def act(run: Run, port_id, path, value=None, unique=False) -> str:
        port = _find_port(run, port_id)
        changes = _change_fields(port, PORT_FIELDS, "port", path, value, mode, unique)
        run.task.save_port(port, **changes)
        return f"{mode} port {port['address']} {path}"

    return act


def _plugin_data(mode: str):
    def act(run: Run, path, value=None, unique=False) -> str:
        parts = _split(path)
        try:
            updated = _nested_set(run.plugin_data, parts, value, mode, unique)
        except RuleError:
            if mode != "del":
                raise
            return f"unset plugin data {path} (was not set)"
        run.plugin_data.clear()
        run.plugin_data.update(updated)
        return f"{mode} plugin data {path}"

    return act


def _capabilities(node: dict) -> dict[str, str]:
    raw = (node.get("properties") or {}).get("capabilities") or ""
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    pairs = (item.split(":", 1) for item in str(raw).split(",") if ":" in item)
    return {k.strip(): v.strip() for k, v in pairs}


def _save_capabilities(run: Run, caps: dict[str, str]) -> None:
    properties = dict(run.task.node.get("properties") or {})
    if caps:
        properties["capabilities"] = ",".join(f"{k}:{v}" for k, v in caps.items())
    else:
        properties.pop("capabilities", None)
    run.task.save(properties=properties)


def _set_capability(run: Run, name, value) -> str:
    caps = _capabilities(run.task.node)
    caps[str(name)] = str(value)
    _save_capabilities(run, caps)
    return f"set capability {name}={value}"


def _unset_capability(run: Run, name) -> str:
    caps = _capabilities(run.task.node)
    caps.pop(str(name), None)
    _save_capabilities(run, caps)
    return f"unset capability {name}"


def _add_trait(run: Run, name) -> str:
    dbapi.add_node_trait(run.task.node["id"], str(name))
    run.task.refresh()
    return f"added trait {name}"


def _remove_trait(run: Run, name) -> str:
    try:
        dbapi.delete_node_trait(run.task.node["id"], str(name), run.task.node["uuid"])
    except exceptions.TraitNotFound:
        return f"trait {name} was not set"
    run.task.refresh()
    return f"removed trait {name}"


def _fail(run: Run, msg) -> str:
    raise exceptions.HardwareInspectionFailure(error=str(msg))


def _log(run: Run, msg, level="info") -> str:
    getattr(LOG, level)("Inspection rule on node %s: %s", run.task.node["uuid"], msg)
    return f"logged {msg!r}"


def _check_wiring(run: Run, expected=None, use_local_link_connection=True, severity="fail"):
    try:
        problems, checked = wiring.check(
            run.task.ports, run.inventory, expected or {}, use_local_link_connection is not False
        )
    except ValueError as exc:
        raise RuleError(err=f"check-wiring: {exc}") from None
    run.plugin_data["wiring"] = {
        "checked": checked,
        "mismatches": [
            {"mac": p.mac, "expected": p.expected, "seen": p.seen, "reason": p.reason}
            for p in problems
        ],
    }
    if not problems:
        return f"wiring of {checked} NIC(s) as expected"
    diff = (
        f"Wiring check: {len(problems)} of {checked} NIC(s) not cabled as expected: "
        + "; ".join(p.describe() for p in problems)
    )
    if severity == "warn":
        run.warnings.append(diff)
        return diff
    raise exceptions.HardwareInspectionFailure(error=diff)


ACTIONS: dict[str, Callable[..., str]] = {
    "fail": _fail,
    "log": _log,
    "set-attribute": _node_attr("set"),
    "extend-attribute": _node_attr("extend"),
    "del-attribute": _node_attr("del"),
    "set-capability": _set_capability,
    "unset-capability": _unset_capability,
    "add-trait": _add_trait,
    "remove-trait": _remove_trait,
    "set-plugin-data": _plugin_data("set"),
    "extend-plugin-data": _plugin_data("extend"),
    "unset-plugin-data": _plugin_data("del"),
    "set-port-attribute": _port_attr("set"),
    "extend-port-attribute": _port_attr("extend"),
    "del-port-attribute": _port_attr("del"),
    "check-wiring": _check_wiring,
}
# Arguments taken as written (no references replaced): where to write, not what.
_LITERAL_ARGS = ("path", "regex")


def run_action(run: Run, action: dict) -> None:
    op = action["op"]
    named = catalogue.named_args("action", op, action["args"])
    items = _loop_items(action["loop"], run.context) if action.get("loop") else [_MISSING]
    for item in items:
        context = run.context if item is _MISSING else {**run.context, "item": item}
        args = {
            k: (v if k in _LITERAL_ARGS and item is _MISSING else interpolate(v, context))
            for k, v in named.items()
        }
        run.done.append(ACTIONS[op](run, **args))


# --- the engine ---------------------------------------------------------------------------------
def _label(rule: dict) -> str:
    return f"{rule['uuid']} ({rule['description']})" if rule.get("description") else rule["uuid"]


def apply(task: Task, inventory: dict, plugin_data: dict, phase: str = "main") -> list[dict]:
    """Run the rules of ``phase`` on the node; returns ``[{"uuid", "actions"}]`` of those
    applied (also written to ``plugin_data["rules"]`` and node history).

    HardwareInspectionFailure when a rule fails the node; RuleError when one cannot run.
    """
    applied: list[dict] = []
    for rule in dbapi.inspection_rules_for_phase(phase):
        run = Run(task, inventory, plugin_data)
        try:
            if not all(condition_holds(c, run.context) for c in rule["conditions"] or []):
                continue
            for action in rule["actions"]:
                run_action(run, action)
        except exceptions.HardwareInspectionFailure as exc:
            transitions.history(
                task,
                f"Inspection rule {_label(rule)} failed the node: {exc}",
                "ERROR",
                "inspection",
            )
            raise
        except (RuleError, exceptions.Invalid, re.error, TypeError, ValueError, KeyError) as exc:
            message = f"Inspection rule {_label(rule)} could not be applied: {exc}"
            transitions.history(task, message, "ERROR", "inspection")
            raise exceptions.HardwareInspectionFailure(error=message) from None
        applied.append({"uuid": rule["uuid"], "actions": run.done})
        for warning in run.warnings:
            transitions.history(
                task, f"Inspection rule {_label(rule)}: {warning}", "WARNING", "inspection"
            )
        summary = "; ".join(run.done) if not rule["sensitive"] else "(sensitive rule)"
        transitions.history(
            task, f"Inspection rule {_label(rule)} applied: {summary}", "INFO", "inspection"
        )
    plugin_data["rules"] = [r["uuid"] for r in applied]
    return applied
