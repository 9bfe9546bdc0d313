"""The service layer's endpoint checks (``api/services/access.py``), without Flask.

The personas and projects are those of ``test_policy_rules.py``: a node owned by OWNER and
leased to LESSEE.
"""

import pytest

from ironic_lite.api.services import access
from ironic_lite.common import exceptions, policy
from ironic_lite.conf import CONF
from tests.unit.test_policy_rules import LESSEE, OWNER, PERSONAS

NODE = {"uuid": "n-1", "owner": OWNER, "lessee": LESSEE, "provision_state": "available"}


@pytest.fixture(autouse=True)
def _config():
    CONF([], project="ironic-lite", default_config_files=[])
    policy.reset()
    yield
    CONF.clear_override("project_admin_can_manage_own_nodes", "api")
    CONF.clear_override("policy_file", "oslo_policy")
    policy.reset()


@pytest.mark.parametrize(
    ("ops", "rules"),
    [
        # Ironic's path -> rule table; the first prefix that matches wins
        ([("add", "/extra/a", "b")], ["baremetal:node:update_extra"]),
        ([("add", "/instance_info/x", 1)], ["baremetal:node:update_instance_info"]),
        ([("replace", "/instance_name", "vm")], ["baremetal:node:update_instance_info"]),
        ([("add", "/driver_info/x", 1)], ["baremetal:node:update:driver_info"]),
        ([("replace", "/driver", "ipmi")], ["baremetal:node:update:driver_interfaces"]),
        ([("replace", "/power_interface", "fake")], ["baremetal:node:update:driver_interfaces"]),
        ([("replace", "/automated_clean", "false")], ["baremetal:node:disable_cleaning"]),
        ([("replace", "/automated_clean", True)], ["baremetal:node:update"]),
        ([("replace", "/retired_reason", "old")], ["baremetal:node:update:retired"]),
        ([("replace", "/description", "d")], ["baremetal:node:update"]),
        # a field without its own rule adds the generic one to the specific ones
        (
            [("add", "/extra/a", 1), ("replace", "/owner", "p"), ("replace", "/description", "")],
            ["baremetal:node:update_extra", "baremetal:node:update:owner", "baremetal:node:update"],
        ),
    ],
)
def test_a_node_patch_needs_ironics_rule_for_each_path(ops, rules):
    patch = [{"op": op, "path": path, "value": value} for op, path, value in ops]
    assert access.node_patch_rules(patch) == rules


def test_owner_and_lessee_may_patch_different_fields():
    extra = [{"op": "add", "path": "/extra/a", "value": 1}]
    instance = [{"op": "add", "path": "/instance_info/a", "value": 1}]
    access.node_patch(PERSONAS["LM"], NODE, extra, "n-1")
    with pytest.raises(exceptions.Forbidden, match="update_instance_info"):
        access.node_patch(PERSONAS["LM"], NODE, instance, "n-1")
    access.node_patch(PERSONAS["LA"], NODE, instance, "n-1")
    access.node_patch(PERSONAS["OM"], NODE, instance, "n-1")
    with pytest.raises(exceptions.NodeNotFound):
        access.node_patch(PERSONAS["TA"], NODE, extra, "n-1")


def test_the_owner_of_an_active_node_changes_only_with_update_owner_provisioned():
    active = {**NODE, "provision_state": "active"}
    change = [{"op": "replace", "path": "/owner", "value": "p-other"}]
    with pytest.raises(exceptions.Conflict, match='while it is in state "active"'):
        access.node_patch(PERSONAS["SM"], active, change, "n-1")
    access.node_patch(PERSONAS["SA"], active, change, "n-1")
    access.node_patch(PERSONAS["SM"], NODE, change, "n-1")


def test_infrastructure_fields_are_redacted_below_the_filter_threshold():
    doc = {
        "last_error": "conductor c-7 failed",
        "reservation": "c-7",
        "driver_info": {"ipmi_address": "10.0.0.9"},
        "driver_internal_info": {"agent_url": "http://10.1.1.1"},
        "extra": {"a": 1},
    }
    assert access.node_redactor(PERSONAS["SR"]) is None  # system readers see everything
    owner = access.node_redactor(PERSONAS["OR"])(NODE, dict(doc))
    assert owner == doc  # the owner passes each field's rule
    lessee = access.node_redactor(PERSONAS["LA"])(NODE, dict(doc))
    assert lessee["extra"] == {"a": 1}
    assert "baremetal:node:get:last_error" in lessee["last_error"]
    assert "baremetal:node:get:reservation" in lessee["reservation"]
    assert list(lessee["driver_info"]) == ["content"]
    assert list(lessee["driver_internal_info"]) == ["content"]


def test_a_project_admin_creates_nodes_for_its_own_project():
    assert access.node_create_owner(PERSONAS["TA"], None) == "p-third"
    assert access.node_create_owner(PERSONAS["TA"], "p-third") == "p-third"
    with pytest.raises(exceptions.InvalidParameterValue, match="your own project"):
        access.node_create_owner(PERSONAS["TA"], OWNER)
    assert access.node_create_owner(PERSONAS["SA"], None) is None
    assert access.node_create_owner(PERSONAS["SA"], OWNER) == OWNER
    with pytest.raises(exceptions.Forbidden):
        access.node_create_owner(PERSONAS["OM"], None)
    CONF.set_override("project_admin_can_manage_own_nodes", False, "api")
    with pytest.raises(exceptions.Forbidden, match="baremetal:node:create"):
        access.node_create_owner(PERSONAS["TA"], None)


def test_a_project_admin_deletes_only_its_own_nodes():
    access.node_delete(PERSONAS["OA"], NODE, "n-1")
    with pytest.raises(exceptions.Forbidden):
        access.node_delete(PERSONAS["LA"], NODE, "n-1")
    with pytest.raises(exceptions.NodeNotFound):
        access.node_delete(PERSONAS["TA"], NODE, "n-1")


def test_a_public_runbook_is_readable_by_any_project_but_changed_by_its_owner():
    public = {"owner": None, "public": True}
    access.runbook(PERSONAS["TA"], "baremetal:runbook:get", public)
    with pytest.raises(exceptions.Forbidden):
        access.runbook(PERSONAS["TA"], "baremetal:runbook:update", public)
    owned = {"owner": OWNER, "public": False}
    access.runbook(PERSONAS["OMgr"], "baremetal:runbook:update", owned)
    with pytest.raises(exceptions.Forbidden):
        access.runbook(PERSONAS["LA"], "baremetal:runbook:get", owned)


def test_ports_follow_their_node_and_a_link_to_a_foreign_node_is_refused():
    hidden = exceptions.PortNotFound(port="p-1")
    with pytest.raises(exceptions.PortNotFound):
        access.port(PERSONAS["TA"], "baremetal:port:get", NODE, "p-1")
    with pytest.raises(exceptions.Forbidden):
        access.port(PERSONAS["OM"], "baremetal:port:update", NODE, "p-1")
    access.port(PERSONAS["OA"], "baremetal:port:update", NODE, "p-1")
    assert hidden.code == 404
    other = {**NODE, "uuid": "n-2", "owner": "p-other"}
    for linked in (other, None):  # another owner's node and no node read the same
        with pytest.raises(exceptions.InvalidParameterValue, match="Requested value was invalid"):
            access.node_link(PERSONAS["SA"], OWNER, linked, "node_uuid", "n-2")
    access.node_link(PERSONAS["OA"], OWNER, NODE, "node_uuid", "n-1")


def test_a_step_rule_an_operator_writes_restricts_that_step_only(tmp_path):
    steps = [{"interface": "deploy", "step": "erase_devices"}, {"interface": "bios", "step": "x"}]
    access.steps(PERSONAS["OM"], steps, NODE)  # no such rules: unrestricted, as Ironic
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"baremetal:step:execute:deploy.erase_devices": "role:admin"\n')
    CONF.set_override("policy_file", str(policy_file), "oslo_policy")
    policy.reset()
    with pytest.raises(
        exceptions.Forbidden, match="execute step erase_devices on interface deploy"
    ):
        access.steps(PERSONAS["OM"], steps, NODE)
    access.steps(PERSONAS["OA"], steps, NODE)
    access.steps(PERSONAS["OM"], steps[1:], NODE)
