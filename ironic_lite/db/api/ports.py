"""Queries on ports and portgroups."""

from collections.abc import Callable

from sqlalchemy import Connection, func, or_, select

from ironic_lite.common import exceptions
from ironic_lite.db import models, session
from ironic_lite.db.api._common import rows_to_dicts
from ironic_lite.db.api.crud import Crud

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


def _bad_marker(what: str):
    return lambda marker: exceptions.InvalidParameterValue(
        err=f"The marker {marker} does not match any {what}."
    )


_PORTS = Crud(
    P,
    not_found=lambda ident: exceptions.PortNotFound(port=ident),
    conflicts=_PORT_CONFLICTS,
    shape=_port_select,
    bad_marker=_bad_marker("port"),
)
_PORTGROUPS = Crud(
    PG,
    not_found=lambda ident: exceptions.PortgroupNotFound(portgroup=ident),
    conflicts=_PORTGROUP_CONFLICTS,
    shape=_portgroup_select,
    bad_marker=_bad_marker("portgroup"),
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
    return _PORTS.get_where(cond, where_uuid or port_id or address or name)


def list_ports(
    filters: dict | None = None,
    limit: int | None = None,
    marker: str | None = None,
    sort_key: str = "id",
    sort_dir: str = "asc",
) -> tuple[list[dict], bool]:
    conditions = _common_conditions(P, filters or {})
    return _PORTS.page(conditions, limit, marker, sort_key, sort_dir)


def list_ports_by_node_ids(node_ids: list[int]) -> list[dict]:
    with session.reader() as conn:
        return rows_to_dicts(
            conn.execute(_port_select().where(P.c.node_id.in_(node_ids)).order_by(P.c.id))
        )


create_port = _PORTS.insert
update_port = _PORTS.update
destroy_port = _PORTS.delete


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
    return _PORTGROUPS.get_where(cond, where_uuid or portgroup_id or name or address)


def list_portgroups(
    filters: dict | None = None,
    limit: int | None = None,
    marker: str | None = None,
    sort_key: str = "id",
    sort_dir: str = "asc",
) -> tuple[list[dict], bool]:
    conditions = _common_conditions(PG, filters or {})
    return _PORTGROUPS.page(conditions, limit, marker, sort_key, sort_dir)


create_portgroup = _PORTGROUPS.insert
update_portgroup = _PORTGROUPS.update


def _refuse_if_ports(ident: str) -> Callable[[Connection, int], None]:
    def check(conn: Connection, portgroup_id: int) -> None:
        members = conn.execute(
            select(func.count()).select_from(P).where(P.c.portgroup_id == portgroup_id)
        ).scalar_one()
        if members:
            raise exceptions.PortgroupNotEmpty(portgroup=ident)

    return check


def destroy_portgroup(portgroup_id: int, ident: str) -> None:
    """Delete an empty portgroup; one that still holds ports is refused."""
    _PORTGROUPS.delete(portgroup_id, ident, before=_refuse_if_ports(ident))
