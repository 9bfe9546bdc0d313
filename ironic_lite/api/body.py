"""Reading request bodies: JSON parsing and JSON-schema validation with Ironic's messages."""

import json
from typing import Any

import jsonschema
from flask import request

from ironic_lite.common import exceptions

_validators: dict[int, jsonschema.protocols.Validator] = {}


def json_body(required: bool = True) -> Any:
    """The decoded JSON body; a malformed one is a 400 naming the parse error."""
    raw = request.get_data(cache=True)
    if not raw or not raw.strip():
        if required:
            raise exceptions.InvalidParameterValue(err="The request body is empty; JSON expected.")
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise exceptions.InvalidParameterValue(err=f"Malformed JSON body: {exc}") from None


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
