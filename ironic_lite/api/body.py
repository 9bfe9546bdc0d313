"""Reading request bodies: JSON parsing and JSON-schema validation with Ironic's messages."""

import json
from typing import Any

import jsonschema
from flask import request

from ironic_lite.common import exceptions

_validators: dict[int, jsonschema.protocols.Validator] = {}

# Ironic's JSON guard: bodies above 1 MiB or nested deeper than 25 containers are refused
# before anything reads them. Provisioning requests may carry a config drive: 64 MiB.
MAX_BODY_BYTES = 1024 * 1024
MAX_PROVISION_BODY_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 25
_TOO_DEEP = "Request body JSON is nested too deeply. Please contact the service administrator."


def _depth(document: Any) -> int:
    """Nesting depth of containers in ``document``, without recursion."""
    deepest = 0
    stack = [(document, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def json_body(required: bool = True, max_bytes: int = MAX_BODY_BYTES) -> Any:
    """The decoded JSON body; a malformed one is a 400 naming the parse error."""
    if (request.content_length or 0) > max_bytes:
        raise exceptions.RequestTooLarge()
    raw = request.get_data(cache=True)
    if len(raw) > max_bytes:
        raise exceptions.RequestTooLarge()
    if not raw or not raw.strip():
        if required:
            raise exceptions.InvalidParameterValue(err="The request body is empty; JSON expected.")
        return None
    try:
        document = json.loads(raw)
    except RecursionError:
        raise exceptions.InvalidParameterValue(err=_TOO_DEEP) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise exceptions.InvalidParameterValue(err=f"Malformed JSON body: {exc}") from None
    if _depth(document) > MAX_DEPTH:
        raise exceptions.InvalidParameterValue(err=_TOO_DEEP)
    return document


def _validator(schema: dict):
    key = id(schema)
    validator = _validators.get(key)
    if validator is None:
        cls = jsonschema.validators.validator_for(schema)
        validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
        _validators[key] = validator
    return validator


def validate(document: Any, schema: dict, name: str) -> Any:
    """Check ``document`` against ``schema``; the first error becomes a 400 naming the field."""
    error = jsonschema.exceptions.best_match(_validator(schema).iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        prefix = f"Schema error for {name}: "
        if where:
            prefix += f"field '{where}': "
        raise exceptions.InvalidParameterValue(err=prefix + error.message)
    return document
