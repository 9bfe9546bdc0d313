"""Volume connector and volume target documents (1.32)."""

from ironic_lite.api import links
from ironic_lite.api.views import timestamp

CONNECTOR_FIELDS = (
    "uuid",
    "node_uuid",
    "type",
    "connector_id",
    "extra",
    "created_at",
    "updated_at",
    "links",
)
TARGET_FIELDS = (
    "uuid",
    "node_uuid",
    "volume_type",
    "properties",
    "boot_index",
    "volume_id",
    "extra",
    "created_at",
    "updated_at",
    "links",
)
CONNECTOR_LIST_DEFAULT = ("uuid", "node_uuid", "type", "connector_id")
TARGET_LIST_DEFAULT = ("uuid", "node_uuid", "volume_type", "boot_index", "volume_id")


def render(row: dict, fields, base: str, resource: str) -> dict:
    """One connector or target with ``fields``; ``resource`` is "connectors" or "targets"."""
    doc = {}
    for name in fields:
        if name in ("created_at", "updated_at"):
            doc[name] = timestamp(row[name])
        elif name == "links":
            doc[name] = links.pair(base, f"volume/{resource}", row["uuid"])
        elif name in ("extra", "properties"):
            doc[name] = row[name] or {}
        else:
            doc[name] = row.get(name)
    return doc


def root(base: str, prefix: str) -> dict:
    """The /v1/volume (or /v1/nodes/<node>/volume) document: links to its collections."""
    return {
        "links": links.pair(base, f"{prefix}/"),
        "connectors": links.pair(base, f"{prefix}/connectors"),
        "targets": links.pair(base, f"{prefix}/targets"),
    }
