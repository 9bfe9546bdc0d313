"""Queries on a node's BIOS settings: what its BIOS interface last read from the machine.

One row per (node, setting name): the value, and the registry facts Redfish reports about the
setting (type, allowed values, bounds, read-only ...). Drivers write them through
``Task.store_bios_settings``; the API only reads them.
"""

from sqlalchemy import delete, insert, select, update

from ironic_lite.db import models, session
from ironic_lite.db.api._common import one_or_none, rows_to_dicts

B = models.BIOSSetting.__table__

__all__ = ["list_bios_settings", "get_bios_setting", "set_bios_settings"]

# What a caller may give for a setting besides its name (the registry is all optional).
BIOS_FIELDS = (
    "value",
    "attribute_type",
    "allowable_values",
    "lower_bound",
    "max_length",
    "min_length",
    "read_only",
    "reset_required",
    "unique",
    "upper_bound",
)


def list_bios_settings(node_id: int) -> list[dict]:
    """Every stored setting of the node, by name."""
    with session.reader(single=True) as conn:
        return rows_to_dicts(
            conn.execute(select(B).where(B.c.node_id == node_id).order_by(B.c.name))
        )


def get_bios_setting(node_id: int, name: str) -> dict | None:
    """One setting of the node, or None when the node has no setting of that name."""
    with session.reader(single=True) as conn:
        return one_or_none(conn, select(B).where(B.c.node_id == node_id, B.c.name == name))


def _row_values(setting: dict, replace: bool) -> dict:
    unknown = set(setting) - {"name", *BIOS_FIELDS}
    if unknown:
        raise ValueError(f"BIOS setting {setting.get('name')!r} has unknown keys {sorted(unknown)}")
    if replace:
        values = {field: setting.get(field) for field in BIOS_FIELDS}
    else:
        values = {field: setting[field] for field in BIOS_FIELDS if field in setting}
    if values.get("value") is not None:
        # Stored as text whatever the BMC's JSON type was, as Ironic stores it.
        values["value"] = str(values["value"])
    return values


def _same(field: str, stored, given) -> bool:
    if field == "allowable_values":
        # A NULL list reads back as [] (JSONText): both mean "no list".
        return (stored or []) == (given or [])
    return stored == given


def set_bios_settings(node_id: int, settings: list[dict], replace: bool = True) -> list[dict]:
    """Write the node's settings in one transaction and return them all, by name.

    ``replace``: ``settings`` is everything the machine has; settings not in it are deleted
    and each row takes exactly the given fields (missing registry fields become NULL).
    Otherwise only the named settings change, and only the fields given (a name not stored
    yet is added). ``updated_at`` moves only on rows whose fields really changed, so that a
    re-read of an unchanged machine writes nothing.
    """
    wanted: dict[str, dict] = {}
    for setting in settings:
        if not isinstance(setting.get("name"), str) or not setting["name"]:
            raise ValueError(f"BIOS setting without a name: {setting!r}")
        wanted[setting["name"]] = _row_values(setting, replace)
    now = models.utcnow()
    with session.writer() as conn:
        current = {
            row["name"]: row
            for row in rows_to_dicts(conn.execute(select(B).where(B.c.node_id == node_id)))
        }
        if replace:
            gone = sorted(set(current) - set(wanted))
            if gone:
                conn.execute(delete(B).where(B.c.node_id == node_id, B.c.name.in_(gone)))
        new = [
            {
                "node_id": node_id,
                "name": name,
                "created_at": now,
                **{field: values.get(field) for field in BIOS_FIELDS},
            }
            for name, values in wanted.items()
            if name not in current
        ]
        if new:
            conn.execute(insert(B), new)
        for name, values in wanted.items():
            old = current.get(name)
            if old is None:
                continue
            changed = {k: v for k, v in values.items() if not _same(k, old[k], v)}
            if changed:
                conn.execute(
                    update(B)
                    .where(B.c.node_id == node_id, B.c.name == name)
                    .values(updated_at=now, **changed)
                )
        return rows_to_dicts(
            conn.execute(select(B).where(B.c.node_id == node_id).order_by(B.c.name))
        )
