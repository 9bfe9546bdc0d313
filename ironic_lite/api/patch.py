"""RFC 6902 JSON-Patch on API documents, with the paths each resource lets callers change."""

import copy
from collections.abc import Iterable

import jsonpatch
import jsonpointer

from ironic_lite.api import body
from ironic_lite.common import exceptions

PATCH_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "op": {"type": "string", "enum": ["add", "replace", "remove"]},
            "path": {"type": "string", "pattern": r"^(/[^/]+)+$"},
            "value": {},
        },
        "required": ["op", "path"],
        "additionalProperties": False,
    },
}


def root_fields(ops: list[dict]) -> set[str]:
    return {op["path"].split("/")[1] for op in ops}


def validate_patch(ops, allowed: Iterable[str]) -> list[dict]:
    """Check the patch's shape and that it only touches ``allowed`` top-level fields."""
    body.validate(ops, PATCH_SCHEMA, "patch")
    allowed = set(allowed)
    for op in ops:
        root = op["path"].split("/")[1]
        if root not in allowed:
            raise exceptions.InvalidParameterValue(
                err=f"Cannot patch {op['path']}. Only the following can be updated: "
                f"{', '.join(sorted(allowed))}"
            )
        if op["op"] != "remove" and "value" not in op:
            raise exceptions.InvalidParameterValue(
                err=f"Schema error for patch: 'value' is a required property for {op['op']} "
                f"of {op['path']}"
            )
    return ops


def apply_patch(document: dict, ops: list[dict]) -> dict:
    """The patched copy of ``document``; a failing operation is a 400 naming it."""
    for op in ops:
        root = op["path"].split("/")[1]
        if op["op"] == "add" and root not in document and op["path"].count("/") == 1:
            raise exceptions.PatchError(
                patch=op,
                reason=f"Adding a new attribute ({op['path']}) to the root of the "
                "resource is not allowed",
            )
    try:
        return jsonpatch.apply_patch(copy.deepcopy(document), ops)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        failing = ops[0] if len(ops) == 1 else ops
        raise exceptions.PatchError(patch=failing, reason=str(exc)) from None


def changed_fields(before: dict, after: dict, candidates: Iterable[str]) -> dict:
    """The top-level fields whose value the patch changed (removed ones become None)."""
    return {f: after.get(f) for f in candidates if before.get(f) != after.get(f)}
