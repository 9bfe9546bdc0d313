"""Queries on node history: what happened to a node, when, and who asked."""

from sqlalchemy import delete, insert, select

from ironic_lite.common import exceptions
from ironic_lite.db import models, session
from ironic_lite.db.api._common import new_uuid, one_or_none, paginate, rows_to_dicts, split_page

H = models.NodeHistory.__table__

__all__ = ["record_history", "list_history", "get_history_event", "prune_history"]

_EVENT_MAX = 4096


def record_history(
    node_id: int,
    *,
    event: str,
    event_type: str = "provisioning",
    severity: str = "INFO",
    conductor: str | None = None,
    user: str | None = None,
    project: str | None = None,
    state: str | None = None,
    target_provision_state: str | None = None,
    duration_seconds: int | None = None,
) -> None:
    with session.writer() as conn:
        insert_history(
            conn,
            node_id,
            event=event,
            event_type=event_type,
            severity=severity,
            conductor=conductor,
            user=user,
            project=project,
            state=state,
            target_provision_state=target_provision_state,
            duration_seconds=duration_seconds,
        )


def insert_history(conn, node_id: int, *, event: str, **fields) -> None:
    """Record an event inside the caller's transaction (see ``record_history``)."""
    conn.execute(
        insert(H).values(
            uuid=new_uuid(),
            node_id=node_id,
            event=(event or "")[:_EVENT_MAX],
            created_at=models.utcnow(),
            **{"event_type": "provisioning", "severity": "INFO", **fields},
        )
    )


def list_history(
    node_id: int,
    limit: int | None = None,
    marker: str | None = None,
    sort_key: str = "created_at",
    sort_dir: str = "asc",
) -> tuple[list[dict], bool]:
    with session.reader() as conn:
        marker_row = None
        if marker is not None:
            marker_row = one_or_none(
                conn,
                select(H.c.id, H.c[sort_key]).where(H.c.uuid == marker, H.c.node_id == node_id),
            )
            if marker_row is None:
                raise exceptions.InvalidParameterValue(
                    err=f"The marker {marker} does not match any history event of the node."
                )
        stmt = paginate(
            select(H).where(H.c.node_id == node_id), H, sort_key, sort_dir, marker_row, limit
        )
        return split_page(rows_to_dicts(conn.execute(stmt)), limit)


def get_history_event(node_id: int, event_uuid: str) -> dict:
    with session.reader() as conn:
        row = one_or_none(conn, select(H).where(H.c.node_id == node_id, H.c.uuid == event_uuid))
    if row is None:
        raise exceptions.NotFound(f"Node history record {event_uuid} could not be found.")
    return row


def prune_history(node_id: int, keep: int) -> int:
    """Keep only the newest ``keep`` events of a node."""
    with session.writer() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                select(H.c.id).where(H.c.node_id == node_id).order_by(H.c.id.desc()).offset(keep)
            )
        ]
        if ids:
            conn.execute(delete(H).where(H.c.id.in_(ids)))
        return len(ids)
