"""RFC 6902 JSON-Patch on API documents, with the paths each resource lets callers change."""

import copy
import re
from collections.abc import Iterable, Mapping

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
            # Ironic's rule: keys are word characters and dashes (no '.', '~' or spaces).
            "path": {"type": "string", "pattern": r"^(/[\w-]+)+$"},
            "value": {},
        },
        "required": ["op", "path"],
        "additionalProperties": False,
    },
}


def patch_schema(allowed: Iterable[str]) -> dict:
    """PATCH_SCHEMA narrowed to ``allowed`` top-level fields, as the OpenAPI document shows
    it (``validate_patch`` checks the same, with Ironic's message for a refused field)."""
    roots = "|".join(re.escape(f) for f in sorted(allowed))
    item = copy.deepcopy(PATCH_SCHEMA["items"])
    item["properties"]["path"]["pattern"] = rf"^/({roots})(/[\w-]+)*$"
    item["if"] = {"properties": {"op": {"const": "remove"}}}
    item["else"] = {"required": ["value"]}
    return {**PATCH_SCHEMA, "items": item}


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
    patched = copy.deepcopy(document)
    for op in ops:
        # One operation at a time, so that the error names the one that failed.
        try:
            patched = jsonpatch.apply_patch(patched, [op], in_place=True)
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
            raise exceptions.PatchError(patch=op, reason=str(exc)) from None
    return patched


def changed_fields(
    before: dict, after: dict, candidates: Iterable[str], defaults: Mapping | None = None
) -> dict:
    """The top-level fields whose value the patch changed.

    A removed (or nulled) field becomes None, or its entry in ``defaults`` for fields that
    cannot be empty: removing ``/retired`` means "back to not retired", not a NULL.
    """
    defaults = defaults or {}
    changed = {}
    for field in candidates:
        value = after.get(field)
        if value is None and field in defaults:
            value = defaults[field]
        if before.get(field) != value:
            changed[field] = value
    return changed
