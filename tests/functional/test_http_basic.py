"""HTTP Basic authentication against an htpasswd file of bcrypt hashes."""

import os

import bcrypt
import pytest
import requests

from tests.lab.server import Service

H = {"X-OpenStack-Ironic-API-Version": "latest"}


@pytest.fixture(scope="module")
def basic_service(tmp_path_factory):
    state = tmp_path_factory.mktemp("basic")
    htpasswd = state / "htpasswd"
    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=4)).decode()
    # htpasswd -B writes $2y$; make sure that flavour is accepted too
    htpasswd.write_text(f"# operators\nadmin:{hashed.replace('$2b$', '$2y$', 1)}\n")
    svc = Service(
        state_dir=str(state),
        extra_conf=f"""
        [DEFAULT]
        auth_strategy = http_basic
        http_basic_auth_user_file = {htpasswd}
        """,
        auth=("admin", "s3cret"),
    )
    # the extra [DEFAULT] section merges with the generated one
    svc.start()
    yield svc
    svc.stop()


def _fault(resp) -> str:
    import json

    return json.loads(resp.json()["error_message"])["faultstring"]


def test_discovery_needs_no_credentials(basic_service):
    assert requests.get(basic_service.url + "/").status_code == 200
    assert requests.get(basic_service.url + "/v1").status_code == 200


def test_missing_and_wrong_credentials_are_refused(basic_service):
    resp = requests.get(basic_service.url + "/v1/nodes", headers=H)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Basic")
    assert "Authorization required" in _fault(resp)
    resp = requests.get(basic_service.url + "/v1/nodes", headers=H, auth=("admin", "nope"))
    assert resp.status_code == 401 and "Incorrect username or password" in _fault(resp)
    resp = requests.get(basic_service.url + "/v1/nodes", headers=H, auth=("ghost", "s3cret"))
    assert resp.status_code == 401


def test_right_credentials_work_with_sdk_and_raw_http(basic_service):
    resp = requests.get(basic_service.url + "/v1/nodes", headers=H, auth=("admin", "s3cret"))
    assert resp.status_code == 200 and resp.json() == {"nodes": []}

    import openstack

    conn = openstack.connect(
        auth_type="http_basic",
        auth={"username": "admin", "password": "s3cret", "endpoint": basic_service.url},
        baremetal_endpoint_override=basic_service.url,
        load_yaml_config=False,
        load_envvars=False,
    )
    node = conn.baremetal.create_node(driver="fake-hardware", name="basic-auth-node")
    assert conn.baremetal.get_node("basic-auth-node").id == node.id
    conn.baremetal.delete_node(node)


def test_password_never_logged(basic_service):
    requests.get(basic_service.url + "/v1/nodes", headers=H, auth=("admin", "s3cret"))
    assert "s3cret" not in basic_service.read_log()
    assert os.path.exists(basic_service.log)


def test_unknown_user_and_wrong_password_get_the_same_answer(basic_service):
    """Nothing in a refusal tells whether the user exists (the time neither: both do one
    bcrypt check, see tests/unit/test_http_basic.py and benchmarks/http_basic.py)."""
    answers = []
    for user, password in (("admin", "nope"), ("ghost", "nope"), ("admin", "x" * 200)):
        resp = requests.get(basic_service.url + "/v1/nodes", headers=H, auth=(user, password))
        assert resp.status_code == 401
        request_id = resp.headers["X-OpenStack-Request-Id"]
        headers = {
            k: v
            for k, v in resp.headers.items()
            if k.lower() not in ("date", "x-openstack-request-id", "openstack-request-id")
        }
        answers.append((resp.text.replace(request_id, "ID"), headers))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][1]["WWW-Authenticate"].startswith("Basic")


# --- version-less paths (Bifrost's clouds.yaml: http_basic, endpoint, no override) -----------
def _bifrost_conn(url: str, password: str = "s3cret"):
    """openstacksdk as Bifrost's clouds.yaml configures it for http_basic: only ``auth``."""
    import openstack

    return openstack.connect(
        auth_type="http_basic",
        auth={"username": "admin", "password": password, "endpoint": url},
        load_yaml_config=False,
        load_envvars=False,
    )


def test_sdk_configured_as_bifrost_uses_versionless_paths(basic_service):
    conn = _bifrost_conn(basic_service.url)
    node = conn.baremetal.create_node(
        driver="fake-hardware", name="bifrost-style", driver_info={"fake_password": "x"}
    )
    port = conn.baremetal.create_port(node_id=node.id, address="52:54:00:aa:bb:01")
    assert [n.id for n in conn.baremetal.nodes(details=True)] == [node.id]
    assert conn.baremetal.find_node("bifrost-style").id == node.id
    assert [p.address for p in conn.baremetal.ports(node_id=node.id)] == [port.address]
    conn.baremetal.update_node(node, extra={"from": "bifrost"})
    assert conn.baremetal.get_node(node.id).extra == {"from": "bifrost"}
    conn.baremetal.delete_port(port)
    conn.baremetal.delete_node(node)
    assert conn.baremetal.find_node("bifrost-style") is None


def test_versionless_paths_need_the_same_credentials(basic_service):
    url = basic_service.url
    for path in ("/nodes", "/nodes/detail", "/ports", "/drivers", "/conductors"):
        resp = requests.get(url + path, headers=H)
        assert resp.status_code == 401, path
        resp = requests.get(url + path, headers=H, auth=("admin", "nope"))
        assert resp.status_code == 401, path
        assert requests.get(url + path, headers=H, auth=("admin", "s3cret")).status_code == 200
    # Wrong credentials through the SDK fail as they do on /v1.
    import openstack

    with pytest.raises(openstack.exceptions.HttpException) as failed:
        list(_bifrost_conn(url, password="nope").baremetal.nodes())
    assert failed.value.status_code == 401
    # Only the agent's /v1 callbacks are public (as in Ironic): the same names without /v1
    # are ordinary API paths and need credentials.
    assert requests.get(url + "/lookup?addresses=52:54:00:00:00:09", headers=H).status_code == 401
    assert requests.post(url + "/heartbeat/some-node", headers=H, json={}).status_code == 401
    assert requests.post(url + "/continue_inspection", headers=H, json={}).status_code == 401
    resp = requests.get(url + "/v1/lookup?addresses=52:54:00:00:00:09", headers=H)
    assert resp.status_code == 404  # public: no node has that MAC


def test_versionless_paths_under_noauth(service):
    created = requests.post(
        service.url + "/nodes", headers=H, json={"driver": "fake-hardware", "name": "no-v1"}
    )
    assert created.status_code == 201
    uuid = created.json()["uuid"]
    assert created.json()["links"][0]["href"].endswith(f"/v1/nodes/{uuid}")
    listed = requests.get(service.url + "/nodes/detail", headers=H).json()
    assert {"uuid": uuid, "name": "no-v1"} in [
        {k: n[k] for k in ("uuid", "name")} for n in listed["nodes"]
    ]
    assert requests.get(service.url + "/nodes/no-v1/states", headers=H).status_code == 200
    assert requests.get(service.url + "/nowhere", headers=H).status_code == 404
    assert "versions" in requests.get(service.url + "/").json()  # the root stays the root
    assert requests.delete(service.url + f"/nodes/{uuid}", headers=H).status_code == 204
