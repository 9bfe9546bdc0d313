"""Expected wiring: is each NIC cabled to the switch port it should be?

The agent reports, per interface of the inventory, the LLDP TLVs its NIC heard as
``[[type, hex value], ...]`` (the shape Ironic's inspection data uses): chassis ID (TLV 1), port
ID (TLV 2) and system name (TLV 5) say which switch and port the cable ends at. What the cable
should end at comes from the rule's ``expected`` map (keyed by MAC, port name or interface
name) and, unless turned off, from each port's ``local_link_connection``.
"""

import dataclasses
import re

_CHASSIS_ID, _PORT_ID, _SYSTEM_NAME = 1, 2, 5
_CHASSIS_SUBTYPE_MAC = 4
_PORT_SUBTYPE_MAC = 3
_MAC_RE = re.compile(r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$")


def _mac(value: str) -> str:
    return value.replace("-", ":").lower()


def decode_lldp(tlvs: list | None) -> dict:
    """``{"switch_id", "port_id", "switch_system_name"}`` (those present) from raw TLVs.

    A chassis or port ID with the MAC subtype reads as a MAC, any other subtype as text.
    Malformed TLVs are skipped: a neighbour's garbage must not fail the check by itself.
    """
    found: dict = {}
    for item in tlvs or []:
        try:
            kind, raw = int(item[0]), bytes.fromhex(item[1])
        except (TypeError, ValueError, IndexError):
            continue
        if kind in (_CHASSIS_ID, _PORT_ID) and len(raw) > 1:
            subtype, rest = raw[0], raw[1:]
            is_mac = (kind == _CHASSIS_ID and subtype == _CHASSIS_SUBTYPE_MAC) or (
                kind == _PORT_ID and subtype == _PORT_SUBTYPE_MAC
            )
            if is_mac and len(rest) == 6:
                text = ":".join(f"{b:02x}" for b in rest)
            else:
                text = rest.decode(errors="replace")
            found["switch_id" if kind == _CHASSIS_ID else "port_id"] = text
        elif kind == _SYSTEM_NAME:
            found["switch_system_name"] = raw.decode(errors="replace")
    return found


@dataclasses.dataclass(frozen=True)
class Mismatch:
    """One NIC whose cable is not where it should be."""

    mac: str
    label: str  # how people know the NIC: "port p1 / eth0 (52:54:00:..)"
    expected: dict
    seen: dict | None  # None: no LLDP neighbour reported (or NIC missing)
    reason: str

    def describe(self) -> str:
        want = _describe_link(self.expected)
        got = _describe_link(self.seen) if self.seen else "no LLDP neighbour"
        return f"{self.label}: expected {want}, seen {got} ({self.reason})"


def _describe_link(link: dict) -> str:
    switch = link.get("switch_id") or link.get("switch_system_name") or "?"
    name = link.get("switch_system_name")
    if link.get("switch_id") and name:
        switch = f"{link['switch_id']} ({name})"
    return f"switch {switch} port {link.get('port_id') or '?'}"


def expected_links(
    ports: list[dict], interfaces: list[dict], expected: dict, use_local_link_connection: bool
) -> dict[str, dict]:
    """Per MAC, where its cable should end. The rule's map wins over local_link_connection.

    Raises ValueError naming a key of ``expected`` that is neither a MAC, a port name nor an
    interface name of the inventory.
    """
    links: dict[str, dict] = {}
    if use_local_link_connection:
        for port in ports:
            llc = port.get("local_link_connection") or {}
            if llc.get("port_id") and (llc.get("switch_id") or llc.get("switch_info")):
                link = {"port_id": llc["port_id"]}
                if llc.get("switch_id"):
                    link["switch_id"] = _mac(llc["switch_id"])
                else:
                    link["switch_system_name"] = llc["switch_info"]
                links[_mac(port["address"])] = link
    by_port_name = {p["name"]: _mac(p["address"]) for p in ports if p.get("name")}
    by_interface = {
        i["name"]: _mac(i["mac_address"])
        for i in interfaces
        if i.get("name") and i.get("mac_address")
    }
    for key, link in (expected or {}).items():
        if _MAC_RE.match(key):
            mac = _mac(key)
        elif key in by_port_name:
            mac = by_port_name[key]
        elif key in by_interface:
            mac = by_interface[key]
        else:
            raise ValueError(
                f"expected wiring names {key!r}, which is no MAC, port name or interface of "
                "the node"
            )
        want = {k: link[k] for k in ("switch_id", "switch_system_name", "port_id") if k in link}
        if _MAC_RE.match(want.get("switch_id") or ""):
            want["switch_id"] = _mac(want["switch_id"])
        links[mac] = want
    return links


def _differs(want: dict, seen: dict) -> str | None:
    """Why ``seen`` is not ``want`` (None when it matches)."""
    reasons = []
    # A switch is named by its chassis ID, or failing that by its system name.
    switch_key = "switch_id" if want.get("switch_id") else "switch_system_name"
    if want.get(switch_key) and _norm(want[switch_key]) != _norm(seen.get(switch_key)):
        reasons.append("other switch")
    if _norm(want.get("port_id")) != _norm(seen.get("port_id")):
        reasons.append("other switch port")
    return ", ".join(reasons) or None


def _norm(value) -> str:
    return str(value or "").strip().lower()


def check(
    ports: list[dict],
    inventory: dict,
    expected: dict | None = None,
    use_local_link_connection: bool = True,
) -> tuple[list[Mismatch], int]:
    """The mismatches between expected and seen cabling, and how many NICs were checked."""
    interfaces = [i for i in inventory.get("interfaces") or [] if isinstance(i, dict)]
    want = expected_links(ports, interfaces, expected or {}, use_local_link_connection)
    seen_by_mac = {
        _mac(i["mac_address"]): i for i in interfaces if isinstance(i.get("mac_address"), str)
    }
    names = {_mac(p["address"]): p.get("name") for p in ports}
    problems = []
    for mac, link in sorted(want.items()):
        interface = seen_by_mac.get(mac)
        label_parts = [p for p in (names.get(mac), (interface or {}).get("name")) if p]
        label = f"{' / '.join(label_parts)} ({mac})" if label_parts else mac
        if interface is None:
            problems.append(Mismatch(mac, label, link, None, "NIC not in the inventory"))
            continue
        seen = decode_lldp(interface.get("lldp"))
        if not seen:
            problems.append(Mismatch(mac, label, link, None, "no LLDP data"))
            continue
        reason = _differs(link, seen)
        if reason:
            problems.append(Mismatch(mac, label, link, seen, reason))
    return problems, len(want)
