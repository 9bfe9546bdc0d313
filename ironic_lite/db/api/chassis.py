"""Queries on chassis."""

from sqlalchemy import delete, exc, func, insert, select, update

from ironic_lite.common import exceptions
from ironic_lite.db import models, session
from ironic_lite.db.api._common import (
    new_uuid,
    one_or_none,
    paginate,
    raise_for_integrity,
    rows_to_dicts,
    split_page,
)

__all__ = ["get_chassis", "list_chassis", "create_chassis", "update_chassis", "destroy_chassis"]

C = models.Chassis.__table__
N = models.Node.__table__

_CONFLICTS = {"uuid": lambda v: exceptions.AlreadyExists(resource="chassis", uuid=v.get("uuid"))}


def get_chassis(chassis_uuid: str | None = None, *, chassis_id: int | None = None) -> dict:
    cond = C.c.uuid == chassis_uuid if chassis_uuid is not None else C.c.id == chassis_id
    with session.reader() as conn:
        row = one_or_none(conn, select(C).where(cond))
    if row is None:
        raise exceptions.ChassisNotFound(chassis=chassis_uuid or chassis_id)
    return row


def list_chassis(
    limit: int | None = None, marker: str | None = None, sort_key: str = "id", sort_dir: str = "asc"
) -> tuple[list[dict], bool]:
    with session.reader() as conn:
        marker_row = None
        if marker is not None:
            marker_row = one_or_none(conn, select(C.c.id, C.c[sort_key]).where(C.c.uuid == marker))
            if marker_row is None:
                raise exceptions.InvalidParameterValue(
                    err=f"The marker {marker} does not match any chassis."
                )
        stmt = paginate(select(C), C, sort_key, sort_dir, marker_row, limit)
        rows = rows_to_dicts(conn.execute(stmt))
    return split_page(rows, limit)


def create_chassis(values: dict) -> dict:
    values = dict(values)
    values.setdefault("uuid", new_uuid())
    try:
        with session.writer() as conn:
            chassis_id = conn.execute(insert(C).values(**values)).inserted_primary_key[0]
            row = one_or_none(conn, select(C).where(C.c.id == chassis_id))
    except exc.IntegrityError as e:
        raise_for_integrity(e, C, values, _CONFLICTS)
    return row


def update_chassis(chassis_id: int, changes: dict) -> dict:
    values = dict(changes, updated_at=models.utcnow())
    with session.writer() as conn:
        if conn.execute(update(C).where(C.c.id == chassis_id).values(**values)).rowcount != 1:
            raise exceptions.ChassisNotFound(chassis=chassis_id)
        return one_or_none(conn, select(C).where(C.c.id == chassis_id))


def destroy_chassis(chassis_id: int, ident: str) -> None:
    """Delete a chassis that no node refers to."""
    with session.writer() as conn:
        nodes = conn.execute(
            select(func.count()).select_from(N).where(N.c.chassis_id == chassis_id)
        ).scalar_one()
        if nodes:
            raise exceptions.ChassisNotEmpty(chassis=ident)
        if conn.execute(delete(C).where(C.c.id == chassis_id)).rowcount != 1:
            raise exceptions.ChassisNotFound(chassis=ident)
