"""The document of one page of a collection: ``{key: items, next: url}``."""

from flask import request

from ironic_lite.api import links
from ironic_lite.api.params import Paging


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
