"""/v1/events (1.54): external events, today the network service telling us about ports.

Neutron posts ``network.bind_port`` / ``unbind_port`` / ``delete_port`` when it has wired (or
unwired) a bare-metal port. A batch is checked whole before anything is recorded, so a bad
event refuses the batch with a 400 naming it. Each event whose MAC address belongs to one of
our ports becomes a ``network`` entry in that port's node history; events about MACs we do not
know are normal (Neutron reports on ports that are not ours) and are skipped. The answer is
204, as in Ironic, which only logs events.
"""

import logging

from flask import Blueprint, g

from ironic_lite.api import spec
from ironic_lite.api.microversions import supports
from ironic_lite.api.responses import no_content
from ironic_lite.api.schemas import UUID
from ironic_lite.api.services import access
from ironic_lite.common import exceptions
from ironic_lite.db import api as dbapi

LOG = logging.getLogger(__name__)

bp = Blueprint("events", __name__, url_prefix="/v1/events")

NETWORK_EVENTS = ("network.bind_port", "network.unbind_port", "network.delete_port")
_UUID_OR_NULL = {"anyOf": [UUID, {"type": "null"}]}
EVENTS_BODY = {
    "type": "object",
    "properties": {
        "events": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "event": {"enum": list(NETWORK_EVENTS)},
                    "port_id": UUID,
                    "mac_address": {
                        "type": "string",
                        "pattern": r"^(?i:[0-9a-f]{2}(:[0-9a-f]{2}){5})$",
                    },
                    "status": {"type": "string"},
                    "device_id": _UUID_OR_NULL,
                    "binding:host_id": _UUID_OR_NULL,
                    "binding:vnic_type": {"type": ["string", "null"]},
                },
                "required": ["event", "port_id", "mac_address", "status"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["events"],
    "additionalProperties": False,
}


def _describe(event: dict, port: dict) -> str:
    parts = [
        f"{event['event']} from the network service for port {port['uuid']} "
        f"({event['mac_address'].lower()}, network port {event['port_id']}): "
        f"status {event['status']}"
    ]
    for key in ("device_id", "binding:host_id", "binding:vnic_type"):
        if event.get(key):
            parts.append(f"{key} {event[key]}")
    return ", ".join(parts)


@bp.post("")
@spec.operation(
    "Events from other services (the network service's port events, 1.54)",
    body=EVENTS_BODY,
    body_name="events",
    status=204,
)
def post_events():
    if not supports("events"):
        raise exceptions.NotFound("Events need API version 1.54 or later")
    access.system(g.context, "baremetal:events:post")  # the network service, as admin
    doc = spec.body()
    for event in doc["events"]:
        try:
            port = dbapi.get_port(address=event["mac_address"].lower())
        except exceptions.PortNotFound:
            LOG.debug("Skipping %s for unknown MAC %s", event["event"], event["mac_address"])
            continue
        failed = event["status"].upper() == "ERROR"
        dbapi.record_history(
            port["node_id"],
            event=_describe(event, port),
            event_type="network",
            severity="ERROR" if failed else "INFO",
            user=g.context.user,
            project=g.context.project,
        )
    return no_content()
