"""Reading request bodies: JSON parsing and JSON-schema validation with Ironic's messages.

Parsing also refuses what JSON allows but no database column can hold, so that no view has to
think of it: NUL characters (PostgreSQL text refuses them), lone surrogates (not encodable as
UTF-8), integers beyond 64 bits and non-finite numbers (``NaN``, ``1e999``).
"""

import json
from typing import Any

import jsonschema
from flask import request

from ironic_lite.api.request_text import unstorable
from ironic_lite.common import exceptions

_validators: dict[int, jsonschema.protocols.Validator] = {}

# Ironic's JSON guard: bodies above 1 MiB or nested deeper than 25 containers are refused
# before anything reads them. Provisioning requests may carry a config drive: 64 MiB.
MAX_BODY_BYTES = 1024 * 1024
MAX_PROVISION_BODY_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 25
_TOO_DEEP = "Request body JSON is nested too deeply. Please contact the service administrator."
# The widest integer a database column (BIGINT) or a 64-bit client holds.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def _parse_int(text: str) -> int:
    # Checked before int() so that 100,000 digits cost nothing.
    digits = len(text.lstrip("-"))
    value = int(text) if digits <= 19 else None
    if value is None or not INT_MIN <= value <= INT_MAX:
        raise ValueError(f"integer {text[:30]}{'...' if len(text) > 30 else ''} is out of range")
    return value


def _parse_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:30]} is out of range")
    return value


def _parse_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _check_document(document: Any) -> None:
    """Refuse containers nested too deeply and strings no column can store, in one walk."""
    stack = [(document, 1, "")]
    while stack:
        item, level, where = stack.pop()
        if isinstance(item, str):
            problem = unstorable(item)
            if problem:
                raise exceptions.InvalidParameterValue(
                    err=f"Invalid string at '{where[:200] or '/'}' in the request body: {problem}"
                )
            continue
        if isinstance(item, dict):
            if level > MAX_DEPTH:
                raise exceptions.InvalidParameterValue(err=_TOO_DEEP)
            for key, child in item.items():
                problem = unstorable(key)
                if problem:
                    raise exceptions.InvalidParameterValue(
                        err=f"Invalid key at '{where[:200] or '/'}' in the request body: {problem}"
                    )
                stack.append((child, level + 1, f"{where}/{key}"))
        elif isinstance(item, list):
            if level > MAX_DEPTH:
                raise exceptions.InvalidParameterValue(err=_TOO_DEEP)
            stack.extend((child, level + 1, f"{where}/{i}") for i, child in enumerate(item))


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
        document = json.loads(
            raw,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except RecursionError:
        raise exceptions.InvalidParameterValue(err=_TOO_DEEP) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise exceptions.InvalidParameterValue(err=f"Malformed JSON body: {exc}") from None
    _check_document(document)
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
