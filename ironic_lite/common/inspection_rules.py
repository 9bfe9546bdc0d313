"""What an inspection rule may say: its condition operators and actions, with their arguments.

One catalogue for the API (which refuses a rule naming an unknown operator or argument) and
for the conductor's rule engine (``conductor.inspection_rules``), which runs them.

A condition or an action is ``{"op": name, "args": {...} | [...], "loop": [...]}``; a
condition's ``op`` may be prefixed with ``!`` to invert it, and with a ``loop`` it holds for
``multiple``: ``any`` (default), ``all``, ``first`` or ``last`` of the items.
"""

import re

from ironic_lite.common import exceptions

PHASES = ("main",)
MAX_PRIORITY = 9999

# op -> (required arguments, optional arguments), in positional order for the list form.
CONDITIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "eq": (("values",), ("force_strings",)),
    "ne": (("values",), ("force_strings",)),
    "lt": (("values",), ("force_strings",)),
    "le": (("values",), ("force_strings",)),
    "gt": (("values",), ("force_strings",)),
    "ge": (("values",), ("force_strings",)),
    "is-empty": (("value",), ()),
    "is-none": (("value",), ()),
    "is-true": (("value",), ()),
    "is-false": (("value",), ()),
    "in-net": (("address", "subnet"), ()),
    "matches": (("value", "regex"), ()),
    "contains": (("value", "regex"), ()),
    "one-of": (("value",), ("values",)),
}
ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fail": (("msg",), ()),
    "log": (("msg",), ("level",)),
    "set-attribute": (("path", "value"), ()),
    "extend-attribute": (("path", "value"), ("unique",)),
    "del-attribute": (("path",), ()),
    "set-capability": (("name", "value"), ()),
    "unset-capability": (("name",), ()),
    "add-trait": (("name",), ()),
    "remove-trait": (("name",), ()),
    "set-plugin-data": (("path", "value"), ()),
    "extend-plugin-data": (("path", "value"), ("unique",)),
    "unset-plugin-data": (("path",), ()),
    "set-port-attribute": (("port_id", "path", "value"), ()),
    "extend-port-attribute": (("port_id", "path", "value"), ("unique",)),
    "del-port-attribute": (("port_id", "path"), ()),
    # ironic-lite's own: compare each NIC's LLDP neighbour with the expected cabling.
    "check-wiring": ((), ("expected", "use_local_link_connection", "severity")),
}
MULTIPLE = ("any", "all", "first", "last")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
WIRING_SEVERITIES = ("fail", "warn")
_BOOL_WORDS = ["0", "1", "t", "true", "on", "y", "yes", "f", "false", "off", "n", "no"]

_STEP = {
    "type": "object",
    "required": ["op", "args"],
    "properties": {
        "args": {"type": ["array", "object"]},
        "loop": {"type": ["array", "object"]},
    },
}
RULE_SCHEMA = {
    "type": "object",
    "properties": {
        "uuid": {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}]},
        "description": {"type": ["string", "null"], "maxLength": 255},
        "phase": {"type": ["string", "null"], "maxLength": 16},
        # The CLI sends numbers and flags as text: digits and boolean words are taken too.
        # Bounded here (beyond MAX_PRIORITY) only so that int() stays cheap and the
        # refusal names the limit: validate_rule words it.
        "priority": {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                {"type": "string", "pattern": "^[0-9]{1,9}$"},
            ]
        },
        "sensitive": {
            "anyOf": [
                {"type": ["boolean", "null"]},
                {"type": "string", "enum": _BOOL_WORDS + [w.capitalize() for w in _BOOL_WORDS]},
            ]
        },
        "conditions": {
            "type": ["array", "null"],
            "items": {
                **_STEP,
                "properties": {
                    **_STEP["properties"],
                    "op": {
                        "type": "string",
                        "enum": [*CONDITIONS, *(f"!{op}" for op in CONDITIONS)],
                    },
                    "multiple": {"type": "string", "enum": list(MULTIPLE)},
                },
                "additionalProperties": False,
            },
        },
        "actions": {
            "type": "array",
            "minItems": 1,
            "items": {
                **_STEP,
                "properties": {
                    **_STEP["properties"],
                    "op": {"type": "string", "enum": list(ACTIONS)},
                },
                "additionalProperties": False,
            },
        },
    },
    "required": ["actions"],
    "additionalProperties": False,
}


def parse_op(op: str) -> tuple[str, bool]:
    """``("eq", True)`` for ``"!eq"`` (or ``"! eq"``): the operator and whether it is inverted."""
    text = op.strip()
    inverted = text.startswith("!")
    return text.lstrip("!").strip(), inverted


def named_args(kind: str, op: str, args) -> dict:
    """``args`` as a dict of named arguments; the list form maps onto the declared order."""
    required, optional = (CONDITIONS if kind == "condition" else ACTIONS)[op]
    if isinstance(args, dict):
        return dict(args)
    names = required + optional
    if len(args) > len(names):
        raise exceptions.InvalidParameterValue(
            err=f"{kind.capitalize()} {op} takes at most {len(names)} arguments "
            f"({', '.join(names) or 'none'}), not {len(args)}"
        )
    return dict(zip(names, args, strict=False))


def _check_args(kind: str, op: str, args) -> list[str]:
    required, optional = (CONDITIONS if kind == "condition" else ACTIONS)[op]
    try:
        named = named_args(kind, op, args)
    except exceptions.InvalidParameterValue as exc:
        return [str(exc)]
    problems = []
    missing = [a for a in required if a not in named]
    unknown = sorted(set(named) - set(required) - set(optional))
    if missing:
        problems.append(f"{kind} {op}: missing argument(s) {', '.join(missing)}")
    if unknown:
        problems.append(
            f"{kind} {op}: unknown argument(s) {', '.join(unknown)} (takes "
            f"{', '.join(required + optional) or 'none'})"
        )
    if op in ("matches", "contains") and isinstance(named.get("regex"), str):
        try:
            re.compile(named["regex"])
        except re.error as exc:
            problems.append(f"{kind} {op}: invalid regular expression: {exc}")
    if op == "log" and named.get("level", "info") not in LOG_LEVELS:
        problems.append(f"action log: level must be one of {', '.join(LOG_LEVELS)}")
    if op == "check-wiring":
        problems.extend(_check_wiring_args(named))
    return problems


def _check_wiring_args(named: dict) -> list[str]:
    problems = []
    if named.get("severity", "fail") not in WIRING_SEVERITIES:
        problems.append(f"action check-wiring: severity must be one of {WIRING_SEVERITIES}")
    expected = named.get("expected", {})
    if not isinstance(expected, dict):
        return [*problems, "action check-wiring: expected must be an object"]
    for nic, link in expected.items():
        if not isinstance(link, dict) or not link.get("port_id"):
            problems.append(
                f"action check-wiring: expected[{nic}] needs port_id and switch_id or "
                "switch_system_name"
            )
        elif not (link.get("switch_id") or link.get("switch_system_name")):
            problems.append(
                f"action check-wiring: expected[{nic}] needs switch_id or switch_system_name"
            )
    if not expected and named.get("use_local_link_connection") is False:
        problems.append(
            "action check-wiring: with use_local_link_connection false, expected must name "
            "at least one NIC"
        )
    return problems


def validate_rule(rule: dict) -> None:
    """400 naming every problem of a rule the schema accepted: phase, operators, arguments."""
    problems = []
    phase = rule.get("phase") or "main"
    if phase not in PHASES:
        problems.append(f"Invalid phase: {phase}. Valid phases are: {', '.join(PHASES)}")
    if (rule.get("priority") or 0) > MAX_PRIORITY:
        problems.append(f"Priority must be between 0 and {MAX_PRIORITY}.")
    for condition in rule.get("conditions") or []:
        # ``multiple`` without a ``loop`` is accepted and ignored, as Ironic does.
        op, _ = parse_op(condition["op"])
        problems.extend(_check_args("condition", op, condition["args"]))
    for action in rule["actions"]:
        problems.extend(_check_args("action", action["op"], action["args"]))
    if problems:
        raise exceptions.InvalidParameterValue(
            err="Invalid inspection rule: " + "; ".join(problems)
        )
