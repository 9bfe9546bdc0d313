"""Queries on volume connectors and volume targets: how a node reaches remote storage.

A connector is one of the node's initiator identities (an IQN, a WWPN, an IP ...), unique by
(type, connector_id) across all nodes; a target is a volume the node attaches, unique by
(node, boot_index). Both read back with their node's UUID.
"""

from collections.abc import Callable

from sqlalchemy import Select, Table, or_, select

from ironic_lite.common import exceptions
from ironic_lite.db import models
from ironic_lite.db.api.crud import Crud

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


def _with_node_uuid(table: Table) -> Callable[[], Select]:
    def shape() -> Select:
        return select(*table.columns, N.c.uuid.label("node_uuid")).select_from(
            table.outerjoin(N, table.c.node_id == N.c.id)
        )

    return shape


def _not_found(kind: str) -> Callable[[object], exceptions.IronicLiteError]:
    return lambda ident: exceptions.ResourceNotFound(
        f"{kind.capitalize()} {ident} could not be found."
    )


def _volumes(kind: str, table: Table, conflicts) -> Crud:
    return Crud(table, _not_found(kind), conflicts, shape=_with_node_uuid(table))


def _lister(crud: Crud) -> Callable[..., tuple[list[dict], bool]]:
    def page(
        node_id: int | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str = "id",
        sort_dir: str = "asc",
        project: str | None = None,
    ) -> tuple[list[dict], bool]:
        conditions = [] if node_id is None else [crud.table.c.node_id == node_id]
        if project is not None:
            # of the nodes ``project`` owns or leases (the node is joined in for node_uuid)
            conditions.append(or_(N.c.owner == project, N.c.lessee == project))
        return crud.page(conditions, limit, marker, sort_key, sort_dir)

    return page


_CONNECTORS = _volumes(
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
_TARGETS = _volumes(
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
list_volume_connectors = _lister(_CONNECTORS)
create_volume_connector = _CONNECTORS.insert
update_volume_connector = _CONNECTORS.update
destroy_volume_connector = _CONNECTORS.delete

get_volume_target = _TARGETS.get
list_volume_targets = _lister(_TARGETS)
create_volume_target = _TARGETS.insert
update_volume_target = _TARGETS.update
destroy_volume_target = _TARGETS.delete
