"""A node's ``health`` (API 1.109), kept by power sync.

Ironic fills the field from the hardware health the BMC reports (a Redfish system's
``Status.Health``: ``OK``, ``Warning``, ``Critical``) after each successful power-state read.
ironic-lite does that too, and also keeps it for BMCs that report no health (IPMI, the fake
driver) from what power sync itself sees: ``OK`` while the BMC answers, ``Warning`` after a
failed power-state read, ``Critical`` once the node went into maintenance with the ``power
failure`` fault. A failed read overrides a reported health: the hardware's state is unknown
then. ``[conductor] enable_health_monitoring = false`` leaves the field alone.
"""

from ironic_lite.conf import CONF

OK, WARNING, CRITICAL = "OK", "Warning", "Critical"
# Node history severity of each value.
SEVERITY = {OK: "INFO", WARNING: "WARNING", CRITICAL: "ERROR", None: "INFO"}


def after_read(reported: str | None) -> str:
    """The health after a successful power-state read (``reported``: the BMC's, if any)."""
    return reported or OK


def after_failure(power_failure: bool) -> str:
    """The health after a failed power-state read; ``power_failure`` when the node is (or
    now goes) into maintenance for it."""
    return CRITICAL if power_failure else WARNING


def changes(node: dict, health: str) -> dict:
    """The node fields to write for ``health``: none when unchanged or when disabled."""
    if not CONF.conductor.enable_health_monitoring or node.get("health") == health:
        return {}
    return {"health": health}


def event(node: dict, health: str) -> tuple[str, str]:
    """Node history's (event, severity) for a change of health, in Ironic's wording."""
    return (
        f"Node health status changed: health='{health}' "
        f"(previously '{node.get('health') or 'None'}')",
        SEVERITY.get(health, "INFO"),
    )
