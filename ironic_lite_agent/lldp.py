"""LLDP TLVs the way Ironic's inspection data carries them: per interface, a list of
``[type, hex value]`` pairs, decoded by the inspection side.

The real backend reads them off the wire (:func:`parse_frame` over a raw frame); the simulated
backend builds them from the neighbour described in hardware.json (:func:`encode_neighbour`).
:func:`decode` turns them back into names for tests and for people.
"""

import re
import struct

CHASSIS_ID, PORT_ID, TTL, PORT_DESCRIPTION, SYSTEM_NAME, END = 1, 2, 3, 4, 5, 0
_MAC = re.compile(r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$")
_SUBTYPE_MAC, _SUBTYPE_IFNAME, _SUBTYPE_LOCAL = 4, 5, 7
_PORT_SUBTYPE_MAC = 3
ETHERTYPE = 0x88CC


def encode_neighbour(neighbour: dict) -> list[list]:
    """TLVs for a neighbour ``{"chassis_id", "port_id", "system_name", "port_description"}``
    (every key optional): a MAC chassis id is sent as a MAC, anything else as a local name."""
    tlvs: list[list] = []
    chassis = neighbour.get("chassis_id")
    if chassis:
        if _MAC.match(chassis):
            value = bytes([_SUBTYPE_MAC]) + bytes.fromhex(re.sub("[:-]", "", chassis))
        else:
            value = bytes([_SUBTYPE_LOCAL]) + chassis.encode()
        tlvs.append([CHASSIS_ID, value.hex()])
    port = neighbour.get("port_id")
    if port:
        tlvs.append([PORT_ID, (bytes([_SUBTYPE_IFNAME]) + port.encode()).hex()])
    tlvs.append([TTL, struct.pack("!H", 120).hex()])
    if neighbour.get("port_description"):
        tlvs.append([PORT_DESCRIPTION, neighbour["port_description"].encode().hex()])
    if neighbour.get("system_name"):
        tlvs.append([SYSTEM_NAME, neighbour["system_name"].encode().hex()])
    return tlvs


def parse_frame(frame: bytes) -> list[list]:
    """The TLVs of a raw Ethernet frame carrying LLDP; [] when the frame is not LLDP.

    A TLV header is 7 bits of type and 9 bits of length; parsing stops at the End TLV or at a
    TLV that runs past the frame (a truncated frame yields what came before it)."""
    if len(frame) < 14 or struct.unpack("!H", frame[12:14])[0] != ETHERTYPE:
        return []
    data, pos, tlvs = frame[14:], 0, []
    while pos + 2 <= len(data):
        header = struct.unpack("!H", data[pos : pos + 2])[0]
        kind, length = header >> 9, header & 0x1FF
        pos += 2
        if kind == END or pos + length > len(data):
            break
        tlvs.append([kind, data[pos : pos + length].hex()])
        pos += length
    return tlvs


def build_frame(src_mac: str, tlvs: list[list]) -> bytes:
    """An LLDP Ethernet frame with ``tlvs`` (used by tests of :func:`parse_frame`)."""
    dst = bytes.fromhex("0180c200000e")
    src = bytes.fromhex(src_mac.replace(":", ""))
    body = b""
    for kind, hexvalue in tlvs:
        value = bytes.fromhex(hexvalue)
        body += struct.pack("!H", (kind << 9) | len(value)) + value
    return dst + src + struct.pack("!H", ETHERTYPE) + body + b"\x00\x00"


def decode(tlvs: list[list]) -> dict:
    """Names for the TLVs a person reads: chassis_id, port_id, system_name, port_description."""
    out: dict = {}
    for kind, hexvalue in tlvs:
        value = bytes.fromhex(hexvalue)
        if kind in (CHASSIS_ID, PORT_ID) and value:
            subtype, rest = value[0], value[1:]
            is_mac = (kind == CHASSIS_ID and subtype == _SUBTYPE_MAC) or (
                kind == PORT_ID and subtype == _PORT_SUBTYPE_MAC
            )
            text = ":".join(f"{b:02x}" for b in rest) if is_mac else rest.decode(errors="replace")
            out["chassis_id" if kind == CHASSIS_ID else "port_id"] = text
        elif kind == SYSTEM_NAME:
            out["system_name"] = value.decode(errors="replace")
        elif kind == PORT_DESCRIPTION:
            out["port_description"] = value.decode(errors="replace")
    return out


def listen(interfaces: list[str], timeout: float = 30.0) -> dict[str, list[list]]:
    """Wait up to ``timeout`` seconds for one LLDP frame on each interface; returns the TLVs
    per interface that heard one. Needs root (raw AF_PACKET sockets); real backend only."""
    import select
    import socket
    import time

    sol_packet, add_membership, mr_multicast = 263, 1, 0
    lldp_group = bytes.fromhex("0180c200000e")
    socks: dict = {}
    out: dict[str, list[list]] = {}
    try:
        for name in interfaces:
            try:
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETHERTYPE))
                s.bind((name, 0))
                mreq = struct.pack(
                    "iHH8s", socket.if_nametoindex(name), mr_multicast, 6, lldp_group
                )
                s.setsockopt(sol_packet, add_membership, mreq)
            except OSError:
                continue
            socks[s] = name
        deadline = time.monotonic() + timeout
        while socks and (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select(list(socks), [], [], left)
            for s in ready:
                tlvs = parse_frame(s.recv(1600))
                if tlvs:
                    out[socks.pop(s)] = tlvs
                    s.close()
    finally:
        for s in socks:
            s.close()
    return out
