"""What the ramdisk's agent calls, and what inspection left behind.

- ``GET /v1/lookup`` (1.22): an agent finds its node by its NICs' MACs (or its UUID); only
  nodes in a state that waits for an agent are found. The first lookup of a ramdisk boot
  gets the agent token, later ones see it masked.
- ``POST /v1/heartbeat/{node}`` (1.22): the agent says where it listens; the token must match.
- ``POST /v1/continue_inspection`` (1.84): the agent's inspection data for a node in
  ``inspect wait``, found by UUID, NIC MACs or BMC address.
- ``GET /v1/nodes/{node}/inventory`` (1.81): the last inventory and plugin data.

The first three are open (no credentials: the agent has none) and check their caller by
token and state instead; like Ironic they answer at the version the agent asks for.
"""

import re

import werkzeug.exceptions
from flask import Blueprint, g

from ironic_lite.api import links, params, spec
from ironic_lite.api.microversions import supports
from ironic_lite.api.request_version import minor
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.schemas import ramdisk as schemas
from ironic_lite.api.v1.nodes import find_node, node_for
from ironic_lite.common import exceptions, states
from ironic_lite.common.context import admin_context
from ironic_lite.common.masking import MASK, mask, mask_instance_info
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi

bp = Blueprint("ramdisk", __name__)

_MAC = re.compile(r"^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$")
# driver_internal_info keys an agent may see at lookup (its node's progress, nothing secret).
_LOOKUP_INFO_KEYS = (
    "agent_url",
    "agent_version",
    "clean_steps",
    "deploy_steps",
    "service_steps",
    "is_whole_disk_image",
)


def _require(feature: str) -> None:
    if not supports(feature):
        raise werkzeug.exceptions.NotFound()


def _context():
    return g.context or admin_context()


def _normalize_mac(value: str) -> str | None:
    mac = value.strip().lower().replace("-", ":")
    return mac if _MAC.match(mac) else None


def _node_by_macs(macs: list[str]) -> dict | None:
    """The node owning the first of ``macs`` that belongs to a port."""
    for mac in macs:
        try:
            port = dbapi.get_port(address=mac)
        except exceptions.PortNotFound:
            continue
        return dbapi.get_node_by_id(port["node_id"])
    return None


def _not_found() -> exceptions.NotFound:
    # The same answer for "no such node" and "not waiting for an agent": a lookup tells a
    # stranger nothing about the nodes it did not find.
    return exceptions.NotFound()


# --- lookup ------------------------------------------------------------------------------------
@bp.get("/v1/lookup")
@spec.operation("Find the node of an agent by its MACs or UUID", query=("addresses", "node_uuid"))
def lookup():
    _require("ramdisk_api")
    args = spec.arguments()
    node_uuid = params.uuid_arg(args, "node_uuid")
    raw = [a for a in (args.get("addresses") or "").split(",") if a.strip()]
    macs = [m for m in (_normalize_mac(a) for a in raw) if m]
    if raw and not macs and not node_uuid:
        raise exceptions.InvalidMAC(mac=", ".join(raw))
    if not macs and not node_uuid:
        raise exceptions.InvalidParameterValue(
            err="One of 'addresses' and 'node_uuid' parameters is required"
        )
    if node_uuid:
        try:
            node = dbapi.get_node_by_uuid(node_uuid)
        except exceptions.NodeNotFound:
            raise _not_found() from None
    else:
        node = _node_by_macs(macs)
    if node is None:
        raise _not_found()
    try:  # the conductor decides whether the node's state allows a lookup (404 if not)
        answer = rpcapi().get_node_with_token(_context(), node)
    except exceptions.NodeNotFound:
        raise _not_found() from None
    found, new_token = answer["node"], answer["new_token"]
    return json_response(_lookup_document(found, new_token))


def _lookup_document(node: dict, new_token: bool) -> dict:
    info = node["driver_internal_info"] or {}
    base = links.base_url()
    config = {
        "heartbeat_timeout": CONF.agent.heartbeat_timeout,
        "agent_token": info.get("agent_secret_token") if new_token else MASK,
        "agent_token_required": True,
        "agent_md5_checksum_enable": CONF.agent.md5_checksum_enable,
        "enable_bios_bootloader_install": CONF.agent.enable_bios_bootloader_install,
        "fast_track": CONF.deploy.fast_track,
    }
    return {
        "node": {
            "uuid": node["uuid"],
            "properties": node["properties"] or {},
            "instance_info": mask_instance_info(node["instance_info"] or {}),
            "driver_internal_info": mask({k: info[k] for k in _LOOKUP_INFO_KEYS if k in info}),
            "links": links.pair(base, "nodes", node["uuid"]),
        },
        "config": config,
    }


# --- heartbeat ---------------------------------------------------------------------------------
@bp.post("/v1/heartbeat/<node_ident>")
@spec.operation(
    "An agent reports where it listens", body=schemas.HEARTBEAT, body_name="heartbeat", status=202
)
def heartbeat(node_ident):
    _require("ramdisk_api")
    doc = spec.body()
    for field in doc:
        needed = schemas.HEARTBEAT_FIELDS[field]
        if minor() < needed:
            raise exceptions.InvalidParameterValue(
                err=f"Field {field!r} needs API version 1.{needed} or later"
            )
    node = find_node(node_ident)
    rpcapi().heartbeat(
        _context(),
        node,
        callback_url=doc["callback_url"],
        agent_token=doc.get("agent_token"),
        agent_version=doc.get("agent_version"),
        agent_verify_ca=doc.get("agent_verify_ca"),
        agent_status=doc.get("agent_status"),
    )
    return no_content(202)


# --- continue_inspection -----------------------------------------------------------------------
@bp.post("/v1/continue_inspection")
@spec.operation(
    "An agent sends the inspection data of its machine",
    query=("node_uuid",),
    body=schemas.INSPECTION_DATA,
    body_name="inspection data",
    status=202,
    returns_json=True,
)
def continue_inspection():
    # Agents ask for the version of their heart-beats (1.72), below the 1.84 that added this
    # endpoint, as they do with Ironic: the endpoint answers them.
    node_uuid = params.uuid_arg(spec.arguments(), "node_uuid")
    doc = spec.body()
    inventory = doc["inventory"]
    node = _inspected_node(node_uuid, inventory, doc.get("boot_interface"))
    if node is None:
        raise exceptions.NotFound(
            "No node waiting for inspection matches the inspection data (node_uuid, NIC MACs "
            "or BMC address)"
        )
    plugin_data = {k: v for k, v in doc.items() if k != "inventory"}
    rpcapi().continue_inspection(_context(), node, inventory=inventory, plugin_data=plugin_data)
    return json_response({"uuid": node["uuid"]}, 202)


def _inspected_node(node_uuid: str | None, inventory: dict, boot_interface) -> dict | None:
    if node_uuid:
        try:
            return dbapi.get_node_by_uuid(node_uuid)
        except exceptions.NodeNotFound:
            return None
    candidates = [boot_interface] if boot_interface else []
    candidates += [nic["mac_address"] for nic in inventory["interfaces"]]
    node = _node_by_macs([m for m in (_normalize_mac(c) for c in candidates) if m])
    if node is not None:
        return node
    bmc = {inventory.get("bmc_address"), inventory.get("bmc_v6address")} - {
        None,
        "",
        "0.0.0.0",
        "::/0",
    }
    if not bmc:
        return None
    rows, _ = dbapi.list_nodes({"provision_state": [states.INSPECTWAIT]}, with_traits=False)
    for row in rows:
        info = row["driver_info"] or {}
        addresses = {v for k, v in info.items() if k.endswith("_address") and isinstance(v, str)}
        if addresses & bmc:
            return row
    return None


# --- inventory ---------------------------------------------------------------------------------
@bp.get("/v1/nodes/<ident>/inventory")
@spec.operation("The last inventory and plugin data inspection recorded (1.81)")
def node_inventory(ident):
    _require("node_inventory")
    node = node_for(ident, "baremetal:node:inventory:get")
    data = dbapi.get_inventory(node["id"])
    if data is None:
        raise exceptions.NotFound(f"Node inventory for node {node['uuid']} could not be found.")
    return json_response(data)
