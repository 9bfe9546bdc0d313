"""What the live conductors serve: hardware types, their interfaces and defaults.

The API never loads drivers; it reads what conductors registered in the database when they
started. A snapshot is kept for a couple of seconds so that enrolling thousands of nodes does
not ask the database the same question each time.
"""

import threading
import time
from collections import defaultdict

from ironic_lite.common import exceptions
from ironic_lite.common.interfaces import INTERFACE_TYPES
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi

_TTL = 2.0


class Snapshot:
    def __init__(self, conductors: list[dict], rows: list[dict]):
        self.conductors = conductors
        alive = {c["id"] for c in conductors}
        # (driver, group) -> interface type -> {"enabled": set, "default": str | None}
        self.by_group: dict = defaultdict(
            lambda: defaultdict(lambda: {"enabled": set(), "default": None})
        )
        self.hosts: dict[str, set[str]] = defaultdict(set)
        self.groups: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            if row["conductor_id"] not in alive:
                continue
            driver, group = row["hardware_type"], row["conductor_group"]
            slot = self.by_group[(driver, group)][row["interface_type"]]
            slot["enabled"].add(row["interface_name"])
            if row["default"]:
                slot["default"] = row["interface_name"]
            self.hosts[driver].add(row["hostname"])
            self.groups[driver].add(group)

    def driver_names(self) -> list[str]:
        return sorted(self.hosts)

    def interfaces(self, driver: str) -> dict:
        """Per interface type: every enabled implementation and the default, across groups."""
        merged: dict = {}
        for (name, _group), types in self.by_group.items():
            if name != driver:
                continue
            for itype, slot in types.items():
                entry = merged.setdefault(itype, {"enabled": set(), "default": None})
                entry["enabled"] |= slot["enabled"]
                entry["default"] = entry["default"] or slot["default"]
        return merged


_cache: tuple[float, Snapshot] | None = None
_lock = threading.Lock()


def snapshot() -> Snapshot:
    global _cache
    now = time.monotonic()
    cached = _cache
    if cached is not None and now - cached[0] < _TTL:
        return cached[1]
    with _lock:
        conductors = dbapi.list_alive_conductors(CONF.conductor.heartbeat_timeout)
        rows = dbapi.list_hardware_interfaces([c["id"] for c in conductors]) if conductors else []
        snap = Snapshot(conductors, rows)
        _cache = (now, snap)
        return snap


def forget() -> None:
    """Drop the cached snapshot (after conductors change)."""
    global _cache
    _cache = None


def resolve_interfaces(
    driver: str, group: str, given: dict, current: dict | None = None, reset: bool = True
) -> dict:
    """The ``<type>_interface`` values a node with this driver and group ends up with.

    ``given`` holds the interfaces the caller named (checked against what is enabled);
    the others come from ``current`` when still valid and ``reset`` is false, else from the
    configured or hardware type default.
    """
    group = (group or "").lower()
    snap = snapshot()
    types = snap.by_group.get((driver, group))
    if not types:
        raise exceptions.NoValidHost(
            reason=f"No conductor service registered which supports driver {driver} for "
            f'conductor group "{group}". Ensure the driver is valid and enabled.'
        )
    result = {}
    for itype in INTERFACE_TYPES:
        field = f"{itype}_interface"
        slot = types.get(itype, {"enabled": set(), "default": None})
        name = given.get(field)
        if name is None and not reset and current and current.get(field):
            name = current[field]
            if name not in slot["enabled"]:
                raise exceptions.InterfaceNotFoundInEntrypoint(
                    err=f"The {itype} interface {name} of the node is not valid for hardware "
                    f"type {driver}; name a valid one or set reset_interfaces=true. Valid "
                    f"interfaces are {sorted(slot['enabled'])}."
                )
        if name is None:
            name = getattr(CONF, f"default_{itype}_interface") or slot["default"]
            if name is None or name not in slot["enabled"]:
                raise exceptions.InterfaceNotFoundInEntrypoint(
                    err=f"No default {itype} interface for hardware type {driver}: none of "
                    "its implementations is enabled."
                )
        elif name not in slot["enabled"]:
            raise exceptions.InterfaceNotFoundInEntrypoint(
                err=f"Could not find the {itype} interface {name} for hardware type "
                f"{driver}. Valid interfaces are {sorted(slot['enabled'])}."
            )
        result[field] = name
    return result
