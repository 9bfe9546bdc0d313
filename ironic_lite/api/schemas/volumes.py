"""Request bodies of /v1/volume/connectors and /v1/volume/targets."""

from ironic_lite.api.schemas import INT32_MAX, OBJECT_OR_NULL, UUID, UUID_OR_NULL

# Initiator identities a connector may be: python-ironicclient offers exactly these.
CONNECTOR_TYPES = ("iqn", "ip", "mac", "wwnn", "wwpn", "port", "portgroup")

_CONNECTOR = {
    "node_uuid": UUID,
    "type": {"type": "string", "enum": list(CONNECTOR_TYPES)},
    "connector_id": {"type": "string", "minLength": 1, "maxLength": 255},
    "extra": OBJECT_OR_NULL,
    "uuid": UUID_OR_NULL,
}
CONNECTOR_CREATE = {
    "type": "object",
    "properties": _CONNECTOR,
    "required": ["node_uuid", "type", "connector_id"],
    "additionalProperties": False,
}
CONNECTOR_PATCHABLE = ["node_uuid", "type", "connector_id", "extra"]

_TARGET = {
    "node_uuid": UUID,
    # Any text, as Ironic stores it (Cinder's driver_volume_type: iscsi, rbd, fibre_channel ...);
    # the storage interface decides at deploy time what it can attach.
    "volume_type": {"type": "string", "maxLength": 64},
    "properties": OBJECT_OR_NULL,
    "boot_index": {"type": "integer", "minimum": 0, "maximum": INT32_MAX},
    "volume_id": {"type": "string", "minLength": 1, "maxLength": 255},
    "extra": OBJECT_OR_NULL,
    "uuid": UUID_OR_NULL,
}
TARGET_CREATE = {
    "type": "object",
    "properties": _TARGET,
    "required": ["node_uuid", "volume_type", "boot_index", "volume_id"],
    "additionalProperties": False,
}
TARGET_PATCHABLE = ["node_uuid", "volume_type", "properties", "boot_index", "volume_id", "extra"]
