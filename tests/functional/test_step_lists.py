"""Deploy templates and runbooks through openstacksdk, the CLI and raw HTTP.

A deploy template runs when the instance asks for its name as a trait; a runbook runs when an
operator cleans or services a node that carries its name (or one of its traits).
"""

import json
import time
import uuid

import pytest
import requests
from openstack import exceptions as sdk_exc

H = {"X-OpenStack-Ironic-API-Version": "latest"}


def _trait(prefix: str) -> str:
    return f"CUSTOM_{prefix}_{uuid.uuid4().hex[:8].upper()}"


def _fault(resp) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


def _wait(sdk, node_id, wanted, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        node = sdk.baremetal.get_node(node_id)
        if node.provision_state in wanted:
            return node
        time.sleep(0.2)
    raise AssertionError(f"node {node_id} is {node.provision_state}, wanted {wanted}")


def _node(sdk, *traits, manageable=True):
    node = sdk.baremetal.create_node(driver="fake-hardware", name=f"sl-{uuid.uuid4().hex[:8]}")
    if traits:
        sdk.baremetal.set_node_traits(node, list(traits))
    if manageable:
        sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    return node


BIOS = {
    "interface": "bios",
    "step": "apply_configuration",
    "args": {"settings": [{"name": "ProcTurboMode", "value": "Disabled"}]},
}


# --- deploy templates ----------------------------------------------------------------------------
def test_template_matched_by_trait_runs_its_steps_in_priority_order(sdk):
    name = _trait("TPL")
    template = sdk.baremetal.create_deploy_template(
        name=name,
        steps=[
            {"interface": "deploy", "step": "hold", "args": {}, "priority": 95},
            dict(BIOS, priority=150),
            {"interface": "raid", "step": "create_configuration", "args": {}, "priority": 120},
        ],
    )
    node = _node(sdk, name)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    sdk.baremetal.update_node(node, instance_info={"traits": [name]})
    sdk.baremetal.set_node_provision_state(node, "active")
    held = _wait(sdk, node.id, {"deploy hold", "deploy failed", "active"})
    assert held.provision_state == "deploy hold", held.last_error
    planned = [
        (s["interface"], s["step"], s["priority"])
        for s in held.driver_internal_info["deploy_steps"]
    ]
    assert planned == [
        ("bios", "apply_configuration", 150),
        ("raid", "create_configuration", 120),
        ("deploy", "deploy", 100),
        ("deploy", "hold", 95),
    ]
    assert held.deploy_step["step"] == "hold"
    sdk.baremetal.set_node_provision_state(node, "unhold")
    active = _wait(sdk, node.id, {"active", "deploy failed"})
    assert active.provision_state == "active" and active.last_error is None
    history = sdk.baremetal.get(f"/nodes/{node.id}/history", microversion="1.78").json()
    assert any(name in e["event"] for e in history["history"])
    sdk.baremetal.set_node_provision_state(node, "deleted", wait=True, timeout=30)
    sdk.baremetal.delete_deploy_template(template)


def test_template_step_priority_zero_takes_a_default_step_out(sdk):
    name = _trait("OFF")
    sdk.baremetal.create_deploy_template(
        name=name,
        steps=[
            dict(BIOS, priority=0),
            {"interface": "deploy", "step": "deploy", "args": {}, "priority": 0},
            {"interface": "deploy", "step": "hold", "args": {}, "priority": 10},
        ],
    )
    node = _node(sdk, name)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    sdk.baremetal.update_node(node, instance_info={"traits": [name]})
    sdk.baremetal.set_node_provision_state(node, "active")
    held = _wait(sdk, node.id, {"deploy hold", "deploy failed", "active"})
    assert [s["step"] for s in held.driver_internal_info["deploy_steps"]] == ["hold"]
    sdk.baremetal.set_node_provision_state(node, "abort")
    assert _wait(sdk, node.id, {"deploy failed"}).last_error


FAIL = {"interface": "deploy", "step": "fail_on_purpose", "args": {"fail": "disk on fire"}}


@pytest.mark.parametrize("kind", ["deploy", "service"])
def test_a_failing_step_ends_in_the_fail_state_of_its_flow(sdk, kind):
    node = _node(sdk)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    if kind == "deploy":
        sdk.baremetal.set_node_provision_state(
            node, "active", deploy_steps=[dict(FAIL, priority=90)]
        )
    else:
        sdk.baremetal.set_node_provision_state(node, "active", wait=True, timeout=30)
        node = sdk.baremetal.get_node(node.id)
        node.set_provision_state(sdk.baremetal, "service", service_steps=[FAIL])
    failed = _wait(sdk, node.id, {f"{kind} failed", "active"})
    assert failed.provision_state == f"{kind} failed"
    assert "deploy.fail_on_purpose" in failed.last_error and "disk on fire" in failed.last_error
    # the node is not stuck there: an abort (service) or undeploy (deploy) moves it on
    if kind == "service":
        sdk.baremetal.set_node_provision_state(node, "abort")
        assert _wait(sdk, node.id, {"active"}).provision_state == "active"
    else:
        sdk.baremetal.set_node_provision_state(node, "deleted", wait=True, timeout=30)


def test_instance_traits_must_be_node_traits(service, sdk):
    node = _node(sdk)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    sdk.baremetal.update_node(node, instance_info={"traits": ["CUSTOM_NOT_ON_NODE"]})
    resp = requests.put(
        f"{service.url}/v1/nodes/{node.id}/states/provision", json={"target": "active"}, headers=H
    )
    assert resp.status_code == 400
    assert "CUSTOM_NOT_ON_NODE" in _fault(resp) and "node traits" in _fault(resp)
    assert sdk.baremetal.get_node(node.id).provision_state == "available"


def test_template_crud_and_refusals(service, sdk):
    name = _trait("CRUD")
    template = sdk.baremetal.create_deploy_template(
        name=name, steps=[dict(BIOS, priority=10)], extra={"team": "a"}
    )
    assert template.name == name and template.steps[0]["priority"] == 10
    listed = [t.name for t in sdk.baremetal.deploy_templates()]
    assert name in listed
    got = sdk.baremetal.get_deploy_template(name)
    assert got.id == template.id and got.extra == {"team": "a"}
    patched = sdk.baremetal.patch_deploy_template(
        template, [{"op": "replace", "path": "/steps/0/priority", "value": 20}]
    )
    assert patched.steps[0]["priority"] == 20

    url = f"{service.url}/v1/deploy_templates"
    cases = [
        ({"name": "lower_case", "steps": [dict(BIOS, priority=1)]}, "name"),
        ({"name": _trait("X"), "steps": []}, "steps"),
        ({"name": _trait("X"), "steps": [BIOS]}, "priority"),
        (
            {"name": _trait("X"), "steps": [dict(BIOS, interface="boot", priority=1)]},
            "interface",
        ),
        (
            {"name": _trait("X"), "steps": [dict(BIOS, step="no_such_step", priority=1)]},
            "bios.no_such_step",
        ),
        (
            {"name": _trait("X"), "steps": [dict(BIOS, priority=1), dict(BIOS, priority=2)]},
            "Duplicate deploy steps",
        ),
        (
            {"name": _trait("X"), "steps": [dict(BIOS, args={"bogus": 1}, priority=1)]},
            "bogus",
        ),
        ({"name": _trait("X"), "steps": [dict(BIOS, priority=1)], "color": "red"}, "color"),
    ]
    for body, fragment in cases:
        resp = requests.post(url, json=body, headers=H)
        assert resp.status_code == 400, (body, resp.text)
        assert fragment in _fault(resp), (fragment, _fault(resp))
    resp = requests.post(url, json={"name": name, "steps": [dict(BIOS, priority=1)]}, headers=H)
    assert resp.status_code == 409 and name in _fault(resp)
    resp = requests.get(url, headers={"X-OpenStack-Ironic-API-Version": "1.54"})
    assert resp.status_code == 404
    resp = requests.patch(
        f"{url}/{name}",
        json=[{"op": "replace", "path": "/uuid", "value": str(uuid.uuid4())}],
        headers=H,
    )
    assert resp.status_code == 400
    sdk.baremetal.delete_deploy_template(template)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.baremetal.get_deploy_template(template.id)


def test_template_through_the_cli(cli):
    name = _trait("CLI")
    steps = json.dumps([dict(BIOS, priority=42)])
    created = cli.json("deploy", "template", "create", name, "--steps", steps)
    assert created["name"] == name and created["steps"][0]["priority"] == 42
    listed = cli.json("deploy", "template", "list")
    assert name in [t["name"] for t in listed]
    cli.run("deploy", "template", "delete", name)


# --- runbooks ----------------------------------------------------------------------------------
def test_runbook_cleans_a_node_with_its_trait(service, sdk):
    name = _trait("RB")
    runbook = sdk.baremetal.create_runbook(
        name=name,
        steps=[
            {"interface": "raid", "step": "delete_configuration", "args": {}, "order": 2},
            dict(BIOS, order=1),
        ],
    )
    assert [s["order"] for s in runbook.steps] == [1, 2]
    node = _node(sdk, name)
    # the SDK's proxy has no runbook argument; its Node resource does
    node = node.set_provision_state(sdk.baremetal, "clean", runbook=name, wait=True, timeout=30)
    assert node.provision_state == "manageable" and node.last_error is None

    other = _node(sdk)
    resp = requests.put(
        f"{service.url}/v1/nodes/{other.id}/states/provision",
        json={"target": "clean", "runbook": name},
        headers=H,
    )
    assert resp.status_code == 400 and "does not match node" in _fault(resp)
    resp = requests.put(
        f"{service.url}/v1/nodes/{node.id}/states/provision",
        json={"target": "clean", "runbook": name, "clean_steps": [BIOS]},
        headers=H,
    )
    assert resp.status_code == 400 and "mutually exclusive" in _fault(resp)
    resp = requests.put(
        f"{service.url}/v1/nodes/{node.id}/states/provision",
        json={"target": "clean", "runbook": "CUSTOM_NO_SUCH_RUNBOOK"},
        headers=H,
    )
    assert resp.status_code == 404
    sdk.baremetal.delete_runbook(runbook)


def test_runbook_traits_let_it_run_on_nodes_with_any_of_them(service, sdk):
    name, shared = _trait("RBT"), _trait("FLEET")
    runbook = sdk.baremetal.create_runbook(name=name, steps=[dict(BIOS, order=0)])
    sdk.baremetal.set_runbook_traits(runbook, [shared])
    assert sdk.baremetal.get_runbook(runbook.id).traits == [shared]
    node = _node(sdk, shared)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    sdk.baremetal.set_node_provision_state(node, "active", wait=True, timeout=30)
    sdk.baremetal.get_node(node.id).set_provision_state(sdk.baremetal, "service", runbook=name)
    node = _wait(sdk, node.id, {"active", "service failed"})
    assert node.provision_state == "active" and node.last_error is None
    traits_url = f"{service.url}/v1/runbooks/{name}/traits"
    assert requests.put(f"{traits_url}/CUSTOM_ONE_MORE", headers=H).status_code == 204
    assert requests.get(traits_url, headers=H).json()["traits"] == sorted(
        [shared, "CUSTOM_ONE_MORE"]
    )
    # Removing a trait the runbook lacks is a no-op, as in Ironic.
    assert requests.delete(f"{traits_url}/CUSTOM_ABSENT", headers=H).status_code == 204
    assert requests.delete(f"{traits_url}/CUSTOM_ONE_MORE", headers=H).status_code == 204
    assert requests.get(traits_url, headers=H).json()["traits"] == [shared]
    old = {"X-OpenStack-Ironic-API-Version": "1.111"}
    assert requests.get(traits_url, headers=old).status_code == 406
    doc = requests.get(f"{service.url}/v1/runbooks/{name}", headers=old).json()
    assert "traits" not in doc and "description" not in doc
    sdk.baremetal.set_node_provision_state(node, "deleted", wait=True, timeout=30)
    sdk.baremetal.delete_runbook(runbook)


def test_runbook_names_are_logical_names_from_1_112(service, sdk):
    """1.112 lifted the rule that a runbook's name looks like a trait (Ironic's runbooks)."""
    url = f"{service.url}/v1/runbooks"
    name = f"enable-ht.{uuid.uuid4().hex[:8]}"
    doc = {"name": name, "steps": [dict(BIOS, order=1)]}
    old = {"X-OpenStack-Ironic-API-Version": "1.111"}
    resp = requests.post(url, json=doc, headers=old)
    assert resp.status_code == 400 and "name" in _fault(resp)
    runbook = sdk.baremetal.create_runbook(**doc)
    assert sdk.baremetal.get_runbook(name).id == runbook.id
    node = _node(sdk, _trait("NOPE"))
    sdk.baremetal.add_runbook_trait(runbook, "CUSTOM_HT")
    sdk.baremetal.add_node_trait(node, "CUSTOM_HT")
    node = node.set_provision_state(sdk.baremetal, "clean", runbook=name, wait=True, timeout=30)
    assert node.provision_state == "manageable" and node.last_error is None
    sdk.baremetal.delete_runbook(runbook)


def test_runbook_refusals(service, sdk):
    url = f"{service.url}/v1/runbooks"
    good = {"name": _trait("RBX"), "steps": [dict(BIOS, order=1)]}
    cases = [
        (dict(good, owner="p1", public=True), "can not be public"),
        (dict(good, steps=[dict(BIOS, step="nope", order=1)]), "bios.nope"),
        (dict(good, steps=[dict(BIOS)]), "order"),
        (dict(good, name="not a name"), "name"),
        (
            dict(
                good,
                steps=[
                    {"interface": "deploy", "step": "wait", "args": {"seconds": -1}, "order": 1}
                ],
            ),
            "seconds",
        ),  # fmt: skip
    ]
    for body, fragment in cases:
        resp = requests.post(url, json=body, headers=H)
        assert resp.status_code == 400, (body, resp.text)
        assert fragment in _fault(resp), (fragment, _fault(resp))
    assert requests.get(url, headers={"X-OpenStack-Ironic-API-Version": "1.91"}).status_code == 404
    created = requests.post(url, json=good, headers=H)
    assert created.status_code == 201, created.text
    assert requests.post(url, json=good, headers=H).status_code == 409
    patched = requests.patch(
        f"{url}/{good['name']}",
        json=[
            {
                "op": "add",
                "path": "/steps/-",
                "value": {"interface": "deploy", "step": "hold", "args": {}, "order": 5},
            }
        ],  # fmt: skip
        headers=H,
    )
    assert patched.status_code == 200, patched.text
    assert [s["step"] for s in patched.json()["steps"]] == ["apply_configuration", "hold"]
    assert requests.delete(f"{url}/{good['name']}", headers=H).status_code == 204
