"""Queries on a node's firmware components: their versions as the firmware interface read them.

One row per (node, component): the version first seen (``initial_version``, never changed
afterwards), the version running now and the last one flashed through ironic-lite. Drivers
write them through ``Task.store_firmware_components``; the API only reads them.
"""

from sqlalchemy import delete, insert, select, update

from ironic_lite.db import models, session
from ironic_lite.db.api._common import rows_to_dicts

F = models.FirmwareComponent.__table__

__all__ = ["list_firmware_components", "set_firmware_components"]

# What a caller may give for a component besides its name.
FIRMWARE_FIELDS = (
    "initial_version",
    "current_version",
    "last_version_flashed",
    "vendor",
    "model",
    "serial_number",
)


def list_firmware_components(node_id: int) -> list[dict]:
    """Every stored component of the node, in the order they were first stored."""
    with session.reader(single=True) as conn:
        return rows_to_dicts(conn.execute(select(F).where(F.c.node_id == node_id).order_by(F.c.id)))


def _checked(component: dict) -> tuple[str, dict]:
    name = component.get("component")
    if not isinstance(name, str) or not name:
        raise ValueError(f"firmware component without a name: {component!r}")
    unknown = set(component) - {"component", *FIRMWARE_FIELDS}
    if unknown:
        raise ValueError(f"firmware component {name!r} has unknown keys {sorted(unknown)}")
    return name, {k: v for k, v in component.items() if k != "component"}


def set_firmware_components(
    node_id: int, components: list[dict], replace: bool = True
) -> list[dict]:
    """Write the node's components in one transaction and return them all.

    ``replace``: ``components`` is everything the machine has; components not in it are
    deleted. Otherwise only the named ones change (and a name not stored yet is added). Only
    the fields given change; ``initial_version`` is set once, when a component is first
    stored (from ``initial_version`` or else ``current_version``), and kept afterwards.
    ``updated_at`` moves only on rows that really changed.
    """
    wanted = dict(_checked(c) for c in components)
    now = models.utcnow()
    with session.writer() as conn:
        current = {
            row["component"]: row
            for row in rows_to_dicts(conn.execute(select(F).where(F.c.node_id == node_id)))
        }
        if replace:
            gone = sorted(set(current) - set(wanted))
            if gone:
                conn.execute(delete(F).where(F.c.node_id == node_id, F.c.component.in_(gone)))
        new = []
        for name, values in wanted.items():
            old = current.get(name)
            if old is None:
                initial = values.get("initial_version") or values.get("current_version")
                if not initial:
                    raise ValueError(f"firmware component {name!r} needs a version")
                row = {field: values.get(field) for field in FIRMWARE_FIELDS}
                row.update(node_id=node_id, component=name, initial_version=initial)
                new.append({**row, "created_at": now})
                continue
            changed = {k: v for k, v in values.items() if k != "initial_version" and old[k] != v}
            if changed:
                conn.execute(update(F).where(F.c.id == old["id"]).values(updated_at=now, **changed))
        if new:
            conn.execute(insert(F), new)
        return rows_to_dicts(conn.execute(select(F).where(F.c.node_id == node_id).order_by(F.c.id)))
