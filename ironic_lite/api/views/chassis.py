"""Chassis documents."""

from ironic_lite.api import links
from ironic_lite.api.views import timestamp

FIELDS: dict[str, int] = {
    "uuid": 1,
    "created_at": 1,
    "updated_at": 1,
    "description": 1,
    "extra": 1,
    "links": 1,
    "nodes": 1,
}
LIST_DEFAULT = ("uuid", "description")


def render(row: dict, fields: list[str], base: str) -> dict:
    doc = {}
    for name in fields:
        if name in ("created_at", "updated_at"):
            doc[name] = timestamp(row[name])
        elif name == "links":
            doc[name] = links.pair(base, "chassis", row["uuid"])
        elif name == "nodes":
            # Ironic shows this link pair nested in a list; clients expect that shape.
            doc[name] = [links.pair(base, "chassis", f"{row['uuid']}/nodes")]
        else:
            doc[name] = row[name]
    return doc
