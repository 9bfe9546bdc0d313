"""Helpers every resource view shares: collections, identifiers and the conductor API."""

import re

from flask import current_app, g, request

from ironic_lite.api import links
from ironic_lite.api.params import Paging
from ironic_lite.common import exceptions
from ironic_lite.db.api import is_uuid

_NAME_RE = re.compile(r"^[A-Za-z0-9\-._~]+$")


def rpcapi():
    return current_app.config["RPCAPI"]


def is_valid_name(name: str) -> bool:
    """A logical name: 1-255 RFC 3986 unreserved characters that do not read as a UUID."""
    return bool(name) and len(name) <= 255 and bool(_NAME_RE.match(name)) and not is_uuid(name)


def check_ident(ident: str, kind: str) -> None:
    """400 naming the resource kind unless ``ident`` is a UUID or a logical name."""
    if not (is_uuid(ident) or is_valid_name(ident)):
        raise exceptions.InvalidParameterValue(err=f"Expected UUID or name for {kind}: {ident}")


def collection(
    key: str,
    items: list[dict],
    rows: list[dict],
    more: bool,
    paging: Paging,
    path: str,
    marker_field: str = "uuid",
) -> dict:
    """``{key: items, next: url}``; ``next`` only when another page exists.

    ``rows`` are the database rows behind ``items``: the marker comes from the last one even
    when the caller's ``fields`` left it out of the documents.
    """
    doc: dict = {key: items}
    if more and rows:
        doc["next"] = links.next_link(
            links.base_url(), path, request.args, paging.limit, rows[-1][marker_field]
        )
    return doc


def minor() -> int:
    return g.version.minor
