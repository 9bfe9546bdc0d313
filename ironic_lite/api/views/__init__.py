"""Serialisers: turn the plain dicts of ``db.api`` into API documents for a microversion."""

import datetime


def timestamp(value: datetime.datetime | None) -> str | None:
    """Stored naive UTC time as ISO 8601 with its offset, as Ironic shows it."""
    if value is None:
        return None
    return value.isoformat() + "+00:00"
