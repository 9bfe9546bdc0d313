"""How a request names a resource (a UUID or a logical name), and the lookups by name that
more than one resource module needs (kept here so those modules need not import each other)."""

import re

from ironic_lite.common import exceptions
from ironic_lite.db import api as dbapi
from ironic_lite.db.api import is_uuid

_NAME_RE = re.compile(r"^[A-Za-z0-9\-._~]+$")


def is_valid_name(name: str) -> bool:
    """A logical name: 1-255 RFC 3986 unreserved characters that do not read as a UUID."""
    return bool(name) and len(name) <= 255 and bool(_NAME_RE.match(name)) and not is_uuid(name)


def check_ident(ident: str, kind: str) -> None:
    """400 naming the resource kind unless ``ident`` is a UUID or a logical name."""
    if not (is_uuid(ident) or is_valid_name(ident)):
        raise exceptions.InvalidParameterValue(err=f"Expected UUID or name for {kind}: {ident}")


def find_portgroup(ident: str) -> dict:
    """The port group named by ``ident`` (UUID or name); ports filter by it too."""
    if dbapi.is_uuid(ident):
        return dbapi.get_portgroup(ident)
    check_ident(ident, "portgroup")
    return dbapi.get_portgroup(name=ident)
