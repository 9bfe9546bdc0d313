"""The API's node and provisioning rules, called directly: no Flask app, no HTTP.

Each test runs on a real node in a throwaway SQLite database; the rules read and write it
through ``db.api`` as they do behind the views.
"""

import pytest

from ironic_lite.api.microversions import MAX_VERSION, Version
from ironic_lite.api.services import nodes, provisioning
from ironic_lite.common import exceptions, states
from ironic_lite.common.context import admin_context
from ironic_lite.db import api as dbapi
from tests.lab.harness import database

CTX = admin_context()
LATEST = MAX_VERSION


@pytest.fixture
def node():
    with database():
        yield dbapi.create_node({"driver": "fake-hardware", "provision_state": states.MANAGEABLE})


def test_patch_changes_a_field_and_bumps_nothing_else(node):
    updated = nodes.update(CTX, LATEST, node, [{"op": "add", "path": "/extra/a", "value": "b"}])
    assert updated["extra"] == {"a": "b"}
    assert dbapi.get_node_by_id(node["id"])["extra"] == {"a": "b"}


def test_patch_refuses_a_node_in_transition(node):
    moving = dbapi.update_node(node["id"], {"target_provision_state": states.ACTIVE,
                                            "provision_state": states.DEPLOYING})  # fmt: skip
    with pytest.raises(exceptions.NodeInWrongState, match="state transition is in progress"):
        nodes.update(CTX, LATEST, moving, [{"op": "add", "path": "/extra/a", "value": "b"}])


def test_patch_of_a_later_field_is_refused_at_an_older_version(node):
    with pytest.raises(exceptions.NotAcceptable):
        nodes.update(CTX, Version(1, 49), node, [{"op": "add", "path": "/owner", "value": "p"}])


def test_reset_interfaces_needs_its_version_and_a_driver_change(node):
    ops = [{"op": "add", "path": "/extra/a", "value": "b"}]
    with pytest.raises(exceptions.NotAcceptable, match="1.45"):
        nodes.update(CTX, Version(1, 44), node, ops, reset=True)
    with pytest.raises(exceptions.InvalidParameterValue, match="changing the node's driver"):
        nodes.update(CTX, LATEST, node, ops, reset=True)


def test_protected_only_when_active_and_reason_only_when_protected(node):
    with pytest.raises(exceptions.NodeInWrongState, match="can only be made protected"):
        nodes.update(CTX, LATEST, node, [{"op": "replace", "path": "/protected", "value": True}])
    with pytest.raises(exceptions.InvalidParameterValue, match="protected_reason"):
        nodes.update(CTX, LATEST, node, [{"op": "add", "path": "/protected_reason", "value": "x"}])


def test_maintenance_off_clears_reason_and_fault(node):
    held = nodes.set_maintenance(CTX, node, "broken fan")
    assert held["maintenance"] and held["maintenance_reason"] == "broken fan"
    dbapi.update_node(node["id"], {"fault": "power failure"})
    freed = nodes.unset_maintenance(CTX, dbapi.get_node_by_id(node["id"]))
    assert not freed["maintenance"]
    assert freed["maintenance_reason"] is None and freed["fault"] is None


def test_delete_refuses_a_protected_node_or_a_parent_before_any_rpc(node):
    child = dbapi.create_node({"driver": "fake-hardware", "parent_node": node["uuid"]})
    with pytest.raises(exceptions.NodeInWrongState, match=child["uuid"]):
        nodes.delete(CTX, node, rpc=None)
    protected = dbapi.update_node(node["id"], {"protected": True})
    with pytest.raises(exceptions.NodeProtected):
        nodes.delete(CTX, protected, rpc=None)


def test_deploy_is_refused_in_maintenance(node):
    held = nodes.set_maintenance(CTX, node, None)
    with pytest.raises(exceptions.InvalidParameterValue, match="in maintenance mode"):
        provisioning.check_request(CTX, LATEST, held, {"target": "active"})
    # Other verbs do not care about maintenance.
    provisioning.check_request(CTX, LATEST, held, {"target": "provide"})


@pytest.mark.parametrize(
    ("doc", "version", "error"),
    [
        ({"target": "deploy"}, Version(1, 72), exceptions.NotAcceptable),
        ({"target": "active", "deploy_steps": []}, Version(1, 68), exceptions.NotAcceptable),
        ({"target": "clean", "deploy_steps": []}, LATEST, exceptions.InvalidParameterValue),
        ({"target": "manage", "configdrive": "x"}, LATEST, exceptions.InvalidParameterValue),
        ({"target": "active", "disable_ramdisk": True}, LATEST, exceptions.InvalidParameterValue),
        ({"target": "service", "disable_ramdisk": True}, Version(1, 107), exceptions.NotAcceptable),
        ({"target": "clean", "runbook": "r", "clean_steps": []}, LATEST,
         exceptions.InvalidParameterValue),
        ({"target": "no-such-verb"}, LATEST, exceptions.InvalidStateRequested),
    ],
)  # fmt: skip
def test_provision_request_rules(node, doc, version, error):
    with pytest.raises(error):
        provisioning.check_request(CTX, version, node, doc)


def test_abort_from_deploy_wait_needs_its_own_version(node):
    waiting = dbapi.update_node(node["id"], {"provision_state": states.DEPLOYWAIT})
    with pytest.raises(exceptions.NotAcceptable, match="1.110"):
        provisioning.check_request(CTX, Version(1, 109), waiting, {"target": "abort"})
    provisioning.check_request(CTX, Version(1, 110), waiting, {"target": "abort"})


def test_power_rules(node):
    with pytest.raises(exceptions.NotAcceptable, match="1.27"):
        provisioning.set_power(CTX, Version(1, 26), node, states.SOFT_REBOOT, None, rpc=None)
    with pytest.raises(exceptions.InvalidParameterValue, match="positive"):
        provisioning.set_power(CTX, LATEST, node, states.POWER_ON, 0, rpc=None)
    with pytest.raises(exceptions.InvalidStateRequested):
        provisioning.set_power(CTX, LATEST, node, "sideways", None, rpc=None)
