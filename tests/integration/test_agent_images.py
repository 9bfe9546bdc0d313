"""Image writes through the agent process onto a simulated disk: the bytes on the disk file
are compared with the image, and the disk's metadata says whether it was deployed."""

import base64
import gzip
import hashlib
import os
import shutil
import subprocess

import pytest

from ironic_lite_agent.hardware.simulated import SimulatedBackend, make_machine
from ironic_lite_agent.partitions import MiB
from tests.unit.agent.fakes import AgentProcess, FakeIronicAPI, ImageServer

MACS = ["52:54:00:ab:cd:01"]
pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")


@pytest.fixture
def machine(tmp_path):
    make_machine(str(tmp_path / "m"), disks=1, disk_size="16M", macs=MACS)
    return str(tmp_path / "m")


@pytest.fixture
def env(machine):
    with FakeIronicAPI(MACS) as api, ImageServer() as images, AgentProcess(machine, api) as agent:
        yield agent, images, SimulatedBackend(machine)


def _info(url: str, data: bytes, algo: str = "sha256", **extra) -> dict:
    return {
        "id": "img-1",
        "urls": [url],
        "disk_format": "raw",
        "os_hash_algo": algo,
        "os_hash_value": hashlib.new(algo, data).hexdigest(),
        **extra,
    }


def _disk_bytes(backend: SimulatedBackend, offset: int = 0, length: int | None = None) -> bytes:
    disk = backend.disks()[0]
    with open(disk.path, "rb") as f:
        f.seek(offset)
        return f.read(disk.size if length is None else length)


def _write(agent, info: dict, configdrive: str | None = None) -> dict:
    params = {"image_info": info}
    if configdrive is not None:
        params["configdrive"] = configdrive
    resp = agent.command("standby.write_image", params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_raw_whole_disk_image_streams_to_the_disk(env):
    agent, images, backend = env
    data = os.urandom(3 * MiB + 12345)
    body = _write(agent, _info(images.add("/disk.raw", data), data, "sha512"))
    assert body["command_status"] == "SUCCEEDED", body
    assert body["command_result"]["size"] == len(data)
    assert _disk_bytes(backend, 0, len(data)) == data
    meta = backend.disk_metadata(backend.disks()[0])["image"]
    assert meta["deployed"] is True and meta["checksum"].startswith("sha512:")


def test_qcow2_image_is_downloaded_verified_and_converted(env, tmp_path):
    agent, images, backend = env
    raw = tmp_path / "src.raw"
    raw.write_bytes(os.urandom(2 * MiB) + b"\0" * MiB + os.urandom(MiB))
    qcow = tmp_path / "src.qcow2"
    subprocess.run(
        ["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(qcow)], check=True
    )
    data = qcow.read_bytes()
    body = _write(agent, {**_info(images.add("/disk.qcow2", data), data), "disk_format": "qcow2"})
    assert body["command_status"] == "SUCCEEDED", body
    assert _disk_bytes(backend, 0, raw.stat().st_size) == raw.read_bytes()
    assert os.listdir(os.path.join(backend.root, "work")) == []  # the temporary file is gone


def test_wrong_checksum_fails_and_the_disk_is_not_deployed(env):
    agent, images, backend = env
    data = os.urandom(2 * MiB)
    info = _info(images.add("/bad.raw", data), data)
    info["os_hash_value"] = hashlib.sha256(b"something else").hexdigest()
    body = _write(agent, info)
    assert body["command_status"] == "FAILED"
    error = body["command_error"]
    assert error["type"] == "ImageChecksumError"
    assert "failed checksum verification" in error["message"]
    assert hashlib.sha256(data).hexdigest() in error["message"]
    meta = backend.disk_metadata(backend.disks()[0])["image"]
    assert meta["deployed"] is False and meta["state"] == "failed"
    assert _disk_bytes(backend, 0, MiB) == b"\0" * MiB  # the head was zeroed: cannot boot


def test_wrong_checksum_of_a_qcow2_never_touches_the_disk(env, tmp_path):
    agent, images, backend = env
    raw = tmp_path / "src.raw"
    raw.write_bytes(os.urandom(MiB))
    qcow = tmp_path / "src.qcow2"
    subprocess.run(
        ["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(qcow)], check=True
    )
    data = qcow.read_bytes()
    info = {**_info(images.add("/bad.qcow2", data), data), "disk_format": "qcow2"}
    info["os_hash_value"] = "0" * 64
    body = _write(agent, info)
    assert body["command_status"] == "FAILED"
    assert body["command_error"]["type"] == "ImageChecksumError"
    assert _disk_bytes(backend).count(0) == backend.disks()[0].size


def test_broken_download_is_resumed_with_range(env):
    agent, images, backend = env
    data = os.urandom(4 * MiB)
    url = images.add("/flaky.raw", data, break_after=1500 * 1024)
    body = _write(agent, _info(url, data))
    assert body["command_status"] == "SUCCEEDED", body
    assert _disk_bytes(backend, 0, len(data)) == data
    ranges = [r["range"] for r in images.requests if r["path"] == "/flaky.raw"]
    assert ranges[0] is None and ranges[1].startswith("bytes=") and ranges[1] != "bytes=0-"


def test_broken_download_without_range_support_starts_over(env):
    agent, images, backend = env
    data = os.urandom(3 * MiB)
    url = images.add("/norange.raw", data, break_after=MiB, ranges=False)
    body = _write(agent, _info(url, data))
    assert body["command_status"] == "SUCCEEDED", body
    assert _disk_bytes(backend, 0, len(data)) == data


def test_download_that_keeps_breaking_fails_cleanly(env):
    agent, images, backend = env
    data = os.urandom(3 * MiB)
    url = images.add("/dead.raw", data, break_after=512 * 1024, breaks=100)
    body = _write(agent, _info(url, data))
    assert body["command_status"] == "FAILED"
    assert body["command_error"]["type"] == "ImageDownloadError"
    assert "gave up after 3 attempts" in body["command_error"]["message"]
    assert backend.disk_metadata(backend.disks()[0])["image"]["deployed"] is False
    assert _disk_bytes(backend, 0, MiB) == b"\0" * MiB


def test_md5_is_refused_unless_allowed(env):
    agent, images, backend = env
    data = os.urandom(MiB)
    url = images.add("/md5.raw", data)
    legacy = {
        "id": "old",
        "urls": [url],
        "disk_format": "raw",
        "checksum": hashlib.md5(data).hexdigest(),
    }
    body = _write(agent, legacy)
    assert body["command_status"] == "FAILED"
    assert body["command_error"]["type"] == "InsecureChecksum"
    assert "md5 is refused" in body["command_error"]["message"]
    assert not images.requests  # refused before any download
    allowed = _write(agent, {**legacy, "allow_md5": True})
    assert allowed["command_status"] == "SUCCEEDED", allowed
    assert _disk_bytes(backend, 0, len(data)) == data


def test_partition_image_with_swap_and_configdrive(tmp_path):
    machine = str(tmp_path / "p")
    make_machine(machine, disks=1, disk_size="512M", macs=MACS)
    data = os.urandom(3 * MiB)
    drive = b"CONFIG-DRIVE-ISO" + os.urandom(4096)
    with FakeIronicAPI(MACS) as api, ImageServer() as images, AgentProcess(machine, api) as agent:
        info = _info(
            images.add("/root.img", data),
            data,
            image_type="partition",
            root_mb=100,
            swap_mb=32,
            ephemeral_mb=0,
        )
        body = _write(agent, info, base64.b64encode(gzip.compress(drive)).decode())
        assert body["command_status"] == "SUCCEEDED", body
        result = body["command_result"]
        uuids = agent.command("standby.get_partition_uuids").json()["command_result"]
        bootloader = agent.command(
            "image.install_bootloader",
            {
                "root_uuid": result["root uuid"],
                "efi_system_part_uuid": result["efi system partition uuid"],
                "target_boot_mode": "uefi",
            },
        ).json()
    backend = SimulatedBackend(machine)
    meta = backend.disk_metadata(backend.disks()[0])
    table = meta["partition_table"]
    roles = [(p["role"], p["size"] // MiB) for p in table["partitions"]]
    assert table["label"] == "gpt"
    assert roles == [("efi", 200), ("root", 100), ("swap", 32), ("configdrive", 64)]
    root = table["partitions"][1]
    assert _disk_bytes(backend, root["start"], len(data)) == data
    cd = table["partitions"][3]
    assert cd["start"] + cd["size"] <= 511 * MiB
    assert _disk_bytes(backend, cd["start"], len(drive)) == drive
    assert result["root uuid"] == root["uuid"] == uuids["root uuid"]
    assert meta["image"]["deployed"] is True
    assert bootloader["command_status"] == "SUCCEEDED", bootloader
    assert meta["bootloader"]["root_uuid"] == root["uuid"]


def test_partition_image_that_does_not_fit_fails_before_writing(env):
    agent, images, backend = env
    data = os.urandom(MiB)
    body = _write(
        agent, _info(images.add("/big.img", data), data, image_type="partition", root_mb=100)
    )
    assert body["command_status"] == "FAILED"
    assert body["command_error"]["type"] == "PartitionLayoutError"
    assert (
        "16 MiB" in body["command_error"]["message"] or "usable" in body["command_error"]["message"]
    )
    assert not images.requests


def test_raw_image_larger_than_the_disk_fails(env):
    agent, images, backend = env
    data = os.urandom(17 * MiB)
    body = _write(agent, _info(images.add("/huge.raw", data), data))
    assert body["command_status"] == "FAILED"
    assert "larger than the target" in body["command_error"]["message"]
    assert backend.disk_metadata(backend.disks()[0])["image"]["deployed"] is False


def test_deploy_step_write_image_through_execute_deploy_step(env):
    agent, images, backend = env
    data = os.urandom(MiB)
    steps = agent.command("deploy.get_deploy_steps").json()["command_result"]
    listed = steps["deploy_steps"]["SimulatedHardwareManager"]
    assert {"step": "write_image", "priority": 0, "interface": "deploy"}.items() <= next(
        s for s in listed if s["step"] == "write_image"
    ).items()
    step = {
        "step": "write_image",
        "interface": "deploy",
        "args": {"image_info": _info(images.add("/step.raw", data), data)},
    }
    body = agent.command("deploy.execute_deploy_step", {"step": step, "node": {}}).json()
    assert body["command_status"] == "SUCCEEDED", body
    assert body["command_result"]["deploy_result"]["size"] == MiB
    assert _disk_bytes(backend, 0, MiB) == data


def _qcow2(tmp_path, payload: bytes) -> bytes:
    raw, qcow = tmp_path / "src.raw", tmp_path / "src.qcow2"
    raw.write_bytes(payload)
    subprocess.run(
        ["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(qcow)], check=True
    )
    return qcow.read_bytes()


def test_without_disk_format_the_first_bytes_decide(env, tmp_path):
    """No disk_format: a qcow2 is converted (not written byte for byte), a raw image is
    streamed, each found out from the image's first bytes with no extra request."""
    agent, images, backend = env
    payload = os.urandom(2 * MiB)
    qcow = _qcow2(tmp_path, payload)
    info = {k: v for k, v in _info(images.add("/nofmt.qcow2", qcow), qcow).items()}
    del info["disk_format"]
    body = _write(agent, info)
    assert body["command_status"] == "SUCCEEDED", body
    assert body["command_result"]["disk_format"] == "qcow2"
    assert _disk_bytes(backend, 0, len(payload)) == payload
    assert backend.disk_metadata(backend.disks()[0])["image"]["disk_format"] == "qcow2"

    raw = os.urandom(MiB)
    info = _info(images.add("/nofmt.raw", raw), raw)
    del info["disk_format"]
    body = _write(agent, info)
    assert body["command_status"] == "SUCCEEDED", body
    assert body["command_result"]["disk_format"] == "raw"
    assert _disk_bytes(backend, 0, len(raw)) == raw
    assert [r["path"] for r in images.requests].count("/nofmt.raw") == 1


def test_told_raw_a_qcow2_is_refused(env, tmp_path):
    agent, images, backend = env
    qcow = _qcow2(tmp_path, os.urandom(MiB))
    body = _write(agent, _info(images.add("/liar.raw", qcow), qcow))
    assert body["command_status"] == "FAILED"
    assert "the bytes are a qcow2 image" in body["command_error"]["message"]


def test_checksum_given_as_the_url_of_a_checksum_file(env):
    agent, images, backend = env
    data = os.urandom(MiB)
    url = images.add("/images/focal.img", data)
    sums = images.add(
        "/images/SHA256SUMS",
        f"{'0' * 64}  other.img\n{hashlib.sha256(data).hexdigest()} *focal.img\n".encode(),
    )
    info = {"id": "focal", "urls": [url], "checksum": sums}
    body = _write(agent, info)
    assert body["command_status"] == "SUCCEEDED", body
    assert body["command_result"]["checksum"] == f"sha256:{hashlib.sha256(data).hexdigest()}"
    assert _disk_bytes(backend, 0, len(data)) == data
    # A checksum file that does not list the image fails before the image is downloaded.
    missing = images.add("/images/OTHER.SUMS", f"{'0' * 64}  other.img\n".encode())
    body = _write(agent, {**info, "checksum": missing})
    assert body["command_status"] == "FAILED"
    assert "has no checksum for 'focal.img'" in body["command_error"]["message"]
    assert [r["path"] for r in images.requests].count("/images/focal.img") == 1


def test_configdrive_url_with_bifrost_gzip_base64_is_decoded(tmp_path):
    import textwrap

    machine = str(tmp_path / "cd")
    make_machine(machine, disks=1, disk_size="128M", macs=MACS)
    data = os.urandom(MiB)
    drive = bytes(0x8001) + b"CD001" + os.urandom(8192)
    # `gzip -c drive.iso | base64`: lines of 76 characters.
    published = "\n".join(textwrap.wrap(base64.b64encode(gzip.compress(drive)).decode(), 76))
    with FakeIronicAPI(MACS) as api, ImageServer() as images, AgentProcess(machine, api) as agent:
        url = images.add("/configdrive-node.iso.gz", (published + "\n").encode())
        body = _write(agent, _info(images.add("/disk.raw", data), data), url)
        assert body["command_status"] == "SUCCEEDED", body
    backend = SimulatedBackend(machine)
    cd = backend.disk_metadata(backend.disks()[0])["configdrive_partition"]
    assert _disk_bytes(backend, cd["start"], len(drive)) == drive
