"""The provision state machine walked through the real API with openstacksdk (fake-hardware).

Every verb from every state is checked against the table in ``common.states``: legal moves are
walked end to end, illegal ones must be refused with a 400 that names the action and the state.
"""

import json
import sqlite3
import time
import uuid

import pytest
import requests
from openstack import exceptions as sdk_exc

from ironic_lite.common import states
from tests.lab.server import Service

H = {"X-OpenStack-Ironic-API-Version": "latest"}


def _node(sdk, driver="fake-hardware", **fields):
    return sdk.baremetal.create_node(driver=driver, name=f"prov-{uuid.uuid4().hex[:8]}", **fields)


def _fault(resp) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


def _provision(url, node_id, target, **body):
    return requests.put(
        f"{url}/v1/nodes/{node_id}/states/provision", json={"target": target, **body}, headers=H
    )


def _wait_state(sdk, node_id, wanted, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        node = sdk.baremetal.get_node(node_id)
        if node.provision_state in wanted:
            return node
        time.sleep(0.2)
    raise AssertionError(f"node {node_id} stuck in {node.provision_state}, wanted {wanted}")


def _available(sdk, **fields):
    node = _node(sdk, **fields)
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    return node


# --- every legal path ----------------------------------------------------------------------------
def test_enroll_to_active_and_back(service, sdk):
    node = _node(sdk)
    assert node.provision_state == "enroll"
    node = sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    assert node.provision_state == "manageable" and node.power_state == "power off"
    node = sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    assert node.provision_state == "available"
    node = sdk.baremetal.set_node_provision_state(
        node, "active", wait=True, timeout=30, config_drive={"user_data": "hi"}
    )
    assert node.provision_state == "active" and node.power_state == "power on"
    assert node.instance_info["configdrive"] == "******"
    node = sdk.baremetal.set_node_provision_state(node, "rebuild", wait=True, timeout=30)
    assert node.provision_state == "active"
    node = sdk.baremetal.set_node_provision_state(node, "deleted", wait=True, timeout=30)
    assert node.provision_state == "available" and node.power_state == "power off"
    assert node.instance_info == {}
    history = requests.get(
        f"{service.url}/v1/nodes/{node.id}/history?detail=true", headers=H
    ).json()["history"]
    # Power sync's health entries (event type monitoring) come from no user, at any moment.
    flow = [e for e in history if e["event_type"] != "monitoring"]
    moves = [e["event"] for e in flow]
    assert moves[:2] == ["enroll -> verifying (manage)", "verifying -> manageable (done)"]
    assert "active -> deleting (delete)" in moves
    assert all(e["conductor"] and e["user"] for e in flow)
    sdk.baremetal.delete_node(node)


def test_inspect_adopt_rescue_and_service(sdk):
    node = _node(sdk)
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    node = sdk.baremetal.set_node_provision_state(node, "inspect", wait=True, timeout=30)
    assert node.provision_state == "manageable"
    doc = sdk.baremetal.get(f"/nodes/{node.id}", microversion="1.109").json()
    assert doc["inspection_finished_at"] and doc["inspection_started_at"]
    node = sdk.baremetal.set_node_provision_state(node, "adopt", wait=True, timeout=30)
    assert node.provision_state == "active"
    node = sdk.baremetal.set_node_provision_state(
        node, "rescue", rescue_password="pw", wait=True, timeout=30
    )
    assert node.provision_state == "rescue"
    assert node.instance_info["rescue_password"] == "******"
    sdk.baremetal.set_node_provision_state(node, "unrescue")
    node = _wait_state(sdk, node.id, {"active"})
    assert "rescue_password" not in node.instance_info
    node.set_provision_state(
        sdk.baremetal,
        "service",
        service_steps=[
            {
                "interface": "bios",
                "step": "apply_configuration",
                "args": {"settings": [{"name": "ProcTurboMode", "value": "Disabled"}]},
            }
        ],
    )
    node = _wait_state(sdk, node.id, {"active", "service failed"})
    assert node.provision_state == "active" and node.last_error is None
    sdk.baremetal.set_node_provision_state(node, "deleted", wait=True, timeout=30)


def test_manual_clean_runs_the_requested_steps(sdk):
    node = _node(sdk, driver_info={"fake": True})
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    steps = [
        {"interface": "raid", "step": "delete_configuration"},
        {"interface": "deploy", "step": "erase_devices"},
    ]
    node = sdk.baremetal.set_node_provision_state(
        node, "clean", clean_steps=steps, wait=True, timeout=30
    )
    assert node.provision_state == "manageable" and node.clean_step == {}


def test_bad_clean_step_is_refused_before_the_node_moves(service, sdk):
    node = _node(sdk)
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    resp = _provision(
        service.url, node.id, "clean", clean_steps=[{"interface": "deploy", "step": "no_such_step"}]
    )
    assert resp.status_code == 400
    assert "deploy.no_such_step" in _fault(resp) and "offered" in _fault(resp)
    resp = _provision(
        service.url,
        node.id,
        "clean",
        clean_steps=[{"interface": "deploy", "step": "fail_on_purpose"}],
    )
    assert resp.status_code == 400 and "requires the argument(s) fail" in _fault(resp)
    resp = _provision(service.url, node.id, "clean")
    assert resp.status_code == 400 and '"clean_steps" is required' in _fault(resp)
    assert sdk.baremetal.get_node(node.id).provision_state == "manageable"


def test_failing_step_ends_in_the_fail_state_naming_it(sdk):
    node = _node(sdk)
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    sdk.baremetal.set_node_provision_state(
        node,
        "clean",
        clean_steps=[
            {"interface": "deploy", "step": "fail_on_purpose", "args": {"fail": "disk on fire"}}
        ],
    )
    node = _wait_state(sdk, node.id, {"clean failed"})
    assert "deploy.fail_on_purpose" in node.last_error and "disk on fire" in node.last_error
    assert node.is_maintenance and node.fault == "clean failure"
    sdk.baremetal.unset_node_maintenance(node)
    node = sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    assert node.provision_state == "manageable"


def test_hold_then_unhold_resumes_the_flow(service, sdk):
    node = _node(sdk)
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    sdk.baremetal.set_node_provision_state(
        node,
        "clean",
        clean_steps=[
            {"interface": "deploy", "step": "hold"},
            {"interface": "deploy", "step": "erase_devices"},
        ],
    )
    node = _wait_state(sdk, node.id, {"clean hold"})
    assert node.target_provision_state == "manageable"
    resp = _provision(service.url, node.id, "unhold")
    assert resp.status_code == 202, resp.text
    node = _wait_state(sdk, node.id, {"manageable"})
    assert node.last_error is None


def test_abort_a_waiting_clean(service, sdk):
    node = _node(sdk)
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    sdk.baremetal.set_node_provision_state(
        node, "clean", clean_steps=[{"interface": "deploy", "step": "wait"}]
    )
    node = _wait_state(sdk, node.id, {"clean wait"})
    resp = _provision(service.url, node.id, "abort")
    assert resp.status_code == 202, resp.text
    node = _wait_state(sdk, node.id, {"clean failed"})
    assert "aborted" in node.last_error


def test_wait_step_with_seconds_resumes_by_itself(sdk):
    node = _node(sdk)
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    sdk.baremetal.set_node_provision_state(
        node, "clean", clean_steps=[{"interface": "deploy", "step": "wait", "args": {"seconds": 1}}]
    )
    node = _wait_state(sdk, node.id, {"manageable", "clean failed"}, timeout=40)
    assert node.provision_state == "manageable"


def test_deploy_steps_from_the_user_run(sdk):
    node = _available(sdk)
    node = sdk.baremetal.set_node_provision_state(
        node,
        "active",
        wait=True,
        timeout=30,
        deploy_steps=[
            {
                "interface": "bios",
                "step": "apply_configuration",
                "priority": 150,
                "args": {"settings": [{"name": "AssetTag", "value": "rack-7"}]},
            }
        ],
    )
    assert node.provision_state == "active"


def test_power_and_management(sdk):
    node = _available(sdk)
    sdk.baremetal.set_node_power_state(node, "power on", wait=True, timeout=30)
    node = sdk.baremetal.get_node(node.id)
    assert node.power_state == "power on"
    sdk.baremetal.set_node_power_state(node, "soft power off", wait=True, timeout=30)
    node = sdk.baremetal.get_node(node.id)
    assert node.power_state == "power off"
    sdk.baremetal.set_node_power_state(node, "rebooting", wait=True, timeout=30)
    node = sdk.baremetal.get_node(node.id)
    assert node.power_state == "power on"
    supported = sdk.baremetal.get_node_supported_boot_devices(node)
    assert "pxe" in supported["supported_boot_devices"]
    sdk.baremetal.set_node_boot_device(node, "disk", persistent=True)
    assert sdk.baremetal.get_node_boot_device(node) == {"boot_device": "disk", "persistent": True}
    # fake management has no NMI, as in Ironic: 400 naming the extension
    with pytest.raises(sdk_exc.BadRequestException, match="does not support inject_nmi"):
        sdk.baremetal.inject_nmi_to_node(node)
    sdk.baremetal.set_node_boot_mode(node, "bios")
    sdk.baremetal.set_node_secure_boot(node, True)
    node = sdk.baremetal.get_node(node.id)
    assert node.boot_mode == "bios" and node.is_secure_boot is True
    methods = sdk.baremetal.list_node_vendor_passthru(node)
    assert "echo" in methods
    echoed = sdk.baremetal.call_node_vendor_passthru(node, "POST", "echo", {"x": 1})
    assert echoed.json()["received"] == {"x": 1}


# --- every illegal pair --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def quiet_service():
    """A service whose periodic work waits, so that states can be set by hand for a moment."""
    svc = Service(
        extra_conf="""
        [conductor]
        heartbeat_interval = 600
        heartbeat_timeout = 1200
        check_provision_state_interval = 600
        sync_power_state_interval = 0
        """
    ).start()
    time.sleep(2.5)  # the first periodic pass runs 2 s after start; let it go by
    yield svc
    svc.stop()


def _illegal_pairs():
    for state in sorted(states.ALL_STATES):
        for verb, spec in sorted(states.VERBS.items()):
            if states.next_state(state, spec.event) is None:
                yield state, verb


def test_every_illegal_verb_and_state_pair_is_a_400(quiet_service):
    url = quiet_service.url
    node = requests.post(url + "/v1/nodes", json={"driver": "fake-hardware"}, headers=H).json()
    db = sqlite3.connect(f"{quiet_service.state_dir}/ironic-lite.sqlite")
    pairs = list(_illegal_pairs())
    assert len(pairs) > 300
    for state, verb in pairs:
        with db:
            db.execute(
                "UPDATE nodes SET provision_state = ?, target_provision_state = NULL, "
                "reservation = NULL, maintenance = 0 WHERE uuid = ?",
                (state, node["uuid"]),
            )
        body = {"rescue_password": "pw"} if verb == "rescue" else {}
        resp = _provision(url, node["uuid"], verb, **body)
        assert resp.status_code == 400, (state, verb, resp.status_code, resp.text)
        assert f'"{verb}"' in _fault(resp) and f'"{state}"' in _fault(resp), (state, verb)
    db.close()


def test_verbs_need_their_microversion(quiet_service):
    url = quiet_service.url
    node = requests.post(url + "/v1/nodes", json={"driver": "fake-hardware"}, headers=H).json()
    for verb, spec in states.VERBS.items():
        if spec.min_minor <= 1:
            continue
        resp = requests.put(
            f"{url}/v1/nodes/{node['uuid']}/states/provision",
            json={"target": verb},
            headers={"X-OpenStack-Ironic-API-Version": f"1.{spec.min_minor - 1}"},
        )
        assert resp.status_code == 406, (verb, resp.text)
