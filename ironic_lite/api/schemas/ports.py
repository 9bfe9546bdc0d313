"""Request bodies of /v1/ports and /v1/portgroups."""

from ironic_lite.api.schemas import BOOL, OBJECT, UUID_OR_NULL, string

MAC = {"type": "string", "pattern": r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$"}

LOCAL_LINK_CONNECTION = {
    "type": "object",
    "properties": {
        "port_id": {"type": "string"},
        "switch_id": {"type": "string"},
        "hostname": {"type": "string"},
        "switch_info": {"type": "string"},
        "network_type": {"type": "string", "enum": ["managed", "unmanaged"]},
        "vtep-logical-switch": {"type": "string"},
        "vtep-physical-switch": {"type": "string"},
    },
    "additionalProperties": False,
}

_PORT = {
    "address": MAC,
    "node_uuid": {"type": "string", "format": "uuid"},
    "node_ident": {"type": "string", "minLength": 1, "maxLength": 255},
    "portgroup_uuid": UUID_OR_NULL,
    "extra": OBJECT,
    "local_link_connection": LOCAL_LINK_CONNECTION,
    "pxe_enabled": BOOL,
    "physical_network": {"type": ["string", "null"], "minLength": 1, "maxLength": 64},
    "is_smartnic": BOOL,
    "name": string(255),
    "description": string(255),
    "vendor": string(32),
    "category": string(80),
    "available_for_dynamic_portgroup": BOOL,
    "uuid": UUID_OR_NULL,
}

PORT_CREATE = {
    "type": "object",
    "properties": _PORT,
    "required": ["address"],
    "additionalProperties": False,
}
PORT_PATCHABLE = sorted(set(_PORT) - {"uuid"})
# The patched document must still fit these (null values are left out, so removing a
# required field is named).
PORT_PATCHED = {
    "type": "object",
    "properties": {k: _PORT[k] for k in PORT_PATCHABLE},
    "required": ["address"],
}

_PORTGROUP = {
    "node_uuid": {"type": "string", "format": "uuid"},
    "address": {"anyOf": [MAC, {"type": "null"}]},
    "name": string(255),
    "mode": string(255),
    "properties": OBJECT,
    "standalone_ports_supported": BOOL,
    "extra": OBJECT,
    "uuid": UUID_OR_NULL,
    "physical_network": {"type": ["string", "null"], "maxLength": 64},
    "category": string(80),
}
PORTGROUP_CREATE = {
    "type": "object",
    "properties": _PORTGROUP,
    "required": ["node_uuid"],
    "additionalProperties": False,
}
PORTGROUP_PATCHABLE = sorted(set(_PORTGROUP) - {"uuid"})
PORTGROUP_PATCHED = {
    "type": "object",
    "properties": {k: _PORTGROUP[k] for k in PORTGROUP_PATCHABLE},
    "required": ["node_uuid"],
}
