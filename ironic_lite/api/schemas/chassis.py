"""Request bodies of /v1/chassis."""

from ironic_lite.api.schemas import OBJECT, UUID_OR_NULL, string

CREATE = {
    "type": "object",
    "properties": {"description": string(255), "extra": OBJECT, "uuid": UUID_OR_NULL},
    "additionalProperties": False,
}
PATCHABLE = ["description", "extra", "uuid"]
PATCHED = {"type": "object", "properties": CREATE["properties"]}
