"""Queries on allocations, and the atomic claim that ties an allocation to a node.

A node belongs to an allocation when ``nodes.allocation_id`` points at it and
``nodes.instance_uuid`` holds the allocation's UUID; the allocation row names the node in
``node_id``. Both sides change in one transaction, always locking the allocation row first and
the node row second, so that a claim, a release and a deletion never interleave into a node
pointing at a missing allocation (or two allocations at one node).
"""

from sqlalchemy import and_, case, delete, exc, exists, func, insert, or_, select, update

from ironic_lite.common import exceptions, states
from ironic_lite.db import models, session
from ironic_lite.db.api._common import (
    bool_filter,
    new_uuid,
    one_or_none,
    raise_for_integrity,
    rows_to_dicts,
)
from ironic_lite.db.api.crud import Crud, translating

__all__ = [
    "forget_allocation",
    "ALLOCATING",
    "ALLOCATION_STATES",
    "get_allocation",
    "get_allocation_by_id",
    "list_allocations",
    "create_allocation",
    "update_allocation",
    "fail_allocation",
    "destroy_allocation",
    "list_allocation_candidates",
    "count_allocation_funnel",
    "claim_node_for_allocation",
    "backfill_allocation",
]

# An allocation is processed (allocating), holds a node (active) or failed (error).
ALLOCATING = "allocating"
ALLOCATION_STATES = (ALLOCATING, states.ACTIVE, states.ERROR)

A = models.Allocation.__table__
N = models.Node.__table__
TRAITS = models.NodeTrait.__table__

_CONFLICTS = {
    "name": lambda v: exceptions.DuplicateName(
        f"An allocation with name {v.get('name')} already exists."
    ),
    "uuid": lambda v: exceptions.AlreadyExists(
        f"An allocation with UUID {v.get('uuid')} already exists."
    ),
}
_NODE_CONFLICTS = {
    "instance_uuid": lambda v: exceptions.InstanceAssociated(
        instance_uuid=v.get("instance_uuid"), node=v.get("node")
    ),
}


class _NotClaimed(Exception):
    """Rolls a claim's transaction back; ``outcome`` says why."""

    def __init__(self, outcome: str):
        super().__init__(outcome)
        self.outcome = outcome


def _select():
    return select(*A.columns, N.c.uuid.label("node_uuid")).select_from(
        A.outerjoin(N, A.c.node_id == N.c.id)
    )


def _not_found(ident) -> exceptions.NotFound:
    return exceptions.NotFound(f"Allocation {ident} could not be found.")


_CRUD = Crud(A, not_found=_not_found, conflicts=_CONFLICTS, shape=_select)


# --- reads -----------------------------------------------------------------------------------
def get_allocation(ident: str, *, by: str = "uuid") -> dict:
    """An allocation by ``uuid`` (default) or ``name``; NotFound (404) otherwise."""
    return _CRUD.get_where(A.c[by] == ident, ident)


def get_allocation_by_id(allocation_id: int) -> dict:
    return _CRUD.get(allocation_id)


def list_allocations(
    filters: dict | None = None,
    limit: int | None = None,
    marker: str | None = None,
    sort_key: str = "id",
    sort_dir: str = "asc",
) -> tuple[list[dict], bool]:
    """One page of allocations (filtered by node_id, resource_class, state, owner)."""
    f = filters or {}
    conditions = [
        A.c[name] == f[name]
        for name in ("node_id", "resource_class", "state", "owner")
        if f.get(name) is not None
    ]
    return _CRUD.page(conditions, limit, marker, sort_key, sort_dir)


# --- plain writes ----------------------------------------------------------------------------
def create_allocation(values: dict) -> dict:
    """Insert an allocation (``state`` allocating unless given) and return it."""
    values = dict(values)
    values.setdefault("state", ALLOCATING)
    values.setdefault("created_at", models.utcnow())
    return _CRUD.insert(values)


def update_allocation(allocation_id: int, changes: dict) -> dict:
    """Change plain fields (name, extra) of an allocation."""
    return _CRUD.update(allocation_id, changes)


def fail_allocation(allocation_id: int, last_error: str) -> bool:
    """Move an allocation still ``allocating`` to ``error``; False if it no longer was."""
    with session.writer() as conn:
        return (
            conn.execute(
                update(A)
                .where(A.c.id == allocation_id, A.c.state == ALLOCATING)
                .values(
                    state=states.ERROR,
                    last_error=last_error,
                    node_id=None,
                    updated_at=models.utcnow(),
                )
            ).rowcount
            == 1
        )


def destroy_allocation(allocation_id: int, check_node=None) -> None:
    """Delete an allocation and give its node back (allocation_id and instance_uuid NULL).

    ``check_node(node)`` may raise to refuse, e.g. for an active node; it sees the node as it
    is inside the transaction, locked against concurrent claims. A node a conductor holds is
    refused with NodeLocked (the caller may retry).
    """
    with session.writer() as conn:
        row = one_or_none(
            conn,
            select(A.c.id, A.c.uuid, A.c.node_id).where(A.c.id == allocation_id).with_for_update(),
        )
        if row is None:
            raise _not_found(allocation_id)
        node = None
        if row["node_id"] is not None:
            node = one_or_none(conn, select(N).where(N.c.id == row["node_id"]).with_for_update())
        if node is not None and node["allocation_id"] == allocation_id:
            if check_node is not None:
                check_node(node, row)
            if node["reservation"]:
                raise exceptions.NodeLocked(node=node["uuid"], host=node["reservation"])
            conn.execute(
                update(N)
                .where(N.c.id == node["id"], N.c.allocation_id == allocation_id)
                .values(
                    allocation_id=None,
                    instance_uuid=None,
                    updated_at=models.utcnow(),
                    revision=N.c.revision + 1,
                )
            )
        conn.execute(delete(A).where(A.c.id == allocation_id))


def forget_allocation(allocation_id: int) -> None:
    """Delete an allocation whose node has already let go of it (undeploy, or the node's
    instance_uuid removed); nothing happens if it is gone already."""
    with session.writer() as conn:
        conn.execute(delete(A).where(A.c.id == allocation_id))


# --- matching nodes --------------------------------------------------------------------------
def _has_traits(traits: list[str] | None) -> list:
    return [
        exists().where(TRAITS.c.node_id == N.c.id, TRAITS.c.trait == trait)
        for trait in dict.fromkeys(traits or ())
    ]


def _scope(resource_class: str | None, node_uuids: list[str] | None, owner: str | None) -> list:
    """Nodes an allocation may consider at all: its resource class, candidates and owner."""
    conds = [N.c.resource_class == resource_class]
    if node_uuids:
        conds.append(N.c.uuid.in_(list(node_uuids)))
    if owner:
        conds.append(or_(N.c.owner == owner, N.c.lessee == owner))
    return conds


def _ready() -> list:
    """Nodes ready to be handed out: available, powered, out of maintenance."""
    return [
        N.c.provision_state == states.AVAILABLE,
        bool_filter(N.c.maintenance, False),
        N.c.power_state.is_not(None),
    ]


def _free() -> list:
    """Nodes nobody holds: no allocation, no instance."""
    return [N.c.allocation_id.is_(None), N.c.instance_uuid.is_(None)]


def list_allocation_candidates(
    resource_class: str,
    traits: list[str] | None = None,
    node_uuids: list[str] | None = None,
    owner: str | None = None,
) -> list[dict]:
    """id, uuid and name of the nodes that could serve an allocation right now."""
    conds = _scope(resource_class, node_uuids, owner) + _ready() + _free() + _has_traits(traits)
    with session.reader() as conn:
        return rows_to_dicts(
            conn.execute(select(N.c.id, N.c.uuid, N.c.name).where(*conds).order_by(N.c.id))
        )


def count_allocation_funnel(
    resource_class: str,
    traits: list[str] | None = None,
    node_uuids: list[str] | None = None,
    owner: str | None = None,
) -> dict[str, int]:
    """How many nodes pass each stage of the match, to explain an allocation that failed.

    ``in_scope``: resource class (and candidates, owner); ``ready``: of those, available,
    powered and out of maintenance; ``free``: of those, not allocated nor associated;
    ``with_traits``: of those, having every requested trait.
    """
    ready = and_(*_ready())
    free = and_(ready, *_free())
    matching = and_(free, *_has_traits(traits))

    def count(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    stmt = select(
        func.count().label("in_scope"),
        count(ready).label("ready"),
        count(free).label("free"),
        count(matching).label("with_traits"),
    ).where(*_scope(resource_class, node_uuids, owner))
    with session.reader() as conn:
        row = one_or_none(conn, stmt)
    return {k: int(v or 0) for k, v in row.items()}


# --- claiming a node -------------------------------------------------------------------------
def claim_node_for_allocation(allocation: dict, node_id: int) -> str:
    """Give ``node_id`` to an allocation that is still ``allocating``, atomically.

    The node is taken by one conditional UPDATE that only matches while it is still free and
    suitable (available, out of maintenance, unlocked, no allocation, no instance, the
    allocation's resource class, traits and owner), so two allocations can never both win it.
    Returns "claimed"; "locked" when a conductor holds the node (worth another try later);
    "taken" when it is no longer free or suitable; "gone" when the allocation is no longer
    allocating (deleted, or failed meanwhile); "conflict" when the allocation's UUID is
    already some node's instance_uuid.
    """
    now = models.utcnow()
    node_claim = (
        update(N)
        .where(
            N.c.id == node_id,
            N.c.reservation.is_(None),
            *_free(),
            *_ready(),
            *_scope(allocation["resource_class"], None, allocation.get("owner")),
            *_has_traits(allocation.get("traits")),
        )
        .values(
            allocation_id=allocation["id"],
            instance_uuid=allocation["uuid"],
            updated_at=now,
            revision=N.c.revision + 1,
        )
    )
    try:
        with session.writer() as conn:
            # The allocation row first: the lock order every allocation change follows.
            moved = conn.execute(
                update(A)
                .where(A.c.id == allocation["id"], A.c.state == ALLOCATING)
                .values(node_id=node_id, state=states.ACTIVE, last_error=None, updated_at=now)
            ).rowcount
            if moved != 1:
                return "gone"
            if conn.execute(node_claim).rowcount != 1:
                holder = conn.execute(select(N.c.reservation).where(N.c.id == node_id)).scalar()
                raise _NotClaimed("locked" if holder else "taken")
    except _NotClaimed as not_claimed:
        return not_claimed.outcome
    except exc.IntegrityError:
        return "conflict"
    return "claimed"


def backfill_allocation(values: dict, node_id: int) -> dict | None:
    """Record an ``active`` allocation for a node that is already deployed, atomically.

    The allocation is inserted and the node tied to it in one transaction, and only if the
    node is ``active``, unlocked, has no allocation, either no instance_uuid or the
    allocation's UUID as instance_uuid, and the allocation's resource class and traits.
    Returns the allocation, or None (nothing stored) when the node did not qualify.
    """
    values = dict(values, state=states.ACTIVE, node_id=node_id)
    values.setdefault("uuid", new_uuid())
    values.setdefault("created_at", models.utcnow())
    tie = (
        update(N)
        .where(
            N.c.id == node_id,
            N.c.provision_state == states.ACTIVE,
            N.c.reservation.is_(None),
            N.c.allocation_id.is_(None),
            or_(N.c.instance_uuid.is_(None), N.c.instance_uuid == values["uuid"]),
            *_scope(values.get("resource_class"), None, None),
            *_has_traits(values.get("traits")),
        )
        .values(
            instance_uuid=values["uuid"],
            updated_at=values["created_at"],
            revision=N.c.revision + 1,
        )
    )
    try:
        with session.writer() as conn:
            with translating(A, values, _CONFLICTS):
                allocation_id = conn.execute(insert(A).values(**values)).inserted_primary_key[0]
            try:
                tied = conn.execute(tie.values(allocation_id=allocation_id)).rowcount
            except exc.IntegrityError as e:
                node_uuid = conn.execute(select(N.c.uuid).where(N.c.id == node_id)).scalar()
                raise_for_integrity(
                    e, N, {"instance_uuid": values["uuid"], "node": node_uuid}, _NODE_CONFLICTS
                )
            if tied != 1:
                raise _NotClaimed("refused")
            return one_or_none(conn, _select().where(A.c.id == allocation_id))
    except _NotClaimed:
        return None
