"""Ironic's RAID configuration schema, and the check a target RAID configuration must pass.

``PUT /v1/nodes/{id}/states/raid`` and the RAID steps that take a configuration argument use
the same check, with Ironic's message ("RAID config validation error: ...") so clients that
match on it keep working. The schema is Ironic's (draft 4: ``exclusiveMinimum`` is a
boolean there).
"""

import jsonschema
from jsonschema import exceptions as schema_errors

from ironic_lite.common import exceptions

RAID_LEVELS = ["JBOD", "0", "1", "2", "5", "6", "1+0", "5+0", "6+0"]

SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "raid configuration json schema",
    "type": "object",
    "properties": {
        "logical_disks": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "raid_level": {"type": "string", "enum": RAID_LEVELS},
                    "size_gb": {
                        "anyOf": [
                            {"type": "integer", "minimum": 0},
                            {"type": "string", "enum": ["MAX"]},
                        ]
                    },
                    "volume_name": {"type": "string"},
                    "is_root_volume": {"type": "boolean"},
                    "share_physical_disks": {"type": "boolean"},
                    "disk_type": {"type": "string", "enum": ["hdd", "ssd"]},
                    "interface_type": {"type": "string", "enum": ["sata", "scsi", "sas"]},
                    "number_of_physical_disks": {
                        "type": "integer",
                        "minimum": 0,
                        "exclusiveMinimum": True,
                    },
                    "controller": {"type": "string"},
                    "physical_disks": {
                        "anyOf": [
                            {"type": "array", "items": {"type": "string"}},
                            {"type": "array", "items": {"type": "object"}, "minItems": 2},
                        ]
                    },
                },
                "required": ["raid_level", "size_gb"],
                "additionalProperties": False,
                "dependencies": {"physical_disks": ["controller"]},
            },
            "minItems": 1,
        }
    },
    "required": ["logical_disks"],
    "additionalProperties": False,
}
_VALIDATOR = jsonschema.Draft4Validator(SCHEMA)


def validate(config: object) -> dict:
    """``config`` when it is a valid target RAID configuration; InvalidParameterValue (400)
    with Ironic's message otherwise (at most one root volume, as Ironic also checks)."""
    try:
        _VALIDATOR.validate(config)
    except schema_errors.ValidationError as exc:
        raise exceptions.InvalidParameterValue(
            err=f"RAID config validation error: {exc.message}"
        ) from None
    roots = [d for d in config["logical_disks"] if d.get("is_root_volume")]
    if len(roots) > 1:
        raise exceptions.InvalidParameterValue(
            err="Raid config cannot have more than one root volume. "
            f"{len(roots)} root volumes were specified"
        )
    return config


def root_volume(config: dict) -> dict | None:
    """The logical disk marked ``is_root_volume``, if any."""
    return next((d for d in config.get("logical_disks") or [] if d.get("is_root_volume")), None)
