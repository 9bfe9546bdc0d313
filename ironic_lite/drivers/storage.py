"""The ``external`` storage interface: volumes a storage system outside ironic-lite serves.

The operator (or Nova, through the volume API) describes the node's connectors (its initiator
identities) and targets; nothing is attached by ironic-lite itself. A node boots from a volume
when it has volume targets and no ``image_source`` in instance_info: then it needs a connector
and the target with boot_index 0, which the boot interface reads as ``task.boot_volume``.
"""

from ironic_lite.common import exceptions
from ironic_lite.drivers import base


def boots_from_volume(task) -> bool:
    """Whether the node's instance is a volume rather than an image written to its disk."""
    return "image_source" not in (task.node["instance_info"] or {}) and bool(task.volume_targets)


class ExternalStorage(base.StorageInterface):
    def validate(self, task) -> None:
        if not boots_from_volume(task):
            return
        node = task.node["uuid"]
        if not task.volume_connectors:
            raise exceptions.MissingParameterValue(
                err=f"Node {node} boots from a volume but has no volume connector: create one "
                "(POST /v1/volume/connectors) with the initiator the storage system knows."
            )
        if self.boot_volume(task) is None:
            raise exceptions.MissingParameterValue(
                err=f"Node {node} boots from a volume but none of its volume targets has "
                "boot_index 0."
            )

    def should_write_image(self, task) -> bool:
        return not boots_from_volume(task)

    def boot_volume(self, task) -> dict | None:
        if not boots_from_volume(task):
            return None
        return next((t for t in task.volume_targets if t["boot_index"] == 0), None)
