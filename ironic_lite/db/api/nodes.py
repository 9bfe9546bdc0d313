"""Queries on nodes and their traits and tags."""

import datetime

from sqlalchemy import bindparam, delete, func, insert, or_, select, update

from ironic_lite.common import exceptions
from ironic_lite.db import models, session
from ironic_lite.db.api._common import (
    Prepared,
    bool_filter,
    comma_joined,
    is_uuid,
    new_uuid,
    one_or_none,
    paginate,
    rows_to_dicts,
    split_page,
)
from ironic_lite.db.api.crud import translating
from ironic_lite.db.api.history import insert_history

__all__ = [
    "get_node_by_id",
    "get_node_by_uuid",
    "get_node_by_name",
    "get_node_by_instance",
    "get_node",
    "list_nodes",
    "count_nodes",
    "count_nodes_by_shard",
    "create_node",
    "update_node",
    "update_locked_node",
    "destroy_node",
    "get_node_traits",
    "set_node_traits",
    "add_node_trait",
    "delete_node_trait",
    "reserve_node",
    "holds_lock",
    "release_node",
    "release_all_locks",
    "now",
    "NODE_COLUMNS",
]

N = models.Node.__table__
TRAITS = models.NodeTrait.__table__
TAGS = models.NodeTag.__table__
CHASSIS = models.Chassis.__table__
ALLOC = models.Allocation.__table__

NODE_COLUMNS: tuple[str, ...] = tuple(c.name for c in N.columns)
# Columns a caller reads as a node that are not stored on the nodes table itself.
DERIVED = ("chassis_uuid", "allocation_uuid")

_CONFLICTS = {
    "name": lambda v: exceptions.DuplicateName(resource="node", name=v.get("name")),
    "uuid": lambda v: exceptions.NodeAlreadyExists(uuid=v.get("uuid")),
    "instance_uuid": lambda v: exceptions.InstanceAssociated(
        instance_uuid=v.get("instance_uuid"), node=v.get("uuid")
    ),
}


# A node's traits in the same row: one query per read instead of two, on every database.
# (Trait names cannot hold commas: they are upper case, digits and underscores.)
_TRAITS_CSV = (
    select(comma_joined(TRAITS.c.trait))
    .where(TRAITS.c.node_id == N.c.id)
    .scalar_subquery()
    .label("traits_csv")
)


def _select(columns=None, with_traits: bool = True):
    """SELECT of node columns (all by default) plus chassis_uuid, allocation_uuid and the
    node's traits (as ``traits_csv``, turned into a list by ``_finish``)."""
    cols = [N.c[c] for c in (columns or NODE_COLUMNS)]
    wanted = set(columns or NODE_COLUMNS) | set(DERIVED)
    stmt_cols = list(cols)
    frm = N
    if columns is None or "chassis_uuid" in wanted:
        stmt_cols.append(CHASSIS.c.uuid.label("chassis_uuid"))
        frm = frm.outerjoin(CHASSIS, N.c.chassis_id == CHASSIS.c.id)
    if columns is None or "allocation_uuid" in wanted:
        stmt_cols.append(ALLOC.c.uuid.label("allocation_uuid"))
        frm = frm.outerjoin(ALLOC, N.c.allocation_id == ALLOC.c.id)
    if with_traits:
        stmt_cols.append(_TRAITS_CSV)
    return select(*stmt_cols).select_from(frm)


def _finish(rows: list[dict]) -> list[dict]:
    for row in rows:
        if "traits_csv" in row:
            csv = row.pop("traits_csv")
            row["traits"] = sorted(csv.split(",")) if csv else []
    return rows


# Built once: a single-node read is the API's hottest query, an insert the enrolment's.
_INSERT = insert(N)
_BY = {
    (col, traits): Prepared(_select(with_traits=traits).where(N.c[col] == bindparam("value")))
    for col in ("id", "uuid", "name", "instance_uuid")
    for traits in (True, False)
}


def _get(conn, column: str, value, with_traits: bool = True) -> dict | None:
    rows = _BY[(column, with_traits)].rows(conn, {"value": value})
    return _finish(rows)[0] if rows else None


def get_node_by_id(node_id: int) -> dict:
    with session.reader(single=True) as conn:
        node = _get(conn, "id", node_id)
    if node is None:
        raise exceptions.NodeNotFound(node=node_id)
    return node


def get_node_by_uuid(node_uuid: str) -> dict:
    with session.reader(single=True) as conn:
        node = _get(conn, "uuid", node_uuid)
    if node is None:
        raise exceptions.NodeNotFound(node=node_uuid)
    return node


def get_node_by_name(name: str) -> dict:
    with session.reader(single=True) as conn:
        node = _get(conn, "name", name)
    if node is None:
        raise exceptions.NodeNotFound(node=name)
    return node


def get_node_by_instance(instance_uuid: str) -> dict:
    with session.reader(single=True) as conn:
        node = _get(conn, "instance_uuid", instance_uuid)
    if node is None:
        raise exceptions.NodeNotFound(node=f"with instance {instance_uuid}")
    return node


def get_node(ident: str) -> dict:
    """A node by UUID or, failing that, by name."""
    if is_uuid(ident):
        return get_node_by_uuid(ident)
    return get_node_by_name(ident)


def _filter_conditions(filters: dict) -> list:
    conds = []
    f = filters
    if f.get("associated") is not None:
        conds.append(
            N.c.instance_uuid.is_not(None) if f["associated"] else N.c.instance_uuid.is_(None)
        )
    for name in ("maintenance", "retired"):
        if f.get(name) is not None:
            conds.append(bool_filter(N.c[name], f[name]))
    for name in (
        "driver",
        "resource_class",
        "fault",
        "owner",
        "lessee",
        "instance_uuid",
        "instance_name",
        "chassis_id",
        "parent_node",
        "power_state",
        "reservation",
        "conductor_affinity",
    ):
        if f.get(name) is not None:
            conds.append(N.c[name] == f[name])
    if f.get("conductor_group") is not None:
        conds.append(N.c.conductor_group == f["conductor_group"].lower())
    if f.get("provision_state") is not None:
        states = f["provision_state"]
        states = [states] if isinstance(states, str) else list(states)
        conds.append(N.c.provision_state.in_(states))
    if f.get("project") is not None:
        conds.append(or_(N.c.owner == f["project"], N.c.lessee == f["project"]))
    if f.get("description_contains") is not None:
        pattern = "%" + f["description_contains"].replace("%", r"\%").replace("_", r"\_") + "%"
        conds.append(N.c.description.like(pattern, escape="\\"))
    if f.get("shard") is not None:
        conds.append(N.c.shard.in_(list(f["shard"])))
    if f.get("sharded") is not None:
        conds.append(N.c.shard.is_not(None) if f["sharded"] else N.c.shard.is_(None))
    if f.get("include_children") is False and f.get("parent_node") is None:
        conds.append(N.c.parent_node.is_(None))
    if f.get("reserved") is not None:
        conds.append(N.c.reservation.is_not(None) if f["reserved"] else N.c.reservation.is_(None))
    if f.get("reserved_by_any_of") is not None:
        conds.append(N.c.reservation.in_(list(f["reserved_by_any_of"])))
    if f.get("uuid_in") is not None:
        conds.append(N.c.uuid.in_(list(f["uuid_in"])))
    if f.get("id_in") is not None:
        conds.append(N.c.id.in_(list(f["id_in"])))
    if f.get("provision_updated_before") is not None:
        conds.append(N.c.provision_updated_at < f["provision_updated_before"])
    return conds


def list_nodes(
    filters: dict | None = None,
    limit: int | None = None,
    marker: str | None = None,
    sort_key: str = "id",
    sort_dir: str = "asc",
    columns: list[str] | None = None,
    with_traits: bool = True,
) -> tuple[list[dict], bool]:
    """One page of nodes, and whether more remain.

    ``columns`` limits the node columns read (id and uuid always come along); ``marker`` is
    the UUID of the last node of the previous page.
    """
    cols = None
    if columns is not None:
        cols = list(dict.fromkeys(["id", "uuid", sort_key, *[c for c in columns if c in N.c]]))
    with session.reader() as conn:
        marker_row = None
        if marker is not None:
            marker_row = one_or_none(conn, select(N.c.id, N.c[sort_key]).where(N.c.uuid == marker))
            if marker_row is None:
                raise exceptions.InvalidParameterValue(
                    err=f"The marker {marker} does not match any node."
                )
        stmt = _select(cols, with_traits)
        for cond in _filter_conditions(filters or {}):
            stmt = stmt.where(cond)
        stmt = paginate(stmt, N, sort_key, sort_dir, marker_row, limit)
        rows = rows_to_dicts(conn.execute(stmt))
        rows, more = split_page(_finish(rows), limit)
    return rows, more


def count_nodes(filters: dict | None = None) -> int:
    with session.reader() as conn:
        stmt = select(func.count()).select_from(N)
        for cond in _filter_conditions(filters or {}):
            stmt = stmt.where(cond)
        return conn.execute(stmt).scalar_one()


def count_nodes_by_shard() -> list[tuple[str | None, int]]:
    """``(shard, node count)`` for every shard in use, None for nodes without one; the
    biggest first. One GROUP BY over the shard index: the list is as long as there are
    shards, never paginated."""
    with session.reader() as conn:
        rows = conn.execute(
            select(N.c.shard, func.count(N.c.id))
            .group_by(N.c.shard)
            .order_by(func.count(N.c.id).desc(), N.c.shard)
        ).all()
    return [(shard, count) for shard, count in rows]


def _column_defaults() -> dict:
    """What a freshly inserted row holds in each column nobody gave a value for."""
    defaults = {}
    for column in N.columns:
        value = None
        if column.default is not None and not callable(column.default.arg):
            value = column.default.arg
        elif isinstance(column.type, models.JSONText):
            value = column.type.empty  # a factory: every node gets its own
        elif column.server_default is not None and column.name == "revision":
            value = 0
        defaults[column.name] = value
    return defaults


_DEFAULTS = _column_defaults()


def create_node(values: dict, traits: list[str] | None = None) -> dict:
    """Insert a node (and its traits) and return it as stored.

    The row is not read back: it is exactly the defaults plus ``values`` (timestamps are set
    here), which saves two queries on every enrolment.
    """
    values = dict(values)
    values.setdefault("uuid", new_uuid())
    values["conductor_group"] = (values.get("conductor_group") or "").lower()
    values.setdefault("created_at", models.utcnow())
    unique_traits = list(dict.fromkeys(traits or ()))
    with translating(N, values, _CONFLICTS), session.writer() as conn:
        node_id = conn.execute(_INSERT, values).inserted_primary_key[0]
        if unique_traits:
            conn.execute(insert(TRAITS), [{"node_id": node_id, "trait": t} for t in unique_traits])
        chassis_uuid = None
        if values.get("chassis_id") is not None:
            chassis_uuid = conn.execute(
                select(CHASSIS.c.uuid).where(CHASSIS.c.id == values["chassis_id"])
            ).scalar()
    node = {**{k: (v() if callable(v) else v) for k, v in _DEFAULTS.items()}, **values}
    node.update(
        id=node_id, chassis_uuid=chassis_uuid, allocation_uuid=None, traits=sorted(unique_traits)
    )
    return node


def update_node(
    node_id: int,
    changes: dict,
    expected_revision: int | None = None,
    unless_reserved: bool = False,
    expected: dict | None = None,
) -> dict:
    """Apply ``changes`` to a node in one conditional UPDATE and return the node.

    ``expected_revision`` refuses the update if someone changed the node since it was read;
    ``unless_reserved`` refuses it while a conductor holds the node's lock; ``expected`` adds
    column == value conditions. A refused update raises; the caller decides whether to retry.
    """
    values = _update_values(changes)
    stmt = update(N).where(N.c.id == node_id).values(revision=N.c.revision + 1, **values)
    if expected_revision is not None:
        stmt = stmt.where(N.c.revision == expected_revision)
    if unless_reserved:
        stmt = stmt.where(N.c.reservation.is_(None))
    for column, value in (expected or {}).items():
        stmt = stmt.where(N.c[column].is_(None) if value is None else N.c[column] == value)
    with translating(N, values, _CONFLICTS), session.writer() as conn:
        if conn.execute(stmt).rowcount != 1:
            current = _get(conn, "id", node_id, with_traits=False)
            if current is None:
                raise exceptions.NodeNotFound(node=node_id)
            if unless_reserved and current["reservation"]:
                raise exceptions.NodeLocked(node=current["uuid"], host=current["reservation"])
            raise exceptions.NodeChanged(node=current["uuid"])
        node = _get(conn, "id", node_id)
    return node


def _update_values(changes: dict) -> dict:
    values = dict(changes)
    if "conductor_group" in values and values["conductor_group"] is not None:
        values["conductor_group"] = values["conductor_group"].lower()
    values.setdefault("updated_at", models.utcnow())
    if "provision_state" in values and "provision_updated_at" not in values:
        values["provision_updated_at"] = values["updated_at"]
    return values


def update_locked_node(
    node: dict, host: str, changes: dict, history: dict | None = None, epoch: int | None = None
) -> dict:
    """Write ``changes`` to a node that ``host`` holds locked; return the node as it now is.

    Nothing else writes a locked node (field updates and power sync refuse while
    ``reservation`` is set), so the result is the caller's copy plus the changes, without
    reading the row back. ``history`` (keyword arguments of ``record_history``) is recorded in
    the same transaction. ``epoch`` (the lock's reservation_epoch) also refuses the write when
    the lock was lost and taken again since, even by the same host. NodeLocked if the lock is
    no longer ``host``'s.
    """
    values = _update_values(changes)
    stmt = (
        update(N)
        .where(N.c.id == node["id"], N.c.reservation == host)
        .values(revision=N.c.revision + 1, **values)
    )
    if epoch is not None:
        stmt = stmt.where(N.c.reservation_epoch == epoch)
    with translating(N, values, _CONFLICTS), session.writer() as conn:
        if conn.execute(stmt).rowcount != 1:
            current = _get(conn, "id", node["id"], with_traits=False)
            if current is None:
                raise exceptions.NodeNotFound(node=node["uuid"])
            raise exceptions.NodeLocked(
                node=node["uuid"], host=current["reservation"] or "(nobody)"
            )
        if history is not None:
            insert_history(conn, node["id"], **history)
    return {**node, **values, "revision": node["revision"] + 1}


def destroy_node(node_id: int) -> None:
    """Delete a node with everything that hangs off it."""
    with session.writer() as conn:
        for model in (
            models.Port,
            models.Portgroup,
            models.NodeTrait,
            models.NodeTag,
            models.VolumeConnector,
            models.VolumeTarget,
            models.NodeHistory,
            models.BIOSSetting,
            models.FirmwareComponent,
            models.NodeInventory,
        ):
            table = model.__table__
            conn.execute(delete(table).where(table.c.node_id == node_id))
        # The node's allocation has nothing left to describe (Ironic deletes it too).
        conn.execute(delete(ALLOC).where(ALLOC.c.node_id == node_id))
        if conn.execute(delete(N).where(N.c.id == node_id)).rowcount != 1:
            raise exceptions.NodeNotFound(node=node_id)


# --- traits ----------------------------------------------------------------------------------
def get_node_traits(node_id: int) -> list[str]:
    with session.reader() as conn:
        rows = conn.execute(
            select(TRAITS.c.trait).where(TRAITS.c.node_id == node_id).order_by(TRAITS.c.trait)
        )
        return [r[0] for r in rows]


def set_node_traits(node_id: int, traits: list[str]) -> list[str]:
    """Replace the node's traits with ``traits``."""
    with session.writer() as conn:
        _lock(conn, node_id)
        conn.execute(delete(TRAITS).where(TRAITS.c.node_id == node_id))
        unique = list(dict.fromkeys(traits))
        if unique:
            conn.execute(insert(TRAITS), [{"node_id": node_id, "trait": t} for t in unique])
        _touch(conn, node_id)
    return sorted(unique)


def add_node_trait(node_id: int, trait: str) -> None:
    with session.writer() as conn:
        _lock(conn, node_id)
        exists = conn.execute(
            select(TRAITS.c.trait).where(TRAITS.c.node_id == node_id, TRAITS.c.trait == trait)
        ).first()
        if not exists:
            conn.execute(insert(TRAITS).values(node_id=node_id, trait=trait))
            _touch(conn, node_id)


def delete_node_trait(node_id: int, trait: str, node_ident: str) -> None:
    with session.writer() as conn:
        _lock(conn, node_id)
        deleted = conn.execute(
            delete(TRAITS).where(TRAITS.c.node_id == node_id, TRAITS.c.trait == trait)
        ).rowcount
        if not deleted:
            raise exceptions.TraitNotFound(node=node_ident, trait=trait)
        _touch(conn, node_id)


def _lock(conn, node_id: int) -> None:
    """Lock the node's row for the rest of the transaction; NodeNotFound if it is gone.

    Trait changes of one node then queue behind each other (two adds of the same trait would
    otherwise both find it missing and one fail on the primary key) and never hit the foreign
    key of a deleted node.
    """
    if conn.execute(select(N.c.id).where(N.c.id == node_id).with_for_update()).first() is None:
        raise exceptions.NodeNotFound(node=node_id)


def _touch(conn, node_id: int) -> None:
    conn.execute(
        update(N)
        .where(N.c.id == node_id)
        .values(updated_at=models.utcnow(), revision=N.c.revision + 1)
    )


# --- locks -----------------------------------------------------------------------------------
def reserve_node(node_id: int, host: str) -> dict | None:
    """Take the node's lock for ``host`` with one atomic conditional UPDATE.

    The same UPDATE bumps ``reservation_epoch``, so each acquisition has a number of its own
    (see ``holds_lock``). Returns the locked node (read in the same transaction), or None when
    someone else holds the lock. NodeNotFound if there is no such node.
    """
    with session.writer() as conn:
        taken = conn.execute(
            update(N)
            .where(N.c.id == node_id, N.c.reservation.is_(None))
            .values(reservation=host, reservation_epoch=N.c.reservation_epoch + 1)
        ).rowcount
        node = _get(conn, "id", node_id)
    if node is None:
        raise exceptions.NodeNotFound(node=node_id)
    return node if taken == 1 else None


# One primary-key lookup: cheap enough to run before every BMC or agent call of a worker.
_HOLDS = Prepared(
    select(N.c.id).where(
        N.c.id == bindparam("node_id"),
        N.c.reservation == bindparam("host"),
        N.c.reservation_epoch == bindparam("epoch"),
    )
)


def holds_lock(node_id: int, host: str, epoch: int) -> bool:
    """Whether ``host`` still holds the node's lock it took at ``epoch``.

    False once the lock was broken (its conductor was taken for dead), released, or taken
    again since: a worker that gets False must stop before touching the machine.
    """
    with session.reader(single=True) as conn:
        return bool(_HOLDS.rows(conn, {"node_id": node_id, "host": host, "epoch": epoch}))


def release_node(node_id: int, host: str, epoch: int | None = None) -> bool:
    """Drop ``host``'s lock on the node (only the one taken at ``epoch`` when given); False
    if it did not hold it."""
    stmt = update(N).where(N.c.id == node_id, N.c.reservation == host).values(reservation=None)
    if epoch is not None:
        stmt = stmt.where(N.c.reservation_epoch == epoch)
    with session.writer() as conn:
        return conn.execute(stmt).rowcount == 1


def release_all_locks(host: str) -> int:
    """Drop every lock ``host`` holds (a conductor starting up or shutting down)."""
    with session.writer() as conn:
        return conn.execute(
            update(N).where(N.c.reservation == host).values(reservation=None)
        ).rowcount


def now() -> datetime.datetime:
    return models.utcnow()
