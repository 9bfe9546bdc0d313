"""Queries for taking nodes over from conductors that died or stopped."""

from sqlalchemy import select, update

from ironic_lite.db import models, session
from ironic_lite.db.api._common import rows_to_dicts

N = models.Node.__table__

__all__ = ["break_lock", "list_locked_by", "list_in_states"]

_BRIEF = (
    N.c.id,
    N.c.uuid,
    N.c.driver,
    N.c.conductor_group,
    N.c.provision_state,
    N.c.reservation,
    N.c.provision_updated_at,
    N.c.driver_internal_info,
    N.c.maintenance,
    N.c.power_state,
    N.c.target_power_state,
    N.c.disable_power_off,
    N.c.fault,
)


def break_lock(node_id: int, host: str) -> bool:
    """Drop the lock ``host`` holds on a node (it is dead); False if it held none."""
    with session.writer() as conn:
        return (
            conn.execute(
                update(N).where(N.c.id == node_id, N.c.reservation == host).values(reservation=None)
            ).rowcount
            == 1
        )


def list_locked_by(hosts: list[str]) -> list[dict]:
    """Brief rows of the nodes locked by any of ``hosts``."""
    if not hosts:
        return []
    with session.reader() as conn:
        return rows_to_dicts(
            conn.execute(select(*_BRIEF).where(N.c.reservation.in_(hosts)).order_by(N.c.id))
        )


def list_in_states(
    provision_states,
    unlocked_only: bool = False,
    drivers: list[str] | None = None,
    group: str | None = None,
) -> list[dict]:
    """Brief rows of nodes in any of ``provision_states`` (optionally only unlocked ones,
    of some drivers, in one conductor group)."""
    stmt = select(*_BRIEF).where(N.c.provision_state.in_(list(provision_states)))
    if unlocked_only:
        stmt = stmt.where(N.c.reservation.is_(None))
    if drivers is not None:
        stmt = stmt.where(N.c.driver.in_(drivers))
    if group is not None:
        stmt = stmt.where(N.c.conductor_group == group)
    with session.reader() as conn:
        return rows_to_dicts(conn.execute(stmt.order_by(N.c.id)))
