"""Queries on chassis."""

from collections.abc import Callable

from sqlalchemy import Connection, func, select

from ironic_lite.common import exceptions
from ironic_lite.db import models
from ironic_lite.db.api.crud import Crud

__all__ = ["get_chassis", "list_chassis", "create_chassis", "update_chassis", "destroy_chassis"]

C = models.Chassis.__table__
N = models.Node.__table__

_CONFLICTS = {"uuid": lambda v: exceptions.AlreadyExists(resource="chassis", uuid=v.get("uuid"))}


_CRUD = Crud(
    C,
    not_found=lambda ident: exceptions.ChassisNotFound(chassis=ident),
    conflicts=_CONFLICTS,
    bad_marker=lambda marker: exceptions.InvalidParameterValue(
        err=f"The marker {marker} does not match any chassis."
    ),
)


def get_chassis(chassis_uuid: str | None = None, *, chassis_id: int | None = None) -> dict:
    cond = C.c.uuid == chassis_uuid if chassis_uuid is not None else C.c.id == chassis_id
    return _CRUD.get_where(cond, chassis_uuid or chassis_id)


def list_chassis(
    limit: int | None = None, marker: str | None = None, sort_key: str = "id", sort_dir: str = "asc"
) -> tuple[list[dict], bool]:
    return _CRUD.page((), limit, marker, sort_key, sort_dir)


create_chassis = _CRUD.insert
update_chassis = _CRUD.update


def _refuse_if_nodes(ident: str) -> Callable[[Connection, int], None]:
    def check(conn: Connection, chassis_id: int) -> None:
        nodes = conn.execute(
            select(func.count()).select_from(N).where(N.c.chassis_id == chassis_id)
        ).scalar_one()
        if nodes:
            raise exceptions.ChassisNotEmpty(chassis=ident)

    return check


def destroy_chassis(chassis_id: int, ident: str) -> None:
    """Delete a chassis that no node refers to."""
    _CRUD.delete(chassis_id, ident, before=_refuse_if_nodes(ident))
