"""The microversion of the request being served, as negotiated before the view ran."""

from flask import g


def minor() -> int:
    """The minor version of this request (``1.<minor>``); views gate fields and verbs on it."""
    return g.version.minor
