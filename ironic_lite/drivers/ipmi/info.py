"""A node's IPMI driver_info, checked: Ironic's ``ipmi_*`` names, 400s naming the field."""

import dataclasses

from ironic_lite.common import exceptions

DEFAULT_PORT = 623
CIPHER_SUITES = (3, 17)
# Ironic's ipmi_priv_level values and the IPMI privilege level (role) each names.
PRIV_LEVELS = {"ADMINISTRATOR": 4, "CALLBACK": 1, "OPERATOR": 3, "USER": 2}

# driver_info keys every ipmi interface reads (Ironic's names and meanings).
PROPERTIES = {
    "ipmi_address": "IP address or host name of the node's BMC. Required.",
    "ipmi_port": f"UDP port of the BMC's RMCP+ service. Optional, default {DEFAULT_PORT}.",
    "ipmi_username": "User name on the BMC. Optional: empty means the anonymous user.",
    "ipmi_password": "Password of ipmi_username. Optional.",
    "ipmi_cipher_suite": "IPMI 2.0 cipher suite: 17 (SHA-256) or 3 (SHA-1). Optional: unset "
    "tries [ipmi] cipher_suite_versions, or 17 then 3.",
    "ipmi_priv_level": "Privilege level the session asks for: ADMINISTRATOR, CALLBACK, "
    "OPERATOR or USER (a user the BMC limits to OPERATOR needs OPERATOR). Optional: unset "
    "asks for ADMINISTRATOR and falls back to OPERATOR when the BMC refuses it.",
    "ipmi_bridging": 'Only "no" (the default) is supported: commands go to the BMC itself.',
    "ipmi_protocol_version": 'Only "2.0" (the default) is supported.',
}


@dataclasses.dataclass(frozen=True)
class IPMIInfo:
    """Where and how to reach a node's BMC. The password never shows in the repr."""

    address: str
    port: int
    username: str
    password: str = dataclasses.field(repr=False)
    cipher_suite: int | None  # None: try [ipmi] cipher_suite_versions
    priv_level: str | None = None  # a key of PRIV_LEVELS; None: ADMINISTRATOR, else OPERATOR

    @property
    def label(self) -> str:
        """How messages name the BMC: its address, with the port when it is not 623."""
        if self.port == DEFAULT_PORT:
            return self.address
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


def _invalid(node: dict, field: str, why: str) -> exceptions.InvalidParameterValue:
    return exceptions.InvalidParameterValue(
        err=f"Invalid driver_info/{field} of node {node.get('uuid')}: {why}"
    )


def _text(node: dict, info: dict, field: str) -> str:
    value = info.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(node, field, f"expected a string, not {type(value).__name__}")
    return value


def _integer(node: dict, info: dict, field: str, default: int | None) -> int | None:
    """An integer field as Ironic takes it: a number, or a string of digits."""
    raw = info.get(field)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise _invalid(node, field, f"expected an integer, not {raw!r}")
    try:
        return int(raw)
    except ValueError:
        raise _invalid(node, field, f"expected an integer, not {raw!r}") from None


def driver_info(node: dict) -> IPMIInfo:
    """The node's IPMI settings, or a 400 (Missing/InvalidParameterValue) naming the
    driver_info field that is missing or wrong. Never logs or echoes the password."""
    info = node.get("driver_info") or {}
    address = info.get("ipmi_address")
    if not address:
        raise exceptions.MissingParameterValue(
            err=f"Node {node.get('uuid')} has no driver_info/ipmi_address: the ipmi hardware "
            "type needs the address of the BMC"
        )
    if not isinstance(address, str) or not address.strip() or " " in address.strip():
        raise _invalid(
            node, "ipmi_address", f"expected an IP address or host name, not {address!r}"
        )
    port = _integer(node, info, "ipmi_port", DEFAULT_PORT)
    if not 1 <= port <= 65535:
        raise _invalid(node, "ipmi_port", f"{port} is not a UDP port (1-65535)")
    suite = _integer(node, info, "ipmi_cipher_suite", None)
    if suite is not None and suite not in CIPHER_SUITES:
        raise _invalid(
            node,
            "ipmi_cipher_suite",
            f"{suite} is not supported; pyghmi speaks cipher suites 3 and 17",
        )
    username = _text(node, info, "ipmi_username")
    if len(username.encode()) > 16:
        raise _invalid(node, "ipmi_username", "IPMI user names are at most 16 bytes long")
    password = _text(node, info, "ipmi_password")
    if len(password.encode()) > 20:
        raise exceptions.InvalidParameterValue(
            err=f"Invalid driver_info/ipmi_password of node {node.get('uuid')}: IPMI 2.0 "
            "passwords are at most 20 bytes long"
        )
    bridging = info.get("ipmi_bridging")
    if bridging not in (None, "", "no"):
        raise _invalid(
            node,
            "ipmi_bridging",
            f'{bridging!r} is not supported; ironic-lite talks to the BMC itself ("no")',
        )
    version = info.get("ipmi_protocol_version")
    if version not in (None, "", "2.0", 2, 2.0):
        raise _invalid(
            node, "ipmi_protocol_version", f"{version!r} is not supported; only IPMI 2.0 is"
        )
    priv_level = info.get("ipmi_priv_level")
    if priv_level in (None, ""):
        priv_level = None
    elif priv_level not in PRIV_LEVELS:
        raise exceptions.InvalidParameterValue(
            err=f"Invalid privilege level value:{priv_level}, the valid value can be one of "
            f"{', '.join(PRIV_LEVELS)}"
        )
    return IPMIInfo(
        address=address.strip(),
        port=port,
        username=username,
        password=password,
        cipher_suite=suite,
        priv_level=priv_level,
    )
