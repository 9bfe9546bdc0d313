"""The shape of a node's ``network_data`` (1.66): OpenStack's ``network_data.json``.

It is what cloud-init and glean read from a config drive to configure a machine without
DHCP, so a typo here breaks a deploy late and far away; it is checked when it is stored.
An empty object clears it. Otherwise the document has ``links`` (layer 2: physical
interfaces, bonds, VLANs), ``networks`` (layer 3 on a link) and ``services`` (DNS servers).
"""

_MAC = {"type": "string", "pattern": r"^(?i:[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4})$"}
_NAME = {"type": "string", "minLength": 1}
_MTU = {"type": ["integer", "null"], "minimum": 68, "maximum": 65535}
_IPV4 = {"type": "string", "format": "ipv4"}
_IPV6 = {"type": "string", "format": "ipv6"}

# Interface types a plain link may have (what Nova writes for its VIF types).
_LINK_TYPES = ["bridge", "dvs", "hw_veb", "hyperv", "ovs", "tap", "vhostuser", "vif", "phy"]
_BOND_MODES = [
    "802.3ad",
    "balance-rr",
    "active-backup",
    "balance-xor",
    "broadcast",
    "balance-tlb",
    "balance-alb",
]


def _link(kind: dict, required: list[str], **extra) -> dict:
    return {
        "type": "object",
        "properties": {
            "id": _NAME,
            "mtu": _MTU,
            "vif_id": {"type": "string"},
            "type": kind,
            **extra,
        },
        "required": ["id", "type", *required],
    }


_PLAIN_LINK = _link({"enum": _LINK_TYPES}, ["ethernet_mac_address"], ethernet_mac_address=_MAC)
_BOND = _link(
    {"const": "bond"},
    ["ethernet_mac_address", "bond_mode", "bond_links"],
    ethernet_mac_address=_MAC,
    bond_mode={"enum": _BOND_MODES},
    bond_links={"type": "array", "items": _NAME, "minItems": 1},
    bond_miimon={"type": "integer", "minimum": 0},
    bond_xmit_hash_policy={"type": "string"},
)
_VLAN = _link(
    {"const": "vlan"},
    ["vlan_mac_address", "vlan_link", "vlan_id"],
    vlan_mac_address=_MAC,
    vlan_link=_NAME,
    vlan_id={"type": "integer", "minimum": 0, "maximum": 4095},
)


def _service(address: dict) -> dict:
    return {
        "type": "object",
        "properties": {"type": {"const": "dns"}, "address": address},
        "required": ["type", "address"],
    }


def _network(types: list[str], address: dict) -> dict:
    """A layer 3 network of one IP family on a link; static types carry an address."""
    route = {
        "type": "object",
        "properties": {
            "network": address,
            "netmask": address,
            "gateway": address,
            "services": {"type": "array", "items": _service(address)},
        },
        "required": ["network", "netmask", "gateway"],
    }
    return {
        "type": "object",
        "properties": {
            "id": _NAME,
            "link": _NAME,
            "network_id": {"type": "string"},
            "type": {"enum": types},
            "ip_address": address,
            "netmask": address,
            "routes": {"type": "array", "items": route},
            "services": {"type": "array", "items": _service(address)},
        },
        "required": ["id", "link", "network_id", "type"],
    }


def _by_type(cases: list[tuple[list[str], dict]], default: dict) -> dict:
    """Pick the schema by the item's ``type`` (if/then chains, not oneOf, so that a bad item
    is reported by the field that is wrong, not as "not valid under any schema")."""
    schema = default
    for types, case in reversed(cases):
        schema = {"if": {"properties": {"type": {"enum": types}}}, "then": case, "else": schema}
    return schema


_IPV4_TYPES = ["ipv4", "ipv4_dhcp"]
_IPV6_TYPES = ["ipv6", "ipv6_dhcp", "ipv6_slaac"]

DOCUMENT = {
    "type": "object",
    "properties": {
        "links": {
            "type": "array",
            "items": _by_type([(["bond"], _BOND), (["vlan"], _VLAN)], _PLAIN_LINK),
        },
        "networks": {
            "type": "array",
            "items": _by_type(
                [(_IPV6_TYPES, _network(_IPV6_TYPES, _IPV6))], _network(_IPV4_TYPES, _IPV4)
            ),
        },
        "services": {"type": "array", "items": {"anyOf": [_service(_IPV4), _service(_IPV6)]}},
    },
    "required": ["links", "networks", "services"],
}

# null or {} clear it; anything else must be a whole document.
NETWORK_DATA = {
    "type": ["object", "null"],
    "if": {"type": "object", "minProperties": 1},
    "then": DOCUMENT,
}
