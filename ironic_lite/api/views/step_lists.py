"""Deploy template and runbook documents."""

from ironic_lite.api import links
from ironic_lite.api.views import timestamp

# Field -> the minor version that introduced it.
TEMPLATE_FIELDS: dict[str, int] = {
    "uuid": 55,
    "name": 55,
    "steps": 55,
    "extra": 55,
    "created_at": 55,
    "updated_at": 55,
    "links": 55,
}
RUNBOOK_FIELDS: dict[str, int] = {
    "uuid": 92,
    "name": 92,
    "description": 112,
    "traits": 112,
    "steps": 92,
    "disable_ramdisk": 92,
    "public": 92,
    "owner": 92,
    "extra": 92,
    "created_at": 92,
    "updated_at": 92,
    "links": 92,
}
LIST_DEFAULT = ("uuid", "name")


def render(row: dict, fields: list[str], base: str, resource: str) -> dict:
    """The document of one deploy template or runbook with ``fields`` (already gated)."""
    doc = {}
    for name in fields:
        if name in ("created_at", "updated_at"):
            doc[name] = timestamp(row[name])
        elif name == "links":
            doc[name] = links.pair(base, resource, row["uuid"])
        elif name == "extra":
            doc[name] = row["extra"] or {}
        elif name == "steps":
            doc[name] = [dict(s) for s in row["steps"]]
        else:
            doc[name] = row.get(name)
    return doc
