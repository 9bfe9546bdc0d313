"""Queries on inspection rules: conditions on an inspected inventory and actions on the node."""

from sqlalchemy import select

from ironic_lite.common import exceptions
from ironic_lite.db import models, session
from ironic_lite.db.api._common import rows_to_dicts
from ironic_lite.db.api.crud import Crud

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


_CRUD = Crud(
    R,
    not_found=lambda ident: exceptions.ResourceNotFound(
        f"Inspection rule {ident} could not be found."
    ),
    conflicts=_CONFLICTS,
)
get_inspection_rule = _CRUD.get


def list_inspection_rules(
    limit: int | None = None,
    marker: str | None = None,
    sort_key: str = "id",
    sort_dir: str = "asc",
    phase: str | None = None,
) -> tuple[list[dict], bool]:
    conditions = [] if phase is None else [R.c.phase == phase]
    return _CRUD.page(conditions, limit, marker, sort_key, sort_dir)


def inspection_rules_for_phase(phase: str = "main") -> list[dict]:
    """Every rule of ``phase`` in the order they run: highest priority first, then oldest."""
    with session.reader() as conn:
        stmt = select(R).where(R.c.phase == phase).order_by(R.c.priority.desc(), R.c.id.asc())
        return rows_to_dicts(conn.execute(stmt))


create_inspection_rule = _CRUD.insert
update_inspection_rule = _CRUD.update
destroy_inspection_rule = _CRUD.delete
