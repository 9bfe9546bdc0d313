"""Queries on a node's inventory: the hardware facts inspection (agent or BMC) last reported.

One row per node; saving replaces it. ``plugin_data`` holds what processing derived from the
inventory (for example which inspection rules ran), kept apart from what the machine said.
"""

from sqlalchemy import delete, insert, select

from ironic_lite.db import models, session
from ironic_lite.db.api._common import one_or_none

I = models.NodeInventory.__table__  # noqa: E741 - the table, as in the other modules

__all__ = ["get_inventory", "save_inventory"]


def get_inventory(node_id: int) -> dict | None:
    """``{"inventory": ..., "plugin_data": ...}`` of the node, or None if never inspected."""
    with session.reader(single=True) as conn:
        row = one_or_none(conn, select(I).where(I.c.node_id == node_id))
    if row is None:
        return None
    return {"inventory": row["inventory_data"], "plugin_data": row["plugin_data"] or {}}


def save_inventory(node_id: int, inventory: dict, plugin_data: dict | None = None) -> None:
    """Replace the node's inventory (delete + insert in one transaction: portable upsert)."""
    with session.writer() as conn:
        conn.execute(delete(I).where(I.c.node_id == node_id))
        conn.execute(
            insert(I).values(node_id=node_id, inventory_data=inventory, plugin_data=plugin_data)
        )
