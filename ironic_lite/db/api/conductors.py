"""Queries on conductors and the hardware interfaces each one registered."""

import datetime

from sqlalchemy import delete, insert, select, update

from ironic_lite.common import exceptions
from ironic_lite.db import models, session
from ironic_lite.db.api._common import one_or_none, paginate, rows_to_dicts, split_page

__all__ = [
    "register_conductor",
    "touch_conductor",
    "unregister_conductor",
    "get_conductor",
    "list_conductors",
    "list_alive_conductors",
    "list_dead_conductors",
    "list_hardware_interfaces",
]

C = models.Conductor.__table__
HWI = models.ConductorHardwareInterface.__table__


def register_conductor(
    hostname: str, conductor_group: str, drivers: list[str], interfaces: list[dict]
) -> dict:
    """Record (or refresh) this conductor and the interfaces it serves; it is online at once.

    ``interfaces`` holds dicts with hardware_type, interface_type, interface_name, default.
    """
    now = models.utcnow()
    with session.writer() as conn:
        row = one_or_none(conn, select(C).where(C.c.hostname == hostname))
        values = {
            "drivers": drivers,
            "conductor_group": conductor_group.lower(),
            "online": True,
            "updated_at": now,
        }
        if row is None:
            conductor_id = conn.execute(
                insert(C).values(hostname=hostname, created_at=now, **values)
            ).inserted_primary_key[0]
        else:
            conductor_id = row["id"]
            conn.execute(update(C).where(C.c.id == conductor_id).values(**values))
            conn.execute(delete(HWI).where(HWI.c.conductor_id == conductor_id))
        if interfaces:
            conn.execute(
                insert(HWI),
                [dict(i, conductor_id=conductor_id, created_at=now) for i in interfaces],
            )
        return one_or_none(conn, select(C).where(C.c.id == conductor_id))


def touch_conductor(hostname: str) -> bool:
    """Heart-beat; False when the row is gone (someone unregistered us)."""
    with session.writer() as conn:
        return (
            conn.execute(
                update(C)
                .where(C.c.hostname == hostname)
                .values(updated_at=models.utcnow(), online=True)
            ).rowcount
            == 1
        )


def unregister_conductor(hostname: str) -> None:
    """Mark the conductor offline; its row stays so that history keeps the name."""
    with session.writer() as conn:
        conn.execute(
            update(C)
            .where(C.c.hostname == hostname)
            .values(online=False, updated_at=models.utcnow())
        )


def _alive_cutoff(timeout: int) -> datetime.datetime:
    return models.utcnow() - datetime.timedelta(seconds=timeout)


def get_conductor(hostname: str) -> dict:
    with session.reader() as conn:
        row = one_or_none(conn, select(C).where(C.c.hostname == hostname))
    if row is None:
        raise exceptions.ConductorNotFound(conductor=hostname)
    return row


def list_conductors(
    limit: int | None = None, marker: str | None = None, sort_key: str = "id", sort_dir: str = "asc"
) -> tuple[list[dict], bool]:
    with session.reader() as conn:
        marker_row = None
        if marker is not None:
            marker_row = one_or_none(
                conn, select(C.c.id, C.c[sort_key]).where(C.c.hostname == marker)
            )
            if marker_row is None:
                raise exceptions.InvalidParameterValue(
                    err=f"The marker {marker} does not match any conductor."
                )
        stmt = paginate(select(C), C, sort_key, sort_dir, marker_row, limit)
        rows = rows_to_dicts(conn.execute(stmt))
    return split_page(rows, limit)


def list_alive_conductors(timeout: int) -> list[dict]:
    """Conductors online whose last heart-beat is younger than ``timeout`` seconds."""
    with session.reader() as conn:
        return rows_to_dicts(
            conn.execute(
                select(C)
                .where(C.c.online.is_(True), C.c.updated_at >= _alive_cutoff(timeout))
                .order_by(C.c.id)
            )
        )


def list_dead_conductors(timeout: int) -> list[dict]:
    with session.reader() as conn:
        return rows_to_dicts(
            conn.execute(
                select(C)
                .where((C.c.online.is_(False)) | (C.c.updated_at < _alive_cutoff(timeout)))
                .order_by(C.c.id)
            )
        )


def list_hardware_interfaces(conductor_ids: list[int] | None = None) -> list[dict]:
    """Registered (hardware type, interface type, implementation) rows with their conductor."""
    stmt = select(HWI, C.c.hostname, C.c.conductor_group).select_from(
        HWI.join(C, HWI.c.conductor_id == C.c.id)
    )
    if conductor_ids is not None:
        stmt = stmt.where(HWI.c.conductor_id.in_(conductor_ids))
    with session.reader() as conn:
        return rows_to_dicts(conn.execute(stmt.order_by(HWI.c.id)))
