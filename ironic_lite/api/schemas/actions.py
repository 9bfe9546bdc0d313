"""Request bodies of node actions: provisioning, power, management, VIFs."""

from ironic_lite.api.schemas import INT32_MAX, STEP_ORDER
from ironic_lite.common.interfaces import INTERFACE_TYPES

STEP = {
    "type": "object",
    "properties": {
        "interface": {"type": "string", "enum": list(INTERFACE_TYPES)},
        "step": {"type": "string", "minLength": 1},
        "args": {"type": "object"},
        "priority": STEP_ORDER,
        "order": {"type": "integer"},
        "execute_on_child_nodes": {"type": "boolean"},
        "limit_child_node_execution": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["interface", "step"],
    "additionalProperties": False,
}

PROVISION = {
    "type": "object",
    "properties": {
        "target": {"type": "string"},
        "configdrive": {"type": ["string", "object", "null"]},
        "clean_steps": {"type": "array", "items": STEP},
        "deploy_steps": {"type": "array", "items": STEP},
        "service_steps": {"type": "array", "items": STEP},
        "rescue_password": {"type": "string"},
        "disable_ramdisk": {"type": "boolean"},
        "runbook": {"type": "string"},
    },
    "required": ["target"],
    "additionalProperties": False,
}

POWER = {
    "type": "object",
    "properties": {
        "target": {"type": "string"},
        # seconds; at least 1 (the view says so in Ironic's words)
        "timeout": {"type": ["integer", "null"], "maximum": INT32_MAX},
    },
    "required": ["target"],
    "additionalProperties": False,
}

BOOT_DEVICE = {
    "type": "object",
    "properties": {
        "boot_device": {"type": "string", "minLength": 1},
        "persistent": {"type": "boolean"},
    },
    "required": ["boot_device"],
    "additionalProperties": False,
}

BOOT_MODE = {
    "type": "object",
    "properties": {"target": {"type": "string", "enum": ["bios", "uefi"]}},
    "required": ["target"],
    "additionalProperties": False,
}

SECURE_BOOT = {
    "type": "object",
    "properties": {"target": {"type": "boolean"}},
    "required": ["target"],
    "additionalProperties": False,
}

VIF = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 255},
        "port_uuid": {"type": "string", "format": "uuid"},
        "portgroup_uuid": {"type": "string", "format": "uuid"},
    },
    "required": ["id"],
}

# A RAID configuration: its logical disks are the driver's business (checked at apply time).
RAID_CONFIG = {"type": "object"}

# Vendor passthru arguments: an object the vendor method reads (or nothing).
VENDOR_PASSTHRU = {"type": ["object", "null"]}
