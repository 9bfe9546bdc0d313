"""Refreshing what the database knows of a node's BIOS settings and firmware versions.

As in Ironic, the conductor re-reads them after verifying a node (``manage``) and at the end
of cleaning: moments when it holds the node's lock and nothing else talks to its BMC. A failed
read never fails the flow (the API keeps showing the last good read): it is logged and
recorded in node history as a warning.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ironic_lite.common import exceptions
from ironic_lite.conductor import transitions

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task

LOG = logging.getLogger(__name__)


def refresh(task: Task) -> None:
    """Ask the node's BIOS and firmware interfaces to store what the machine has now."""
    readers = (
        ("BIOS settings", task.driver.bios.cache_bios_settings),
        ("firmware components", task.driver.firmware.cache_firmware_components),
    )
    for what, read in readers:
        try:
            read(task)
        except exceptions.IronicLiteError as exc:
            LOG.warning("Caching the %s of node %s failed: %s", what, task.node["uuid"], exc)
            transitions.history(task, f"Caching the {what} failed: {exc}", severity="WARNING")
