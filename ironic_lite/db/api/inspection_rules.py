"""Queries on inspection rules: conditions on an inspected inventory and actions on the node."""

from sqlalchemy import delete, exc, insert, select, update

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

__all__ = [
    "get_inspection_rule",
    "list_inspection_rules",
    "inspection_rules_for_phase",
    "create_inspection_rule",
    "update_inspection_rule",
    "destroy_inspection_rule",
]

R = models.InspectionRule.__table__

_CONFLICTS = {
    "uuid": lambda v: exceptions.AlreadyExists(resource="inspection rule", uuid=v.get("uuid")),
}


def _not_found(ident) -> exceptions.NotFound:
    return exceptions.ResourceNotFound(f"Inspection rule {ident} could not be found.")


def get_inspection_rule(ident: str | int) -> dict:
    cond = R.c.id == ident if isinstance(ident, int) else R.c.uuid == ident
    with session.reader() as conn:
        row = one_or_none(conn, select(R).where(cond))
    if row is None:
        raise _not_found(ident)
    return row


def list_inspection_rules(
    limit: int | None = None,
    marker: str | None = None,
    sort_key: str = "id",
    sort_dir: str = "asc",
    phase: str | None = None,
) -> tuple[list[dict], bool]:
    with session.reader() as conn:
        marker_row = None
        if marker is not None:
            marker_row = one_or_none(conn, select(R.c.id, R.c[sort_key]).where(R.c.uuid == marker))
            if marker_row is None:
                raise _not_found(marker)
        stmt = select(R)
        if phase is not None:
            stmt = stmt.where(R.c.phase == phase)
        stmt = paginate(stmt, R, sort_key, sort_dir, marker_row, limit)
        return split_page(rows_to_dicts(conn.execute(stmt)), limit)


def inspection_rules_for_phase(phase: str = "main") -> list[dict]:
    """Every rule of ``phase`` in the order they run: highest priority first, then oldest."""
    with session.reader() as conn:
        stmt = select(R).where(R.c.phase == phase).order_by(R.c.priority.desc(), R.c.id.asc())
        return rows_to_dicts(conn.execute(stmt))


def create_inspection_rule(values: dict) -> dict:
    values = dict(values)
    values.setdefault("uuid", new_uuid())
    try:
        with session.writer() as conn:
            row_id = conn.execute(insert(R).values(**values)).inserted_primary_key[0]
    except exc.IntegrityError as e:
        raise_for_integrity(e, R, values, _CONFLICTS)
    return get_inspection_rule(row_id)


def update_inspection_rule(row_id: int, changes: dict) -> dict:
    values = dict(changes, updated_at=models.utcnow())
    try:
        with session.writer() as conn:
            if conn.execute(update(R).where(R.c.id == row_id).values(**values)).rowcount != 1:
                raise _not_found(row_id)
    except exc.IntegrityError as e:
        raise_for_integrity(e, R, values, _CONFLICTS)
    return get_inspection_rule(row_id)


def destroy_inspection_rule(row_id: int) -> None:
    with session.writer() as conn:
        if conn.execute(delete(R).where(R.c.id == row_id)).rowcount != 1:
            raise _not_found(row_id)
