"""Text no database column can store, refused wherever a request carries it.

PostgreSQL's text types refuse the NUL character and UTF-8 cannot encode a lone UTF-16
surrogate; either reaching a query is a 500 in some view. Rather than guard each of the
dozens of string fields and filters, requests are checked once: query arguments and path
segments by ``refuse_unstorable`` (a request hook), JSON strings as the body is parsed
(api/body.py).
"""

import re

from flask import request

from ironic_lite.common import exceptions

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None when it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return "the NUL character (\\u0000) is not allowed"
    return f"the lone surrogate \\u{ord(char):04x} is not allowed"


def refuse_unstorable() -> None:
    """400 for a query argument (name or value) or a path segment no column can store."""
    for name, value in request.args.items(multi=True):
        problem = unstorable(name) or unstorable(value)
        if problem:
            raise exceptions.InvalidParameterValue(
                err=f"Invalid query argument {name[:100]!r}: {problem}"
            )
    for name, value in (request.view_args or {}).items():
        problem = isinstance(value, str) and unstorable(value)
        if problem:
            raise exceptions.InvalidParameterValue(err=f"Invalid path segment {name}: {problem}")
