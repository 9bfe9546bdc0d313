"""Allocation documents per microversion.

``FIELDS`` is the one table of which version introduced each allocation field; list, show,
create and patch all render through it.
"""

from collections.abc import Callable

from ironic_lite.api import links
from ironic_lite.api.views import timestamp

# name -> first minor version that shows it, in the order documents list them.
FIELDS: dict[str, int] = {
    "uuid": 52,
    "name": 52,
    "node_uuid": 52,
    "state": 52,
    "last_error": 52,
    "resource_class": 52,
    "traits": 52,
    "candidate_nodes": 52,
    "extra": 52,
    "owner": 60,
    "created_at": 52,
    "updated_at": 52,
    "links": 52,
}


def visible(minor: int, wanted: list[str] | None = None) -> list[str]:
    """Fields shown at version ``minor``: ``wanted`` (plus links) or all of them."""
    if wanted is None:
        return [f for f, v in FIELDS.items() if v <= minor]
    names = list(dict.fromkeys([*wanted, "links"]))
    return [f for f in names if FIELDS.get(f, 999) <= minor]


def renderer(fields: list[str], base: str) -> Callable[[dict], dict]:
    """A function rendering one allocation row with ``fields``; built once per request."""
    plan: list[tuple[str, Callable[[dict], object]]] = []
    for name in fields:
        if name in ("created_at", "updated_at"):
            plan.append((name, lambda r, k=name: timestamp(r[k])))
        elif name == "links":
            plan.append((name, lambda r: links.pair(base, "allocations", r["uuid"])))
        elif name in ("traits", "candidate_nodes"):
            plan.append((name, lambda r, k=name: r[k] or []))
        elif name == "extra":
            plan.append((name, lambda r: r["extra"] or {}))
        else:
            plan.append((name, lambda r, k=name: r[k]))

    def render(row: dict) -> dict:
        return {name: get(row) for name, get in plan}

    return render
