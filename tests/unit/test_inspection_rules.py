"""The inspection rule engine: each operator, references, and each action on a real node."""

import pytest

from ironic_lite.common import exceptions
from ironic_lite.common import inspection_rules as catalogue
from ironic_lite.conductor import inspection_rules as engine
from ironic_lite.db import api as dbapi
from tests.lab.harness import node_task

INVENTORY = {
    "cpu": {"count": 8, "architecture": "x86_64"},
    "memory": {"physical_mb": 16384},
    "interfaces": [
        {"name": "eth0", "mac_address": "52:54:00:00:00:01", "ipv4_address": "10.0.0.5"},
        {"name": "eth1", "mac_address": "52:54:00:00:00:02", "ipv4_address": None},
    ],
    "system_vendor": {"manufacturer": "Dell Inc.", "product_name": "R640"},
    "bmc_address": "192.0.2.10",
}
CONTEXT = {
    "inventory": INVENTORY,
    "node": {"driver": "fake-hardware", "driver_info": {"ipmi_address": "192.0.2.10"}},
    "plugin_data": {"auto_discovered": True},
}


def holds(op, args, **extra) -> bool:
    return engine.condition_holds({"op": op, "args": args, **extra}, CONTEXT)


# --- operators ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "op,values,expected",
    [
        ("eq", [1, 1, 1], True),
        ("eq", [1, 2], False),
        ("ne", [1, 2], True),
        ("lt", [1, 2, 3], True),
        ("lt", [2, 2], False),
        ("le", [2, 2], True),
        ("gt", ["{inventory[cpu][count]}", 4], True),
        ("ge", [4, "{inventory[cpu][count]}"], False),
        ("eq", [], True),
    ],
)
def test_comparisons_chain_over_all_values(op, values, expected):
    assert holds(op, {"values": values}) is expected


def test_force_strings_compares_text():
    assert holds("eq", {"values": [8, "8"], "force_strings": True})
    assert not holds("eq", {"values": [8, "8"]})


def test_comparing_what_cannot_be_compared_is_a_rule_error():
    with pytest.raises(engine.RuleError, match="cannot compare"):
        holds("lt", {"values": [1, "a"]})


@pytest.mark.parametrize(
    "op,value,expected",
    [
        ("is-empty", "", True),
        ("is-empty", [], True),
        ("is-empty", "{inventory[nothing]}", True),
        ("is-empty", "x", False),
        ("is-none", "{inventory[nothing]}", True),
        ("is-none", "{inventory[cpu]}", False),
        ("is-true", "{plugin_data[auto_discovered]}", True),
        ("is-true", "yes", True),
        ("is-true", "no", False),
        ("is-false", "false", True),
        ("is-false", 0, True),
        ("is-false", None, True),
        ("is-false", "maybe", False),
    ],
)
def test_value_checks(op, value, expected):
    assert holds(op, {"value": value}) is expected


def test_regex_matches_whole_text_and_contains_finds_a_part():
    vendor = "{inventory[system_vendor][manufacturer]}"
    assert holds("matches", {"value": vendor, "regex": "Dell.*"})
    assert not holds("matches", {"value": vendor, "regex": "Dell"})
    assert holds("contains", {"value": vendor, "regex": "(?i)dell"})


def test_one_of_and_in_net():
    assert holds("one-of", {"value": "{inventory[cpu][architecture]}", "values": ["x86_64"]})
    assert not holds("one-of", {"value": "aarch64", "values": ["x86_64"]})
    assert holds("in-net", {"address": "{inventory[bmc_address]}", "subnet": "192.0.2.0/24"})
    assert not holds("in-net", {"address": "10.0.0.1", "subnet": "192.0.2.0/24"})


def test_an_exclamation_mark_inverts_a_condition():
    assert holds("!eq", {"values": [1, 2]})
    assert not holds("! eq", {"values": [1, 1]})


def test_list_arguments_map_onto_the_declared_order():
    assert holds("matches", ["abc", "a.c"])


@pytest.mark.parametrize(
    "multiple,expected", [("any", True), ("all", False), ("first", True), ("last", False)]
)
def test_loops_hold_for_any_all_first_or_last_item(multiple, expected):
    condition = {
        "op": "is-empty",
        "args": {"value": "{item[ipv4_address]}"},
        "loop": "{inventory[interfaces]}",
        "multiple": multiple,
    }
    # eth0 has an address, eth1 none: "!is-empty" holds for the first only.
    condition["op"] = "!is-empty"
    assert engine.condition_holds(condition, CONTEXT) is expected


def test_multiple_without_a_loop_is_accepted_and_ignored():
    """Ironic ignores ``multiple`` when there is no ``loop`` (openstacksdk's tests send it)."""
    condition = {"op": "eq", "args": {"values": [1, 1]}, "multiple": "all"}
    catalogue.validate_rule(
        {"conditions": [condition], "actions": [{"op": "log", "args": {"msg": "x"}}]}
    )
    assert engine.condition_holds(condition, CONTEXT) is True


# --- references --------------------------------------------------------------------------------
def test_a_whole_reference_keeps_its_type_and_text_gets_its_string():
    assert engine.interpolate("{inventory[cpu][count]}", CONTEXT) == 8
    assert engine.interpolate("cpus={inventory[cpu][count]}", CONTEXT) == "cpus=8"
    assert engine.interpolate("{node.driver_info[ipmi_address]}", CONTEXT) == "192.0.2.10"
    assert engine.interpolate("{node[driver]}", CONTEXT) == "fake-hardware"
    assert engine.interpolate("{inventory[interfaces][1][name]}", CONTEXT) == "eth1"
    assert engine.interpolate({"k": ["{inventory[memory][physical_mb]}"]}, CONTEXT) == {
        "k": [16384]
    }


def test_references_never_reach_attributes_or_code():
    # Only dict keys and list indexes are followed: no attribute access, no evaluation.
    assert engine.interpolate("{node.__class__}", CONTEXT) is None
    assert engine.interpolate("{inventory.keys}", CONTEXT) is None
    assert engine.interpolate("x {inventory[nope]} y", CONTEXT) == "x {inventory[nope]} y"
    assert engine.interpolate(r"^\d{3}$", CONTEXT) == r"^\d{3}$"


# --- validation --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "rule,fragment",
    [
        ({"actions": [{"op": "log", "args": {}}]}, "missing argument(s) msg"),
        ({"actions": [{"op": "log", "args": {"msg": "x", "lvl": 1}}]}, "unknown argument(s) lvl"),
        ({"actions": [{"op": "log", "args": {"msg": "x", "level": "loud"}}]}, "level"),
        (
            {
                "conditions": [{"op": "matches", "args": {"value": "a", "regex": "("}}],
                "actions": [{"op": "log", "args": {"msg": "x"}}],
            },
            "regular expression",
        ),
        ({"phase": "early", "actions": [{"op": "log", "args": {"msg": "x"}}]}, "phase"),
        (
            {"actions": [{"op": "check-wiring", "args": {"expected": {"eth0": {"port_id": "1"}}}}]},
            "switch_id",
        ),
        ({"actions": [{"op": "check-wiring", "args": {"severity": "panic"}}]}, "severity"),
    ],
)
def test_invalid_rules_are_refused_with_the_reason(rule, fragment):
    with pytest.raises(exceptions.InvalidParameterValue) as caught:
        catalogue.validate_rule(rule)
    assert fragment in str(caught.value)


# --- actions on a real node --------------------------------------------------------------------
def _rule(actions, conditions=None, **fields):
    return dbapi.create_inspection_rule(
        {"actions": actions, "conditions": conditions or [], "phase": "main", **fields}
    )


def test_actions_change_the_node_its_ports_traits_and_plugin_data():
    with node_task(macs=("52:54:00:00:00:01",), properties={"capabilities": "boot_mode:uefi"}) as t:
        _rule(
            [
                {
                    "op": "set-attribute",
                    "args": {"path": "/properties/cpus", "value": "{inventory[cpu][count]}"},
                },
                {
                    "op": "set-attribute",
                    "args": {
                        "path": "driver_info.ipmi_address",
                        "value": "{inventory[bmc_address]}",
                    },
                },
                {
                    "op": "extend-attribute",
                    "args": {"path": "/extra/tags", "value": "a", "unique": True},
                },
                {
                    "op": "extend-attribute",
                    "args": {"path": "/extra/tags", "value": "a", "unique": True},
                },
                {"op": "add-trait", "args": {"name": "CUSTOM_DELL"}},
                {"op": "set-capability", "args": {"name": "vendor", "value": "dell"}},
                {"op": "unset-capability", "args": {"name": "boot_mode"}},
                {
                    "op": "set-port-attribute",
                    "args": {
                        "port_id": "52:54:00:00:00:01",
                        "path": "/physical_network",
                        "value": "physnet1",
                    },
                },
                {
                    "op": "set-plugin-data",
                    "args": {
                        "path": "seen.vendor",
                        "value": "{inventory[system_vendor][manufacturer]}",
                    },
                },
                {"op": "log", "args": {"msg": "hello {inventory[cpu][count]}"}},
            ],  # fmt: skip
            conditions=[
                {
                    "op": "contains",
                    "args": {"value": "{inventory[system_vendor][manufacturer]}", "regex": "Dell"},
                }
            ],  # fmt: skip
            description="dell",
        )
        plugin_data: dict = {}
        applied = engine.apply(t, INVENTORY, plugin_data)
        node = dbapi.get_node_by_id(t.node["id"])
        assert node["properties"]["cpus"] == 8
        assert node["properties"]["capabilities"] == "vendor:dell"
        assert node["driver_info"]["ipmi_address"] == "192.0.2.10"
        assert node["extra"] == {"tags": ["a"]}
        assert "CUSTOM_DELL" in node["traits"]
        assert t.ports[0]["physical_network"] == "physnet1"
        assert plugin_data["seen"] == {"vendor": "Dell Inc."}
        assert plugin_data["rules"] == [applied[0]["uuid"]]
        history, _ = dbapi.list_history(t.node["id"])
        assert any(
            "dell" in e["event"] and "added trait CUSTOM_DELL" in e["event"] for e in history
        )


def test_rules_run_by_priority_and_skip_when_a_condition_fails():
    with node_task() as t:
        _rule(
            [{"op": "set-attribute", "args": {"path": "/extra/order", "value": "low"}}], priority=1
        )
        _rule(
            [{"op": "set-attribute", "args": {"path": "/extra/order", "value": "high"}}], priority=9
        )
        _rule(
            [{"op": "add-trait", "args": {"name": "CUSTOM_NEVER"}}],
            conditions=[{"op": "eq", "args": {"values": ["{inventory[cpu][count]}", 2]}}],
        )
        engine.apply(t, INVENTORY, {})
        node = dbapi.get_node_by_id(t.node["id"])
        assert node["extra"]["order"] == "low"  # the lower priority ran last
        assert "CUSTOM_NEVER" not in node["traits"]


def test_a_loop_runs_an_action_per_item():
    with node_task() as t:
        _rule(
            [
                {
                    "op": "extend-attribute",
                    "args": {"path": "/extra/nics", "value": "{item[name]}"},
                    "loop": "{inventory[interfaces]}",
                }
            ]
        )
        engine.apply(t, INVENTORY, {})
        assert dbapi.get_node_by_id(t.node["id"])["extra"]["nics"] == ["eth0", "eth1"]


def test_remove_trait_and_del_attribute():
    with node_task(extra={"a": {"b": 1, "c": 2}}) as t:
        dbapi.add_node_trait(t.node["id"], "CUSTOM_OLD")
        t.refresh()
        _rule(
            [
                {"op": "remove-trait", "args": {"name": "CUSTOM_OLD"}},
                {"op": "remove-trait", "args": {"name": "CUSTOM_NOT_THERE"}},
                {"op": "del-attribute", "args": {"path": "/extra/a/b"}},
                {"op": "unset-plugin-data", "args": {"path": "x"}},
            ]
        )
        engine.apply(t, INVENTORY, {})
        node = dbapi.get_node_by_id(t.node["id"])
        assert "CUSTOM_OLD" not in node["traits"]
        assert node["extra"] == {"a": {"c": 2}}


def test_fail_ends_inspection_with_the_message_and_records_it():
    with node_task() as t:
        _rule(
            [{"op": "fail", "args": {"msg": "too few CPUs: {inventory[cpu][count]}"}}],
            description="min cpus",
        )
        with pytest.raises(exceptions.HardwareInspectionFailure, match="too few CPUs: 8"):
            engine.apply(t, INVENTORY, {})
        history, _ = dbapi.list_history(t.node["id"])
        assert history[-1]["severity"] == "ERROR" and "min cpus" in history[-1]["event"]


@pytest.mark.parametrize(
    "action,fragment",
    [
        (
            {"op": "set-attribute", "args": {"path": "/provision_state", "value": "active"}},
            "provision_state",
        ),
        (
            {
                "op": "set-port-attribute",
                "args": {"port_id": "nope", "path": "/extra", "value": {}},
            },
            "no port nope",
        ),
        ({"op": "del-attribute", "args": {"path": "/extra/missing/key"}}, "to delete"),
    ],  # fmt: skip
)
def test_an_action_that_cannot_run_fails_inspection_naming_the_rule(action, fragment):
    with node_task() as t:
        rule = _rule([action])
        with pytest.raises(exceptions.HardwareInspectionFailure) as caught:
            engine.apply(t, INVENTORY, {})
        assert fragment in str(caught.value) and rule["uuid"] in str(caught.value)
