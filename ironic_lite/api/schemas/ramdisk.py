"""Request bodies of the agent's endpoints: heartbeat and continue_inspection.

Both endpoints are open (the agent has no credentials), so their bodies are checked whole
before anything reads them.
"""

# Heart-beat fields and the minor version adding each.
HEARTBEAT_FIELDS = {
    "callback_url": 22,
    "agent_version": 36,
    "agent_token": 62,
    "agent_verify_ca": 68,
    "agent_status": 72,
}
AGENT_STATUSES = ("start", "end", "error")

# An http(s) URL with a host name, an IPv4 address or a bracketed IPv6 address, an optional
# port and anything after: what urllib can take apart (an unclosed "[" makes it raise).
CALLBACK_URL = {
    "type": "string",
    "minLength": 1,
    "maxLength": 2048,
    "pattern": (
        r"^https?://(\[[0-9A-Fa-f:.]+(%[0-9A-Za-z._~-]+)?\]|[A-Za-z0-9._~%!$&'()*+,;=-]+)"
        r"(:[0-9]{1,5})?([/?#]\S*)?$"
    ),
}

HEARTBEAT = {
    "type": "object",
    "properties": {
        "callback_url": CALLBACK_URL,
        "agent_version": {"type": ["string", "null"], "maxLength": 255},
        "agent_token": {"type": ["string", "null"], "maxLength": 255},
        "agent_verify_ca": {"type": ["string", "null"]},
        "agent_status": {"anyOf": [{"enum": list(AGENT_STATUSES)}, {"type": "null"}]},
    },
    "required": ["callback_url"],
    "additionalProperties": False,
}

# Ironic's minimal inventory: NICs with MAC addresses, optionally the BMC's addresses.
# Everything else in the document (and beside the inventory) is kept as plugin data.
INSPECTION_DATA = {
    "type": "object",
    "properties": {
        "inventory": {
            "type": "object",
            "properties": {
                "bmc_address": {"type": ["string", "null"]},
                "bmc_v6address": {"type": ["string", "null"]},
                "interfaces": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"mac_address": {"type": "string"}},
                        "required": ["mac_address"],
                    },
                    "minItems": 1,
                },
            },
            "required": ["interfaces"],
        },
        "boot_interface": {"type": ["string", "null"]},
    },
    "required": ["inventory"],
}
