"""Request bodies of /v1/nodes."""

from ironic_lite.api.schemas import BOOL, OBJECT, UUID_OR_NULL, string
from ironic_lite.api.schemas.network_data import NETWORK_DATA
from ironic_lite.common.interfaces import INTERFACE_FIELDS

_PROPERTIES = {
    "automated_clean": {"anyOf": [BOOL, {"type": "null"}]},
    "boot_mode": string(16),
    "chassis_uuid": UUID_OR_NULL,
    "conductor_group": {
        "type": ["string", "null"],
        "maxLength": 255,
        "pattern": r"^[a-zA-Z0-9_\-\.]*$",
    },
    "console_enabled": BOOL,
    "description": string(4096),
    "disable_power_off": BOOL,
    "driver": string(255, nullable=False, min_length=1),
    "driver_info": OBJECT,
    "extra": OBJECT,
    "instance_info": OBJECT,
    "instance_name": string(255),
    "instance_uuid": UUID_OR_NULL,
    "lessee": string(255),
    "maintenance": BOOL,
    "name": string(255),
    "network_data": NETWORK_DATA,
    "owner": string(255),
    "parent_node": string(255),
    "properties": OBJECT,
    "protected": BOOL,
    "protected_reason": string(),
    "resource_class": string(80),
    "retired": BOOL,
    "retired_reason": string(),
    "secure_boot": {"anyOf": [BOOL, {"type": "null"}]},
    "shard": string(255),
    "uuid": UUID_OR_NULL,
    **{field: string(255) for field in INTERFACE_FIELDS},
}

CREATE_FIELDS = sorted(set(_PROPERTIES) - {"protected", "protected_reason"})

CREATE = {
    "type": "object",
    "properties": {
        **{k: _PROPERTIES[k] for k in CREATE_FIELDS},
        # An empty UUID asks for a generated one, as in Ironic (Bifrost sends it).
        "uuid": {"anyOf": [UUID_OR_NULL, {"const": ""}]},
    },
    "required": ["driver"],
    "additionalProperties": False,
}

PATCHABLE = sorted(
    {
        "automated_clean",
        "chassis_uuid",
        "conductor_group",
        "description",
        "disable_power_off",
        "driver",
        "driver_info",
        "extra",
        "instance_info",
        "instance_name",
        "instance_uuid",
        "lessee",
        "maintenance",
        "name",
        "network_data",
        "owner",
        "parent_node",
        "properties",
        "protected",
        "protected_reason",
        "resource_class",
        "retired",
        "retired_reason",
        "shard",
        *INTERFACE_FIELDS,
    }
)

# The patched document, field by field, must still fit these (null values are left out).
PATCHED = {
    "type": "object",
    "properties": {k: _PROPERTIES[k] for k in PATCHABLE},
    "required": ["driver"],
}

TRAIT = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    # CUSTOM_* or a standard (os-traits style) name: upper case, digits and underscores.
    "pattern": r"^[A-Z][A-Z0-9_]*$",
}
TRAITS_BODY = {
    "type": "object",
    "properties": {"traits": {"type": "array", "items": TRAIT}},
    "required": ["traits"],
    "additionalProperties": False,
}
MAINTENANCE_BODY = {
    "type": ["object", "null"],
    "properties": {"reason": {"type": ["string", "null"]}},
    "additionalProperties": False,
}
