"""What the ``direct`` deploy tells the agent to write, built from a node's instance_info."""

import pytest

from ironic_lite.common import exceptions
from ironic_lite.drivers import configdrive
from ironic_lite.drivers.agent.deploy import image_info


def _node(**instance_info):
    return {
        "uuid": "1be26c0b-03f2-4d2e-ae87-c02d7f33c123",
        "instance_info": instance_info,
        "properties": {"root_device": {"name": "/dev/sdb"}},
        "boot_mode": "uefi",
    }


def test_whole_disk_image_with_os_hash():
    info = image_info(
        _node(
            image_source="http://images/disk.qcow2",
            image_os_hash_algo="sha512",
            image_os_hash_value="ab" * 64,
            image_disk_format="qcow2",
        )
    )
    assert info == {
        "id": "disk.qcow2",
        "urls": ["http://images/disk.qcow2"],
        "node_uuid": "1be26c0b-03f2-4d2e-ae87-c02d7f33c123",
        "stream_raw_images": True,
        "disk_format": "qcow2",
        "os_hash_algo": "sha512",
        "os_hash_value": "ab" * 64,
        "image_type": "whole-disk",
        "deploy_boot_mode": "uefi",
        "root_device": {"name": "/dev/sdb"},
    }


def test_partition_image_sizes():
    info = image_info(
        _node(
            image_source="https://images/root.img",
            image_checksum="sha256:" + "0" * 64,
            kernel="http://k",
            ramdisk="http://r",
            root_gb=2,
            swap_mb=512,
            ephemeral_gb=1,
        )
    )
    assert info["image_type"] == "partition" and info["checksum"] == "sha256:" + "0" * 64
    assert (info["root_mb"], info["swap_mb"], info["ephemeral_mb"]) == (2048, 512, 1024)
    # Unset, the ephemeral partition gets [pxe] default_ephemeral_format (ext4), as in Ironic:
    # IPA would otherwise run mkfs with no file system.
    assert info["ephemeral_format"] == "ext4" and info["preserve_ephemeral"] is False
    assert info["node_uuid"] == "1be26c0b-03f2-4d2e-ae87-c02d7f33c123"


def test_partition_image_always_carries_what_ipa_reads():
    info = image_info(
        _node(
            image_source="https://images/root.img",
            image_checksum="0" * 64,
            image_type="partition",
            root_gb=1,
            preserve_ephemeral="true",
            ephemeral_format="ext4",
        )
    )
    assert {k: info[k] for k in ("swap_mb", "ephemeral_mb", "ephemeral_format")} == {
        "swap_mb": 0,
        "ephemeral_mb": 0,
        "ephemeral_format": "ext4",
    }
    assert info["preserve_ephemeral"] is True


def test_unknown_disk_format_is_left_to_the_agent():
    info = image_info(_node(image_source="http://images/disk", image_checksum="a" * 64))
    assert "disk_format" not in info


@pytest.mark.parametrize(
    ("instance_info", "words"),
    [
        ({}, "image_source is required"),
        ({"image_source": "glance-uuid"}, "http(s) URL"),
        ({"image_source": "http://x/i"}, "image_checksum"),
        (
            {"image_source": "http://x/i", "image_checksum": "a" * 64, "image_type": "partition"},
            "root_gb",
        ),
    ],
)
def test_refusals_name_what_is_missing(instance_info, words):
    with pytest.raises(exceptions.Invalid) as err:
        image_info(_node(**instance_info))
    assert words in str(err.value)


def test_configdrive_for_the_agent():
    """Strings and URLs go to the agent as given; a document becomes a gzipped, base64 ISO;
    local files are read only under [conductor] file_url_allowed_paths."""
    import base64
    import gzip

    assert configdrive.for_agent(_node(configdrive="H4sI...")) == "H4sI..."
    assert configdrive.for_agent(_node(configdrive="http://x/cd.gz")) == "http://x/cd.gz"
    assert configdrive.for_agent(_node()) is None
    built = configdrive.for_agent(_node(configdrive={"user_data": "x"}))
    assert gzip.decompress(base64.b64decode(built))[0x8001:0x8006] == b"CD001"
    for local in ("file:///etc/passwd", "/etc/passwd"):
        with pytest.raises(exceptions.LocalFileNotAllowed, match="file_url_allowed_paths"):
            configdrive.for_agent(_node(configdrive=local))
    for bad in ({"meta_data": "x"}, {"user_data": "x", "other": 1}, 42):
        with pytest.raises(exceptions.InvalidParameterValue):
            configdrive.for_agent(_node(configdrive=bad))


def test_no_disk_format_is_left_for_the_agent_to_detect():
    info = image_info(_node(image_source="http://x/i.img", image_checksum="a" * 64))
    assert "disk_format" not in info
    info = image_info(
        _node(image_source="http://x/i.img", image_checksum="a" * 64, image_disk_format="qcow2")
    )
    assert info["disk_format"] == "qcow2"


@pytest.mark.parametrize(
    "fields",
    [
        {"image_checksum": "http://x/SHA256SUMS"},
        {"image_checksum": "sha256:" + "b" * 64},
        {"image_os_hash_algo": "sha256", "image_os_hash_value": "https://x/CHECKSUM"},
    ],
)
def test_checksums_and_checksum_urls_pass(fields):
    info = image_info(_node(image_source="http://x/i.img", **fields))
    assert (info.get("checksum") or info.get("os_hash_value")) in fields.values()


@pytest.mark.parametrize(
    "value", ["not-a-checksum", "ftp://x/SHA256SUMS", "http://[::1/SUMS", "http:// x", 42]
)
def test_malformed_checksums_are_refused_at_validate(value):
    with pytest.raises(exceptions.InvalidParameterValue, match="image_checksum"):
        image_info(_node(image_source="http://x/i.img", image_checksum=value))
