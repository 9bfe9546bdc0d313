"""auth_strategy = keystone against a real Keystone: tokens, public routes, node visibility.

Every client here authenticates with a password against the Keystone the ``keystone`` fixture
runs and finds ironic-lite in Keystone's catalog, as a cloud's users and Nova do. What each
persona may change and provision is tested in test_keystone_policy.py.
"""

import json
import os
import subprocess
import sys
import time
import uuid

import openstack
import openstack.exceptions
import pytest
import requests

from tests.lab.keystone import PERSONAS, REGION, TokenAuth, connect, ironic_conf
from tests.lab.server import Service

pytestmark = pytest.mark.xdist_group("keystone")

H = {"X-OpenStack-Ironic-API-Version": "latest"}


@pytest.fixture(scope="module")
def ks_service(keystone, tmp_path_factory):
    svc = Service(
        state_dir=str(tmp_path_factory.mktemp("keystone-service")),
        extra_conf=ironic_conf(keystone),
        auth=TokenAuth(keystone),
    )
    svc.start()
    keystone.register_endpoint("baremetal", svc.url)
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def nodes(keystone, ks_service):
    """Four nodes: owned by OWNER and leased to LESSEE, owned by LESSEE, by SERVICE, by nobody."""
    admin = connect(keystone, "system-admin")
    p = keystone.project_ids
    made = {
        "owned": admin.baremetal.create_node(
            driver="fake-hardware", name="ks-owned", owner=p["owner"], lessee=p["lessee"]
        ),
        "lessee-owned": admin.baremetal.create_node(
            driver="fake-hardware", name="ks-lessee-owned", owner=p["lessee"]
        ),
        "service-owned": admin.baremetal.create_node(
            driver="fake-hardware", name="ks-service-owned", owner=p["service"]
        ),
        "free": admin.baremetal.create_node(driver="fake-hardware", name="ks-free"),
    }
    yield {key: node.id for key, node in made.items()}
    admin.close()


def _fault(resp) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


def test_discovery_and_agent_routes_need_no_token(ks_service):
    assert requests.get(ks_service.url + "/", timeout=10).status_code == 200
    assert requests.get(ks_service.url + "/v1", timeout=10).status_code == 200
    assert requests.get(ks_service.url + "/v1/", timeout=10).status_code == 200
    # the agent's routes answer for themselves (no such node), never 401
    lookup = requests.get(
        ks_service.url + "/v1/lookup?addresses=52:54:00:00:00:01", headers=H, timeout=10
    )
    assert lookup.status_code == 404
    beat = requests.post(
        ks_service.url + f"/v1/heartbeat/{uuid.uuid4()}",
        json={"callback_url": "http://127.0.0.1:9999", "agent_token": "x"},
        headers=H,
        timeout=10,
    )
    assert beat.status_code == 404
    inspection = requests.post(
        ks_service.url + "/v1/continue_inspection", json={"inventory": {}}, headers=H, timeout=10
    )
    assert inspection.status_code not in (401, 403, 500)


def test_no_token_or_a_bad_one_is_refused_with_ironics_error_body(keystone, ks_service):
    for headers in (H, {**H, "X-Auth-Token": "not-a-token"}):
        resp = requests.get(ks_service.url + "/v1/nodes", headers=headers, timeout=10)
        assert resp.status_code == 401
        assert "requires authentication" in _fault(resp)
        assert resp.headers["WWW-Authenticate"] == f'Keystone uri="{keystone.url}"'


def test_identity_headers_from_the_client_are_not_believed(keystone, ks_service, nodes):
    spoofed = {
        "X-Identity-Status": "Confirmed",
        "X-Roles": "admin,reader",
        "OpenStack-System-Scope": "all",
        "X-Project-Id": keystone.project_ids["lessee"],
    }
    resp = requests.get(ks_service.url + "/v1/nodes", headers={**H, **spoofed}, timeout=10)
    assert resp.status_code == 401
    # with a real reader token of OWNER, the made-up system scope and roles change nothing
    token = keystone.token("owner-reader")
    resp = requests.get(
        ks_service.url + "/v1/nodes", headers={**H, **spoofed, "X-Auth-Token": token}, timeout=10
    )
    assert resp.status_code == 200
    assert {n["uuid"] for n in resp.json()["nodes"]} == {nodes["owned"]}


def test_a_revoked_token_is_refused(keystone, ks_service):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OS_")},
        **PERSONAS["owner-member"].env(keystone.url),
    }
    openstack_cli = os.path.join(os.path.dirname(sys.executable), "openstack")

    def cli(*args: str) -> str:
        proc = subprocess.run(
            [openstack_cli, *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    token = cli("token", "issue", "-f", "value", "-c", "id")
    cli("token", "revoke", token)
    # keystonemiddleware asks Keystone about a token it has not seen (one it validated before
    # stays cached for [keystone_authtoken] token_cache_time)
    resp = requests.get(
        ks_service.url + "/v1/nodes", headers={**H, "X-Auth-Token": token}, timeout=10
    )
    assert resp.status_code == 401 and "requires authentication" in _fault(resp)


def test_an_expired_token_is_refused(keystone, ks_service):
    token = keystone.short_lived_token("owner-reader", seconds=4)
    issued = time.monotonic()
    headers = {**H, "X-Auth-Token": token}
    assert requests.get(ks_service.url + "/v1/nodes", headers=headers, timeout=10).ok
    time.sleep(max(0.0, 6 - (time.monotonic() - issued)))
    # refused although keystonemiddleware had cached it as valid
    resp = requests.get(ks_service.url + "/v1/nodes", headers=headers, timeout=10)
    assert resp.status_code == 401 and "requires authentication" in _fault(resp)


# persona -> the test nodes it lists (Ironic's defaults: owner or lessee; system sees all)
VISIBLE = {
    "system-admin": {"owned", "lessee-owned", "service-owned", "free"},
    "system-reader": {"owned", "lessee-owned", "service-owned", "free"},
    "owner-admin": {"owned"},
    "owner-member": {"owned"},
    "owner-reader": {"owned"},
    "lessee-manager": {"owned", "lessee-owned"},
    "lessee-reader": {"owned", "lessee-owned"},
    "third-admin": set(),
    "nova": {"service-owned"},  # rbac_service_role_elevated_access is off
}


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_sdk_lists_and_shows_only_what_the_persona_may_see(keystone, nodes, persona):
    conn = connect(keystone, persona)
    try:
        listed = {n.id for n in conn.baremetal.nodes(details=True)}
        ours = {key for key, ident in nodes.items() if ident in listed}
        assert ours == VISIBLE[persona]
        for key, ident in nodes.items():
            if key in VISIBLE[persona]:
                assert conn.baremetal.get_node(ident).id == ident
            else:  # 404, not 403: nothing says the node exists
                with pytest.raises(openstack.exceptions.NotFoundException):
                    conn.baremetal.get_node(ident)
    finally:
        conn.close()


def test_a_project_may_not_ask_for_another_projects_nodes(keystone, ks_service, nodes):
    headers = {**H, "X-Auth-Token": keystone.token("owner-reader")}
    url = ks_service.url + "/v1/nodes?project="
    resp = requests.get(url + keystone.project_ids["lessee"], headers=headers, timeout=10)
    assert resp.status_code == 403
    assert "baremetal:node:list_all" in _fault(resp)
    resp = requests.get(url + keystone.project_ids["owner"], headers=headers, timeout=10)
    assert resp.status_code == 200
    assert {n["uuid"] for n in resp.json()["nodes"]} == {nodes["owned"]}


def test_cli_with_real_tokens(keystone, ks_service, nodes):
    exe = os.path.join(os.path.dirname(sys.executable), "openstack")

    def run(persona: str, *args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(PERSONAS[persona].env(keystone.url), OS_BAREMETAL_API_VERSION="latest")
        return subprocess.run(
            [exe, "baremetal", *args], env=env, capture_output=True, text=True, timeout=120
        )

    proc = run("lessee-member", "node", "list", "-f", "json")
    assert proc.returncode == 0, proc.stderr
    assert {n["name"] for n in json.loads(proc.stdout)} >= {"ks-owned", "ks-lessee-owned"}
    assert "ks-free" not in proc.stdout
    proc = run("system-reader", "node", "list", "-f", "json")
    assert {"ks-owned", "ks-free", "ks-service-owned"} <= {
        n["name"] for n in json.loads(proc.stdout)
    }
    proc = run("lessee-member", "node", "show", "ks-free")
    assert proc.returncode != 0 and "could not be found" in proc.stderr
    proc = run("owner-reader", "node", "show", "ks-owned", "-f", "json")
    assert (
        proc.returncode == 0 and json.loads(proc.stdout)["owner"] == keystone.project_ids["owner"]
    )


def test_the_callers_keystone_identity_reaches_the_conductor(keystone, nodes):
    """Node history records the Keystone user who asked (the context crossed the RPC)."""
    admin = connect(keystone, "system-admin")
    try:
        admin.baremetal.set_node_provision_state(nodes["owned"], "manage", wait=True, timeout=60)
        events = admin.baremetal.get(
            f"/nodes/{nodes['owned']}/history?detail=true", microversion="1.78"
        ).json()["history"]
        users = {e["user"] for e in events}
        admin_id = admin.current_user_id
        assert admin_id in users
    finally:
        admin.close()


def test_service_catalog_options_authenticate_and_find_the_endpoint(keystone, ks_service, tmp_path):
    """[service_catalog] as an operator writes it: a password login that finds ironic-lite."""
    from oslo_config import cfg

    from ironic_lite.common import keystone as service_auth
    from ironic_lite.conf import service_catalog

    conf = tmp_path / "service-catalog.conf"
    conf.write_text(
        f"[service_catalog]\nauth_type = password\nauth_url = {keystone.url}\n"
        "username = ironic\n"
        f"password = {PERSONAS['ironic'].password}\n"
        "user_domain_id = default\nproject_name = service\nproject_domain_id = default\n"
        f"region_name = {REGION}\nvalid_interfaces = public\n"
    )
    # a private ConfigOpts: loading a plugin registers its options, which must not leak
    own = cfg.ConfigOpts()
    service_catalog.register(own)
    own(["--config-file", str(conf)], project="ironic-lite", default_config_files=[])
    catalog = service_auth.adapter("service_catalog", own)
    assert catalog.get_endpoint() == ks_service.url
    assert catalog.get("/v1", raise_exc=True).json()["id"] == "v1"
    assert catalog.get_token()


def test_keystone_without_a_service_user_refuses_to_start(tmp_path):
    svc = Service(state_dir=str(tmp_path), extra_conf="[DEFAULT]\nauth_strategy = keystone\n")
    with pytest.raises(RuntimeError, match="exited early") as failed:
        svc.start(timeout=60)
    assert "[keystone_authtoken] has no auth_type" in str(failed.value)
