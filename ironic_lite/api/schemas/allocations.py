"""Request bodies of /v1/allocations."""

from ironic_lite.api.schemas import OBJECT_OR_NULL, string
from ironic_lite.api.schemas.nodes import TRAIT

_NODE_IDENT = {"type": "string", "minLength": 1, "maxLength": 255}

_PROPERTIES = {
    "candidate_nodes": {"type": ["array", "null"], "items": _NODE_IDENT},
    "extra": OBJECT_OR_NULL,
    "name": string(255),
    "node": {"anyOf": [_NODE_IDENT, {"type": "null"}]},
    "owner": string(255),
    "resource_class": string(80),
    "traits": {"type": ["array", "null"], "items": TRAIT},
    "uuid": {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}]},
}

CREATE = {"type": "object", "properties": _PROPERTIES, "additionalProperties": False}

# Ironic lets a PATCH change the name and extra only (1.57).
PATCHABLE = ["extra", "name"]
PATCHED = {"type": "object", "properties": {k: _PROPERTIES[k] for k in PATCHABLE}}
