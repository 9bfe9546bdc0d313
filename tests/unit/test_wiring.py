"""Expected wiring: LLDP neighbours from the inventory against the cabling a rule expects.

The TLVs are built with the agent's own encoder, so the check reads what the agent sends. The
end-to-end cases record an inventory on a real node (SQLite) and run the inspect flow.
"""

import pytest

from ironic_lite.common import exceptions, states
from ironic_lite.conductor import inventory, wiring
from ironic_lite.conductor.flows import inspect
from ironic_lite.db import api as dbapi
from ironic_lite_agent import lldp
from tests.lab.harness import node_task

SWITCH = "52:54:00:ff:00:01"
MAC1, MAC2 = "52:54:00:00:00:01", "52:54:00:00:00:02"


def nic(name, mac, port_id=None, chassis=SWITCH, system_name="sw1"):
    neighbour = {"chassis_id": chassis, "system_name": system_name, "port_id": port_id}
    return {
        "name": name,
        "mac_address": mac,
        "lldp": lldp.encode_neighbour(neighbour) if port_id else None,
    }


def port(mac, port_id=None, switch_id=SWITCH, name=None):
    llc = {"switch_id": switch_id, "port_id": port_id} if port_id else {}
    return {"address": mac, "name": name, "local_link_connection": llc}


def test_decoding_reads_chassis_port_and_system_name():
    tlvs = lldp.encode_neighbour({"chassis_id": "52:54:00:FF:00:01", "port_id": "Eth1/1",
                                  "system_name": "sw1"})  # fmt: skip
    assert wiring.decode_lldp(tlvs) == {
        "switch_id": SWITCH,
        "port_id": "Eth1/1",
        "switch_system_name": "sw1",
    }
    named = lldp.encode_neighbour({"chassis_id": "leaf-7", "port_id": "xe-0/0/1"})
    assert wiring.decode_lldp(named)["switch_id"] == "leaf-7"
    assert wiring.decode_lldp([[1, "zz"], ["x"], [5, "7377"]]) == {"switch_system_name": "sw"}


def test_cabling_as_local_link_connection_says_passes():
    inv = {"interfaces": [nic("eth0", MAC1, "Ethernet1/1"), nic("eth1", MAC2, "Ethernet1/2")]}
    ports = [port(MAC1, "Ethernet1/1"), port(MAC2, "ethernet1/2")]
    problems, checked = wiring.check(ports, inv)
    assert (problems, checked) == ([], 2)


def test_each_miscabled_nic_is_described_with_expected_and_seen():
    inv = {
        "interfaces": [
            nic("eth0", MAC1, "Ethernet1/3"),
            nic("eth1", MAC2, "Ethernet1/2", chassis="52:54:00:ff:00:09", system_name="sw9"),
        ]
    }
    ports = [port(MAC1, "Ethernet1/1", name="p0"), port(MAC2, "Ethernet1/2")]
    problems, checked = wiring.check(ports, inv)
    assert checked == 2
    text = [p.describe() for p in problems]
    assert text == [
        "p0 / eth0 (52:54:00:00:00:01): expected switch 52:54:00:ff:00:01 port Ethernet1/1, "
        "seen switch 52:54:00:ff:00:01 (sw1) port Ethernet1/3 (other switch port)",
        "eth1 (52:54:00:00:00:02): expected switch 52:54:00:ff:00:01 port Ethernet1/2, "
        "seen switch 52:54:00:ff:00:09 (sw9) port Ethernet1/2 (other switch)",
    ]


def test_the_expected_map_names_nics_by_mac_port_or_interface_and_wins():
    inv = {"interfaces": [nic("eth0", MAC1, "Ethernet1/1"), nic("eth1", MAC2, "Ethernet1/2")]}
    ports = [port(MAC1, "Ethernet1/9"), port(MAC2, name="uplink")]
    expected = {
        "eth0": {"switch_system_name": "SW1", "port_id": "Ethernet1/1"},
        "uplink": {"switch_id": SWITCH.upper(), "port_id": "Ethernet1/2"},
    }
    assert wiring.check(ports, inv, expected) == ([], 2)
    # Only the map: the wrong local_link_connection of MAC1 is not consulted at all.
    assert wiring.check(ports, inv, {MAC2: expected["uplink"]}, False) == ([], 1)
    with pytest.raises(ValueError, match="eth7"):
        wiring.check(ports, inv, {"eth7": expected["uplink"]})


def test_missing_lldp_and_missing_nics_are_mismatches():
    inv = {"interfaces": [nic("eth0", MAC1)]}
    problems, _ = wiring.check([port(MAC1, "E1"), port(MAC2, "E2")], inv)
    assert [p.reason for p in problems] == ["no LLDP data", "NIC not in the inventory"]
    assert "seen no LLDP neighbour" in problems[0].describe()


# --- through inventory.record and the inspect flow --------------------------------------------
WIRING_RULE = {"op": "check-wiring", "args": {}}
MISCABLED = {"cpu": {"count": 2}, "interfaces": [nic("eth0", MAC1, "Ethernet1/7")]}


def _cable(task, port_id="Ethernet1/1"):
    (found,) = task.ports
    task.save_port(found, local_link_connection={"switch_id": SWITCH, "port_id": port_id})


def test_recording_a_miscabled_inventory_fails_with_the_diff_in_history():
    with node_task(macs=(MAC1,)) as task:
        _cable(task)
        dbapi.create_inspection_rule({"actions": [WIRING_RULE], "description": "cabling"})
        with pytest.raises(exceptions.HardwareInspectionFailure) as caught:
            inventory.record(task, MISCABLED, source="agent")
        assert "expected switch 52:54:00:ff:00:01 port Ethernet1/1" in str(caught.value)
        assert "port Ethernet1/7" in str(caught.value)
        history, _ = dbapi.list_history(task.node["id"])
        assert "Ethernet1/7" in history[-1]["event"] and history[-1]["severity"] == "ERROR"
        # the inventory is kept, for the operator to read what was seen
        assert dbapi.get_inventory(task.node["id"])["inventory"] == MISCABLED


def test_warn_severity_records_a_warning_and_lets_inspection_finish():
    with node_task(macs=(MAC1,)) as task:
        _cable(task)
        rule = {"op": "check-wiring", "args": {"severity": "warn"}}
        dbapi.create_inspection_rule({"actions": [rule]})
        data = inventory.record(task, MISCABLED)
        assert data["wiring"]["mismatches"][0]["seen"]["port_id"] == "Ethernet1/7"
        history, _ = dbapi.list_history(task.node["id"])
        warnings = [e for e in history if e["severity"] == "WARNING"]
        assert len(warnings) == 1 and "Ethernet1/7" in warnings[0]["event"]


def test_the_inspect_flow_ends_in_inspect_failed_with_the_diff_as_last_error():
    driver_info = {"fake_inventory": MISCABLED}
    with node_task(macs=(MAC1,), driver_info=driver_info, provision_state=states.MANAGEABLE) as t:
        _cable(t)
        dbapi.create_inspection_rule({"actions": [WIRING_RULE]})
        inspect.start(t)
        inspect.run(t)
        assert t.node["provision_state"] == states.INSPECTFAIL
        assert "Wiring check: 1 of 1 NIC(s)" in t.node["last_error"]
        assert "seen switch 52:54:00:ff:00:01 (sw1) port Ethernet1/7" in t.node["last_error"]
        history, _ = dbapi.list_history(t.node["id"])
        assert history[-1]["event"].startswith("inspecting -> inspect failed")


def test_the_inspect_flow_passes_a_correctly_cabled_node():
    good = {"interfaces": [nic("eth0", MAC1, "Ethernet1/1")]}
    with node_task(
        macs=(MAC1,), driver_info={"fake_inventory": good}, provision_state=states.MANAGEABLE
    ) as t:
        _cable(t)
        dbapi.create_inspection_rule({"actions": [WIRING_RULE]})
        inspect.start(t)
        inspect.run(t)
        assert t.node["provision_state"] == states.MANAGEABLE and not t.node["last_error"]
        data = dbapi.get_inventory(t.node["id"])["plugin_data"]
        assert data["source"] == "fake" and data["wiring"] == {"checked": 1, "mismatches": []}
