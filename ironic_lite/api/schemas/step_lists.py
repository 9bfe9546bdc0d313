"""Request bodies of /v1/deploy_templates and /v1/runbooks."""

from ironic_lite.api.schemas import BOOL, OBJECT, STEP_ORDER, UUID_OR_NULL, string
from ironic_lite.api.schemas.nodes import TRAIT

# Interfaces whose steps a deploy template or runbook may name (as Ironic allows).
STEP_INTERFACES = ("bios", "deploy", "firmware", "management", "power", "raid")
_STEP_NAME = {"type": "string", "pattern": r"^[a-zA-Z0-9_]+$", "minLength": 1, "maxLength": 255}


def _steps(order_field: str) -> dict:
    return {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "properties": {
                "interface": {"type": "string", "enum": list(STEP_INTERFACES)},
                "step": _STEP_NAME,
                "args": {"type": "object"},
                order_field: STEP_ORDER,
            },
            "required": ["interface", "step", "args", order_field],
            "additionalProperties": False,
        },
    }


TEMPLATE_PROPERTIES = {
    "name": TRAIT,
    "steps": _steps("priority"),
    "extra": OBJECT,
    "uuid": UUID_OR_NULL,
}
TEMPLATE_CREATE = {
    "type": "object",
    "properties": TEMPLATE_PROPERTIES,
    "required": ["name", "steps"],
    "additionalProperties": False,
}
TEMPLATE_PATCHABLE = ["name", "steps", "extra", "uuid"]

# A runbook's name from 1.112 on: any logical name (RFC 3986 unreserved characters, so it can
# be looked up in a URL); before, it had to look like a trait (``TRAIT``, checked by the view).
RUNBOOK_NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": r"^[A-Za-z0-9\-._~]+$",
}
RUNBOOK_PROPERTIES = {
    "name": RUNBOOK_NAME,
    "steps": _steps("order"),
    "extra": OBJECT,
    "uuid": UUID_OR_NULL,
    "disable_ramdisk": BOOL,
    "public": BOOL,
    "owner": string(255),
    "description": string(255),
}
RUNBOOK_CREATE = {
    "type": "object",
    "properties": RUNBOOK_PROPERTIES,
    "required": ["name", "steps"],
    "additionalProperties": False,
}
RUNBOOK_PATCHABLE = [
    "name",
    "steps",
    "extra",
    "uuid",
    "disable_ramdisk",
    "public",
    "owner",
    "description",
]
RUNBOOK_TRAITS = {
    "type": "object",
    "properties": {"traits": {"type": "array", "items": TRAIT}},
    "required": ["traits"],
    "additionalProperties": False,
}
