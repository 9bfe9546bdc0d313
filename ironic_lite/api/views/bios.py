"""Documents of a node's BIOS settings (1.40) and firmware components (1.86).

A BIOS setting shows its name and value; from 1.74 the registry fields too (in a single
setting always, in a list with ``detail=True`` or when named in ``fields``). Both resources
always carry their timestamps, as Ironic's do; BIOS settings also carry links.
"""

from ironic_lite.api import links
from ironic_lite.api.views import timestamp

BIOS_DEFAULT = ("name", "value")
BIOS_DETAIL = (
    "name",
    "value",
    "attribute_type",
    "allowable_values",
    "lower_bound",
    "max_length",
    "min_length",
    "read_only",
    "reset_required",
    "unique",
    "upper_bound",
)
# Names a caller may list in ?fields= (the timestamps are shown anyway).
BIOS_SELECTABLE = (*BIOS_DETAIL, "created_at", "updated_at")

FIRMWARE_DEFAULT = ("component", "initial_version", "current_version", "last_version_flashed")
FIRMWARE_SELECTABLE = (*FIRMWARE_DEFAULT, "created_at", "updated_at")

_TIMESTAMPS = ("created_at", "updated_at")


def _document(row: dict, fields: tuple[str, ...] | list[str]) -> dict:
    doc = {name: timestamp(row[name]) for name in _TIMESTAMPS}
    for name in fields:
        if name in _TIMESTAMPS:
            continue
        value = row[name]
        if name == "allowable_values" and value is None:
            value = []
        doc[name] = value
    return doc


def bios_setting(row: dict, node_uuid: str, fields: tuple[str, ...] | list[str], base: str) -> dict:
    """One setting with ``fields``, its timestamps and its links."""
    doc = _document(row, fields)
    doc["links"] = links.pair(base, "nodes", f"{node_uuid}/bios/{row['name']}")
    return doc


def firmware_component(row: dict, fields: tuple[str, ...] | list[str]) -> dict:
    """One firmware component with ``fields`` and its timestamps (Ironic gives no links)."""
    return _document(row, fields)
