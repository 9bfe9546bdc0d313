"""Recording an inspected inventory: every inspection (agent or out-of-band) ends here.

Keeping one entry point means what must follow every inventory (inspection rules, history)
is written once, whichever interface found the hardware.
"""

from ironic_lite.conductor.task import Task
from ironic_lite.db import api as dbapi


def record(task: Task, inventory: dict, plugin_data: dict | None = None, source: str = "") -> dict:
    """Store ``inventory`` for the node (replacing the last one) and return the plugin data.

    ``source`` says who reported it ("agent", "redfish" ...), kept in the plugin data.
    """
    if task.shared:
        raise RuntimeError(f"shared task for {task.purpose} tried to record an inventory")
    data = dict(plugin_data or {})
    if source:
        data["source"] = source
    dbapi.save_inventory(task.node["id"], inventory, data)
    return data
