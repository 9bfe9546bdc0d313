"""Queries on volume connectors and volume targets: how a node reaches remote storage.

A connector is one of the node's initiator identities (an IQN, a WWPN, an IP ...), unique by
(type, connector_id) across all nodes; a target is a volume the node attaches, unique by
(node, boot_index). Both read back with their node's UUID.
"""

import dataclasses
from collections.abc import Callable

from sqlalchemy import Table, delete, exc, insert, or_, select, update

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
    "get_volume_connector",
    "list_volume_connectors",
    "create_volume_connector",
    "update_volume_connector",
    "destroy_volume_connector",
    "get_volume_target",
    "list_volume_targets",
    "create_volume_target",
    "update_volume_target",
    "destroy_volume_target",
]

N = models.Node.__table__


@dataclasses.dataclass(frozen=True)
class _Volumes:
    kind: str  # "volume connector", "volume target"
    table: Table
    conflicts: dict[str, Callable[[dict], exceptions.IronicLiteError]]

    def _select(self):
        t = self.table
        return select(*t.columns, N.c.uuid.label("node_uuid")).select_from(
            t.outerjoin(N, t.c.node_id == N.c.id)
        )

    def _not_found(self, ident) -> exceptions.NotFound:
        return exceptions.ResourceNotFound(f"{self.kind.capitalize()} {ident} could not be found.")

    def get(self, ident: str | int) -> dict:
        """One row by id or UUID, with ``node_uuid``."""
        t = self.table
        cond = t.c.id == ident if isinstance(ident, int) else t.c.uuid == ident
        with session.reader() as conn:
            row = one_or_none(conn, self._select().where(cond))
        if row is None:
            raise self._not_found(ident)
        return row

    def page(
        self,
        node_id: int | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str = "id",
        sort_dir: str = "asc",
        project: str | None = None,
    ) -> tuple[list[dict], bool]:
        """A page of rows, of one node's or of the nodes ``project`` owns or leases."""
        t = self.table
        with session.reader() as conn:
            marker_row = None
            if marker is not None:
                marker_row = one_or_none(
                    conn, select(t.c.id, t.c[sort_key]).where(t.c.uuid == marker)
                )
                if marker_row is None:
                    raise self._not_found(marker)
            stmt = self._select()
            if node_id is not None:
                stmt = stmt.where(t.c.node_id == node_id)
            if project is not None:
                stmt = stmt.where(or_(N.c.owner == project, N.c.lessee == project))
            stmt = paginate(stmt, t, sort_key, sort_dir, marker_row, limit)
            return split_page(rows_to_dicts(conn.execute(stmt)), limit)

    def create(self, values: dict) -> dict:
        values = dict(values)
        values.setdefault("uuid", new_uuid())
        try:
            with session.writer() as conn:
                row_id = conn.execute(insert(self.table).values(**values)).inserted_primary_key[0]
                row = one_or_none(conn, self._select().where(self.table.c.id == row_id))
        except exc.IntegrityError as e:
            raise_for_integrity(e, self.table, values, self.conflicts)
        return row

    def update(self, row_id: int, changes: dict) -> dict:
        values = dict(changes, updated_at=models.utcnow())
        t = self.table
        try:
            with session.writer() as conn:
                if conn.execute(update(t).where(t.c.id == row_id).values(**values)).rowcount != 1:
                    raise self._not_found(row_id)
                row = one_or_none(conn, self._select().where(t.c.id == row_id))
        except exc.IntegrityError as e:
            raise_for_integrity(e, t, values, self.conflicts)
        return row

    def destroy(self, row_id: int) -> None:
        with session.writer() as conn:
            if conn.execute(delete(self.table).where(self.table.c.id == row_id)).rowcount != 1:
                raise self._not_found(row_id)


_CONNECTORS = _Volumes(
    "volume connector",
    models.VolumeConnector.__table__,
    {
        "connector_id": lambda v: exceptions.Conflict(
            f"A volume connector with type {v.get('type')} and connector ID "
            f"{v.get('connector_id')} already exists."
        ),
        "uuid": lambda v: exceptions.AlreadyExists(resource="volume connector", uuid=v.get("uuid")),
    },
)
_TARGETS = _Volumes(
    "volume target",
    models.VolumeTarget.__table__,
    {
        "boot_index": lambda v: exceptions.Conflict(
            f"A volume target with boot index {v.get('boot_index')} already exists for this node."
        ),
        "uuid": lambda v: exceptions.AlreadyExists(resource="volume target", uuid=v.get("uuid")),
    },
)

get_volume_connector = _CONNECTORS.get
list_volume_connectors = _CONNECTORS.page
create_volume_connector = _CONNECTORS.create
update_volume_connector = _CONNECTORS.update
destroy_volume_connector = _CONNECTORS.destroy

get_volume_target = _TARGETS.get
list_volume_targets = _TARGETS.page
create_volume_target = _TARGETS.create
update_volume_target = _TARGETS.update
destroy_volume_target = _TARGETS.destroy
