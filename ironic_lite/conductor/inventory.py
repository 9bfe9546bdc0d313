"""Recording an inspected inventory: every inspection (agent or out-of-band) ends here.

Keeping one entry point means what must follow every inventory (inspection rules, history)
is written once, whichever interface found the hardware: ``record`` runs the inspection rules
(``conductor.inspection_rules``), which may change the node or fail the inspection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ironic_lite.conductor import inspection_rules
from ironic_lite.db import api as dbapi

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task


def record(task: Task, inventory: dict, plugin_data: dict | None = None, source: str = "") -> dict:
    """Store ``inventory`` for the node (replacing the last one) and return the plugin data.

    ``source`` says who reported it ("agent", "redfish" ...), kept in the plugin data.
    """
    if task.shared:
        raise RuntimeError(f"shared task for {task.purpose} tried to record an inventory")
    data = dict(plugin_data or {})
    if source:
        data["source"] = source
    # Stored before the rules run, so that an inventory that fails a rule can still be read.
    dbapi.save_inventory(task.node["id"], inventory, data)
    inspection_rules.apply(task, inventory, data)
    dbapi.save_inventory(task.node["id"], inventory, data)
    return data
