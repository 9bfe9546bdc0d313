"""Deploys as Bifrost and Metal3 ask for them, through openstacksdk, the conductor and the real
agent on a simulated machine: config drives given as a document or by URL, an image with no
disk_format, a checksum given as the URL of a checksum file. The written disk is read back:
the config drive partition must hold a ``config-2`` ISO with the expected files."""

import base64
import gzip
import hashlib
import io
import json
import os
import subprocess
import textwrap
import uuid

import openstack
import pycdlib
import pytest

from tests.integration.test_agent_deploy import Agent, _disk, _mac, _machine, _node, _wait
from tests.lab.bifrost import mkisofs
from tests.lab.server import Service
from tests.unit.agent.fakes import ImageServer


@pytest.fixture(scope="module")
def lab():
    """The service (short waits), an image server and an SDK connection."""
    svc = Service(
        extra_conf=textwrap.dedent("""\
            [conductor]
            check_provision_state_interval = 1
            deploy_callback_timeout = 30
            [agent]
            heartbeat_timeout = 3
            post_deploy_power_off_wait = 2
            command_retry_interval = 0.5
            """)
    ).start()
    conn = openstack.connect(
        auth_type="none",
        auth={"endpoint": svc.url},
        baremetal_endpoint_override=svc.url,
        load_yaml_config=False,
        load_envvars=False,
    )
    with ImageServer() as images:
        yield svc, conn, images
    conn.close()
    svc.stop()


@pytest.fixture
def agents():
    started: list[Agent] = []
    yield started
    for agent in started:
        agent.stop()


def _iso_files(iso_bytes: bytes) -> dict[str, bytes]:
    """Every file of an ISO by its Rock Ridge path (what Linux shows when it mounts it)."""
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(iso_bytes))
    try:
        assert iso.pvd.volume_identifier.decode().strip() == "config-2"
        found = {}
        for root, _dirs, files in iso.walk(rr_path="/"):
            for name in files:
                out = io.BytesIO()
                path = f"{root.rstrip('/')}/{name}"
                iso.get_file_from_iso_fp(out, rr_path=path)
                found[path] = out.getvalue()
        return found
    finally:
        iso.close()


def _configdrive_on_disk(machine: str) -> bytes:
    data, record = _disk(machine)
    part = record["configdrive_partition"]
    return data[part["start"] : part["start"] + part["size"]]


def _deploy(lab, tmp_path, agents, instance_info: dict, config_drive, image: bytes):
    svc, conn, images = lab
    mac = _mac()
    machine = _machine(tmp_path, mac, disk_size="128M")
    node = _node(conn, mac, instance_info=instance_info)
    conn.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    conn.baremetal.set_node_provision_state(node, "active", config_drive=config_drive)
    _wait(conn, node.id, {"wait call-back"}, 30)
    agent = Agent(svc.url, machine)
    agents.append(agent)
    node = _wait(conn, node.id, {"active", "deploy failed"}, 90, agent)
    assert node.provision_state == "active", (node.last_error, agent.output())
    data, _record = _disk(machine)
    return node, machine, data


def test_configdrive_document_becomes_a_config2_iso(lab, tmp_path, agents):
    svc, conn, images = lab
    payload = os.urandom(MiB := 1024 * 1024)
    url = images.add(f"/{uuid.uuid4().hex}.raw", payload)
    document = {
        "meta_data": {"hostname": "web-1", "public_keys": {"0": "ssh-ed25519 AAAA test"}},
        "user_data": "#cloud-config\nruncmd: [echo hi]\n",
        "network_data": {"links": [{"id": "eth0", "type": "phy"}], "networks": []},
        "vendor_data": {"lab": True},
    }
    node, machine, data = _deploy(
        lab,
        tmp_path,
        agents,
        {
            "image_source": url,
            "image_checksum": hashlib.sha256(payload).hexdigest(),
            "image_disk_format": "raw",
        },
        document,
        payload,
    )
    assert data[:MiB] == payload
    files = _iso_files(_configdrive_on_disk(machine))
    for version in ("2012-08-10", "latest"):
        base = f"/openstack/{version}"
        meta = json.loads(files[f"{base}/meta_data.json"])
        # Ironic fills in the node's uuid and name.
        assert meta == {**document["meta_data"], "uuid": node.id, "name": node.name}
        assert json.loads(files[f"{base}/network_data.json"]) == document["network_data"]
        assert json.loads(files[f"{base}/vendor_data2.json"]) == document["vendor_data"]
        assert files[f"{base}/user_data"] == document["user_data"].encode()
    # The document is not shown back (instance_info hides config drives).
    assert conn.baremetal.get_node(node.id).instance_info["configdrive"] == "******"


def test_bifrost_deploy_url_configdrive_qcow2_without_format_checksum_url(lab, tmp_path, agents):
    """What Bifrost sends: a config drive URL whose content is `gzip -c | base64` (with line
    breaks), an image with no image_disk_format (a qcow2 here), and image_checksum given as
    the URL of a checksum file."""
    svc, conn, images = lab
    payload = os.urandom(2 * 1024 * 1024)
    raw, qcow = tmp_path / "img.raw", tmp_path / "img.qcow2"
    raw.write_bytes(payload)
    subprocess.run(
        ["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(qcow)],
        check=True,
        timeout=60,
    )
    name = f"{uuid.uuid4().hex}.qcow2"
    url = images.add(f"/images/{name}", qcow.read_bytes())
    sums = images.add(
        f"/images/{uuid.uuid4().hex}.SHA256SUMS",
        f"{hashlib.sha256(b'x').hexdigest()}  other.qcow2\n"
        f"{hashlib.sha256(qcow.read_bytes()).hexdigest()}  {name}\n".encode(),
    )
    # Bifrost's configdrive role: mkisofs -R -V config-2 (Rock Ridge, no Joliet), then
    # gzip | base64.
    iso = mkisofs({"openstack/latest/meta_data.json": b'{"uuid": "b", "hostname": "b-1"}'})
    text = base64.b64encode(gzip.compress(iso)).decode()
    drive_url = images.add(
        f"/configdrive-{uuid.uuid4().hex}.iso.gz",
        ("\n".join(textwrap.wrap(text, 76)) + "\n").encode(),
    )
    node, machine, data = _deploy(
        lab, tmp_path, agents, {"image_source": url, "image_checksum": sums}, drive_url, payload
    )
    assert data[: len(payload)] == payload  # converted from qcow2, not copied byte for byte
    _data, record = _disk(machine)
    assert record["image"]["disk_format"] == "qcow2"
    files = _iso_files(_configdrive_on_disk(machine))
    assert json.loads(files["/openstack/latest/meta_data.json"])["hostname"] == "b-1"


def test_malformed_checksum_is_refused_at_validate(lab, tmp_path):
    svc, conn, images = lab
    node = _node(
        conn,
        _mac(),
        instance_info={"image_source": images.url + "/x.img", "image_checksum": "ftp://x/SUMS"},
    )
    result = conn.baremetal.validate_node(node, required=None)
    assert result["deploy"].result is False
    assert "image_checksum" in result["deploy"].reason
