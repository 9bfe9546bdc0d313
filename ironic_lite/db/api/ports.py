"""Queries on ports and portgroups."""

from sqlalchemy import delete, exc, func, insert, or_, select, update

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
    "get_port",
    "list_ports",
    "list_ports_by_node_ids",
    "create_port",
    "update_port",
    "destroy_port",
    "get_portgroup",
    "list_portgroups",
    "create_portgroup",
    "update_portgroup",
    "destroy_portgroup",
]

P = models.Port.__table__
PG = models.Portgroup.__table__
N = models.Node.__table__

_PORT_CONFLICTS = {
    "address": lambda v: exceptions.MACAlreadyExists(mac=v.get("address")),
    "uuid": lambda v: exceptions.AlreadyExists(resource="port", uuid=v.get("uuid")),
    "name": lambda v: exceptions.DuplicateName(resource="port", name=v.get("name")),
}
_PORTGROUP_CONFLICTS = {
    "address": lambda v: exceptions.PortgroupMACAlreadyExists(mac=v.get("address")),
    "uuid": lambda v: exceptions.AlreadyExists(resource="portgroup", uuid=v.get("uuid")),
    "name": lambda v: exceptions.DuplicateName(resource="portgroup", name=v.get("name")),
}


def _port_select():
    pg = PG.alias("pg")
    return select(
        *P.columns, N.c.uuid.label("node_uuid"), pg.c.uuid.label("portgroup_uuid")
    ).select_from(P.outerjoin(N, P.c.node_id == N.c.id).outerjoin(pg, P.c.portgroup_id == pg.c.id))


def _portgroup_select():
    return select(*PG.columns, N.c.uuid.label("node_uuid")).select_from(
        PG.outerjoin(N, PG.c.node_id == N.c.id)
    )


def _common_conditions(table, filters: dict) -> list:
    conds = []
    for name in ("node_id", "address", "portgroup_id", "physical_network", "uuid"):
        if name in table.c and filters.get(name) is not None:
            conds.append(table.c[name] == filters[name])
    if filters.get("node_id_in") is not None:
        conds.append(table.c.node_id.in_(list(filters["node_id_in"])))
    if filters.get("shard") is not None:
        conds.append(
            table.c.node_id.in_(select(N.c.id).where(N.c.shard.in_(list(filters["shard"]))))
        )
    if filters.get("conductor_group") is not None:
        groups = [g.lower() for g in filters["conductor_group"]]
        conds.append(table.c.node_id.in_(select(N.c.id).where(N.c.conductor_group.in_(groups))))
    if filters.get("project") is not None:
        conds.append(table.c.node_id.in_(_project_nodes(filters["project"])))
    return conds


def _project_nodes(project: str):
    """The ids of the nodes ``project`` owns or leases: what a project user's lists keep."""
    return select(N.c.id).where(or_(N.c.owner == project, N.c.lessee == project))


def _list(table, base, filters, limit, marker, sort_key, sort_dir, what):
    with session.reader() as conn:
        marker_row = None
        if marker is not None:
            marker_row = one_or_none(
                conn, select(table.c.id, table.c[sort_key]).where(table.c.uuid == marker)
            )
            if marker_row is None:
                raise exceptions.InvalidParameterValue(
                    err=f"The marker {marker} does not match any {what}."
                )
        stmt = base
        for cond in _common_conditions(table, filters or {}):
            stmt = stmt.where(cond)
        stmt = paginate(stmt, table, sort_key, sort_dir, marker_row, limit)
        rows = rows_to_dicts(conn.execute(stmt))
    return split_page(rows, limit)


# --- ports -----------------------------------------------------------------------------------
def get_port(
    where_uuid: str | None = None,
    *,
    port_id: int | None = None,
    address: str | None = None,
    name: str | None = None,
) -> dict:
    cond = (
        P.c.uuid == where_uuid
        if where_uuid is not None
        else P.c.id == port_id
        if port_id is not None
        else P.c.address == address
        if address is not None
        else P.c.name == name
    )
    with session.reader() as conn:
        port = one_or_none(conn, _port_select().where(cond))
    if port is None:
        raise exceptions.PortNotFound(port=where_uuid or port_id or address or name)
    return port


def list_ports(
    filters: dict | None = None,
    limit: int | None = None,
    marker: str | None = None,
    sort_key: str = "id",
    sort_dir: str = "asc",
) -> tuple[list[dict], bool]:
    return _list(P, _port_select(), filters, limit, marker, sort_key, sort_dir, "port")


def list_ports_by_node_ids(node_ids: list[int]) -> list[dict]:
    with session.reader() as conn:
        return rows_to_dicts(
            conn.execute(_port_select().where(P.c.node_id.in_(node_ids)).order_by(P.c.id))
        )


def create_port(values: dict) -> dict:
    values = dict(values)
    values.setdefault("uuid", new_uuid())
    try:
        with session.writer() as conn:
            port_id = conn.execute(insert(P).values(**values)).inserted_primary_key[0]
            port = one_or_none(conn, _port_select().where(P.c.id == port_id))
    except exc.IntegrityError as e:
        raise_for_integrity(e, P, values, _PORT_CONFLICTS)
    return port


def update_port(port_id: int, changes: dict) -> dict:
    values = dict(changes, updated_at=models.utcnow())
    try:
        with session.writer() as conn:
            if conn.execute(update(P).where(P.c.id == port_id).values(**values)).rowcount != 1:
                raise exceptions.PortNotFound(port=port_id)
            port = one_or_none(conn, _port_select().where(P.c.id == port_id))
    except exc.IntegrityError as e:
        raise_for_integrity(e, P, values, _PORT_CONFLICTS)
    return port


def destroy_port(port_id: int) -> None:
    with session.writer() as conn:
        if conn.execute(delete(P).where(P.c.id == port_id)).rowcount != 1:
            raise exceptions.PortNotFound(port=port_id)


# --- portgroups ------------------------------------------------------------------------------
def get_portgroup(
    where_uuid: str | None = None,
    *,
    portgroup_id: int | None = None,
    name: str | None = None,
    address: str | None = None,
) -> dict:
    cond = (
        PG.c.uuid == where_uuid
        if where_uuid is not None
        else PG.c.id == portgroup_id
        if portgroup_id is not None
        else PG.c.address == address
        if address is not None
        else PG.c.name == name
    )
    with session.reader() as conn:
        pg = one_or_none(conn, _portgroup_select().where(cond))
    if pg is None:
        raise exceptions.PortgroupNotFound(portgroup=where_uuid or portgroup_id or name or address)
    return pg


def list_portgroups(
    filters: dict | None = None,
    limit: int | None = None,
    marker: str | None = None,
    sort_key: str = "id",
    sort_dir: str = "asc",
) -> tuple[list[dict], bool]:
    return _list(PG, _portgroup_select(), filters, limit, marker, sort_key, sort_dir, "portgroup")


def create_portgroup(values: dict) -> dict:
    values = dict(values)
    values.setdefault("uuid", new_uuid())
    try:
        with session.writer() as conn:
            pg_id = conn.execute(insert(PG).values(**values)).inserted_primary_key[0]
            pg = one_or_none(conn, _portgroup_select().where(PG.c.id == pg_id))
    except exc.IntegrityError as e:
        raise_for_integrity(e, PG, values, _PORTGROUP_CONFLICTS)
    return pg


def update_portgroup(portgroup_id: int, changes: dict) -> dict:
    values = dict(changes, updated_at=models.utcnow())
    try:
        with session.writer() as conn:
            if (
                conn.execute(update(PG).where(PG.c.id == portgroup_id).values(**values)).rowcount
                != 1
            ):
                raise exceptions.PortgroupNotFound(portgroup=portgroup_id)
            pg = one_or_none(conn, _portgroup_select().where(PG.c.id == portgroup_id))
    except exc.IntegrityError as e:
        raise_for_integrity(e, PG, values, _PORTGROUP_CONFLICTS)
    return pg


def destroy_portgroup(portgroup_id: int, ident: str) -> None:
    """Delete an empty portgroup; one that still holds ports is refused."""
    with session.writer() as conn:
        members = conn.execute(
            select(func.count()).select_from(P).where(P.c.portgroup_id == portgroup_id)
        ).scalar_one()
        if members:
            raise exceptions.PortgroupNotEmpty(portgroup=ident)
        if conn.execute(delete(PG).where(PG.c.id == portgroup_id)).rowcount != 1:
            raise exceptions.PortgroupNotFound(portgroup=ident)
