"""Query arguments: each name's schema and meaning, described once for every view taking it.

Views name the arguments they take in their ``@spec.operation`` declaration and parse the
values with api/params.py (which words refusals as Ironic does); the OpenAPI document shows
these schemas. A name means the same thing wherever it appears.
"""

_STRING = {"type": "string"}
_UUID = {"type": "string", "format": "uuid"}
# Ironic takes 0/1, t/f, true/false, on/off, y/n, yes/no in any case.
_BOOL = {"type": "boolean"}
_LIST = {"type": "string", "description": "comma-separated"}


def _arg(schema: dict, description: str) -> dict:
    return {"schema": schema, "description": description}


QUERY: dict[str, dict] = {
    # Paging, sorting and the shape of documents (every collection).
    "limit": _arg({"type": "integer", "minimum": 1}, "page size, at most [api] max_limit"),
    "marker": _arg(_STRING, "the last item of the previous page (its UUID, or name)"),
    "sort_key": _arg(_STRING, "a field to sort by"),
    "sort_dir": _arg({"type": "string", "enum": ["asc", "desc"]}, "sort direction"),
    "detail": _arg(_BOOL, "whether to show every field"),
    "fields": _arg(_LIST, "the fields to show, comma-separated"),
    # Node filters.
    "chassis_uuid": _arg(_UUID, "nodes of this chassis"),
    "instance_uuid": _arg(_UUID, "the node running this instance"),
    "associated": _arg(_BOOL, "nodes with (or without) an instance"),
    "maintenance": _arg(_BOOL, "nodes in (or out of) maintenance"),
    "retired": _arg(_BOOL, "retired (or not retired) nodes"),
    "provision_state": _arg(_STRING, "nodes in this provision state (1.9)"),
    "driver": _arg(_STRING, "nodes of this hardware type (1.16)"),
    "resource_class": _arg(_STRING, "items of this resource class"),
    "fault": _arg(_STRING, "nodes with this fault (1.42)"),
    "conductor_group": _arg(_STRING, "nodes of this conductor group (1.46)"),
    "conductor": _arg(_STRING, "nodes managed by this conductor host (1.49)"),
    "owner": _arg(_STRING, "items of this owner"),
    "description_contains": _arg(_STRING, "nodes whose description contains this text"),
    "lessee": _arg(_STRING, "nodes of this lessee (1.65)"),
    "project": _arg(_STRING, "nodes this project owns or leases"),
    "shard": _arg(_LIST, "items of these shards (1.82), comma-separated"),
    "sharded": _arg(_BOOL, "nodes with (or without) a shard (1.82)"),
    "parent_node": _arg(_STRING, "children of this node (1.83)"),
    "include_children": _arg(_BOOL, "whether to list child nodes too (1.83)"),
    "instance_name": _arg(_STRING, "nodes running an instance of this name (1.104)"),
    "reset_interfaces": _arg(_BOOL, "reset interfaces to the new driver's defaults (1.45)"),
    "node": _arg(_STRING, "a node (UUID or name)"),
    "node_uuid": _arg(_UUID, "a node (UUID)"),
    # Port and portgroup filters.
    "address": _arg(_STRING, "a MAC address"),
    "portgroup": _arg(_STRING, "ports of this portgroup (UUID or name, 1.24)"),
    "conductor_groups": _arg(_LIST, "items on nodes of these conductor groups"),
    # Others.
    "state": _arg(_STRING, "allocations in this state"),
    "type": _arg({"type": "string", "enum": ["classic", "dynamic"]}, "driver type (1.30)"),
    "phase": _arg(_STRING, "inspection rules of this phase"),
    "addresses": _arg(_LIST, "MAC addresses of the agent's machine, comma-separated"),
    "method": _arg(_STRING, "the vendor passthru method to call"),
    "device_types": _arg(_LIST, "virtual media device types to detach, comma-separated"),
    "reason": _arg(_STRING, "why the node is put in maintenance"),
}
