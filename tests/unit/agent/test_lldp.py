from ironic_lite_agent import lldp

NEIGHBOUR = {
    "chassis_id": "52:54:00:ff:00:01",
    "port_id": "Ethernet1/7",
    "system_name": "tor-1",
    "port_description": "server 7",
}


def test_encode_then_decode_round_trips():
    tlvs = lldp.encode_neighbour(NEIGHBOUR)
    assert [t[0] for t in tlvs] == [1, 2, 3, 4, 5]
    assert tlvs[0][1] == "04525400ff0001"  # subtype 4 (MAC) + the MAC
    assert lldp.decode(tlvs) == NEIGHBOUR


def test_non_mac_chassis_is_a_local_name():
    tlvs = lldp.encode_neighbour({"chassis_id": "switch-a"})
    assert tlvs[0][1] == (b"\x07switch-a").hex()
    assert lldp.decode(tlvs) == {"chassis_id": "switch-a"}


def test_frame_parsing_reads_the_tlvs_and_stops_at_end():
    tlvs = lldp.encode_neighbour(NEIGHBOUR)
    frame = lldp.build_frame("52:54:00:ff:00:01", tlvs)
    assert lldp.parse_frame(frame) == tlvs
    assert lldp.parse_frame(frame + b"garbage after the end tlv") == tlvs


def test_truncated_and_foreign_frames():
    tlvs = lldp.encode_neighbour(NEIGHBOUR)
    frame = lldp.build_frame("52:54:00:ff:00:01", tlvs)
    assert lldp.parse_frame(frame[:20]) == []  # the first TLV is cut
    assert lldp.parse_frame(frame[: 14 + 9 + 3]) == tlvs[:1]  # the second is cut
    ipv4 = frame[:12] + b"\x08\x00" + frame[14:]
    assert lldp.parse_frame(ipv4) == []
    assert lldp.parse_frame(b"short") == []
