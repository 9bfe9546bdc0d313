"""Node documents per microversion.

``FIELDS`` is the one table of which version introduced each node field; the list, show,
create and patch views all derive their behaviour from it.
"""

from collections.abc import Callable

from ironic_lite.api.microversions import since
from ironic_lite.api.views import timestamp
from ironic_lite.common import masking

# name -> first minor version that shows it, in the order documents list them.
FIELDS: dict[str, int] = {
    "uuid": 1,
    "created_at": 1,
    "updated_at": 1,
    "automated_clean": 47,
    "bios_interface": 40,
    "boot_interface": 31,
    "boot_mode": 75,
    "clean_step": 7,
    "conductor_group": 46,
    "console_enabled": 1,
    "console_interface": 31,
    "disable_power_off": 95,
    "deploy_interface": 31,
    "deploy_step": 44,
    "description": 51,
    "driver": 1,
    "driver_info": 1,
    "driver_internal_info": 3,
    "extra": 1,
    "fault": 42,
    "firmware_interface": 86,
    "health": 109,
    "inspection_finished_at": 6,
    "inspection_started_at": 6,
    "inspect_interface": 31,
    "instance_info": 1,
    "instance_name": 104,
    "instance_uuid": 1,
    "last_error": 1,
    "lessee": 65,
    "maintenance": 1,
    "maintenance_reason": 1,
    "management_interface": 31,
    "name": 5,
    "network_data": 66,
    "network_interface": 20,
    "owner": 50,
    "parent_node": 83,
    "power_interface": 31,
    "power_state": 1,
    "properties": 1,
    "protected": 48,
    "protected_reason": 48,
    "provision_state": 1,
    "provision_updated_at": 1,
    "raid_config": 12,
    "raid_interface": 31,
    "rescue_interface": 38,
    "reservation": 1,
    "resource_class": 21,
    "retired": 61,
    "retired_reason": 61,
    "secure_boot": 75,
    "service_step": 87,
    "shard": 82,
    "storage_interface": 33,
    "target_power_state": 1,
    "target_provision_state": 1,
    "target_raid_config": 12,
    "traits": 37,
    "vendor_interface": 31,
    "links": 1,
    "conductor": 49,
    "allocation_uuid": 52,
    "chassis_uuid": 1,
    "ports": 1,
    "states": 14,
    "portgroups": 24,
    "volume": 32,
}

SUBRESOURCE_LINKS = ("ports", "states", "portgroups", "volume")
# Fields a caller may name in ?fields= (links come along anyway; Ironic refuses timestamps).
SELECTABLE: dict[str, int] = {
    k: v
    for k, v in FIELDS.items()
    if k not in SUBRESOURCE_LINKS and k not in ("links", "created_at", "updated_at")
}
LIST_DEFAULT = ("uuid", "instance_uuid", "maintenance", "power_state", "provision_state", "name")

_TIMESTAMPS = {
    "created_at",
    "updated_at",
    "provision_updated_at",
    "inspection_started_at",
    "inspection_finished_at",
}
_MASKED: dict[str, Callable[[dict], dict]] = {
    "driver_info": masking.mask_driver_info,
    "instance_info": masking.mask_instance_info,
    "driver_internal_info": masking.mask,
}
# Database columns an API field needs beyond its own name.
_NEEDS = {"conductor": ("driver", "conductor_group"), "links": (), "traits": ()}


def visible_fields(minor: int, wanted: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """Fields shown at version ``minor``: ``wanted`` (plus links) or all of them."""
    if wanted is None:
        return [f for f, v in FIELDS.items() if v <= minor]
    names = list(dict.fromkeys([*wanted, "links"]))
    return [f for f in names if FIELDS.get(f, 999) <= minor]


def columns_for(fields: list[str]) -> list[str]:
    """Database columns needed to render ``fields`` (for a narrow SELECT)."""
    cols: list[str] = []
    for f in fields:
        cols.extend(_NEEDS.get(f, (f,)))
    return cols


def _provision_state(minor: int) -> Callable[[dict], str | None]:
    def render(node: dict) -> str | None:
        state = node["provision_state"]
        if minor < since("available_state") and state == "available":
            return None
        if minor < since("inspect_wait") and state == "inspect wait":
            return "inspecting"
        return state

    return render


def renderer(
    minor: int, fields: list[str], base: str, conductor_for: Callable[[dict], str | None]
) -> Callable[[dict], dict]:
    """A function rendering one node row into its document; built once per request.

    Listing 10,000 nodes renders 700,000 fields, so the plan is split up front: plain fields
    are copied in one comprehension (which also fixes the key order) and only the few that
    need work are computed afterwards, in place.
    """
    timestamps = tuple(f for f in fields if f in _TIMESTAMPS)
    masked = tuple((f, _MASKED[f]) for f in fields if f in _MASKED)
    sublinks = tuple(f for f in fields if f in SUBRESOURCE_LINKS)
    state = _provision_state(minor) if "provision_state" in fields else None
    with_links = "links" in fields
    with_conductor = "conductor" in fields
    with_traits = "traits" in fields
    names = tuple(fields)
    nodes_url, nodes_bookmark = f"{base}/v1/nodes/", f"{base}/nodes/"

    def render(node: dict) -> dict:
        doc = {f: node.get(f) for f in names}
        for f in timestamps:
            value = node[f]
            doc[f] = None if value is None else value.isoformat() + "+00:00"
        for f, mask in masked:
            doc[f] = mask(node[f])
        if state is not None:
            doc["provision_state"] = state(node)
        uuid = node["uuid"]
        if with_links:
            doc["links"] = [
                {"href": nodes_url + uuid, "rel": "self"},
                {"href": nodes_bookmark + uuid, "rel": "bookmark"},
            ]
        for f in sublinks:
            doc[f] = [
                {"href": f"{nodes_url}{uuid}/{f}", "rel": "self"},
                {"href": f"{nodes_bookmark}{uuid}/{f}", "rel": "bookmark"},
            ]
        if with_conductor:
            doc["conductor"] = conductor_for(node)
        if with_traits:
            doc["traits"] = node.get("traits") or []
        return doc

    return render


STATES_FIELDS: dict[str, int] = {
    "console_enabled": 1,
    "last_error": 1,
    "power_state": 1,
    "provision_state": 1,
    "target_power_state": 1,
    "target_provision_state": 1,
    "provision_updated_at": 1,
    "raid_config": 12,
    "target_raid_config": 12,
    "boot_mode": 75,
    "secure_boot": 75,
}


def states_document(node: dict, minor: int) -> dict:
    """``GET /v1/nodes/{id}/states``."""
    doc = {}
    for name, added in STATES_FIELDS.items():
        if added > minor:
            continue
        if name == "provision_state":
            doc[name] = _provision_state(minor)(node)
        elif name == "provision_updated_at":
            doc[name] = timestamp(node[name])
        else:
            doc[name] = node[name]
    return doc
