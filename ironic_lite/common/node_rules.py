"""Rules about a node that the API (failing fast) and a conductor (under the lock) both apply."""

from ironic_lite.common import exceptions


def refuse_provisioning_in_maintenance(node: dict) -> None:
    """400 for a deploy or rebuild of a node in maintenance, as Ironic words it."""
    if node["maintenance"]:
        raise exceptions.InvalidParameterValue(
            err=f"The provisioning operation can't be performed on node {node['uuid']} "
            "because it's in maintenance mode."
        )
