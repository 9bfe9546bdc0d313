"""Port and portgroup documents per microversion."""

from collections.abc import Callable

from ironic_lite.api import links
from ironic_lite.api.microversions import since
from ironic_lite.api.views import timestamp

PORT_FIELDS: dict[str, int] = {
    "uuid": 1,
    "created_at": 1,
    "updated_at": 1,
    "address": 1,
    "node_uuid": 1,
    "extra": 1,
    "internal_info": 18,
    "pxe_enabled": 19,
    "local_link_connection": 19,
    "portgroup_uuid": 24,
    "physical_network": 34,
    "is_smartnic": 53,
    "name": 88,
    "description": 97,
    "vendor": 100,
    "category": 101,
    "available_for_dynamic_portgroup": 111,
    "links": 1,
}
PORT_LIST_DEFAULT = ("uuid", "address")

PORTGROUP_FIELDS: dict[str, int] = {
    "uuid": 23,
    "created_at": 23,
    "updated_at": 23,
    "address": 23,
    "extra": 23,
    "internal_info": 23,
    "name": 23,
    "standalone_ports_supported": 23,
    "node_uuid": 23,
    "mode": 26,
    "properties": 26,
    "physical_network": 102,
    "category": 103,
    "dynamic_portgroup": 111,
    "links": 23,
    "ports": 23,
}
PORTGROUP_LIST_DEFAULT = ("uuid", "address", "name")

_TIMESTAMPS = ("created_at", "updated_at")
# Local-link keys only shown in the versions that knew them.
_VTEP_KEYS = ("vtep-logical-switch", "vtep-physical-switch")
# Ironic shows VTEP switch info from the version that added it up to the one before 1.104.
_VTEP_SHOWN = since("vtep_switch_info")
_VTEP_HIDDEN = since("instance_name")


def visible(table: dict[str, int], minor: int, wanted=None) -> list[str]:
    if wanted is None:
        return [f for f, v in table.items() if v <= minor]
    names = list(dict.fromkeys([*wanted, "links"]))
    return [f for f in names if table.get(f, 999) <= minor]


def _llc(minor: int) -> Callable[[dict], dict]:
    def render(port: dict) -> dict:
        llc = port["local_link_connection"] or {}
        if any(k in llc for k in _VTEP_KEYS) and not _VTEP_SHOWN <= minor < _VTEP_HIDDEN:
            return {}
        return llc

    return render


def renderer(kind: str, minor: int, fields: list[str], base: str) -> Callable[[dict], dict]:
    """Render rows of ``kind`` ("ports" or "portgroups") with the given fields."""
    plan: list[tuple[str, Callable[[dict], object]]] = []
    for name in fields:
        if name in _TIMESTAMPS:
            plan.append((name, lambda r, k=name: timestamp(r[k])))
        elif name == "links":
            plan.append((name, lambda r: links.pair(base, kind, r["uuid"])))
        elif name == "ports":
            plan.append((name, lambda r: links.pair(base, "portgroups", f"{r['uuid']}/ports")))
        elif name == "local_link_connection":
            plan.append((name, _llc(minor)))
        else:
            plan.append((name, lambda r, k=name: r[k]))

    def render(row: dict) -> dict:
        return {name: get(row) for name, get in plan}

    return render
